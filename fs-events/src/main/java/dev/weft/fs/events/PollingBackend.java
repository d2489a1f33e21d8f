package dev.weft.fs.events;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The backend for file systems that report nothing (network and FUSE mounts): every poll interval it lists the
 * tree and reports how it differs from the model ({@link Backend#rescan()}) — created, deleted, and modified by size
 * and modification time. Runs on a virtual thread; {@link #wake()} ends the wait.
 */
final class PollingBackend extends Backend {

    private final long intervalNanos;
    private final CountDownLatch stop = new CountDownLatch(1);
    private final Map<Object, Path> keyPath = new HashMap<>();
    private final Map<Path, Object> pathKey = new HashMap<>();

    PollingBackend(Path watched, boolean watchedIsDir, Tree tree, Emitter emitter, Duration interval) {
        super(watched, watchedIsDir, tree, emitter);
        this.intervalNanos = interval.toNanos();
    }

    @Override
    WatchBackend kind() {
        return WatchBackend.POLLING;
    }

    @Override
    boolean watch(Path dir) {
        Object key;
        try {
            key = Files.readAttributes(dir, BasicFileAttributes.class).fileKey();
        } catch (IOException e) {
            return false;
        }
        if (key != null) {
            Path other = keyPath.putIfAbsent(key, dir);
            if (other != null && !other.equals(dir)) {
                return false; // the same directory reached again through a link: listed once
            }
            pathKey.put(dir, key);
        }
        return true;
    }

    @Override
    void unwatch(Path dir) {
        Object key = pathKey.remove(dir);
        if (key != null) {
            keyPath.remove(key);
        }
    }

    @Override
    void wake() {
        stop.countDown();
    }

    @Override
    void release() {
        stop.countDown();
    }

    @Override
    void run() throws IOException, InterruptedException {
        long nextPoll = System.nanoTime() + intervalNanos;
        for (;;) {
            long deadline = Math.min(nextPoll, emitter.nextDeadline());
            long wait = Math.max(0, deadline - System.nanoTime());
            if (stop.await(wait, TimeUnit.NANOSECONDS)) {
                return;
            }
            if (System.nanoTime() - nextPoll >= 0) {
                if (!Files.isDirectory(tree.root())) {
                    rescan(); // everything known is reported deleted first
                    rootGone();
                    return;
                }
                rescan();
                nextPoll = System.nanoTime() + intervalNanos;
            }
            emitter.flushDue();
        }
    }
}
