package dev.weft.runtime;

import java.time.Duration;

/**
 * The sending side of a channel.
 *
 * <p><b>Cancel safety.</b> A send that ends with {@link CancelledException}, {@link InterruptedException} or a
 * timeout did not transfer its element: the caller still owns it. A send that returns normally transferred it (to a
 * receiver or into the buffer) — or, under {@link OverflowPolicy#DROP_NEWEST}/{@link OverflowPolicy#DROP_OLDEST},
 * counted and reported a drop.
 *
 * <p>A producer that owns the channel closes it when done — {@code try (channel) { ... }} — so that consumers
 * iterating it see the end; {@link #close()} throws nothing and is idempotent.
 *
 * <p>Thread-safe: any number of threads may send concurrently.
 *
 * @param <E> the element type
 */
public sealed interface SendChannel<E> extends AutoCloseable permits Channel {

    /**
     * Sends an element, waiting for a receiver (rendezvous) or for room in the buffer as the channel's
     * {@link OverflowPolicy} says.
     *
     * <p>Blocks while the buffer is full under {@link OverflowPolicy#BLOCK}. Cancelling the wait loses nothing: the
     * element is either transferred or still the caller's.
     *
     * @param element the element, not null
     * @throws ChannelClosedException if the channel is closed (the element goes to the undelivered hook)
     * @throws java.util.concurrent.RejectedExecutionException if the buffer is full under
     *     {@link OverflowPolicy#REJECT}
     * @throws CancelledException if the calling task is cancelled while waiting
     * @throws InterruptedException if the calling thread is interrupted while waiting
     */
    void send(E element) throws InterruptedException;

    /**
     * Sends an element, waiting at most {@code timeout}.
     *
     * @param element the element, not null
     * @param timeout the longest time to wait, on the caller's {@link TimeSource}
     * @return true if the element was sent, false if the time ran out (the element is still the caller's)
     * @throws ChannelClosedException if the channel is closed
     * @throws java.util.concurrent.RejectedExecutionException if the buffer is full under
     *     {@link OverflowPolicy#REJECT}
     * @throws CancelledException if the calling task is cancelled while waiting
     * @throws InterruptedException if the calling thread is interrupted while waiting
     */
    boolean send(E element, Duration timeout) throws InterruptedException;

    /**
     * Sends an element if that is possible without waiting. Never blocks.
     *
     * @param element the element, not null
     * @return true if it was sent (or dropped under a drop policy, which is counted and reported); false if the
     *     buffer is full (or, for a rendezvous channel, no receiver is waiting)
     * @throws ChannelClosedException if the channel is closed
     */
    boolean trySend(E element);

    /**
     * Closes the channel for sending. Buffered elements stay receivable; once they are drained, receivers see the
     * channel closed. Waiting senders fail with {@link ChannelClosedException}. Idempotent: the first close wins.
     */
    @Override
    void close();

    /**
     * Closes the channel with a cause, which receivers see as the cause of their {@link ChannelClosedException}
     * once the buffer is drained (a failed producer, for example). Idempotent: the first close wins.
     *
     * @param cause why the channel closed
     */
    void close(Throwable cause);

    /**
     * Returns true once the channel has been closed.
     *
     * @return whether sends now fail
     */
    boolean isClosedForSend();
}
