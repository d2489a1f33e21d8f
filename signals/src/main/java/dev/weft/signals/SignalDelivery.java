package dev.weft.signals;

import java.time.Instant;
import java.util.Objects;

/**
 * One delivery of a signal to a {@link SignalSubscription}: which signal, how many times it arrived since the
 * subscriber last received it, and when. Immutable.
 *
 * <p>A subscriber that keeps up sees {@code count == 1} for each arrival. One that falls behind gets a single delivery
 * per signal whose count says how many arrivals it stands for, so it never blocks the signal handler and never loses
 * the fact that a signal arrived. The count is a lower bound of what was sent: the kernel itself merges a standard
 * signal sent again while the first one is still pending.
 *
 * @param signal the signal
 * @param count the number of arrivals this delivery stands for, at least 1
 * @param firstArrival when the first of these arrivals was seen by the JVM's handler thread (system clock)
 * @param lastArrival when the last of them was seen; equal to {@code firstArrival} when {@code count} is 1
 */
public record SignalDelivery(UnixSignal signal, long count, Instant firstArrival, Instant lastArrival) {

    /**
     * Checks the components.
     *
     * @throws IllegalArgumentException if {@code count} is less than 1 or {@code lastArrival} is before
     *     {@code firstArrival}
     */
    public SignalDelivery {
        Objects.requireNonNull(signal, "signal");
        Objects.requireNonNull(firstArrival, "firstArrival");
        Objects.requireNonNull(lastArrival, "lastArrival");
        if (count < 1) {
            throw new IllegalArgumentException("count must be at least 1: " + count);
        }
        if (lastArrival.isBefore(firstArrival)) {
            throw new IllegalArgumentException(
                    "lastArrival must not be before firstArrival: " + lastArrival + " < " + firstArrival);
        }
    }

    /** Returns this delivery with one more arrival at {@code when}. */
    SignalDelivery plusOne(Instant when) {
        Instant last = when.isBefore(lastArrival) ? lastArrival : when;
        return new SignalDelivery(signal, count + 1, firstArrival, last);
    }
}
