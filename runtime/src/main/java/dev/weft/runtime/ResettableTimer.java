package dev.weft.runtime;

import java.time.Duration;
import java.time.Instant;

/**
 * A one-shot timer that can be pushed back, stopped and re-armed, as a channel: the tool for idle timeouts. When it
 * expires it delivers the {@link Instant} it expired at.
 *
 * <pre>{@code
 * try (ResettableTimer idle = Timers.resettable(Duration.ofMinutes(5))) {
 *     for (;;) {
 *         boolean more = Select.<Boolean>create()
 *                 .onReceive(lines, line -> { idle.reset(); handle(line); return true; })
 *                 .onReceive(idle, at -> false)          // five quiet minutes: hang up
 *                 .select();
 *         if (!more) break;
 *     }
 * }
 * }</pre>
 *
 * <p>{@link #reset()} is cheap — it moves a deadline and touches the timer scheduler only when the deadline comes
 * earlier — so calling it on every message is fine. After {@code reset()} or {@code stop()} returns, no expiry from
 * before it will be received. Thread-safe.
 */
public sealed interface ResettableTimer extends ReceiveChannel<Instant>, AutoCloseable
        permits TimerChannels.ResettableTimerImpl {

    /** Re-arms the timer to expire one {@linkplain #timeout() timeout} from now, discarding an unreceived expiry. */
    void reset();

    /**
     * Re-arms the timer to expire {@code timeout} from now, and makes that the timeout of later {@link #reset()}s.
     *
     * @param timeout the new timeout, positive
     */
    void reset(Duration timeout);

    /** Disarms the timer and discards an unreceived expiry; {@link #reset()} arms it again. */
    void stop();

    /**
     * Returns whether the timer is armed (reset and not yet expired or stopped).
     *
     * @return whether an expiry is pending
     */
    boolean isArmed();

    /**
     * Returns the current timeout.
     *
     * @return the duration a {@link #reset()} arms the timer for
     */
    Duration timeout();

    /** Disarms the timer for good and closes its channel. */
    @Override
    void close();
}
