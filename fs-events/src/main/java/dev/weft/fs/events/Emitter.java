package dev.weft.fs.events;

import dev.weft.runtime.SendChannel;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The last stage of every backend: filters events by the include and exclude globs, coalesces content events
 * within the window (holding at most as many paths as the channel holds events), and sends the rest to the
 * watcher's channel, waiting while it is full (a blocked reader lets
 * the kernel queue fill, and its overflow is reported and rescanned: nothing is dropped here).
 *
 * <p>Not thread-safe: used by the watcher's one reader thread.
 */
final class Emitter {

    private final Path root;
    private final SendChannel<FileEvent> out;
    private final @Nullable PathMatcher include;
    private final @Nullable PathMatcher exclude;
    private final long windowNanos;
    private final Map<Path, Pending> pending = new LinkedHashMap<>();
    private final int maxPending;

    private record Pending(FileEvent event, long deadline) {
    }

    Emitter(Path root, SendChannel<FileEvent> out, WatchOptions options) {
        this.root = root;
        this.out = out;
        this.include = options.includes().isEmpty() ? null : WatchOptions.matcher(options.includes());
        this.exclude = options.excludes().isEmpty() ? null : WatchOptions.matcher(options.excludes());
        this.windowNanos = options.coalesce().toNanos();
        this.maxPending = options.bufferCapacity();
    }

    /** Reports {@code event} after the filters, maybe after the coalescing window; waits while the channel is full. */
    void emit(FileEvent event) throws InterruptedException {
        if (!passes(event)) {
            return;
        }
        if (windowNanos == 0) {
            send(event);
            return;
        }
        if (event instanceof FileEvent.Modified || event instanceof FileEvent.Written
                || event instanceof FileEvent.AttributesChanged) {
            Pending p = pending.get(event.path());
            if (p == null) {
                if (pending.size() >= maxPending) { // bounded: the oldest held event is reported early, not lost
                    Iterator<Pending> oldest = pending.values().iterator();
                    FileEvent early = oldest.next().event();
                    oldest.remove();
                    send(early);
                }
                pending.put(event.path(), new Pending(event, System.nanoTime() + windowNanos));
            } else if (rank(event) >= rank(p.event())) {
                pending.put(event.path(), new Pending(event, p.deadline()));
            }
            return;
        }
        flush(event.path());
        if (event instanceof FileEvent.Moved m) {
            flush(m.from());
        }
        if (event instanceof FileEvent.RootGone) {
            flushAll();
        }
        send(event);
    }

    private static int rank(FileEvent e) {
        return switch (e) {
            case FileEvent.Written w -> 3;
            case FileEvent.Modified m -> 2;
            default -> 1;
        };
    }

    private boolean passes(FileEvent event) {
        return switch (event) {
            case FileEvent.Overflow o -> true;
            case FileEvent.RootGone g -> true;
            case FileEvent.Moved m -> passes(m.from()) || passes(m.to());
            default -> passes(event.path());
        };
    }

    private boolean passes(Path path) {
        if (!path.startsWith(root) || path.equals(root)) {
            return include == null;
        }
        Path relative = root.relativize(path);
        return (include == null || include.matches(relative)) && (exclude == null || !exclude.matches(relative));
    }

    private void flush(Path path) throws InterruptedException {
        Pending p = pending.remove(path);
        if (p != null) {
            send(p.event());
        }
    }

    /** The time (System.nanoTime) of the next coalesced event, or {@link Long#MAX_VALUE} if none is pending. */
    long nextDeadline() {
        return pending.isEmpty() ? Long.MAX_VALUE : pending.values().iterator().next().deadline();
    }

    /** Sends every coalesced event whose window has ended. */
    void flushDue() throws InterruptedException {
        long now = System.nanoTime();
        Iterator<Pending> it = pending.values().iterator();
        while (it.hasNext()) {
            Pending p = it.next();
            if (p.deadline() - now > 0) {
                return; // deadlines are in insertion order: they all share one window
            }
            it.remove();
            send(p.event());
        }
    }

    /** Sends every coalesced event now. */
    void flushAll() throws InterruptedException {
        Iterator<Pending> it = pending.values().iterator();
        while (it.hasNext()) {
            Pending p = it.next();
            it.remove();
            send(p.event());
        }
    }

    private void send(FileEvent event) throws InterruptedException {
        out.send(event);
    }

    /** Milliseconds until {@code deadline} (System.nanoTime), at least 0, at most {@code cap}; -1 for none. */
    static int millisUntil(long deadline, int cap) {
        if (deadline == Long.MAX_VALUE) {
            return cap;
        }
        long ms = Duration.ofNanos(Math.max(0, deadline - System.nanoTime())).toMillis() + 1;
        return (int) Math.min(ms, cap < 0 ? Integer.MAX_VALUE : cap);
    }
}
