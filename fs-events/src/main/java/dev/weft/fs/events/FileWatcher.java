package dev.weft.fs.events;

import dev.weft.runtime.Channel;
import dev.weft.runtime.ChannelClosedException;
import dev.weft.runtime.ReceiveChannel;
import dev.weft.runtime.Scope;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A watch over a file or a directory tree whose changes arrive as {@link FileEvent}s on a channel.
 *
 * <pre>{@code
 * WatchOptions options = WatchOptions.builder().recursive(true).include("*.log").build();
 * try (FileWatcher watcher = FileWatcher.watch(dir, options)) {
 *     for (FileEvent event : watcher.events()) {          // ends when the watcher closes or the root goes
 *         switch (event) {
 *             case FileEvent.Written w -> ship(w.path());
 *             case FileEvent.Deleted d -> forget(d.path());
 *             default -> { }
 *         }
 *     }
 * }
 * }</pre>
 *
 * <p><b>What is reported.</b> Every change under the root, as it happens, once: see {@link FileEvent} for the kinds.
 * With {@link WatchOptions.Builder#recursive(boolean) recursive} set, each directory under the root is watched, and
 * a new one is watched before it is listed, so a file created in it before its watch landed is reported (by the
 * listing) exactly once, as is one created after (by the kernel). A file is watched through its parent directory,
 * for that one name: the file may be deleted and created again, or replaced by a rename, and the watch goes on.
 *
 * <p><b>Nothing is lost silently.</b> {@link #events()} holds up to {@link WatchOptions#bufferCapacity()} events;
 * when it is full the watcher waits for the consumer and the kernel queues meanwhile. If the kernel's queue
 * overflows ({@code fs.inotify.max_queued_events}, 16,384 by default), the watcher reports
 * {@link FileEvent.Overflow}, lists the tree again and reports the differences from what it knew. Running out of
 * inotify watches is an {@link IOException} naming the sysctl to raise ({@code fs.inotify.max_user_watches}):
 * thrown by {@link #watch} at start, or the cause with which {@link #events()} closes when a new directory cannot be
 * watched later.
 *
 * <p><b>Ending.</b> {@link #close()} stops the watcher; so does the end of the scope the watcher was created in
 * (the watcher runs in its own scope, nested in the caller's). When the root disappears the watcher reports
 * {@link FileEvent.RootGone} and stops by itself. In every case {@link #events()} closes; events already in it can
 * still be received.
 *
 * <p><b>Backends.</b> On Linux, inotify through the FFM API, read on one platform thread per watcher (named
 * {@code weft-inotify-N <path>}), which needs native access for this module — {@code java
 * --enable-native-access=dev.weft.fs.events} on the module path, {@code --enable-native-access=ALL-UNNAMED} on the
 * class path, or {@code Enable-Native-Access: ALL-UNNAMED} in an executable jar's manifest; without it the JDK
 * prints a warning (and falls back to the JDK's watch service if access is denied). Elsewhere the JDK
 * {@link java.nio.file.WatchService}; for file systems that report nothing, {@link WatchBackend#POLLING}.
 *
 * <p>Thread-safe. {@link #close()} is idempotent.
 */
public final class FileWatcher implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(FileWatcher.class);
    private static final AtomicLong THREADS = new AtomicLong();
    private static final AtomicBoolean DENIED_LOGGED = new AtomicBoolean();

    private final Path path;
    private final WatchOptions options;
    private final Channel<FileEvent> events;
    private final Backend backend;
    private final Scope scope;
    private final AtomicBoolean closed = new AtomicBoolean();

    private FileWatcher(Path path, WatchOptions options, Channel<FileEvent> events, Backend backend) {
        this.path = path;
        this.options = options;
        this.events = events;
        this.backend = backend;
        Scope opened;
        try {
            opened = Scope.open("watch " + path);
        } catch (RuntimeException e) {
            backend.release();
            throw e;
        }
        this.scope = opened;
        try {
            start();
        } catch (RuntimeException e) {
            backend.release();
            events.close(e);
            scope.close();
            throw e;
        }
    }

    /**
     * Watches {@code path} with the {@linkplain WatchOptions#defaults() default options}: a directory's entries,
     * or a file.
     *
     * @param path a directory or a file
     * @return the running watcher
     * @throws NoSuchFileException if the path does not exist
     * @throws IOException if it cannot be watched (the message says why: out of inotify watches or instances names
     *     the sysctl to raise)
     */
    public static FileWatcher watch(Path path) throws IOException {
        return watch(path, WatchOptions.defaults());
    }

    /**
     * Watches {@code path}. Returns once the watches are in place: every change after the return is reported. The
     * set-up lists the tree, so it takes time in proportion to its size.
     *
     * @param path a directory or a file; resolved against the working directory
     * @param options the options
     * @return the running watcher
     * @throws NoSuchFileException if the path (or, for a file, its directory) does not exist
     * @throws NotDirectoryException if {@code options} ask for a recursive watch and the path is not a directory
     * @throws IOException if it cannot be watched (out of inotify watches or instances: the message names the
     *     sysctl to raise)
     * @throws UnsupportedOperationException if {@link WatchBackend#INOTIFY} is forced where it is not available
     */
    public static FileWatcher watch(Path path, WatchOptions options) throws IOException {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(options, "options");
        Path abs = path.toAbsolutePath().normalize();
        if (!Files.exists(abs)) {
            throw new NoSuchFileException(abs.toString(), null, "cannot watch a path that does not exist");
        }
        boolean isDir = Files.isDirectory(abs);
        if (!isDir && options.recursive()) {
            throw new NotDirectoryException(abs + ": not a directory, so it cannot be watched recursively"
                    + " (watch a file with recursive(false))");
        }
        Path parent = abs.getParent();
        if (!isDir && parent == null) {
            throw new IOException("cannot watch " + abs + ": it has no parent directory");
        }
        Tree tree = isDir ? new Tree(abs, options.recursive(), options.followSymlinks(), p -> true)
                : new Tree(parent, false, options.followSymlinks(), abs::equals);
        Channel<FileEvent> events = Channel.<FileEvent>builder()
                .name("file events of " + abs)
                .capacity(options.bufferCapacity())
                .build();
        Emitter emitter = new Emitter(tree.root(), events, options);
        Backend backend = backend(abs, isDir, tree, emitter, options);
        try {
            backend.setUp();
        } catch (IOException | RuntimeException e) {
            backend.release();
            throw e;
        }
        return new FileWatcher(abs, options, events, backend);
    }

    private static Backend backend(Path abs, boolean isDir, Tree tree, Emitter emitter, WatchOptions options)
            throws IOException {
        return switch (options.backend()) {
            case INOTIFY -> new InotifyBackend(abs, isDir, tree, emitter);
            case WATCH_SERVICE -> new WatchServiceBackend(abs, isDir, tree, emitter);
            case POLLING -> new PollingBackend(abs, isDir, tree, emitter, options.pollInterval());
            case AUTO -> {
                try {
                    yield new InotifyBackend(abs, isDir, tree, emitter);
                } catch (UnsupportedOperationException e) {
                    LOG.debug("inotify is not available ({}); watching {} with the JDK watch service", e.toString(),
                            abs);
                    yield new WatchServiceBackend(abs, isDir, tree, emitter);
                } catch (IllegalCallerException e) {
                    if (DENIED_LOGGED.compareAndSet(false, true)) { // once per JVM: the cause does not change
                        LOG.warn("native access is denied to dev.weft.fs.events ({}); watching with the JDK watch"
                                + " service, without write-close, attribute and rename events. Run java with"
                                + " --enable-native-access=dev.weft.fs.events (ALL-UNNAMED on the class path)",
                                e.getMessage());
                    }
                    yield new WatchServiceBackend(abs, isDir, tree, emitter);
                }
            }
        };
    }

    private void start() {
        if (backend instanceof InotifyBackend) {
            // a blocking native call (poll) would pin a virtual thread's carrier: a platform thread, owned by a
            // task of this watcher's scope that waits for it to end
            CountDownLatch ended = new CountDownLatch(1);
            Thread thread = Thread.ofPlatform()
                    .name("weft-inotify-" + THREADS.incrementAndGet() + " " + path)
                    .daemon()
                    .unstarted(() -> {
                        try {
                            read();
                        } finally {
                            ended.countDown();
                        }
                    });
            thread.start();
            scope.fork("inotify reader", () -> awaitReader(thread, ended));
        } else {
            scope.fork(backend.kind() == WatchBackend.POLLING ? "poller" : "watch service reader", this::read);
        }
    }

    private void awaitReader(Thread thread, CountDownLatch ended) {
        try {
            ended.await();
        } catch (InterruptedException e) {
            backend.wake();
            awaitUninterruptibly(ended);
            Thread.currentThread().interrupt();
        }
        joinUninterruptibly(thread);
    }

    /** The reader: reports the snapshot if asked, runs the backend, and closes the channel however it ends. */
    private void read() {
        try {
            if (options.existing()) {
                backend.reportExisting();
            }
            backend.run();
            events.close();
        } catch (InterruptedException | ChannelClosedException e) {
            events.close(); // the watcher is closing
        } catch (IOException | RuntimeException e) {
            if (!closed.get()) {
                LOG.warn("watcher of {} failed: {}", path, e.toString());
            }
            events.close(e);
        } finally {
            backend.release();
        }
    }

    /**
     * Returns the channel of events. It closes when the watcher stops: after {@link #close()}, after
     * {@link FileEvent.RootGone}, or with a cause when watching fails (for example out of inotify watches for a
     * new directory).
     *
     * @return the events; the same channel on every call
     */
    public ReceiveChannel<FileEvent> events() {
        return events;
    }

    /**
     * Returns the watched path, absolute and normalized.
     *
     * @return the path
     */
    public Path path() {
        return path;
    }

    /**
     * Returns the options the watcher was started with.
     *
     * @return the options
     */
    public WatchOptions options() {
        return options;
    }

    /**
     * Returns the backend in use: never {@link WatchBackend#AUTO}.
     *
     * @return the backend
     */
    public WatchBackend backend() {
        return backend.kind();
    }

    /**
     * Returns how many times events were lost to a queue overflow (the kernel's, or the JDK's) and the tree was
     * rescanned; each is also reported as {@link FileEvent.Overflow}. For monitoring: a watcher that overflows often
     * has a consumer too slow for its tree, or needs a larger {@code fs.inotify.max_queued_events}.
     *
     * @return the number of overflows so far
     */
    public long overflows() {
        return backend.overflows();
    }

    /**
     * Stops watching: closes {@link #events()} (events already in it can still be received), wakes the reader and
     * waits for it to end — briefly: it is never blocked on anything the watcher does not control. Idempotent.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        events.close();
        backend.wake();
        scope.close();
    }

    @Override
    public String toString() {
        return "FileWatcher[" + path + ", " + backend.kind() + (closed.get() ? ", closed" : "") + "]";
    }

    private static void awaitUninterruptibly(CountDownLatch latch) {
        boolean interrupted = false;
        for (;;) {
            try {
                latch.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private static void joinUninterruptibly(Thread thread) {
        boolean interrupted = Thread.interrupted();
        for (;;) {
            try {
                thread.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
