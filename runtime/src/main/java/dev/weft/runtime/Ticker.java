package dev.weft.runtime;

import java.time.Duration;
import java.time.Instant;

/**
 * A periodic timer as a channel: it delivers the scheduled {@link Instant} of each tick, one period apart, starting
 * one period after it was created. Its buffer holds one tick; what happens to ticks that fall due while that tick is
 * still unreceived is its {@link MissedTickPolicy}.
 *
 * <pre>{@code
 * try (Ticker ticker = Timers.ticker(Duration.ofSeconds(10))) {
 *     for (;;) {
 *         Select.<Void>create()
 *                 .onReceive(messages, m -> { handle(m); return null; })
 *                 .onReceive(ticker, tick -> { flushStats(); return null; })
 *                 .select();
 *     }
 * }
 * }</pre>
 *
 * <p>{@link #close()} stops the ticker and closes its channel. Thread-safe.
 */
public sealed interface Ticker extends ReceiveChannel<Instant>, AutoCloseable permits TimerChannels.TickerImpl {

    /**
     * Returns the period.
     *
     * @return the time between ticks
     */
    Duration period();

    /**
     * Returns the policy for missed ticks.
     *
     * @return the policy
     */
    MissedTickPolicy policy();

    /**
     * Returns how many ticks fell due while the previous one was still unreceived (delivered late under
     * {@link MissedTickPolicy#BURST}, dropped under the others).
     *
     * @return the number of missed ticks
     */
    long missedTicks();

    /** Stops the ticker and closes its channel; a receiver sees it closed once the pending tick is taken. */
    @Override
    void close();
}
