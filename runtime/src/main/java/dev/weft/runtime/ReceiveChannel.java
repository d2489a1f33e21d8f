package dev.weft.runtime;

import java.time.Duration;
import java.util.Iterator;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The receiving side of a channel: the one shape every weft event source takes, so that a {@link Select} can wait
 * on any mix of them.
 *
 * <p><b>Cancel safety.</b> A receive that ends with {@link CancelledException}, {@link InterruptedException} or a
 * timeout consumed nothing: every element is either returned or still in the channel.
 *
 * <p>Thread-safe: any number of threads may receive concurrently; each element goes to exactly one receiver.
 *
 * @param <E> the element type
 */
public sealed interface ReceiveChannel<E> extends Iterable<E> permits Channel, Ticker, ResettableTimer {

    /**
     * Returns the channel's name, used in errors and logs.
     *
     * @return the name
     */
    String name();

    /**
     * Receives the next element, waiting while the channel is empty.
     *
     * <p>Cancelling the wait (an interrupt, or the caller's scope being cancelled) loses nothing: an element is
     * either returned or still in the channel.
     *
     * @return the element
     * @throws ChannelClosedException if the channel is closed and drained; its cause is the close cause, if any
     * @throws CancelledException if the calling task is cancelled while waiting
     * @throws InterruptedException if the calling thread is interrupted while waiting
     */
    E receive() throws InterruptedException;

    /**
     * Receives the next element, waiting at most {@code timeout}.
     *
     * @param timeout the longest time to wait, on the caller's {@link TimeSource}
     * @return the element, or empty if the time ran out
     * @throws ChannelClosedException if the channel is closed and drained
     * @throws CancelledException if the calling task is cancelled while waiting
     * @throws InterruptedException if the calling thread is interrupted while waiting
     */
    Optional<E> receive(Duration timeout) throws InterruptedException;

    /**
     * Receives an element if one is available now. Never blocks.
     *
     * @return the element, or empty if the channel is empty
     * @throws ChannelClosedException if the channel is closed and drained
     */
    Optional<E> tryReceive();

    /**
     * Returns true once the channel is closed and every buffered element has been received.
     *
     * @return whether receives now fail
     */
    boolean isClosedForReceive();

    /**
     * Returns a blocking iterator over the elements; it ends when the channel is closed and drained.
     *
     * <p>{@code hasNext()} blocks. If the waiting thread is interrupted it restores the interrupt flag and throws
     * {@link CancelledException}; if the calling task is cancelled it throws {@link CancelledException}. If the channel
     * was closed with a cause, {@code hasNext()} throws {@link ChannelClosedException} with that cause instead of
     * returning false, so a failed producer is not mistaken for the end of the stream.
     *
     * @return an iterator for one consumer
     */
    @Override
    Iterator<E> iterator();

    /**
     * Returns a sequential stream over the elements, ending when the channel is closed and drained; see
     * {@link #iterator()} for blocking and errors.
     *
     * @return a stream for one consumer
     */
    Stream<E> stream();
}
