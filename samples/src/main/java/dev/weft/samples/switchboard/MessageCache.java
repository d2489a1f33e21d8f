package dev.weft.samples.switchboard;

import dev.weft.net.Message;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Messages for services that are not registered, kept in arrival order per service until the service registers or
 * the message expires; bounded in count and bytes over all services. Thread-safe.
 */
final class MessageCache {

    /** A cached message, and what to do when it is dropped. */
    record Entry(Message message, long expiresAtNanos, int bytes, Router.Peer sender, boolean replyWhenDropped) {
    }

    /** What {@link #add} did. */
    enum Added { CACHED, FULL }

    private final int maxMessages;
    private final long maxBytes;
    private final ReentrantLock lock = new ReentrantLock();
    private final Map<String, ArrayDeque<Entry>> byService = new HashMap<>();
    private int messages;
    private long bytes;

    MessageCache(int maxMessages, long maxBytes) {
        this.maxMessages = maxMessages;
        this.maxBytes = maxBytes;
    }

    static int sizeOf(Message message) {
        return message.toText().getBytes(StandardCharsets.UTF_8).length;
    }

    Added add(String service, Message message, Duration ttl, long nowNanos, Router.Peer sender, boolean reply) {
        int size = sizeOf(message);
        lock.lock();
        try {
            if (messages + 1 > maxMessages || bytes + size > maxBytes) {
                return Added.FULL;
            }
            byService.computeIfAbsent(service, k -> new ArrayDeque<>())
                    .add(new Entry(message, nowNanos + ttl.toNanos(), size, sender, reply));
            messages++;
            bytes += size;
            return Added.CACHED;
        } finally {
            lock.unlock();
        }
    }

    /** Removes and returns what is cached for {@code service}, oldest first. */
    List<Entry> take(String service) {
        lock.lock();
        try {
            ArrayDeque<Entry> queue = byService.remove(service);
            if (queue == null) {
                return List.of();
            }
            for (Entry e : queue) {
                messages--;
                bytes -= e.bytes();
            }
            return List.copyOf(queue);
        } finally {
            lock.unlock();
        }
    }

    /** Removes and returns every entry that has expired by {@code nowNanos}. */
    List<Entry> expire(long nowNanos) {
        List<Entry> expired = new ArrayList<>();
        lock.lock();
        try {
            for (Iterator<ArrayDeque<Entry>> queues = byService.values().iterator(); queues.hasNext(); ) {
                ArrayDeque<Entry> queue = queues.next();
                for (Iterator<Entry> it = queue.iterator(); it.hasNext(); ) {
                    Entry e = it.next();
                    if (e.expiresAtNanos() - nowNanos <= 0) {
                        it.remove();
                        messages--;
                        bytes -= e.bytes();
                        expired.add(e);
                    }
                }
                if (queue.isEmpty()) {
                    queues.remove();
                }
            }
        } finally {
            lock.unlock();
        }
        return expired;
    }

    int size() {
        lock.lock();
        try {
            return messages;
        } finally {
            lock.unlock();
        }
    }

    int maxMessages() {
        return maxMessages;
    }

    long maxBytes() {
        return maxBytes;
    }
}
