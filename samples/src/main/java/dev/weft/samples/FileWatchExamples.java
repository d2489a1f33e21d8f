package dev.weft.samples;

import dev.weft.fs.events.FileEvent;
import dev.weft.fs.events.FileWatcher;
import dev.weft.runtime.Select;
import dev.weft.signals.SignalSubscription;
import dev.weft.signals.Signals;
import dev.weft.signals.UnixSignal;
import java.io.IOException;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * The file-watching example of the README, compiled here and exercised by the samples' tests: reload a
 * configuration file each time it has been written, in a select together with a signal channel.
 */
public final class FileWatchExamples {

    private FileWatchExamples() {
    }

    /**
     * Watches {@code config} and calls {@code reload} each time it has been written and closed, or replaced by a
     * rename (as editors and configuration tools save files), until SIGTERM or SIGINT arrives, or the file's
     * directory disappears.
     *
     * @param config the configuration file
     * @param reload receives the file's path each time it should be read again
     * @throws IOException if the file cannot be watched
     * @throws InterruptedException if interrupted while waiting
     */
    public static void reloadOnWrite(Path config, Consumer<Path> reload) throws IOException, InterruptedException {
        // README reload: begin
        try (SignalSubscription stop = Signals.open(UnixSignal.TERM, UnixSignal.INT);
             FileWatcher watcher = FileWatcher.watch(config)) {       // a file is watched through its directory
            boolean running = true;
            while (running) {
                running = Select.<Boolean>create()
                        .onReceive(watcher.events(), event -> switch (event) {
                            case FileEvent.Written w -> {              // closed after writing: complete
                                reload.accept(w.path());
                                yield true;
                            }
                            case FileEvent.Created c -> {              // replaced by a rename (editors do that)
                                reload.accept(c.path());
                                yield true;
                            }
                            case FileEvent.RootGone g -> false;        // its directory is gone
                            default -> true;                           // Modified: still being written
                        })
                        .onReceive(stop.deliveries(), signal -> false) // SIGTERM or SIGINT: stop
                        .select();
            }
        }
        // README reload: end
    }
}
