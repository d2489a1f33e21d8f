package dev.weft.runtime;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * Waiting helpers for tests: poll a condition with a deadline instead of sleeping.
 *
 * <p>Polling parks for at most {@value #POLL_NANOS} ns between checks, so a satisfied condition is seen within
 * about a millisecond; a condition that never holds fails with an {@link AssertionError} naming what was awaited.
 */
final class TestSupport {

    /** The default deadline for {@link #awaitCondition(BooleanSupplier, String)} and {@link #awaitBlocked}. */
    static final Duration DEFAULT_WAIT = Duration.ofSeconds(10);

    private static final long POLL_NANOS = 200_000;

    private TestSupport() {
    }

    /**
     * Waits until {@code condition} holds, polling it every fraction of a millisecond.
     *
     * @throws AssertionError if it does not hold within {@code timeout}; the message names {@code description}
     */
    static void awaitCondition(BooleanSupplier condition, Duration timeout, String description) {
        long deadline = System.nanoTime() + timeout.toNanos();
        int spins = 0;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("timed out after " + timeout + " waiting for: " + description);
            }
            if (Thread.currentThread().isInterrupted()) {
                throw new AssertionError("interrupted while waiting for: " + description);
            }
            if (++spins < 100) {
                Thread.onSpinWait();
            } else {
                LockSupport.parkNanos(POLL_NANOS);
            }
        }
    }

    /** {@link #awaitCondition(BooleanSupplier, Duration, String)} with {@link #DEFAULT_WAIT}. */
    static void awaitCondition(BooleanSupplier condition, String description) {
        awaitCondition(condition, DEFAULT_WAIT, description);
    }

    /**
     * Waits until {@code thread} is parked: in state {@link Thread.State#WAITING} or
     * {@link Thread.State#TIMED_WAITING} (a virtual thread blocked in a weft wait, a lock or a park).
     *
     * @throws AssertionError if it does not block within {@link #DEFAULT_WAIT}, or terminates first
     */
    static void awaitBlocked(Thread thread) {
        awaitBlocked(thread, DEFAULT_WAIT);
    }

    /** {@link #awaitBlocked(Thread)} with an explicit deadline. */
    static void awaitBlocked(Thread thread, Duration timeout) {
        awaitCondition(() -> {
            Thread.State state = thread.getState();
            if (state == Thread.State.TERMINATED) {
                throw new AssertionError("thread " + thread.getName() + " terminated instead of blocking");
            }
            return state == Thread.State.WAITING || state == Thread.State.TIMED_WAITING;
        }, timeout, "thread " + thread.getName() + " to block (WAITING or TIMED_WAITING)");
    }

    /** Waits until {@code thread} has terminated, within {@link #DEFAULT_WAIT}. */
    static void awaitTerminated(Thread thread) {
        awaitCondition(() -> thread.getState() == Thread.State.TERMINATED, DEFAULT_WAIT,
                "thread " + thread.getName() + " to terminate");
    }
}
