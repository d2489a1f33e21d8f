package dev.weft.fs.events;

import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.PatternSyntaxException;

/**
 * The settings of a {@link FileWatcher}: recursion, the initial snapshot, name filters, symbolic links, coalescing,
 * the backend and the event buffer. Build one with {@link #builder()}; {@link #defaults()} is a recursive watch of
 * of a directory's entries (not recursive) with no snapshot.
 *
 * <pre>{@code
 * WatchOptions options = WatchOptions.builder()
 *         .recursive(true)
 *         .existing(true)
 *         .include("*.log")
 *         .coalesce(Duration.ofMillis(50))
 *         .build();
 * }</pre>
 *
 * <p>Immutable and thread-safe; the {@link Builder} is not thread-safe.
 */
public final class WatchOptions {

    /** The default capacity of {@link FileWatcher#events()}: 4,096 events. */
    public static final int DEFAULT_BUFFER = 4096;

    /** The largest capacity of {@link FileWatcher#events()}: 1,048,576 events. */
    public static final int MAX_BUFFER = 1 << 20;

    /** The default interval of the {@link WatchBackend#POLLING} backend: one second. */
    public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofSeconds(1);

    private static final WatchOptions DEFAULTS = builder().build();

    private final boolean recursive;
    private final boolean existing;
    private final List<String> includes;
    private final List<String> excludes;
    private final boolean followSymlinks;
    private final Duration coalesce;
    private final WatchBackend backend;
    private final Duration pollInterval;
    private final int bufferCapacity;

    private WatchOptions(Builder b) {
        this.recursive = b.recursive;
        this.existing = b.existing;
        this.includes = List.copyOf(b.includes);
        this.excludes = List.copyOf(b.excludes);
        this.followSymlinks = b.followSymlinks;
        this.coalesce = b.coalesce;
        this.backend = b.backend;
        this.pollInterval = b.pollInterval;
        this.bufferCapacity = b.bufferCapacity;
    }

    /**
     * Returns the default options: not recursive, no initial snapshot, no filters, symbolic links not followed, no
     * coalescing, {@link WatchBackend#AUTO}, a buffer of {@value #DEFAULT_BUFFER} events.
     *
     * @return the defaults
     */
    public static WatchOptions defaults() {
        return DEFAULTS;
    }

    /**
     * Returns a builder that starts from the defaults.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Returns whether subdirectories are watched too (at any depth, including ones created later).
     *
     * @return true if recursive
     */
    public boolean recursive() {
        return recursive;
    }

    /**
     * Returns whether the watcher first reports everything present as {@link FileEvent.Exists}.
     *
     * @return true if the initial snapshot is reported
     */
    public boolean existing() {
        return existing;
    }

    /**
     * Returns the include globs; empty means everything.
     *
     * @return the globs, unmodifiable
     */
    public List<String> includes() {
        return includes;
    }

    /**
     * Returns the exclude globs.
     *
     * @return the globs, unmodifiable
     */
    public List<String> excludes() {
        return excludes;
    }

    /**
     * Returns whether symbolic links to directories are descended into.
     *
     * @return true if links are followed
     */
    public boolean followSymlinks() {
        return followSymlinks;
    }

    /**
     * Returns the coalescing window; zero means none.
     *
     * @return the window
     */
    public Duration coalesce() {
        return coalesce;
    }

    /**
     * Returns the requested backend.
     *
     * @return the backend
     */
    public WatchBackend backend() {
        return backend;
    }

    /**
     * Returns the interval of the {@link WatchBackend#POLLING} backend.
     *
     * @return the interval
     */
    public Duration pollInterval() {
        return pollInterval;
    }

    /**
     * Returns the capacity of {@link FileWatcher#events()}.
     *
     * @return the number of events it holds
     */
    public int bufferCapacity() {
        return bufferCapacity;
    }

    @Override
    public String toString() {
        return "WatchOptions[recursive=" + recursive + ", existing=" + existing + ", includes=" + includes
                + ", excludes=" + excludes + ", followSymlinks=" + followSymlinks + ", coalesce=" + coalesce
                + ", backend=" + backend + ", pollInterval=" + pollInterval + ", bufferCapacity=" + bufferCapacity
                + "]";
    }

    /**
     * A builder of {@link WatchOptions}. Not thread-safe.
     */
    public static final class Builder {
        private boolean recursive;
        private boolean existing;
        private final List<String> includes = new ArrayList<>();
        private final List<String> excludes = new ArrayList<>();
        private boolean followSymlinks;
        private Duration coalesce = Duration.ZERO;
        private WatchBackend backend = WatchBackend.AUTO;
        private Duration pollInterval = DEFAULT_POLL_INTERVAL;
        private int bufferCapacity = DEFAULT_BUFFER;

        private Builder() {
        }

        /**
         * Sets whether every directory under the root is watched, including ones created later; default false.
         * A file cannot be watched recursively.
         *
         * @param recursive true to watch the whole tree, false for the root directory's entries only
         * @return this builder
         */
        public Builder recursive(boolean recursive) {
            this.recursive = recursive;
            return this;
        }

        /**
         * Sets whether the watcher first reports each path present at start as {@link FileEvent.Exists}; default
         * false. The snapshot is taken after the watches are in place, so nothing falls between it and the events.
         *
         * @param existing true to report the initial snapshot
         * @return this builder
         */
        public Builder existing(boolean existing) {
            this.existing = existing;
            return this;
        }

