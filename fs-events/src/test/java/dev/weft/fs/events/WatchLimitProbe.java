package dev.weft.fs.events;

import dev.weft.runtime.ChannelClosedException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A child process for {@link WatchLimitsTest} (run in a user namespace whose inotify limits the test lowered) and
 * {@link NativeAccessTest} (run with or without native access): prints what the watcher reported.
 */
public final class WatchLimitProbe {

    private WatchLimitProbe() {
    }

    /**
     * Runs one case.
     *
     * @param args the case ({@code start}, {@code later}, {@code instances} or {@code auto}) and a directory
     * @throws Exception on an unexpected failure (the test sees the exit status and stderr)
     */
    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[1]);
        WatchOptions recursive = WatchOptions.builder().recursive(true).backend(WatchBackend.INOTIFY).build();
        switch (args[0]) {
            case "start" -> {
                try (FileWatcher w = FileWatcher.watch(dir, recursive)) {
                    System.out.println("UNEXPECTED: watching " + w);
                } catch (IOException e) {
                    System.out.println("FAILED: " + e.getMessage());
                }
            }
            case "later" -> {
                try (FileWatcher w = FileWatcher.watch(dir, recursive)) {
                    for (int i = 0; i < 5; i++) {
                        Files.createDirectory(dir.resolve("later-" + i));
                    }
                    try {
                        while (w.events().receive(Duration.ofSeconds(30)).isPresent()) {
                            // drain until the channel closes
                        }
                        System.out.println("UNEXPECTED: still open");
                    } catch (ChannelClosedException e) {
                        System.out.println("CLOSED: " + e.getCause());
                    }
                }
            }
            case "instances" -> {
                try (FileWatcher first = FileWatcher.watch(dir, recursive)) {
                    System.err.println("first watcher: " + first.backend());
                    try (FileWatcher second = FileWatcher.watch(dir, recursive)) {
                        System.out.println("UNEXPECTED: watching twice " + second);
                    } catch (IOException e) {
                        System.out.println("FAILED: " + e.getMessage());
                    }
                }
            }
            case "auto" -> {
                try (FileWatcher w = FileWatcher.watch(dir)) {
                    System.out.println("BACKEND: " + w.backend());
                }
                WatchOptions inotify = WatchOptions.builder().backend(WatchBackend.INOTIFY).build();
                try (FileWatcher w = FileWatcher.watch(dir, inotify)) {
                    System.out.println("FORCED: " + w.backend());
                } catch (RuntimeException e) {
                    System.out.println("FORCED FAILED: " + e);
                }
            }
            default -> throw new IllegalArgumentException("case: " + args[0]);
        }
    }
}
