package dev.weft.runtime;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Objects;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A timer that runs short actions at {@link System#nanoTime()} deadlines on one platform daemon thread, built for a
 * million pending timers that are mostly cancelled before they are due (I/O timeouts, idle timeouts that are reset on
 * every message).
 *
 * <p>Thread-safety: {@link #schedule}, {@link #pending}, {@link #shutdown} and {@link TimerHandle#cancel()} may be
 * called from any thread, including virtual threads; none of them blocks except {@code shutdown}, which waits for the
 * timer thread to end.
 *
 * <p>Actions run on the timer thread, one at a time, at or after their deadline (typically within 1-2 ms of it). They
 * must be short and must not block: an unpark, a {@code trySend}, completing a future. An action that throws is
 * logged and the timer goes on.
 */
final class TimerWheel {
    /*
     * Design. A hierarchical hashed timing wheel (Varghese and Lauck, "Hashed and Hierarchical Timing Wheels", 1987)
     * laid out as Tokio's timer wheel (tokio/src/runtime/time/wheel): 1 ms ticks, 6 levels of 64 slots, level l slot
     * s holding the timers whose tick falls in the s-th 64^l-tick range of the current 64^(l+1) range. A timer goes to
     * the level of the highest 6-bit digit in which its tick differs from the current tick, so each level is searched
     * with one 64-bit occupancy mask, and a timer is moved down (cascaded) at most once per level on its way to
     * level 0. The levels reach 64^6 - 64^5 to 64^6 ticks ahead (about 2.2 years); later deadlines wait in an
     * overflow list that is re-examined at most every 64^5 ticks (about 12 days). Kafka's purgatory and Ratas use the
     * same scheme.
     *
     * Why a wheel and not a heap: the JDK's timers are heaps (ScheduledThreadPoolExecutor a binary heap, JDK 25's
     * ForkJoinPool.schedule DelayScheduler a 4-ary heap), so insert and remove cost O(log n) sifts over a million
     * entries that miss the cache, and a cancelled entry stays or costs a sift. Here schedule and cancel are O(1), an
     * expired slot is one list splice, and the 1M-timer cost is one 56-byte node per timer.
     *
     * Concurrency: the slots are touched only by the wheel thread. Other threads publish through two intrusive
     * Treiber stacks (no allocation beyond the node): new timers (inbox) and cancelled timers that are already in the
     * wheel (cancelled). The wheel thread takes each stack whole with getAndSet. A timer's fate is one CAS on its
     * state (INBOX -> WHEEL when the wheel thread takes it, then WHEEL -> FIRED or any -> CANCELLED), so cancel()
     * returns true exactly when the action will not run. Cancelling drops the action at once; the node is
     * unlinked at the wheel thread's next drain, and a canceller that sees CANCEL_WAKE_THRESHOLD nodes waiting wakes
     * the thread, so cancelled timers cannot pile up for their full delay.
     *
     * Sleeping: the wheel thread parks until the start of the next occupied slot (never per tick) and publishes that
     * time in sleepingUntil. schedule() pushes, then reads sleepingUntil; the thread writes sleepingUntil, then
     * re-reads the stacks before parking; so an earlier deadline is either seen by the thread or unparks it. Each
     * inbox node carries the earliest deadline below it, so the thread parks over an inbox whose timers are all due
     * after it wakes anyway, and a scheduler unparks it only for an earlier deadline or INBOX_WAKE_THRESHOLD waiting
     * nodes. An empty wheel is not a reason to park without a timeout at once: see LINGER_NANOS.
     *
     * Never early: a deadline is rounded up to a tick and the clock down, so a tick's slot is processed only when
     * System.nanoTime() has passed every deadline in it. Deadlines compare as plain longs, as Deadlines makes them
     * (saturated, Long.MAX_VALUE meaning never).
     */

    /** The length of one tick of the wheel. */
    static final long TICK_NANOS = 1_000_000L;

    static final int SLOT_BITS = 6;
    static final int SLOTS = 1 << SLOT_BITS;
    static final int LEVELS = 6;

    /** The furthest tick, relative to the current one, that the levels hold; later ones go to the overflow list. */
    static final long MAX_TICKS = (1L << (SLOT_BITS * LEVELS)) - 1;

    /** Cancelled nodes waiting to be unlinked after which a canceller wakes the wheel thread. */
    static final int CANCEL_WAKE_THRESHOLD = 4096;

    /** New timers waiting in the inbox after which a scheduler wakes the wheel thread, whatever their deadlines. */
    static final int INBOX_WAKE_THRESHOLD = 4096;

    /**
     * How long the wheel thread parks when the wheel has become empty, before it parks without a timeout if nothing
     * new came meanwhile. Without it every schedule into an empty wheel would unpark the thread (a futex wake per
     * request timeout that is cancelled before it is due: the timeout that is scheduled next finds the wheel empty
     * again); with it such schedules wait in the inbox, and an idle process still ends with no periodic wake-up.
     */
    static final long LINGER_NANOS = 1_000_000_000L;

    /** sleepingUntil while the wheel thread runs: no deadline is earlier, so nobody unparks it. */
    private static final long AWAKE = Long.MIN_VALUE;

    /** sleepingUntil while the wheel thread parks without a timeout: every deadline is earlier. */
    private static final long IDLE = Long.MAX_VALUE;

    private static final long FAILURE_LOG_INTERVAL_NANOS = 1_000_000_000L;

    private static final Logger LOGGER = LoggerFactory.getLogger(TimerWheel.class);

    private static final VarHandle INBOX;
    private static final VarHandle CANCELLED;
    private static final VarHandle SLEEPING_UNTIL;
    private static final VarHandle STARTED;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            INBOX = lookup.findVarHandle(TimerWheel.class, "inbox", Timer.class);
            CANCELLED = lookup.findVarHandle(TimerWheel.class, "cancelled", Timer.class);
            SLEEPING_UNTIL = lookup.findVarHandle(TimerWheel.class, "sleepingUntil", long.class);
            STARTED = lookup.findVarHandle(TimerWheel.class, "started", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Thread thread;
    private final LongAdder pending = new LongAdder();
    private final Wheel wheel;

    private volatile Timer inbox;
    private volatile Timer cancelled;
    private volatile long sleepingUntil = AWAKE;
    private volatile boolean started;
    private volatile boolean shutdown;

    // Wheel thread only.
    private boolean failureLogged;
    private long lastFailureLogNanos;
    private int unloggedFailures;

    /**
     * Creates a timer whose thread, a platform daemon thread with the given name, starts at the first
     * {@link #schedule}.
     *
     * @param threadName the name of the timer thread
     */
    TimerWheel(String threadName) {
        Objects.requireNonNull(threadName, "threadName");
        this.wheel = new Wheel(System.nanoTime());
        this.thread = Thread.ofPlatform().name(threadName).daemon(true).unstarted(this::run);
    }

    /**
     * Returns the process-wide timer, whose thread is named {@code weft-timer}, creating it at the first call.
     *
     * @return the shared timer; it is never shut down
     */
    static TimerWheel shared() {
        return Shared.INSTANCE;
    }

    /**
     * Schedules an action to run on the timer thread at or after a deadline. O(1); never blocks, so it is safe on
     * virtual threads. A deadline that has already passed runs the action promptly, on the timer thread, never on the
     * caller.
     *
     * @param deadlineNanos when to run, in {@link System#nanoTime()} units; {@link Long#MAX_VALUE} means never
     * @param action a short, non-blocking action
     * @return a handle that cancels the action
     * @throws RejectedExecutionException if the timer has been shut down
     */
    TimerHandle schedule(long deadlineNanos, Runnable action) {
        Objects.requireNonNull(action, "action");
        if (shutdown) {
            throw new RejectedExecutionException("timer " + thread.getName() + " is shut down");
        }
        if (!started) {
            start();
        }
        Timer timer = new Timer(this, deadlineNanos, action);
        pending.increment();
        Timer head;
        do {
            head = inbox;
            timer.link = head;
            timer.depth = head == null ? 1 : head.depth + 1;
            timer.inboxEarliest = head == null ? deadlineNanos : Math.min(deadlineNanos, head.inboxEarliest);
        } while (!INBOX.compareAndSet(this, head, timer));
        // the wheel thread publishes sleepingUntil before it looks at the inbox (sleep): either it sees this timer
        // there, or this sees the deadline it parks until
        long until = sleepingUntil;
        if (deadlineNanos < until || timer.depth >= INBOX_WAKE_THRESHOLD) {
            wake(until);
        }
        return timer;
    }

    /**
     * Returns the approximate number of pending actions: scheduled, and neither run (or running) nor cancelled.
     *
     * @return the number of pending actions; exact when no thread schedules, cancels or fires concurrently
     */
    int pending() {
        long n = pending.sum();
        return n <= 0 ? 0 : (int) Math.min(n, Integer.MAX_VALUE);
    }

    /**
     * Stops the timer thread and drops the pending actions; later calls to {@link #schedule} are rejected. Waits for
     * the timer thread to end unless called from it; an interrupt does not end the wait early but stays set.
     */
    void shutdown() {
        shutdown = true;
        LockSupport.unpark(thread);
        if (started && Thread.currentThread() != thread) {
            boolean interrupted = false;
            while (true) {
                try {
                    thread.join();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public String toString() {
        return "TimerWheel[" + thread.getName() + ", pending=" + pending() + (shutdown ? ", shut down]" : "]");
    }

    private void start() {
        if (STARTED.compareAndSet(this, false, true)) {
            thread.start();
        }
    }

    /** Unparks the wheel thread if it still sleeps until {@code until}; of racing callers only one unparks it. */
    private void wake(long until) {
        if (until != AWAKE && SLEEPING_UNTIL.compareAndSet(this, until, AWAKE)) {
            LockSupport.unpark(thread);
        }
    }

    /** Pushes a timer that was cancelled while in the wheel, for the wheel thread to unlink. */
    void unlinkLater(Timer timer) {
        Timer head;
        int depth;
        do {
            head = cancelled;
            depth = head == null ? 1 : head.depth + 1;
            timer.link = head;
            timer.depth = depth;
        } while (!CANCELLED.compareAndSet(this, head, timer));
        if (depth >= CANCEL_WAKE_THRESHOLD) {
            wake(sleepingUntil);
        }
    }

    private void run() {
        boolean lingered = false;
        while (!shutdown) {
            boolean took = drainInbox();
            drainCancelled();
            wheel.advance(wheel.tickAt(System.nanoTime()));
            fireExpired();
            Thread.interrupted(); // an action's stray interrupt must not turn park() into a spin
            long until = wheel.nanosAt(wheel.nextExpiration());
            if (until == IDLE && (took || !lingered)) {
                until = System.nanoTime() + LINGER_NANOS; // empty: linger before an untimed park (see LINGER_NANOS)
                lingered = true;
            } else {
                lingered = false;
            }
            sleep(until);
        }
    }

    /** Moves newly scheduled timers into the wheel, oldest first; true if the inbox held any. */
    private boolean drainInbox() {
        Timer t = (Timer) INBOX.getAndSet(this, (Timer) null);
        boolean took = t != null;
        Timer oldest = null;
        while (t != null) {
            Timer next = t.link;
            t.link = oldest;
            oldest = t;
            t = next;
        }
        for (t = oldest; t != null; ) {
            Timer next = t.link; // read before the CAS: once the timer is in the wheel, a canceller may reuse link
            t.link = null;
            if (t.enterWheel()) {
                wheel.add(t);
            }
            t = next;
        }
        return took;
    }

    private void drainCancelled() {
        Timer t = (Timer) CANCELLED.getAndSet(this, (Timer) null);
        while (t != null) {
            Timer next = t.link;
            t.link = null;
            wheel.remove(t);
            t = next;
        }
    }

    private void fireExpired() {
        Timer t;
        while (!shutdown && (t = wheel.pollExpired()) != null) {
            Runnable action = t.fire();
            if (action != null) {
                try {
                    action.run();
                } catch (Throwable e) {
                    actionFailed(action, e);
                }
            }
        }
    }

    /**
     * Parks until {@code until} (System.nanoTime; {@link #IDLE} for no timeout), a new earlier deadline, a backlog
     * of new or cancelled nodes, or shutdown.
     */
    private void sleep(long until) {
        sleepingUntil = until;
        Timer backlog = cancelled;
        Timer news = inbox;
        if ((news == null || (news.inboxEarliest >= until && news.depth < INBOX_WAKE_THRESHOLD))
                && (backlog == null || backlog.depth < CANCEL_WAKE_THRESHOLD) && !shutdown) {
            if (until == IDLE) {
                LockSupport.park(this);
            } else {
                long delay = until - System.nanoTime();
                if (delay > 0) {
                    LockSupport.parkNanos(this, delay);
                }
            }
        }
        sleepingUntil = AWAKE;
    }

    /** Logs a failed action, at most once a second with a count of the failures not logged in between. */
    private void actionFailed(Runnable action, Throwable failure) {
        long now = System.nanoTime();
        if (failureLogged && now - lastFailureLogNanos < FAILURE_LOG_INTERVAL_NANOS) {
            unloggedFailures++;
            return;
        }
        int unlogged = unloggedFailures;
        unloggedFailures = 0;
        failureLogged = true;
        lastFailureLogNanos = now;
        LOGGER.error("timer action {} on thread {} failed{}", action, thread.getName(),
                unlogged == 0 ? "" : "; " + unlogged + " earlier failures were not logged", failure);
    }

    private static long saturatedSubtract(long a, long b) {
        long r = a - b;
        // Overflow iff the operands have different signs and the result's sign differs from a's.
        return ((a ^ b) & (a ^ r)) < 0 ? (a < 0 ? Long.MIN_VALUE : Long.MAX_VALUE) : r;
    }

    private static final class Shared {
        static final TimerWheel INSTANCE = new TimerWheel("weft-timer");
    }

    /**
     * A scheduled action and its node in the wheel's lists: the handle returned to callers. About 56 bytes with
     * compressed references. {@link #cancel()} is thread-safe; the list fields belong to the wheel thread.
     */
    static final class Timer implements TimerHandle {
        static final int INBOX = 0;
        static final int WHEEL = 1;
        static final int FIRED = 2;
        static final int CANCELLED = 3;

        private static final VarHandle STATE;

        static {
            try {
                STATE = MethodHandles.lookup().findVarHandle(Timer.class, "state", int.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        private final TimerWheel owner; // null for list heads
        final long deadline;
        private Runnable action; // null once fired or cancelled
        private volatile int state = INBOX;
        /** The next node in the inbox stack, then in the cancelled stack. */
        Timer link;
        /** While in the inbox stack: the earliest deadline from this node to the bottom of the stack. */
        long inboxEarliest;
        /** The number of nodes from this one to the bottom of its stack (the inbox, later the cancelled one). */
        int depth;
        /** Neighbours in a wheel list (slot, overflow or expired); null when in none. */
        Timer next;
        Timer prev;

        Timer(TimerWheel owner, long deadline, Runnable action) {
            this.owner = owner;
            this.deadline = deadline;
            this.action = action;
        }

        /** Returns the head of an empty circular list. */
        static Timer listHead() {
            Timer head = new Timer(null, 0, null);
            head.next = head;
            head.prev = head;
            head.state = FIRED;
            return head;
        }

        @Override
        public boolean cancel() {
            while (true) {
                int s = state;
                if (s != INBOX && s != WHEEL) {
                    return false;
                }
                if (STATE.compareAndSet(this, s, CANCELLED)) {
                    action = null;
                    owner.pending.decrement();
                    if (s == WHEEL) { // a timer still in the inbox is dropped when the wheel thread takes it
                        owner.unlinkLater(this);
                    }
                    return true;
                }
            }
        }

        boolean isCancelled() {
            return state == CANCELLED;
        }

        /** Called by the wheel thread when it takes the timer from the inbox; false if it was cancelled there. */
        boolean enterWheel() {
            return STATE.compareAndSet(this, INBOX, WHEEL);
        }

        /** Claims the timer for running; returns its action, or null if it was cancelled. */
        Runnable fire() {
            if (!STATE.compareAndSet(this, WHEEL, FIRED)) {
                return null;
            }
            Runnable a = action;
            action = null;
            owner.pending.decrement();
            return a;
        }

        void linkLast(Timer head) {
            Timer last = head.prev;
            prev = last;
            next = head;
            last.next = this;
            head.prev = this;
        }

        void unlink() {
            prev.next = next;
            next.prev = prev;
            next = null;
            prev = null;
        }

        @Override
        public String toString() {
            return "Timer[deadline=" + deadline + ", state=" + state + "]";
        }
    }

    /**
     * The wheel proper: slots, overflow list and expired list, in ticks since an origin. Not thread-safe: confined to
     * the wheel thread (and to tests that drive it with made-up ticks).
     */
    static final class Wheel {
        private static final int OVERFLOW = -1;
        /** The ticks covered by one top-level slot, and the period of overflow re-examination. */
        private static final long TOP_SLOT_TICKS = 1L << (SLOT_BITS * (LEVELS - 1));

        private final long origin;
        private final Timer[] slots = new Timer[LEVELS * SLOTS];
        private final long[] occupied = new long[LEVELS];
        private final Timer overflow = Timer.listHead();
        private final Timer expired = Timer.listHead();
        /** The smallest tick in the overflow list, or lower after removals. */
        private long overflowFirst = Long.MAX_VALUE;
        /** The tick up to which every slot has been processed. */
        private long elapsed;
        // Where nextExpiration() found the next expiration.
        private int nextLevel;
        private int nextSlot;

        Wheel(long originNanos) {
            this.origin = originNanos;
            for (int i = 0; i < slots.length; i++) {
                slots[i] = Timer.listHead();
            }
        }

        /** Returns the tick that has fully elapsed at {@code nanos}, rounding down. */
        long tickAt(long nanos) {
            return Math.floorDiv(saturatedSubtract(nanos, origin), TICK_NANOS);
        }

        /** Returns the first tick at or after a deadline, rounding up. */
        long tickOf(long deadlineNanos) {
            return Math.ceilDiv(saturatedSubtract(deadlineNanos, origin), TICK_NANOS);
        }

        /** Returns when a tick starts, or {@link Long#MAX_VALUE} if beyond the range of {@code nanoTime}. */
        long nanosAt(long tick) {
            if (tick >= Long.MAX_VALUE / TICK_NANOS) {
                return Long.MAX_VALUE;
            }
            long nanos = origin + tick * TICK_NANOS;
            return nanos < origin ? Long.MAX_VALUE : nanos;
        }

        long elapsed() {
            return elapsed;
        }

        /** Adds a timer: to the expired list if its tick has elapsed, else to its slot or the overflow list. */
        void add(Timer t) {
            long tick = tickOf(t.deadline);
            if (tick <= elapsed) {
                t.linkLast(expired);
            } else if (tick - (elapsed & -TOP_SLOT_TICKS) > MAX_TICKS) {
                // Beyond the levels, or folding back into the current top-level slot, which holds no timer so that
                // the search in nextExpiration() meets the folded-back slots after the current range's.
                t.linkLast(overflow);
                overflowFirst = Math.min(overflowFirst, tick);
            } else {
                int level = levelFor(elapsed, tick);
                int slot = (int) (tick >>> (SLOT_BITS * level)) & (SLOTS - 1);
                t.linkLast(slots[level * SLOTS + slot]);
                occupied[level] |= 1L << slot;
            }
        }

        /** Unlinks a timer from whichever list holds it, if any. The slot's occupancy bit is cleared lazily. */
        void remove(Timer t) {
            if (t.prev != null) {
                t.unlink();
            }
        }

        /** Returns the next expired timer, in expiry order, or null. */
        Timer pollExpired() {
            Timer t = expired.next;
            if (t == expired) {
                return null;
            }
            t.unlink();
            return t;
        }

        /** Processes every slot whose start is at or before {@code now}, moving due timers to the expired list. */
        void advance(long now) {
            while (true) {
                long tick = nextExpiration();
                if (tick > now) {
                    break;
                }
                elapsed = tick;
                if (nextLevel == OVERFLOW) {
                    Timer head = overflow;
                    overflowFirst = Long.MAX_VALUE;
                    redistribute(head);
                } else {
                    occupied[nextLevel] &= ~(1L << nextSlot);
                    redistribute(slots[nextLevel * SLOTS + nextSlot]);
                }
            }
            if (now > elapsed) {
                elapsed = now;
            }
        }

        /** Empties a list and adds its live timers again, relative to the new elapsed tick. */
        private void redistribute(Timer head) {
            Timer t = head.next;
            head.next = head;
            head.prev = head;
            while (t != head) {
                Timer next = t.next;
                t.next = null;
                t.prev = null;
                if (!t.isCancelled()) {
                    add(t);
                }
                t = next;
            }
        }

        /**
         * Returns the tick at which the next slot or the overflow list must be processed, or {@link Long#MAX_VALUE}
         * if the wheel is empty. The first level with an occupied slot holds the earliest one: a timer sits in a
         * higher level only if its tick is beyond the current range of every lower level.
         */
        long nextExpiration() {
            long best = Long.MAX_VALUE;
            nextLevel = OVERFLOW;
            for (int level = 0; level < LEVELS; level++) {
                long occ = occupied[level];
                int shift = SLOT_BITS * level;
                int current = (int) (elapsed >>> shift) & (SLOTS - 1);
                while (occ != 0) {
                    int slot = (Long.numberOfTrailingZeros(Long.rotateRight(occ, current)) + current) & (SLOTS - 1);
                    Timer head = slots[level * SLOTS + slot];
                    if (head.next == head) { // emptied by removals
                        occ &= ~(1L << slot);
                        continue;
                    }
                    long slotRange = 1L << shift;
                    long levelRange = slotRange << SLOT_BITS;
                    long start = (elapsed & -levelRange) + slot * slotRange;
                    if (start <= elapsed) {
                        // Only in the top level: a tick in the next top-level range, which levelFor() folds back.
                        start += levelRange;
                    }
                    best = start;
                    nextLevel = level;
                    nextSlot = slot;
                    break;
                }
                occupied[level] = occ;
                if (best != Long.MAX_VALUE) {
                    break;
                }
            }
            if (overflow.next == overflow) {
                overflowFirst = Long.MAX_VALUE;
            } else {
                // Re-examine at the first top-level slot start where the first overflow timer fits (see add()).
                long fits = overflowFirst - MAX_TICKS;
                long at = (fits + TOP_SLOT_TICKS - 1) & -TOP_SLOT_TICKS;
                if (at < best) {
                    best = at;
                    nextLevel = OVERFLOW;
                }
            }
            return best;
        }

        /** Returns the level for a tick: that of the highest 6-bit digit in which it differs from elapsed. */
        static int levelFor(long elapsed, long tick) {
            long masked = (elapsed ^ tick) | (SLOTS - 1);
            if (masked >= MAX_TICKS) {
                masked = MAX_TICKS - 1; // a tick in the next top-level range goes to the top level, folded back
            }
            int significant = Long.SIZE - 1 - Long.numberOfLeadingZeros(masked);
            return significant / SLOT_BITS;
        }
    }
}
