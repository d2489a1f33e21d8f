package dev.weft.runtime;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * Timers on the current {@link TimeSource}: a cancellation-aware sleep, one-shot timers and tickers as channels, and
 * a resettable timer for idle timeouts. In a scope on a {@link VirtualClock} they all run in virtual time.
 *
 * <p>All timers share one scheduler per time source: for the system clock a hierarchical timing wheel on one
 * platform thread ({@code weft-timer}), which holds a million pending timers with O(1) schedule and cancel. Any
 * number of timers per task is fine. Stateless and thread-safe.
 */
public final class Timers {

    private Timers() {
    }

    /**
     * Sleeps for a duration of the current time source.
     *
     * <p>Cancellation-aware: if the calling task is cancelled, the sleep ends at once with
     * {@link CancelledException}.
     *
     * @param duration how long to sleep; zero or negative returns at once (after the cancellation check)
     * @throws CancelledException if the calling task is cancelled
     * @throws InterruptedException if the calling thread is interrupted
     */
    public static void sleep(Duration duration) throws InterruptedException {
        Objects.requireNonNull(duration, "duration");
        Context.checkCancelled();
        Clockwork clock = Context.clockwork();
        sleepUntilNanos(Deadlines.after(clock.nanoTime(), duration));
    }

    /**
     * Sleeps until an instant of the current time source.
     *
     * @param instant when to wake up; an instant in the past returns at once
     * @throws CancelledException if the calling task is cancelled
     * @throws InterruptedException if the calling thread is interrupted
     */
    public static void sleepUntil(Instant instant) throws InterruptedException {
        Objects.requireNonNull(instant, "instant");
        Context.checkCancelled();
        sleepUntilNanos(Context.timeSource().deadlineOf(instant));
    }

    private static void sleepUntilNanos(long deadline) throws InterruptedException {
        Waiter w = new Waiter();
        if (w.clock.nanoTime() - deadline >= 0) {
            return;
        }
        w.await(deadline);
    }

    /**
     * Returns a channel that delivers the current instant once, {@code delay} from now, and then closes.
     *
     * @param delay how long until it fires, not negative
     * @return the timer's channel
     */
    public static ReceiveChannel<Instant> after(Duration delay) {
        Deadlines.requireNonNegative(delay, "delay");
        TimeSource ts = Context.timeSource();
        return oneShot(ts, Deadlines.after(ts.nanoTime(), delay), "after(" + delay + ")");
    }

    /**
     * Returns a channel that delivers {@code instant} once, when the current time source reaches it, and then
     * closes.
     *
     * @param instant when it fires; an instant in the past fires at once
     * @return the timer's channel
     */
    public static ReceiveChannel<Instant> at(Instant instant) {
        Objects.requireNonNull(instant, "instant");
        TimeSource ts = Context.timeSource();
        return oneShot(ts, ts.deadlineOf(instant), "at(" + instant + ")");
    }

    private static ReceiveChannel<Instant> oneShot(TimeSource ts, long deadline, String name) {
        ChannelImpl<Instant> ch = new ChannelImpl<>(name, 1, OverflowPolicy.BLOCK, null);
        Runnable fire = () -> {
            ch.trySend(TimerChannels.instantAt(ts, deadline));
            ch.close();
        };
        Clockwork clock = Clockwork.of(ts);
        if (clock.nanoTime() - deadline >= 0) {
            fire.run(); // already due: deliver now rather than whenever the scheduler (or a virtual clock) next runs
        } else {
            clock.schedule(deadline, fire);
        }
        return ch;
    }

    /**
     * Returns a ticker with the {@link MissedTickPolicy#SKIP} policy: a tick every {@code period}, the first one
     * period from now, keeping to the original grid when the consumer falls behind.
     *
     * @param period the time between ticks, positive
     * @return a running ticker; close it to stop it
     */
    public static Ticker ticker(Duration period) {
        return ticker(period, MissedTickPolicy.SKIP);
    }

    /**
     * Returns a ticker with a missed-tick policy.
     *
     * @param period the time between ticks, positive
     * @param policy what to do with ticks that fall due while the consumer is busy
     * @return a running ticker; close it to stop it
     */
    public static Ticker ticker(Duration period, MissedTickPolicy policy) {
        Deadlines.requirePositive(period, "period");
        Objects.requireNonNull(policy, "policy");
        TimerChannels.TickerImpl t = new TimerChannels.TickerImpl(Context.timeSource(), period, policy);
        t.start();
        return t;
    }

    /**
     * Returns a resettable timer, armed to expire {@code timeout} from now.
     *
     * @param timeout the timeout, positive
     * @return the armed timer; close it when done
     */
    public static ResettableTimer resettable(Duration timeout) {
        Deadlines.requirePositive(timeout, "timeout");
        TimerChannels.ResettableTimerImpl t = new TimerChannels.ResettableTimerImpl(Context.timeSource(), timeout);
        t.reset();
        return t;
    }
}
