package dev.weft.fs.events;

import static dev.weft.fs.events.Inotify.EVENT_HEADER;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The Linux backend: one inotify instance per watcher, one watch per directory, read on the watcher's platform
 * thread (a blocking native call would pin a virtual thread's carrier). The thread waits in {@code poll(2)} on the
 * inotify descriptor and an eventfd that {@link #wake()} writes to — closing a descriptor that another thread is
 * blocked on is racy (the number can be reused at once), so the reader closes both itself when it ends.
 *
 * <p>Renames: the kernel queues {@code IN_MOVED_FROM} and {@code IN_MOVED_TO} of one rename next to each other with
 * the same cookie. A {@code MOVED_FROM} is held until its pair arrives; any other event first resolves the held
 * halves as {@link FileEvent.Deleted} (the rename went out of the tree), keeping the order. A half at the end of a
 * read may have its pair in the next read, so it waits there for a short grace ({@value #MOVE_GRACE_MILLIS} ms).
 *
 * <p>Overflow: {@code IN_Q_OVERFLOW} ({@code fs.inotify.max_queued_events} reached while the reader was behind)
 * becomes {@link FileEvent.Overflow} and a {@link Backend#rescan()}.
 */
final class InotifyBackend extends Backend {

    static final int MOVE_GRACE_MILLIS = 20;
    private static final int BUFFER = 64 * 1024;
    private static final int MASK = Inotify.IN_CREATE | Inotify.IN_MODIFY | Inotify.IN_CLOSE_WRITE
            | Inotify.IN_ATTRIB | Inotify.IN_DELETE | Inotify.IN_DELETE_SELF | Inotify.IN_MOVE_SELF
            | Inotify.IN_MOVED_FROM | Inotify.IN_MOVED_TO | Inotify.IN_EXCL_UNLINK | Inotify.IN_ONLYDIR;

    private final Inotify os;
    private final Arena setupArena = Arena.ofShared();
    private final MemorySegment setupErrno = Inotify.errnoSegment(setupArena);
    private final int fd;
    private final int wakeFd;
    private final Object fdLock = new Object();
    private boolean fdsClosed;
    private final Map<Integer, Path> wdPath = new HashMap<>();
    private final Map<Path, Integer> pathWd = new HashMap<>();
    private final Map<Integer, HeldMove> held = new LinkedHashMap<>();
    private int rootWd = -1;

    private record HeldMove(Path from, boolean dir, long deadline) {
    }

    InotifyBackend(Path watched, boolean watchedIsDir, Tree tree, Emitter emitter) throws IOException {
        super(watched, watchedIsDir, tree, emitter);
        this.os = Inotify.bindings();
        int flags = Inotify.O_NONBLOCK | Inotify.O_CLOEXEC;
        int ifd = os.init1(setupErrno, flags);
        if (ifd < 0) {
            int errno = Inotify.errno(setupErrno);
            setupArena.close();
            if (errno == Inotify.EMFILE) {
                throw new IOException("cannot watch " + watched + ": out of inotify instances (limit "
                        + Inotify.limit("max_user_instances") + " per user): raise the sysctl"
                        + " fs.inotify.max_user_instances, or close other watchers ("
                        + Inotify.errnoName(errno) + ")");
            }
            throw new IOException("cannot watch " + watched + ": inotify_init1 failed: " + Inotify.errnoName(errno));
        }
        int efd = os.eventfd(setupErrno, 0, flags);
        if (efd < 0) {
            int errno = Inotify.errno(setupErrno);
            os.close(setupErrno, ifd);
            setupArena.close();
            throw new IOException("cannot watch " + watched + ": eventfd failed: " + Inotify.errnoName(errno));
        }
        this.fd = ifd;
        this.wakeFd = efd;
    }

    @Override
    WatchBackend kind() {
        return WatchBackend.INOTIFY;
    }

    @Override
    boolean watch(Path dir) throws IOException {
        int mask = MASK | (tree.follow() ? 0 : Inotify.IN_DONT_FOLLOW);
        if (dir.equals(tree.root())) {
            mask &= ~Inotify.IN_DONT_FOLLOW; // the root given by the caller is followed if it is a link
        }
        int wd;
        int errno;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment errnoState = Inotify.errnoSegment(arena);
            wd = os.addWatch(errnoState, fd, arena.allocateFrom(dir.toString(), StandardCharsets.UTF_8), mask);
            errno = Inotify.errno(errnoState);
        }
        if (wd < 0) {
            return switch (errno) {
                case Inotify.ENOENT, Inotify.ENOTDIR, Inotify.EACCES -> false;
                case Inotify.ENOSPC -> throw new IOException("cannot watch " + dir + ": out of inotify watches"
                        + " (limit " + Inotify.limit("max_user_watches") + " per user, this watcher holds "
                        + pathWd.size() + "): raise the sysctl fs.inotify.max_user_watches (sysctl -w"
                        + " fs.inotify.max_user_watches=N), or watch a smaller tree");
                default -> throw new IOException("cannot watch " + dir + ": inotify_add_watch failed: "
                        + Inotify.errnoName(errno));
            };
        }
        Path other = wdPath.get(wd);
        if (other != null && !other.equals(dir)) {
            return false; // the same directory reached again through a link: watched once, under its first path
        }
        wdPath.put(wd, dir);
        pathWd.put(dir, wd);
        if (dir.equals(tree.root())) {
            rootWd = wd;
        }
        return true;
    }

    @Override
    void unwatch(Path dir) {
        Integer wd = pathWd.remove(dir);
        if (wd != null) {
            wdPath.remove(wd);
            try (Arena arena = Arena.ofConfined()) {
                os.rmWatch(Inotify.errnoSegment(arena), fd, wd); // EINVAL if the kernel dropped it already
            }
        }
    }

    /** Re-keys the watches of {@code from} and below to their paths under {@code to}. */
    private void moveWatches(Path from, Path to) {
        List<Map.Entry<Path, Integer>> moved = new ArrayList<>();
        for (Map.Entry<Path, Integer> e : pathWd.entrySet()) {
            if (e.getKey().startsWith(from)) {
                moved.add(e);
            }
        }
        for (Map.Entry<Path, Integer> e : moved) {
            Path now = to.resolve(from.relativize(e.getKey()));
            pathWd.remove(e.getKey());
            pathWd.put(now, e.getValue());
            wdPath.put(e.getValue(), now);
        }
    }

    @Override
    void wake() {
        synchronized (fdLock) {
            if (fdsClosed) {
                return;
            }
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment one = arena.allocate(ValueLayout.JAVA_LONG);
                one.set(ValueLayout.JAVA_LONG, 0, 1L);
                os.write(Inotify.errnoSegment(arena), wakeFd, one, 8);
            }
        }
    }

    @Override
    void release() {
        synchronized (fdLock) {
            if (fdsClosed) {
                return;
            }
            fdsClosed = true;
            os.close(setupErrno, fd);
            os.close(setupErrno, wakeFd);
        }
        setupArena.close();
    }

    @Override
    void run() throws IOException, InterruptedException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment errno = Inotify.errnoSegment(arena);
            MemorySegment buffer = arena.allocate(BUFFER, 8);
            MemorySegment fds = arena.allocate(16, 8);
            for (;;) {
                if (Thread.interrupted()) {
                    throw new InterruptedException();
                }
                long deadline = Math.min(emitter.nextDeadline(), heldDeadline());
                fds.set(ValueLayout.JAVA_INT, 0, fd);
                fds.set(ValueLayout.JAVA_SHORT, 4, Inotify.POLLIN);
                fds.set(ValueLayout.JAVA_SHORT, 6, (short) 0);
                fds.set(ValueLayout.JAVA_INT, 8, wakeFd);
                fds.set(ValueLayout.JAVA_SHORT, 12, Inotify.POLLIN);
                fds.set(ValueLayout.JAVA_SHORT, 14, (short) 0);
                int ready = os.poll(errno, fds, 2, Emitter.millisUntil(deadline, -1));
                if (ready < 0) {
                    int e = Inotify.errno(errno);
                    if (e == Inotify.EINTR) {
                        continue;
                    }
                    throw new IOException("poll on the inotify descriptor failed: " + Inotify.errnoName(e));
                }
                if (fds.get(ValueLayout.JAVA_SHORT, 14) != 0) {
                    return; // woken: the watcher is closing
                }
                if (fds.get(ValueLayout.JAVA_SHORT, 6) != 0) {
                    long n = os.read(errno, fd, buffer, BUFFER);
                    if (n < 0) {
                        int e = Inotify.errno(errno);
                        if (e != Inotify.EAGAIN && e != Inotify.EINTR) {
                            throw new IOException("read from the inotify descriptor failed: " + Inotify.errnoName(e));
                        }
                    } else if (!handle(buffer, n)) {
                        return; // the root is gone
                    }
                }
                resolveHeld(System.nanoTime());
                emitter.flushDue();
            }
        } finally {
            release();
        }
    }

    private long heldDeadline() {
        return held.isEmpty() ? Long.MAX_VALUE : held.values().iterator().next().deadline();
    }

    /** Handles one read's events; false once the root is gone. */
    private boolean handle(MemorySegment buffer, long length) throws IOException, InterruptedException {
        long at = 0;
        while (at + EVENT_HEADER <= length) {
            int wd = buffer.get(ValueLayout.JAVA_INT, at);
            int mask = buffer.get(ValueLayout.JAVA_INT, at + 4);
            int cookie = buffer.get(ValueLayout.JAVA_INT, at + 8);
            int nameLength = buffer.get(ValueLayout.JAVA_INT, at + 12);
            String name = nameLength == 0 ? "" : buffer.getString(at + EVENT_HEADER, StandardCharsets.UTF_8);
            at += EVENT_HEADER + nameLength;
            if (!handle(wd, mask, cookie, name)) {
                return false;
            }
        }
        return true;
    }

    private boolean handle(int wd, int mask, int cookie, String name) throws IOException, InterruptedException {
        // the pair of a held half is next to it; any other event first resolves the held halves (moved out of the
        // tree), before its own directory is looked up: a directory moved out is unwatched by then
        HeldMove pairedFrom = (mask & Inotify.IN_MOVED_TO) != 0 ? held.remove(cookie) : null;
        resolveHeld(Long.MAX_VALUE);
        if ((mask & Inotify.IN_Q_OVERFLOW) != 0) {
            overflowed();
            return true;
        }
        Path dir = wdPath.get(wd);
        if ((mask & Inotify.IN_IGNORED) != 0) {
            if (dir != null) {
                pathWd.remove(dir);
                wdPath.remove(wd);
            }
            if (wd == rootWd) {
                rootGone();
                return false;
            }
            return true;
        }
        if (dir == null) {
            return true; // a directory unwatched since the event was queued
        }
        boolean isDir = (mask & Inotify.IN_ISDIR) != 0;
        if (name.isEmpty()) {
            if (wd == rootWd && (mask & (Inotify.IN_DELETE_SELF | Inotify.IN_MOVE_SELF | Inotify.IN_UNMOUNT)) != 0) {
                rootGone();
                return false;
            }
            return true; // a subdirectory's own events: its parent reports them by name
        }
        Path path = dir.resolve(name);
        if ((mask & Inotify.IN_MOVED_TO) != 0) {
            if (pairedFrom != null) {
                moved(pairedFrom.from(), path, pairedFrom.dir());
            } else {
                replaced(path, isDir);
            }
        } else if ((mask & Inotify.IN_MOVED_FROM) != 0) {
            held.put(cookie, new HeldMove(path, isDir,
                    System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(MOVE_GRACE_MILLIS)));
        } else if ((mask & Inotify.IN_CREATE) != 0) {
            created(path, isDir);
        } else if ((mask & Inotify.IN_DELETE) != 0) {
            deleted(path);
        } else if ((mask & Inotify.IN_CLOSE_WRITE) != 0) {
            changed(path, new FileEvent.Written(path));
        } else if ((mask & Inotify.IN_MODIFY) != 0) {
            changed(path, new FileEvent.Modified(path));
        } else if ((mask & Inotify.IN_ATTRIB) != 0) {
            changed(path, new FileEvent.AttributesChanged(path, isDir));
        }
        return true;
    }

    /** A rename with both ends seen. */
    private void moved(Path from, Path to, boolean dirHint) throws IOException, InterruptedException {
        boolean fromKnown = tree.contains(from) && tree.admits(from);
        boolean toAdmitted = tree.admits(to);
        if (fromKnown && toAdmitted) {
            Tree.Node replacedNode = tree.get(to);
            if (replacedNode != null && replacedNode.dir()) {
                unwatch(to); // an empty directory renamed over
            }
            tree.remove(to);
            boolean dir = tree.get(from).dir();
            tree.move(from, to);
            if (dir) {
                moveWatches(from, to);
            }
            emitter.emit(new FileEvent.Moved(from, to, dir));
            if (dir) {
                relist(to);
            }
        } else if (fromKnown) {
            deleted(from);
        } else if (toAdmitted) {
            replaced(to, dirHint);
        }
    }

    /** Resolves held rename halves whose grace ended before {@code now} (all for {@link Long#MAX_VALUE}). */
    private void resolveHeld(long now) throws InterruptedException {
        Iterator<HeldMove> it = held.values().iterator();
        while (it.hasNext()) {
            HeldMove m = it.next();
            if (now != Long.MAX_VALUE && m.deadline() - now > 0) {
                return;
            }
            it.remove();
            deleted(m.from()); // moved out of the watched tree; its watches are removed with it
        }
    }
}
