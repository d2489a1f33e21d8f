package dev.weft.fs.events;

/**
 * How a {@link FileWatcher} learns about changes; {@link #AUTO} unless a file system needs another.
 */
public enum WatchBackend {
    /** Inotify on Linux (falling back to {@link #WATCH_SERVICE} when it is unavailable), the JDK elsewhere. */
    AUTO,
    /**
     * Linux inotify through the FFM API: every event kind, rename pairs, {@link FileEvent.Written}; one platform
     * thread per watcher. Needs native access for {@code dev.weft.fs.events}.
     */
    INOTIFY,
    /**
     * The JDK {@link java.nio.file.WatchService}, with recursion emulated by registering each directory: no
     * {@link FileEvent.Written}, {@link FileEvent.AttributesChanged} or {@link FileEvent.Moved} (renames are a
     * {@link FileEvent.Deleted} and a {@link FileEvent.Created}). For systems without inotify.
     */
    WATCH_SERVICE,
    /**
     * A snapshot of the tree every {@linkplain WatchOptions.Builder#pollInterval poll interval}, diffed against the
     * previous one: {@link FileEvent.Created}, {@link FileEvent.Deleted} and {@link FileEvent.Modified} (by size and
     * modification time) only. For file systems where the kernel reports nothing (NFS, FUSE, some container mounts).
     */
    POLLING
}
