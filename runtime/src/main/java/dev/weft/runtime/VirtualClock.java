package dev.weft.runtime;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link TimeSource} for tests whose time moves only when told to, so timer, timeout, backoff and TTL tests run
 * in microseconds and never flake.
 *
 * <p>Open the scope under test on it ({@code Scope.builder().timeSource(clock)}); every timer, channel timeout,
 * {@link Select} timeout, {@link Timers#sleep sleep} and scope deadline in that scope then reads this clock. Time
 * moves in two ways:
 * <ul>
 *   <li>{@link #advance(Duration)} and {@link #advanceTo(Instant)} move it by hand, firing every timer that falls
 *       due on the way, in deadline order, each at its own deadline;</li>
 *   <li>in {@linkplain #autoAdvancing() auto-advance} mode it jumps to the next pending timer whenever every task
 *       of the scopes on this clock is blocked in a weft wait (a channel operation, a select, a sleep, a join) —
 *       like Go's {@code synctest}, Tokio's {@code start_paused} and Trio's autojump clock. A task blocked in
 *       anything else (a socket read, a JDK lock) counts as running, so the clock never jumps past work that is
 *       still going on; such tests advance by hand. The thread that opened a scope on the clock (the test's own
 *       thread) counts too, from the open to the close: the clock does not jump while the test is still forking
 *       tasks, only once it blocks in a weft wait such as {@code join()}. That thread's own timeouts stay on the
 *       system clock, so a real-time guard like {@code task.join(Duration.ofSeconds(10))} keeps working.</li>
 * </ul>
 *
 * <pre>{@code
 * VirtualClock clock = VirtualClock.autoAdvancing();
 * try (Scope scope = Scope.builder().name("test").timeSource(clock).open()) {
 *     scope.fork("sleeper", () -> { Timers.sleep(Duration.ofHours(1)); return null; });
 *     scope.join();                              // returns at once in real time
 * }
 * assert clock.elapsed().equals(Duration.ofHours(1));
 * }</pre>
 *
 * <p>Thread-safe. Timer actions run on the thread that advances the clock.
 */
public final class VirtualClock implements TimeSource {

    private final Engine engine;
    private final Instant epoch;

    private VirtualClock(Instant epoch, boolean autoAdvance) {
        this.epoch = epoch;
        this.engine = new Engine(autoAdvance);
    }

    /**
     * Creates a clock that moves only by {@link #advance(Duration)}, starting at 2000-01-01T00:00:00Z.
     *
     * @return a new manual clock
     */
    public static VirtualClock create() {
        return new VirtualClock(Instant.parse("2000-01-01T00:00:00Z"), false);
    }

    /**
     * Creates a manual clock starting at the given instant.
     *
     * @param start the instant {@link #now()} returns before any advance
     * @return a new manual clock
     */
    public static VirtualClock startingAt(Instant start) {
        return new VirtualClock(Objects.requireNonNull(start, "start"), false);
    }

    /**
     * Creates a clock that also jumps to the next timer whenever every task on it is blocked in a weft wait.
     *
     * @return a new auto-advancing clock, starting at 2000-01-01T00:00:00Z
     */
    public static VirtualClock autoAdvancing() {
        return new VirtualClock(Instant.parse("2000-01-01T00:00:00Z"), true);
    }

    Engine engine() {
        return engine;
    }

    @Override
    public long nanoTime() {
        return engine.nanoTime();
    }

    @Override
    public Instant now() {
        return epoch.plusNanos(engine.nanoTime());
    }

    /**
     * Returns how far this clock has moved since it was created.
     *
     * @return the elapsed virtual time
     */
    public Duration elapsed() {
        return Duration.ofNanos(engine.nanoTime());
    }

    /**
     * Moves the clock forward, firing every timer that falls due on the way in deadline order; each timer fires
     * with the clock set to its own deadline. Returns when the actions have run; the tasks they woke may still be
     * running.
     *
     * @param duration how far to move; zero fires what is already due
     * @throws IllegalArgumentException if the duration is negative
     */
    public void advance(Duration duration) {
        Deadlines.requireNonNegative(duration, "duration");
        engine.advanceTo(Deadlines.after(engine.nanoTime(), duration));
    }

    /**
     * Moves the clock forward to an instant, firing every timer due by then.
     *
     * @param instant where to move; an instant in the past only fires what is already due
     */
    public void advanceTo(Instant instant) {
        Objects.requireNonNull(instant, "instant");
        Duration d = Duration.between(now(), instant);
        advance(d.isNegative() ? Duration.ZERO : d);
    }

    /**
     * Moves the clock to the earliest pending timer and fires every timer due then.
     *
     * @return true if there was a timer to move to
     */
    public boolean advanceToNextTimer() {
        return engine.advanceToNext();
    }

    /**
     * Returns the instant of the earliest pending timer.
     *
     * @return the earliest deadline, or empty when no timer is pending
     */
    public Optional<Instant> nextTimer() {
        long next = engine.nextDeadline();
        return next == Deadlines.NONE ? Optional.empty() : Optional.of(epoch.plusNanos(next));
    }

    /**
     * Returns the number of pending (scheduled, not yet fired or cancelled) timers, including the timed waits of
     * blocked threads.
     *
     * @return the number of pending timers
     */
    public int pendingTimers() {
        return engine.pending();
    }

    @Override
    public String toString() {
        return "VirtualClock[" + now() + (engine.autoAdvance ? ", auto-advance]" : "]");
    }

    /** The clock's state, behind one lock: time, pending timers, and the count of running participant tasks. */
    static final class Engine implements Clockwork {

        private static final int AUTO_ADVANCE_LIMIT = 100_000;
        private static final Logger LOG = LoggerFactory.getLogger(VirtualClock.class);

        private final ReentrantLock lock = new ReentrantLock();
        private final PriorityQueue<VTimer> timers = new PriorityQueue<>();
        private final boolean autoAdvance;
        private volatile long now;
        private long sequence;
        /** Participants (tasks on this clock, and threads that opened scopes on it) not parked in a weft wait. */
        private int running;
        /** Participants parked in a weft wait. */
        private int parked;
        /** True while one thread runs {@link #autoAdvance()}; only that thread pops timers for auto-advance. */
        private boolean advancing;

        Engine(boolean autoAdvance) {
            this.autoAdvance = autoAdvance;
        }

        @Override
        public long nanoTime() {
            return now;
        }

        int pending() {
            lock.lock();
            try {
                return timers.size();
            } finally {
                lock.unlock();
            }
        }

        long nextDeadline() {
            lock.lock();
            try {
                VTimer t = timers.peek();
                return t == null ? Deadlines.NONE : t.deadline;
            } finally {
                lock.unlock();
            }
        }

        @Override
        public TimerHandle schedule(long deadlineNanos, Runnable action) {
            VTimer t;
            lock.lock();
            try {
                t = new VTimer(this, deadlineNanos, sequence++, action);
                timers.add(t);
            } finally {
                lock.unlock();
            }
            return t;
        }

        boolean cancel(VTimer t) {
            lock.lock();
            try {
                if (t.done) {
                    return false;
                }
                t.done = true;
                timers.remove(t);
                return true;
            } finally {
                lock.unlock();
            }
        }

        @Override
        public void park(Waiter waiter, long deadlineNanos) {
            TimerHandle wakeUp = null;
            if (deadlineNanos != Deadlines.NONE) {
                wakeUp = schedule(deadlineNanos, () -> {
                    waiter.beforeWake();
                    LockSupport.unpark(waiter.thread);
                });
            }
            boolean counted = waiter.accounting == this;
            // the clock may have passed the deadline before the wake-up was scheduled: do not park past it
            boolean overdue = deadlineNanos != Deadlines.NONE && now - deadlineNanos >= 0;
            if (overdue || (counted ? !enterPark(waiter) : waiter.state() != Waiter.WAITING)) {
                if (wakeUp != null) {
                    wakeUp.cancel();
                }
                return;
            }
            LockSupport.park(waiter);
            if (counted) {
                exitPark(waiter);
            }
            if (wakeUp != null) {
                wakeUp.cancel();
            }
        }

        /**
         * Counts a participant as parked, auto-advancing if it was the last one running. Returns false, counting
         * nothing, if the waiter was completed already (then the caller must not park).
         */
        boolean enterPark(Waiter waiter) {
            boolean advance = false;
            lock.lock();
            try {
                if (waiter.state() != Waiter.WAITING) {
                    return false;
                }
                if (waiter.markParked()) {
                    running--;
                    parked++;
                    advance = startAutoAdvanceLocked();
                }
            } finally {
                lock.unlock();
            }
            if (advance) {
                autoAdvance();
            }
            return true;
        }

        /** Counts a participant as running again after its park, unless a waker did already. */
        void exitPark(Waiter waiter) {
            beforeWake(waiter);
        }

        @Override
        public void beforeWake(Waiter waiter) {
            if (waiter.accounting != this) {
                return;
            }
            lock.lock();
            try {
                if (waiter.clearParked()) {
                    running++;
                    parked--;
                }
            } finally {
                lock.unlock();
            }
        }

        @Override
        public void participantStarted() {
            lock.lock();
            try {
                running++;
            } finally {
                lock.unlock();
            }
        }

        @Override
        public void participantEnded() {
            boolean advance;
            lock.lock();
            try {
                running--;
                advance = startAutoAdvanceLocked();
            } finally {
                lock.unlock();
            }
            if (advance) {
                autoAdvance();
            }
        }

        /**
         * Auto-advance when every participant is blocked: none running, at least one parked (advancing for nobody
         * would only fire timers early), and a timer pending.
         */
        private boolean shouldAutoAdvanceLocked() {
            return autoAdvance && running == 0 && parked > 0 && !timers.isEmpty();
        }

        /**
         * Claims the auto-advance for the calling thread if it should run and nobody runs it. One advancer at a time:
         * a task woken by the first action of a batch may park again before the rest of the batch has run, and must
         * not move the clock past the deadline those actions are due at; the advancer re-checks after each batch.
         */
        private boolean startAutoAdvanceLocked() {
            if (advancing || !shouldAutoAdvanceLocked()) {
                return false;
            }
            advancing = true;
            return true;
        }

        /**
         * Jumps from timer to timer while every participant stays blocked: a timer whose action wakes nobody (a
         * ticker nobody reads, a timeout of a non-participant) must not stall the clock. Gives up, with a warning,
         * after {@value #AUTO_ADVANCE_LIMIT} timers that woke nobody: the tasks are deadlocked on something no timer
         * can end.
         */
        private void autoAdvance() {
            for (int fired = 0; fired < AUTO_ADVANCE_LIMIT; ) {
                List<VTimer> due;
                lock.lock();
                try {
                    if (!shouldAutoAdvanceLocked()) {
                        advancing = false;
                        return;
                    }
                    due = popNextLocked();
                } finally {
                    lock.unlock();
                }
                fired += due.size();
                try {
                    runAll(due);
                } catch (RuntimeException e) {
                    LOG.warn("a timer action of a virtual clock failed", e);
                }
            }
            lock.lock();
            try {
                advancing = false;
            } finally {
                lock.unlock();
            }
            LOG.warn("virtual clock auto-advance fired {} timers without waking any task; its tasks look "
                    + "deadlocked on something no timer can end", AUTO_ADVANCE_LIMIT);
        }

        void advanceTo(long target) {
            for (;;) {
                List<VTimer> due;
                lock.lock();
                try {
                    VTimer first = timers.peek();
                    if (first == null || first.deadline - target > 0) {
                        if (target - now > 0) {
                            now = target;
                        }
                        return;
                    }
                    due = popNextLocked();
                } finally {
                    lock.unlock();
                }
                runAll(due);
            }
        }

        boolean advanceToNext() {
            List<VTimer> due;
            lock.lock();
            try {
                due = popNextLocked();
            } finally {
                lock.unlock();
            }
            runAll(due);
            return due != null;
        }

        /** Removes every timer with the earliest deadline and moves time to it; null if there is none. */
        private List<VTimer> popNextLocked() {
            VTimer first = timers.peek();
            if (first == null) {
                return null;
            }
            if (first.deadline - now > 0) {
                now = first.deadline;
            }
            List<VTimer> due = new ArrayList<>();
            while (!timers.isEmpty() && timers.peek().deadline - now <= 0) {
                VTimer t = timers.poll();
                t.done = true;
                due.add(t);
            }
            return due;
        }

        private static void runAll(List<VTimer> due) {
            if (due == null) {
                return;
            }
            RuntimeException first = null;
            for (VTimer t : due) {
                try {
                    t.action.run();
                } catch (RuntimeException e) {
                    if (first == null) {
                        first = e;
                    } else {
                        first.addSuppressed(e);
                    }
                }
            }
            if (first != null) {
                throw first;
            }
        }
    }

    /** A pending timer of a virtual clock; ordered by deadline, then by scheduling order. */
    static final class VTimer implements TimerHandle, Comparable<VTimer> {
        final Engine engine;
        final long deadline;
        final long seq;
        final Runnable action;
        boolean done;

        VTimer(Engine engine, long deadline, long seq, Runnable action) {
            this.engine = engine;
            this.deadline = deadline;
            this.seq = seq;
            this.action = action;
        }

        @Override
        public boolean cancel() {
            return engine.cancel(this);
        }

        @Override
        public int compareTo(VTimer o) {
            int c = Long.compare(deadline, o.deadline);
            return c != 0 ? c : Long.compare(seq, o.seq);
        }
    }
}
