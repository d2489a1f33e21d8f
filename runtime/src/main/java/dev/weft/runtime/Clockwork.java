package dev.weft.runtime;

/**
 * The runtime's view of a {@link TimeSource}: scheduling timer actions and parking waiters. Implementations are
 * thread-safe.
 */
sealed interface Clockwork permits SystemTimeSource, VirtualClock.Engine {

    /** Returns the monotonic time of this clock. */
    long nanoTime();

    /**
     * Schedules a short, non-blocking action (an unpark, a {@code trySend}) to run at or after the deadline. The
     * action runs on a timer thread (system clock) or on the thread that advances a virtual clock.
     */
    TimerHandle schedule(long deadlineNanos, Runnable action);

    /** Parks the waiter's thread once, until woken, interrupted or the deadline; may return spuriously. */
    void park(Waiter waiter, long deadlineNanos);

    /** Called by whoever completes a parked waiter, before it unparks the thread. */
    void beforeWake(Waiter waiter);

    /** A task thread that counts toward auto-advance starts (virtual clocks only; no-op otherwise). */
    void participantStarted();

    /** A task thread that counts toward auto-advance ended (virtual clocks only; no-op otherwise). */
    void participantEnded();

    /** Returns the runtime's view of a time source. */
    static Clockwork of(TimeSource source) {
        return switch (source) {
            case SystemTimeSource s -> s;
            case VirtualClock v -> v.engine();
        };
    }
}
