package dev.weft.samples;

import dev.weft.fs.events.FileEvent;
import dev.weft.fs.events.FileWatcher;
import dev.weft.runtime.ReceiveChannel;
import dev.weft.runtime.Select;
import java.io.IOException;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * The file-watching example of the README, compiled here and exercised by the samples' tests: reload a
 * configuration file each time it has been written, in a select together with a stop channel.
 */
public final class FileWatchExamples {

    private FileWatchExamples() {
    }

    /**
     * Watches {@code config} and calls {@code reload} each time it has been written and closed, or replaced by a
     * rename (as editors and configuration tools save files), until {@code stop} delivers or closes, or the file's
     * directory disappears.
     *
     * <p>{@code stop} stands in for a signal channel (SIGHUP/SIGTERM from the signals module), which an application
     * feeds the same way.
     *
     * @param config the configuration file
     * @param stop a channel that ends the loop
     * @param reload receives the file's path each time it should be read again
     * @throws IOException if the file cannot be watched
     * @throws InterruptedException if interrupted while waiting
     */
    public static void reloadOnWrite(Path config, ReceiveChannel<String> stop, Consumer<Path> reload)
            throws IOException, InterruptedException {
        // README reload: begin
        try (FileWatcher watcher = FileWatcher.watch(config)) {       // a file is watched through its directory
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
                        .onReceiveOrClosed(stop, signal -> false)      // e.g. SIGTERM, or the app shutting down
                        .select();
            }
        }
        // README reload: end
    }
}
