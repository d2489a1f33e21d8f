package dev.weft.runtime;

/**
 * What a {@link Ticker} does with ticks that fall due while its consumer is still busy with an earlier one (its
 * one-tick buffer is full). Named after Tokio's {@code MissedTickBehavior}.
 */
public enum MissedTickPolicy {
    /**
     * Delivers every missed tick, back to back, as soon as the consumer takes the previous one, then goes on at the
     * original cadence: the number of ticks received matches the time elapsed. For counters and rate calculations.
     */
    BURST,
    /**
     * Drops the missed ticks and restarts the cadence: the next tick comes one period after the consumer took the
     * late one. Ticks are never closer together than the period. For pacing work. {@link Ticker#missedTicks()}
     * counts the ticks of the old cadence that fell due before the late one was taken.
     */
    DELAY,
    /**
     * Drops the missed ticks and keeps the original grid: the next tick comes at the next multiple of the period
     * from the start. For "every 10 seconds, on the dot" housekeeping; the default.
     */
    SKIP
}
