package dev.weft.runtime;

import java.time.Instant;
import java.util.concurrent.locks.LockSupport;

/** The real clock: {@link System#nanoTime()}, {@link Instant#now()} and the shared {@link TimerWheel}. */
final class SystemTimeSource implements TimeSource, Clockwork {

    static final SystemTimeSource INSTANCE = new SystemTimeSource();

    private SystemTimeSource() {
    }

    @Override
    public long nanoTime() {
        return System.nanoTime();
    }

    @Override
    public Instant now() {
        return Instant.now();
    }

    @Override
    public TimerHandle schedule(long deadlineNanos, Runnable action) {
        return TimerWheel.shared().schedule(deadlineNanos, action);
    }

    @Override
    public void park(Waiter waiter, long deadlineNanos) {
        if (deadlineNanos == Deadlines.NONE) {
            LockSupport.park(waiter);
        } else {
            long left = deadlineNanos - System.nanoTime();
            if (left > 0) {
                LockSupport.parkNanos(waiter, left);
            }
        }
    }

    @Override
    public void beforeWake(Waiter waiter) {
        // nothing to account for on the real clock
    }

    @Override
    public void participantStarted() {
        // only virtual clocks count participants
    }

    @Override
    public void participantEnded() {
        // only virtual clocks count participants
    }

    @Override
    public String toString() {
        return "TimeSource.system()";
    }
}
