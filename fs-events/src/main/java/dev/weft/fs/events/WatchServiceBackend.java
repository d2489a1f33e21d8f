package dev.weft.fs.events;

import static java.nio.file.StandardWatchEventKinds.ENTRY_CREATE;
import static java.nio.file.StandardWatchEventKinds.ENTRY_DELETE;
import static java.nio.file.StandardWatchEventKinds.ENTRY_MODIFY;
import static java.nio.file.StandardWatchEventKinds.OVERFLOW;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The portable backend: the JDK {@link WatchService}, one key per directory (recursion emulated by registering each
 * directory as it appears, listing it after the registration). It waits in {@link WatchService#take()}, which a
 * virtual thread may do; {@link #wake()} closes the service. The JDK reports no write-close, attribute or rename
 * events, and merges repeated events; its {@code OVERFLOW} becomes {@link FileEvent.Overflow} and a rescan.
 */
final class WatchServiceBackend extends Backend {

    private final WatchService service;
    private final Map<WatchKey, Path> keyPath = new HashMap<>();
    private final Map<Path, WatchKey> pathKey = new HashMap<>();

    WatchServiceBackend(Path watched, boolean watchedIsDir, Tree tree, Emitter emitter) throws IOException {
        super(watched, watchedIsDir, tree, emitter);
        this.service = tree.root().getFileSystem().newWatchService();
    }

    @Override
    WatchBackend kind() {
        return WatchBackend.WATCH_SERVICE;
    }

    @Override
    boolean watch(Path dir) throws IOException {
        WatchKey key;
        try {
            key = dir.register(service, ENTRY_CREATE, ENTRY_DELETE, ENTRY_MODIFY);
        } catch (NoSuchFileException | NotDirectoryException e) {
            return false;
        } catch (IOException e) {
            throw new IOException("cannot watch " + dir + ": " + e.getMessage()
                    + " (on Linux, raise the sysctl fs.inotify.max_user_watches if the watch limit is reached)", e);
        }
        Path other = keyPath.get(key);
        if (other != null && !other.equals(dir)) {
            return false; // the same directory reached again through a link
        }
        keyPath.put(key, dir);
        pathKey.put(dir, key);
        return true;
    }

    @Override
    void unwatch(Path dir) {
        WatchKey key = pathKey.remove(dir);
        if (key != null) {
            keyPath.remove(key);
            key.cancel();
        }
    }

    @Override
    void wake() {
        release();
    }

    @Override
    void release() {
        try {
            service.close();
        } catch (IOException e) {
            // closing a watch service does not fail in practice; the watcher is going away anyway
        }
    }

    @Override
    void run() throws IOException, InterruptedException {
        try {
            for (;;) {
                long deadline = emitter.nextDeadline();
                WatchKey key = deadline == Long.MAX_VALUE ? service.take()
                        : service.poll(Emitter.millisUntil(deadline, Integer.MAX_VALUE), TimeUnit.MILLISECONDS);
                if (key != null && !handle(key)) {
                    return;
                }
                emitter.flushDue();
            }
        } catch (ClosedWatchServiceException e) {
            // closed by wake(): the watcher is closing
        } finally {
            release();
        }
    }

    /** Handles one key's events; false once the root is gone. */
    private boolean handle(WatchKey key) throws IOException, InterruptedException {
        Path dir = keyPath.get(key);
        for (WatchEvent<?> event : key.pollEvents()) {
            if (event.kind() == OVERFLOW) {
                overflowed();
                continue;
            }
            if (dir == null || !(event.context() instanceof Path name)) {
                continue;
            }
            Path path = dir.resolve(name);
            if (event.kind() == ENTRY_CREATE) {
                created(path, false);
            } else if (event.kind() == ENTRY_DELETE) {
                deleted(path);
            } else if (event.kind() == ENTRY_MODIFY) {
                Tree.Node known = tree.get(path);
                if (known == null || !known.dir()) {
                    changed(path, new FileEvent.Modified(path));
                }
            }
        }
        if (!key.reset()) {
            if (dir != null) {
                keyPath.remove(key);
                pathKey.remove(dir);
                if (dir.equals(tree.root())) {
                    rescan(); // the root is gone: everything under it is reported deleted first
                    rootGone();
                    return false;
                }
            }
        }
        return true;
    }
}
