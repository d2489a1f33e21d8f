package dev.weft.runtime;

import java.util.Optional;

/**
 * What a receive clause of a {@link Select} got: an element, or the news that the channel is closed and drained.
 *
 * <pre>{@code
 * .onReceiveOrClosed(lines, r -> switch (r) {
 *     case Received.Value<String>(String line) -> handle(line);
 *     case Received.Closed<String> c -> done();
 * })
 * }</pre>
 *
 * @param <E> the element type
 */
public sealed interface Received<E> {

    /**
     * An element was received.
     *
     * @param value the element
     * @param <E> the element type
     */
    record Value<E>(E value) implements Received<E> {
    }

    /**
     * The channel is closed and drained.
     *
     * @param channelName the channel's name
     * @param cause the cause it was closed with, if any
     * @param <E> the element type
     */
    record Closed<E>(String channelName, Optional<Throwable> cause) implements Received<E> {
    }
}
