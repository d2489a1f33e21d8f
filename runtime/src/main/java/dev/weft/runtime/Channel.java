package dev.weft.runtime;

import java.util.Objects;
import java.util.function.Consumer;

/**
 * A channel: a queue between tasks with blocking, cancel-safe send and receive, close with a cause, and a place in
 * a {@link Select}. Kinds:
 * <ul>
 *   <li>{@link #rendezvous()} — no buffer: a send waits until a receiver takes the element;</li>
 *   <li>{@link #buffered(int)} — up to {@code n} elements; a full buffer blocks senders, or follows an
 *       {@link OverflowPolicy};</li>
 *   <li>{@link #unbounded()} — never blocks a sender; for cases bounded elsewhere (memory is the limit);</li>
 *   <li>{@link #conflated()} — holds only the latest element (a buffer of one that drops the oldest).</li>
 * </ul>
 *
 * <pre>{@code
 * Channel<String> lines = Channel.buffered(64);
 * scope.fork("producer", () -> {
 *     try (lines) { for (String l : source) lines.send(l); }   // close() ends the consumer's loop
 * });
 * for (String line : lines) {
 *     handle(line);
 * }
 * }</pre>
 *
 * <p>Each channel has its own lock, held only for the few steps of a hand-off; waiting threads park outside it and
 * are handed their element directly (Go's channel design, with kotlinx.coroutines' close and undelivered-element
 * semantics). Thread-safe.
 *
 * @param <E> the element type
 */
public sealed interface Channel<E> extends SendChannel<E>, ReceiveChannel<E> permits ChannelImpl {

    /**
     * Creates a rendezvous channel: a send completes only when a receiver takes the element.
     *
     * @param <E> the element type
     * @return a new channel
     */
    static <E> Channel<E> rendezvous() {
        return Channel.<E>builder().build();
    }

    /**
     * Creates a channel with a buffer of {@code capacity} elements whose senders wait when it is full.
     *
     * @param capacity the buffer size, at least 1
     * @param <E> the element type
     * @return a new channel
     * @throws IllegalArgumentException if the capacity is less than 1
     */
    static <E> Channel<E> buffered(int capacity) {
        requireBufferCapacity(capacity, OverflowPolicy.BLOCK);
        return Channel.<E>builder().capacity(capacity).build();
    }

    private static void requireBufferCapacity(int capacity, OverflowPolicy overflow) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity of a buffered channel must be at least 1: " + capacity
                    + " (overflow policy " + overflow + "; use Channel.rendezvous() for no buffer)");
        }
    }

    /**
     * Creates a buffered channel with an overflow policy.
     *
     * @param capacity the buffer size, at least 1
     * @param overflow what a send does when the buffer is full
     * @param <E> the element type
     * @return a new channel
     */
    static <E> Channel<E> buffered(int capacity, OverflowPolicy overflow) {
        requireBufferCapacity(capacity, Objects.requireNonNull(overflow, "overflow"));
        return Channel.<E>builder().capacity(capacity).overflow(overflow).build();
    }

    /**
     * Creates a channel whose buffer grows without limit, so sends never wait. Prefer a bounded channel unless the
     * producer is bounded by other means.
     *
     * @param <E> the element type
     * @return a new channel
     */
    static <E> Channel<E> unbounded() {
        return Channel.<E>builder().capacity(Integer.MAX_VALUE).build();
    }

    /**
     * Creates a conflated channel: it keeps only the most recent element; a send never waits and replaces an
     * element nobody has received yet (which counts as dropped).
     *
     * @param <E> the element type
     * @return a new channel
     */
    static <E> Channel<E> conflated() {
        return Channel.<E>builder().capacity(1).overflow(OverflowPolicy.DROP_OLDEST).build();
    }

    /**
     * Returns a builder for a channel with a name, capacity, policy and undelivered-element hook.
     *
     * @param <E> the element type
     * @return a new builder
     */
    static <E> Builder<E> builder() {
        return new Builder<>();
    }

    /**
     * Returns the buffer capacity: 0 for rendezvous, {@link Integer#MAX_VALUE} for unbounded.
     *
     * @return the capacity
     */
    int capacity();

    /**
     * Returns the number of buffered elements.
     *
     * @return the number of elements waiting to be received
     */
    int size();

    /**
     * Returns the overflow policy.
     *
     * @return the policy
     */
    OverflowPolicy overflow();

    /**
     * Returns how many elements this channel has dropped: by its overflow policy, and by sends that failed
     * because it was closed.
     *
     * @return the number of dropped elements
     */
    long droppedCount();

    /**
     * Builds a {@link Channel}. Not thread-safe; the channel it builds is.
     *
     * @param <E> the element type
     */
    final class Builder<E> {
        private String name = "channel";
        private int capacity;
        private OverflowPolicy overflow = OverflowPolicy.BLOCK;
        private Consumer<? super E> onUndelivered;

        private Builder() {
        }

        /**
         * Sets the name used in errors and logs (default {@code "channel"}).
         *
         * @param name the name
         * @return this builder
         */
        public Builder<E> name(String name) {
            this.name = Objects.requireNonNull(name, "name");
            return this;
        }

        /**
         * Sets the buffer capacity: 0 (the default) for rendezvous, {@link Integer#MAX_VALUE} for unbounded.
         *
         * @param capacity the capacity, not negative
         * @return this builder
         */
        public Builder<E> capacity(int capacity) {
            if (capacity < 0) {
                throw new IllegalArgumentException("capacity must not be negative: " + capacity);
            }
            this.capacity = capacity;
            return this;
        }

        /**
         * Sets what a send does when the buffer is full (default {@link OverflowPolicy#BLOCK}).
         *
         * @param overflow the policy; anything but BLOCK needs a capacity of at least 1
         * @return this builder
         */
        public Builder<E> overflow(OverflowPolicy overflow) {
            this.overflow = Objects.requireNonNull(overflow, "overflow");
            return this;
        }

        /**
         * Sets a hook called with every element the channel drops — by its overflow policy, or because a send
         * failed on a closed channel — so that an element holding a resource can release it. The hook runs on the
         * sending thread, outside the channel's lock; an exception it throws is logged and swallowed.
         *
         * @param onUndelivered the hook
         * @return this builder
         */
        public Builder<E> onUndelivered(Consumer<? super E> onUndelivered) {
            this.onUndelivered = Objects.requireNonNull(onUndelivered, "onUndelivered");
            return this;
        }

        /**
         * Builds the channel.
         *
         * @return a new open channel
         * @throws IllegalArgumentException if a drop or reject policy is combined with capacity 0
         */
        public Channel<E> build() {
            if (capacity == 0 && overflow != OverflowPolicy.BLOCK) {
                throw new IllegalArgumentException("overflow policy " + overflow
                        + " needs a buffer: capacity must be at least 1 (channel '" + name + "')");
            }
            return new ChannelImpl<>(name, capacity, overflow, onUndelivered);
        }
    }
}
