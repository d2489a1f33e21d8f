package dev.weft.benchmarks.micro;

import dev.weft.runtime.ResettableTimer;
import dev.weft.runtime.Timers;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Timer operations of weft against {@code ScheduledThreadPoolExecutor}, JDK 25 {@code ForkJoinPool.schedule} and
 * Netty's {@code HashedWheelTimer} (see {@link Schedulers}):
 * <ul>
 *   <li>{@code scheduleCancel}: schedule an action 10 s ahead and cancel it at once (a request timeout that is not
 *       needed). weft is measured twice: its timer wheel directly ({@code weft}) and a public
 *       {@link Timers#resettable} created and closed ({@code weft resettable}).
 *   <li>{@code rearm}: the idle-timeout pattern, push a 10 s timeout back after every unit of activity. weft:
 *       {@link ResettableTimer#reset()}; the peers: cancel the pending action and schedule a new one; and
 *       {@code ScheduledThreadPoolExecutor lazy}, the hand-rolled form of weft's own trick (move a deadline field;
 *       the scheduled check re-schedules itself until the deadline has passed), to separate the pattern from the
 *       data structure.
 * </ul>
 * Lateness of a million timers due at once is measured outside JMH by {@link TimerLateness}.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class TimerBench {

    private static final long TEN_SECONDS = TimeUnit.SECONDS.toNanos(10);
    private static final Runnable NOTHING = () -> {};

    /** A timer implementation for schedule+cancel. */
    @State(Scope.Benchmark)
    public static class ScheduleCancel {
        /** Who schedules. */
        @Param({"weft", "weft resettable", "ScheduledThreadPoolExecutor", "ForkJoinPool", "HashedWheelTimer"})
        public String impl;

        Schedulers timers;

        /** Starts the timer. */
        @Setup
        public void setUp() {
            timers = Schedulers.create(impl.equals("weft resettable") ? Schedulers.WEFT : impl);
        }

        /** Stops the timer. */
        @TearDown
        public void tearDown() {
            timers.close();
        }
    }

    /** A timer implementation and one armed idle timeout, per thread. */
    @State(Scope.Thread)
    public static class Rearm {
        /** Who schedules. */
        @Param({"weft", "ScheduledThreadPoolExecutor", "ForkJoinPool", "HashedWheelTimer",
                "ScheduledThreadPoolExecutor lazy"})
        public String impl;

        Schedulers timers;
        ResettableTimer weft;
        Object pending;
        /** The lazy variant's current deadline; its scheduled check re-schedules itself until it has passed. */
        volatile long deadline;
        /** The lazy variant's pending check (written by the timer thread when it re-schedules). */
        volatile Object lazyPending;
        boolean lazy;

        /** Starts the timer and arms the timeout. */
        @Setup
        public void setUp() {
            if (impl.equals(Schedulers.WEFT)) {
                weft = Timers.resettable(Duration.ofSeconds(10));
            } else if (impl.endsWith(" lazy")) {
                lazy = true;
                timers = Schedulers.create(Schedulers.STPE);
                deadline = System.nanoTime() + TEN_SECONDS;
                lazyPending = timers.schedule(TEN_SECONDS, this::check);
            } else {
                timers = Schedulers.create(impl);
                pending = timers.schedule(TEN_SECONDS, NOTHING);
            }
        }

        private void check() {
            long left = deadline - System.nanoTime();
            if (left > 0) {
                lazyPending = timers.schedule(left, this::check);
            }
        }

        /** Disarms and stops. */
        @TearDown
        public void tearDown() {
            if (weft != null) {
                weft.close();
            } else {
                timers.cancel(lazy ? lazyPending : pending);
                timers.close();
            }
        }
    }

    /** Schedules an action 10 s ahead and cancels it. */
    @Benchmark
    public void scheduleCancel(ScheduleCancel s) {
        if (s.impl.equals("weft resettable")) {
            ResettableTimer t = Timers.resettable(Duration.ofSeconds(10));
            t.close();
        } else {
            s.timers.cancel(s.timers.schedule(TEN_SECONDS, NOTHING));
        }
    }

    /** Pushes the idle timeout back to 10 s from now. */
    @Benchmark
    public void rearm(Rearm s) {
        if (s.weft != null) {
            s.weft.reset();
        } else if (s.lazy) {
            s.deadline = System.nanoTime() + TEN_SECONDS;
        } else {
            s.timers.cancel(s.pending);
            s.pending = s.timers.schedule(TEN_SECONDS, NOTHING);
        }
    }
}
