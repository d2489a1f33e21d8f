package dev.weft.net;

import java.time.Duration;
import java.util.Objects;

/**
 * What {@link PermanentConnection#send(String) send} does while the connection is not READY.
 *
 * <ul>
 *   <li>{@link #buffer()} (the default): keep the message in a bounded FIFO — 1024 messages, 8 MiB, 30 s — flushed
 *       in order when the connection becomes READY, before any newer message. A full buffer rejects the new message
 *       with {@link PermanentSendException} ({@link PermanentSendException.Reason#BUFFER_FULL}), or drops its
 *       oldest message ({@link Buffer#dropOldest()}); a message older than the maximum age is dropped. Every drop is
 *       published as a {@link PermanentEvent.MessageDropped} event and counted.</li>
 *   <li>{@link #failFast()}: throw {@link PermanentSendException} ({@code NOT_CONNECTED}) at once.</li>
 *   <li>{@link #block(Duration)}: wait until READY, or throw ({@code TIMEOUT}) when the timeout passes.</li>
 * </ul>
 *
 * <p>Immutable records; thread-safe.
 */
public sealed interface SendPolicy {

    /**
     * Returns the default buffering policy: 1024 messages, 8 MiB, 30 s, reject new messages on overflow. The limits
     * are what a burst during a few seconds of reconnection needs, and small enough that a long outage costs bounded
     * memory (an unbounded queue is the classic out-of-memory of reconnecting clients); rejecting gives the caller
     * back-pressure instead of silently losing old data.
     *
     * @return the default policy
     */
    static Buffer buffer() {
        return new Buffer(1024, 8L << 20, Duration.ofSeconds(30), false);
    }

    /**
     * Returns a buffering policy.
     *
     * @param maxMessages the most messages the buffer holds, positive
     * @param maxBytes the most bytes (UTF-8, with line terminators) it holds, positive
     * @param maxAge how long a message may wait before it is dropped, positive
     * @param dropOldest true to drop the oldest message on overflow, false to reject the new one
     * @return the policy
     */
    static Buffer buffer(int maxMessages, long maxBytes, Duration maxAge, boolean dropOldest) {
        return new Buffer(maxMessages, maxBytes, maxAge, dropOldest);
    }

    /**
     * Returns the fail-fast policy: a send while not READY throws at once.
     *
     * @return the policy
     */
    static FailFast failFast() {
        return new FailFast();
    }

    /**
     * Returns the blocking policy: a send while not READY waits until READY or the timeout.
     *
     * @param timeout the longest wait, positive
     * @return the policy
     */
    static Block block(Duration timeout) {
        return new Block(timeout);
    }

    /**
     * Buffer while not READY.
     *
     * @param maxMessages the most messages held, positive
     * @param maxBytes the most bytes held, positive
     * @param maxAge the longest time a message may wait, positive
     * @param dropOldest whether overflow drops the oldest message (true) or rejects the new one (false)
     */
    record Buffer(int maxMessages, long maxBytes, Duration maxAge, boolean dropOldest) implements SendPolicy {
        /** Checks the limits. */
        public Buffer {
            if (maxMessages <= 0) {
                throw new IllegalArgumentException("maxMessages must be positive: " + maxMessages);
            }
            if (maxBytes <= 0) {
                throw new IllegalArgumentException("maxBytes must be positive: " + maxBytes);
            }
            PermanentConnection.requirePositive(maxAge, "maxAge");
        }
    }

    /** Throw while not READY. */
    record FailFast() implements SendPolicy {
    }

    /**
     * Wait while not READY.
     *
     * @param timeout the longest wait, positive
     */
    record Block(Duration timeout) implements SendPolicy {
        /** Checks the timeout. */
        public Block {
            Objects.requireNonNull(timeout, "timeout");
            PermanentConnection.requirePositive(timeout, "timeout");
        }
    }
}
