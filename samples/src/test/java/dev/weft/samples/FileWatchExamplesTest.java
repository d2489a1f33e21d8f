package dev.weft.samples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.runtime.Channel;
import dev.weft.runtime.Scope;
import dev.weft.runtime.Task;
import dev.weft.signals.Signals;
import dev.weft.signals.UnixSignal;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
final class FileWatchExamplesTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    @Test
    void reloadOnWrite_reloadsOnceAfterAWriteAndOnceAfterAReplaceThenStops() throws Exception {
        Path config = Files.writeString(dir.toRealPath().resolve("app.conf"), "v1");
        Channel<String> reloads = Channel.unbounded(); // what each reload read
        try (Scope scope = Scope.open("reload-test")) {
            Task<Void> loop = scope.fork("reloader", () -> FileWatchExamples.reloadOnWrite(config,
                    path -> reloads.trySend(read(path))));
            awaitWatcherThread(config); // opened after the TERM subscription: TERM no longer ends this JVM

            Files.writeString(config, "v2");
            assertThat(reloads.receive(WAIT)).contains("v2");
            Path tmp = Files.writeString(dir.toRealPath().resolve("app.conf.tmp"), "v3");
            Files.move(tmp, config, StandardCopyOption.ATOMIC_MOVE);
            assertThat(reloads.receive(WAIT)).contains("v3");

            Signals.send(ProcessHandle.current().pid(), UnixSignal.TERM);
            loop.join();
            assertThat(loop.state()).isEqualTo(Task.State.SUCCEEDED);
            assertThat(reloads.tryReceive()).isEmpty(); // one reload per change, no more
        }
    }

    /** The inotify reader thread starts once the watches are in place; wait for it (polled with a deadline). */
    private static void awaitWatcherThread(Path config) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        Channel<Object> never = Channel.rendezvous();
        while (Thread.getAllStackTraces().keySet().stream()
                .noneMatch(t -> t.getName().startsWith("weft-inotify-") && t.getName().endsWith(" " + config))) {
            assertThat(System.nanoTime()).as("the watcher of %s starts within %s", config, WAIT).isLessThan(deadline);
            never.receive(Duration.ofMillis(10)); // a pause between polls of the condition
        }
    }

    private static String read(Path path) {
        try {
            return Files.readString(path);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
