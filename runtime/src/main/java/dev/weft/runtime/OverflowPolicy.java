package dev.weft.runtime;

/**
 * What a buffered channel does with a send when its buffer is full. Every policy but {@link #BLOCK} makes sends
 * non-blocking; every loss is visible: the channel's {@linkplain Channel#droppedCount() drop counter} and its
 * {@linkplain Channel.Builder#onUndelivered undelivered-element hook} see each dropped element.
 */
public enum OverflowPolicy {
    /** The sender waits for room (back-pressure). The default. */
    BLOCK,
    /** The oldest buffered element is dropped to make room for the new one (a "latest values" buffer). */
    DROP_OLDEST,
    /** The new element is dropped; the buffer keeps what it has. */
    DROP_NEWEST,
    /** The send throws {@link java.util.concurrent.RejectedExecutionException}; the caller keeps the element. */
    REJECT
}