        /**
         * Adds include globs ({@link java.nio.file.FileSystem#getPathMatcher} syntax, such as {@code *.log} or
         * {@code *.{yml,yaml}}). A glob without {@code /} is matched against the file name, one with {@code /}
         * against the path relative to the root. Once any include is set, only matching paths are reported (a
         * {@link FileEvent.Moved} when either end matches); directories are still watched whatever their name.
         *
         * @param globs the globs
         * @return this builder
         * @throws IllegalArgumentException if a glob is empty or malformed
         */
        public Builder include(String... globs) {
            addGlobs(includes, globs, "include");
            return this;
        }

        /**
         * Adds exclude globs, in the syntax of {@link #include}; a path matching any is not reported.
         *
         * @param globs the globs
         * @return this builder
         * @throws IllegalArgumentException if a glob is empty or malformed
         */
        public Builder exclude(String... globs) {
            addGlobs(excludes, globs, "exclude");
            return this;
        }

        private static void addGlobs(List<String> into, String[] globs, String what) {
            Objects.requireNonNull(globs, what);
            for (String glob : globs) {
                Objects.requireNonNull(glob, what + " glob");
                if (glob.isEmpty()) {
                    throw new IllegalArgumentException(what + " glob must not be empty");
                }
                try {
                    FileSystems.getDefault().getPathMatcher("glob:" + glob);
                } catch (PatternSyntaxException e) {
                    throw new IllegalArgumentException(what + " glob is malformed: " + glob + " (" + e.getDescription()
                            + ")", e);
                }
                into.add(glob);
            }
        }

        /**
         * Sets whether symbolic links to directories are descended into; default false (a link is reported as a
         * file, and what it points to is not watched). A link cycle is detected and not followed twice.
         *
         * @param followSymlinks true to follow links
         * @return this builder
         */
        public Builder followSymlinks(boolean followSymlinks) {
            this.followSymlinks = followSymlinks;
            return this;
        }

        /**
         * Sets a coalescing window; default zero (none). Within the window that starts at a path's first
         * {@link FileEvent.Modified}, {@link FileEvent.Written} or {@link FileEvent.AttributesChanged}, further such
         * events for that path merge into one, of the strongest kind seen (written, then modified, then
         * attributes), reported when the window ends. Any other event for the path reports the pending one first,
         * so the order per path is kept. At most {@link #bufferCapacity(int) bufferCapacity} paths are held at
         * once; beyond that the oldest held event is reported early.
         *
         * @param window the window, zero or positive
         * @return this builder
         * @throws IllegalArgumentException if the window is negative
         */
        public Builder coalesce(Duration window) {
            Objects.requireNonNull(window, "coalesce");
            if (window.isNegative()) {
                throw new IllegalArgumentException("coalesce must not be negative: " + window);
            }
            this.coalesce = window;
            return this;
        }

        /**
         * Forces a backend; default {@link WatchBackend#AUTO}.
         *
         * @param backend the backend
         * @return this builder
         */
        public Builder backend(WatchBackend backend) {
            this.backend = Objects.requireNonNull(backend, "backend");
            return this;
        }

        /**
         * Sets the interval of the {@link WatchBackend#POLLING} backend; default one second.
         *
         * @param interval the interval, positive
         * @return this builder
         * @throws IllegalArgumentException if the interval is zero or negative
         */
        public Builder pollInterval(Duration interval) {
            Objects.requireNonNull(interval, "pollInterval");
            if (interval.isNegative() || interval.isZero()) {
                throw new IllegalArgumentException("pollInterval must be positive: " + interval);
            }
            this.pollInterval = interval;
            return this;
        }

        /**
         * Sets the capacity of {@link FileWatcher#events()}; default {@value #DEFAULT_BUFFER}. When it is full the
         * watcher stops reading (nothing is dropped): the kernel queues events meanwhile, and if its queue
         * overflows the watcher reports {@link FileEvent.Overflow} and rescans.
         *
         * @param capacity the number of events, 1 to {@value #MAX_BUFFER}
         * @return this builder
         * @throws IllegalArgumentException if the capacity is out of range
         */
        public Builder bufferCapacity(int capacity) {
            if (capacity < 1 || capacity > MAX_BUFFER) {
                throw new IllegalArgumentException("bufferCapacity must be between 1 and " + MAX_BUFFER + ": "
                        + capacity);
            }
            this.bufferCapacity = capacity;
            return this;
        }

        /**
         * Builds the options.
         *
         * @return the options
         */
        public WatchOptions build() {
            return new WatchOptions(this);
        }
    }

    /** Compiles the globs into a predicate on a path relative to the root. */
    static PathMatcher matcher(List<String> globs) {
        List<PathMatcher> byName = new ArrayList<>();
        List<PathMatcher> byPath = new ArrayList<>();
        for (String glob : globs) {
            PathMatcher m = FileSystems.getDefault().getPathMatcher("glob:" + glob);
            (glob.contains("/") ? byPath : byName).add(m);
        }
        return relative -> {
            Path name = relative.getFileName();
            for (PathMatcher m : byName) {
                if (name != null && m.matches(name)) {
                    return true;
                }
            }
            for (PathMatcher m : byPath) {
                if (m.matches(relative)) {
                    return true;
                }
            }
            return false;
        };
    }
}
