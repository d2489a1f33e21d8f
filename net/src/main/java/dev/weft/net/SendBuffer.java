package dev.weft.net;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

/**
 * The bounded FIFO a {@link PermanentConnection} keeps messages in while it is not READY: limits on messages, bytes
 * and age, and an overflow policy that either refuses the new message or drops the oldest.
 *
 * <p>Not thread-safe: guarded by the connection's send lock.
 */
final class SendBuffer {

    /** One buffered message: the object to write, its text for events, its size and when it was buffered. */
    record Entry(Object item, String text, long bytes, long enqueuedAt, boolean idempotent) {
    }

    private final int maxMessages;
    private final long maxBytes;
    private final long maxAgeNanos;
    private final boolean dropOldest;
    private final ArrayDeque<Entry> entries = new ArrayDeque<>();
    private long bytes;

    SendBuffer(SendPolicy.Buffer policy) {
        this.maxMessages = policy.maxMessages();
        this.maxBytes = policy.maxBytes();
        this.maxAgeNanos = policy.maxAge().toNanos();
        this.dropOldest = policy.dropOldest();
    }

    /**
     * Adds an entry at the end, making room by dropping the oldest entries if the policy says so.
     *
     * @return the entries dropped to make room (empty if none), or null if the new entry was refused
     */
    List<Entry> add(Entry e) {
        if (e.bytes() > maxBytes) {
            return null; // could never fit
        }
        List<Entry> dropped = new ArrayList<>();
        while (entries.size() >= maxMessages || bytes + e.bytes() > maxBytes) {
            if (!dropOldest) {
                return null;
            }
            dropped.add(poll());
        }
        entries.addLast(e);
        bytes += e.bytes();
        return dropped;
    }

    /** Puts an entry back at the front (a flush that could not write it); may exceed the limits by that one. */
    void addFirst(Entry e) {
        entries.addFirst(e);
        bytes += e.bytes();
    }

    /** Removes and returns the oldest entry, or null. */
    Entry poll() {
        Entry e = entries.pollFirst();
        if (e != null) {
            bytes -= e.bytes();
        }
        return e;
    }

    /** Removes and returns the entries older than the maximum age at {@code now}. */
    List<Entry> expire(long now) {
        List<Entry> expired = new ArrayList<>();
        while (!entries.isEmpty() && now - entries.peekFirst().enqueuedAt() >= maxAgeNanos) {
            expired.add(poll());
        }
        return expired;
    }

    /** Returns when the oldest entry expires, in clock nanoseconds, or empty when the buffer is empty. */
    OptionalLong nextExpiry() {
        Entry first = entries.peekFirst();
        return first == null ? OptionalLong.empty() : OptionalLong.of(first.enqueuedAt() + maxAgeNanos);
    }

    /** Returns when the oldest entry was buffered, or empty when the buffer is empty. */
    OptionalLong oldestEnqueuedAt() {
        Entry first = entries.peekFirst();
        return first == null ? OptionalLong.empty() : OptionalLong.of(first.enqueuedAt());
    }

    /** Removes and returns every entry. */
    List<Entry> drain() {
        List<Entry> all = new ArrayList<>(entries);
        entries.clear();
        bytes = 0;
        return all;
    }

    int size() {
        return entries.size();
    }

    long bytes() {
        return bytes;
    }
}
