package dev.weft.runtime;

import java.time.Instant;

/**
 * The source of time that every weft timer, deadline and timeout reads: the system clock in production, a
 * {@link VirtualClock} in tests.
 *
 * <p>A scope takes its time source from {@link Scope.Builder#timeSource(TimeSource)} or inherits its parent's;
 * code running in a scope's task reads it with {@link #current()}. Channel timeouts, {@link Select} timeouts,
 * {@link Timers} and scope deadlines all use the current time source, so a test that opens its scope on a virtual
 * clock runs every timer in that scope in virtual time.
 *
 * <p>Implementations are thread-safe. This interface is sealed: the runtime must be able to park threads and
 * schedule timers on it, so only the system source and {@link VirtualClock} exist.
 */
public sealed interface TimeSource permits SystemTimeSource, VirtualClock {

    /**
     * Returns the time source of the real system clock: {@link System#nanoTime()} for intervals and
     * {@link Instant#now()} for wall-clock instants.
     *
     * @return the system time source, a singleton
     */
    static TimeSource system() {
        return SystemTimeSource.INSTANCE;
    }

    /**
     * Returns the time source of the calling code: the one of the innermost scope whose task is running, or
     * {@link #system()} outside any scope.
     *
     * @return the current time source
     */
    static TimeSource current() {
        return Context.timeSource();
    }

    /**
     * Returns the current value of a monotonic nanosecond counter, comparable only with other values of this
     * source (like {@link System#nanoTime()}).
     *
     * @return monotonic time in nanoseconds
     */
    long nanoTime();

    /**
     * Returns the current wall-clock instant of this source.
     *
     * @return the current instant
     */
    Instant now();

    /**
     * Converts an instant of this source's wall clock to a deadline on its monotonic counter.
     *
     * @param instant the instant
     * @return the {@link #nanoTime()} value at which the instant is reached (saturated, never overflows)
     */
    default long deadlineOf(Instant instant) {
        java.time.Duration until = java.time.Duration.between(now(), instant);
        return Deadlines.after(nanoTime(), until);
    }
}
