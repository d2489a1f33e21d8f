package dev.weft.fs.events;

import java.nio.file.Path;
import java.util.Objects;

/**
 * What happened to a path under a watched file or directory tree: one element of {@link FileWatcher#events()}.
 * Instances are immutable values; a {@code switch} over the sealed family reads each kind:
 *
 * <pre>{@code
 * switch (event) {
 *     case FileEvent.Written w -> reload(w.path());
 *     case FileEvent.Moved m -> rename(m.from(), m.to());
 *     case FileEvent.Overflow o -> log.warn("rescanned {} after a queue overflow", o.path());
 *     case FileEvent.RootGone g -> log.info("{} is gone", g.path());
 *     default -> { }
 * }
 * }</pre>
 *
 * <p>Every path is absolute and normalized: the watched root resolved against the working directory, joined with
 * the names the kernel reports. The root itself is never the subject of an event other than {@link Overflow} and
 * {@link RootGone}.
 */
public sealed interface FileEvent permits FileEvent.Exists, FileEvent.Created, FileEvent.Modified,
        FileEvent.Written, FileEvent.AttributesChanged, FileEvent.Deleted, FileEvent.Moved, FileEvent.Overflow,
        FileEvent.RootGone {

    /**
     * Returns the absolute path the event is about; for {@link Moved} the new path.
     *
     * @return the path
     */
    Path path();

    /**
     * Returns whether the path is (or, for {@link Deleted}, was) a directory.
     *
     * @return true for a directory
     */
    boolean directory();

    /**
     * A path that was present when the watcher started, reported when {@link WatchOptions.Builder#existing(boolean)}
     * is set, parents before their children.
     *
     * @param path the absolute path
     * @param directory whether it is a directory
     */
    record Exists(Path path, boolean directory) implements FileEvent {
        /** Checks the components. */
        public Exists {
            Objects.requireNonNull(path, "path");
        }
    }

    /**
     * A path that appeared: created, moved in from outside the watched tree, found in a new subdirectory by its
     * scan, or found by the rescan after an {@link Overflow}. Reported once per appearance.
     *
     * @param path the absolute path
     * @param directory whether it is a directory
     */
    record Created(Path path, boolean directory) implements FileEvent {
        /** Checks the components. */
        public Created {
            Objects.requireNonNull(path, "path");
        }
    }

    /**
     * A file whose content changed ({@code IN_MODIFY}; or a size or modification-time change found by a rescan or
     * the polling backend). A writer that is still writing causes more of these; wait for {@link Written}.
     *
     * @param path the absolute path of the file
     */
    record Modified(Path path) implements FileEvent {
        /** Checks the components. */
        public Modified {
            Objects.requireNonNull(path, "path");
        }

        /** Returns false: directories get no content events. */
        @Override
        public boolean directory() {
            return false;
        }
    }

    /**
     * A file that was open for writing has been closed ({@code IN_CLOSE_WRITE}): the moment its new content is
     * complete, the right time to reload a configuration file. Only the inotify backend reports it.
     *
     * @param path the absolute path of the file
     */
    record Written(Path path) implements FileEvent {
        /** Checks the components. */
        public Written {
            Objects.requireNonNull(path, "path");
        }

        /** Returns false: directories get no content events. */
        @Override
        public boolean directory() {
            return false;
        }
    }

    /**
     * A path whose metadata changed: permissions, owner, timestamps, link count, extended attributes
     * ({@code IN_ATTRIB}). Only the inotify backend reports it.
     *
     * @param path the absolute path
     * @param directory whether it is a directory
     */
    record AttributesChanged(Path path, boolean directory) implements FileEvent {
        /** Checks the components. */
        public AttributesChanged {
            Objects.requireNonNull(path, "path");
        }
    }

    /**
     * A path that disappeared: deleted, or moved out of the watched tree. When a directory goes, each path the
     * watcher knew under it is reported first, children before parents.
     *
     * @param path the absolute path
     * @param directory whether it was a directory
     */
    record Deleted(Path path, boolean directory) implements FileEvent {
        /** Checks the components. */
        public Deleted {
            Objects.requireNonNull(path, "path");
        }
    }

    /**
     * A rename inside the watched tree, both ends paired by the kernel's cookie. A moved directory is one event:
     * its contents moved with it (their new paths are under {@code to}); the watcher then lists it again, and what it
     * had not seen yet (a directory renamed while it was being picked up) follows as {@link Created}. A rename with
     * only one end in the tree is reported as {@link Deleted} or {@link Created}. Only the inotify backend pairs
     * renames; the others report a {@link Deleted} and a {@link Created}.
     *
     * @param from the old absolute path
     * @param to the new absolute path
     * @param directory whether it is a directory
     */
    record Moved(Path from, Path to, boolean directory) implements FileEvent {
        /** Checks the components. */
        public Moved {
            Objects.requireNonNull(from, "from");
            Objects.requireNonNull(to, "to");
        }

        /** Returns the new path, {@link #to()}. */
        @Override
        public Path path() {
            return to;
        }
    }

    /**
     * The kernel's event queue overflowed (or the JDK's, on the {@code WatchService} backend): some events were
     * lost. The watcher then rescans the tree and reports what differs from what it knew — {@link Created},
     * {@link Deleted} and {@link Modified} (by size and modification time) — so a consumer that applies the events
     * ends with a correct view.
     *
     * @param path the watched root
     */
    record Overflow(Path path) implements FileEvent {
        /** Checks the components. */
        public Overflow {
            Objects.requireNonNull(path, "path");
        }

        /** Returns true: the root of a rescan is a directory (the parent directory, for a watched file). */
        @Override
        public boolean directory() {
            return true;
        }
    }

    /**
     * The watched root was deleted, moved away or unmounted: the last event. The watcher stops and
     * {@link FileWatcher#events()} closes after it. For a watched file the root is its directory: the file itself
     * may come and go (editors replace files by renaming), reported as {@link Deleted} and {@link Created}.
     *
     * @param path the watched path: the root directory, or the watched file
     * @param directory whether the watched path was a directory (false for a watched file)
     */
    record RootGone(Path path, boolean directory) implements FileEvent {
        /** Checks the components. */
        public RootGone {
            Objects.requireNonNull(path, "path");
        }
    }
}
