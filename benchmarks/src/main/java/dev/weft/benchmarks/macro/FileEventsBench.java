package dev.weft.benchmarks.macro;

import dev.weft.fs.events.FileEvent;
import dev.weft.fs.events.FileWatcher;
import dev.weft.fs.events.WatchOptions;
import dev.weft.runtime.ChannelClosedException;
import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * The file-events benchmark process: {@code FileEventsBench weft|jdk DIR LATENCY_SAMPLES BURST_FILES}.
 *
 * <p>Latency: creates one file at a time in the watched directory and waits for the first event naming it; the
 * time from just before {@code Files.write} to the event. Burst: another thread creates {@code BURST_FILES} empty
 * files as fast as it can; the consumer counts the distinct files it is told about until it has them all or 30 s
 * pass. Prints {@code RESULT p50us p99us burstEventsPerSecond lost overflows}.
 *
 * <p>weft: {@link FileWatcher} with default options (inotify). JDK: {@link WatchService} of the default file
 * system (inotify too, through the JDK's own poller thread), drained by the consumer; an {@code OVERFLOW} is counted
 * and what it hid is lost.
 */
public final class FileEventsBench {

    private static final long WAIT_NANOS = TimeUnit.SECONDS.toNanos(30);

    private FileEventsBench() {
    }

    /** The events of either watcher, reduced to "a path appeared" or "events overflowed". */
    private interface Source extends AutoCloseable {
        /** The next path reported, an empty path for an overflow, or null on timeout. */
        Path next(long timeoutNanos) throws Exception;
    }

    /**
     * Runs one variant.
     *
     * @param args {@code weft|jdk DIR LATENCY_SAMPLES BURST_FILES}
     * @throws Exception if the watch fails
     */
    public static void main(String[] args) throws Exception {
        String variant = args[0];
        Path dir = Path.of(args[1]).toAbsolutePath();
        int samples = Integer.parseInt(args[2]);
        int burst = Integer.parseInt(args[3]);
        Path latencyDir = Files.createDirectories(dir.resolve("latency"));
        Histogram h = new Histogram(60_000_000L, 3);
        long lost = 0;
        try (Source source = open(variant, latencyDir)) {
            byte[] content = "x\n".getBytes();
            for (int i = 0; i < samples; i++) {
                Path f = latencyDir.resolve("f" + i);
                long t0 = System.nanoTime();
                Files.write(f, content);
                if (!awaitPath(source, f, t0 + WAIT_NANOS)) {
                    lost++;
                    continue;
                }
                h.recordValue(Math.max(1, (System.nanoTime() - t0) / 1000));
            }
        }
        Path burstDir = Files.createDirectories(dir.resolve("burst"));
        long overflows = 0;
        double rate;
        try (Source source = open(variant, burstDir)) {
            Thread writer = Thread.ofPlatform().name("burst-writer").start(() -> {
                try {
                    for (int i = 0; i < burst; i++) {
                        Files.createFile(burstDir.resolve("b" + i));
                    }
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            long t0 = System.nanoTime();
            Set<Path> seen = new HashSet<>();
            long deadline = t0 + WAIT_NANOS;
            while (seen.size() < burst) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                Path p = source.next(left);
                if (p == null) {
                    break;
                }
                if (p.toString().isEmpty()) {
                    overflows++;
                } else if (p.getParent() != null && p.getParent().equals(burstDir)) {
                    seen.add(p);
                }
            }
            rate = seen.size() / ((System.nanoTime() - t0) / 1e9);
            lost += burst - seen.size();
            writer.join();
        }
        System.out.println("RESULT " + h.getValueAtPercentile(50) + " " + h.getValueAtPercentile(99) + " " + rate
                + " " + lost + " " + overflows);
    }

    private static boolean awaitPath(Source source, Path f, long deadline) throws Exception {
        while (true) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            Path p = source.next(left);
            if (p == null) {
                return false;
            }
            if (p.equals(f)) {
                return true;
            }
        }
    }

    private static Source open(String variant, Path dir) throws IOException {
        return switch (variant) {
            case "weft" -> weft(dir);
            case "jdk" -> jdk(dir);
            default -> throw new IllegalArgumentException("unknown variant: " + variant + " (weft|jdk)");
        };
    }

    private static Source weft(Path dir) throws IOException {
        FileWatcher watcher = FileWatcher.watch(dir, WatchOptions.builder().recursive(false).build());
        return new Source() {
            @Override
            public Path next(long timeoutNanos) throws Exception {
                while (true) {
                    FileEvent e;
                    try {
                        e = watcher.events().receive(java.time.Duration.ofNanos(timeoutNanos)).orElse(null);
                    } catch (ChannelClosedException closed) {
                        return null;
                    }
                    if (e == null) {
                        return null;
                    }
                    if (e instanceof FileEvent.Overflow) {
                        return Path.of("");
                    }
                    if (e instanceof FileEvent.Created || e instanceof FileEvent.Written) {
                        return e.path();
                    }
                }
            }

            @Override
            public void close() {
                watcher.close();
            }
        };
    }

    private static Source jdk(Path dir) throws IOException {
        WatchService ws = dir.getFileSystem().newWatchService();
        dir.register(ws, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY);
        LinkedBlockingQueue<Path> pending = new LinkedBlockingQueue<>();
        return new Source() {
            @Override
            public Path next(long timeoutNanos) throws Exception {
                long deadline = System.nanoTime() + timeoutNanos;
                Path p;
                while ((p = pending.poll()) == null) {
                    long left = deadline - System.nanoTime();
                    WatchKey key;
                    try {
                        key = left <= 0 ? null : ws.poll(left, TimeUnit.NANOSECONDS);
                    } catch (ClosedWatchServiceException e) {
                        return null;
                    }
                    if (key == null) {
                        return null;
                    }
                    for (WatchEvent<?> e : key.pollEvents()) {
                        if (e.kind() == StandardWatchEventKinds.OVERFLOW) {
                            pending.add(Path.of(""));
                        } else {
                            pending.add(dir.resolve((Path) e.context()));
                        }
                    }
                    key.reset();
                }
                return p;
            }

            @Override
            public void close() throws IOException {
                ws.close();
            }
        };
    }
}
