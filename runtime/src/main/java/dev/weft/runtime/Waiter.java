package dev.weft.runtime;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.locks.LockSupport;

/**
 * One blocked operation of one thread: a plain send, receive or join, or a whole {@link Select}. Whoever
 * completes the operation first claims the waiter with a compare-and-set of its state (the index of the clause that
 * fired), so a select fires exactly one clause and a cancelled wait consumes nothing. This is Go's {@code sudog}
 * and the claim protocol of Concurrent ML's events; the state is the only thing shared without a lock.
 *
 * <p>Cancellation is level-triggered: {@link #await} checks the current {@link Context} before every park, so a
 * cancelled task's wait ends with {@link CancelledException} even after its interrupt flag was cleared.
 */
final class Waiter {

    /** Not completed yet. */
    static final int WAITING = -1;
    /** Withdrawn by its own thread (timeout, interrupt, cancellation, or a select retry). */
    static final int CANCELLED = -2;
    /** Returned by {@link #await} when the deadline passed and the waiter was withdrawn. */
    static final int TIMED_OUT = -3;

    private static final VarHandle STATE;
    private static final VarHandle PARKED;

    static {
        try {
            MethodHandles.Lookup l = MethodHandles.lookup();
            STATE = l.findVarHandle(Waiter.class, "state", int.class);
            PARKED = l.findVarHandle(Waiter.class, "parked", boolean.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final Thread thread;
    /** The clock that deadlines are measured on and that parks the thread. */
    final Clockwork clock;
    /** The virtual clock whose auto-advance counts this thread as blocked while it parks, or null. */
    final VirtualClock.Engine accounting;
    final Context context;
    @SuppressWarnings("unused") // accessed through STATE
    private volatile int state = WAITING;
    @SuppressWarnings("unused") // accessed through PARKED
    private volatile boolean parked;

    Waiter() {
        this.thread = Thread.currentThread();
        this.context = Context.current();
        if (context != null) {
            this.clock = context.clock();
            this.accounting = context.participant() ? (VirtualClock.Engine) clock : null;
        } else {
            Scope owned = Context.ownedScope();
            this.clock = SystemTimeSource.INSTANCE;
            this.accounting = owned != null ? (VirtualClock.Engine) owned.clockwork() : null;
        }
    }

    /** The state: {@link #WAITING}, {@link #CANCELLED}, or the index of the clause that completed it. */
    int state() {
        return (int) STATE.getVolatile(this);
    }

    /** Claims this waiter for clause {@code index}; true if it was still waiting. Call {@link #wake()} after. */
    boolean tryClaim(int index) {
        return STATE.compareAndSet(this, WAITING, index);
    }

    /** Withdraws this waiter (only its own thread does this); false if somebody completed it first. */
    boolean tryCancel() {
        return STATE.compareAndSet(this, WAITING, CANCELLED);
    }

    /** Wakes the waiting thread after a successful {@link #tryClaim}. */
    void wake() {
        beforeWake();
        LockSupport.unpark(thread);
    }

    /** Counts the thread as running again on its virtual clock, before whoever wakes it unparks it. */
    void beforeWake() {
        if (accounting != null) {
            accounting.beforeWake(this);
        }
    }

    /** Marks the thread parked for virtual-clock accounting; false if it was already marked. */
    boolean markParked() {
        return PARKED.compareAndSet(this, false, true);
    }

    /** Clears the parked mark; true if this call cleared it (and so must count the thread as running again). */
    boolean clearParked() {
        return PARKED.compareAndSet(this, true, false);
    }

    /**
     * Parks until this waiter is claimed, the deadline passes, or the thread is cancelled or interrupted.
     *
     * @param deadline a {@link Clockwork#nanoTime()} deadline, or {@link Deadlines#NONE}
     * @return the clause index that claimed it, or {@link #TIMED_OUT}
     * @throws CancelledException if the task or its scope was cancelled and nothing claimed the waiter first
     * @throws InterruptedException if the thread was interrupted and nothing claimed the waiter first
     */
    int await(long deadline) throws InterruptedException {
        return park(deadline, true);
    }

    /**
     * Parks until this waiter is claimed or the deadline passes, ignoring cancellation and interrupts (the
     * interrupt flag is restored on return). For waits that structure depends on, like a scope's close.
     *
     * @return the clause index that claimed it, or {@link #TIMED_OUT}
     */
    int awaitUninterruptibly(long deadline) {
        try {
            return park(deadline, false);
        } catch (InterruptedException impossible) {
            throw new AssertionError(impossible);
        }
    }

    private int park(long deadline, boolean cancellable) throws InterruptedException {
        Context ctx = context;
        if (ctx != null) {
            ctx.waiter = this;
        }
        boolean interrupted = false;
        try {
            for (;;) {
                int s = state();
                if (s != WAITING) {
                    return s;
                }
                if (cancellable && ctx != null && ctx.isCancelled()) {
                    if (tryCancel()) {
                        throw ctx.cancelledException();
                    }
                    continue;
                }
                if (Thread.interrupted()) {
                    if (cancellable && tryCancel()) {
                        throw new InterruptedException();
                    }
                    // keep waiting (uninterruptible) or keep the result (completed concurrently); either way the
                    // interrupt stays pending for the next blocking call
                    interrupted = true;
                    continue;
                }
                if (deadline != Deadlines.NONE && clock.nanoTime() - deadline >= 0) {
                    if (tryCancel()) {
                        return TIMED_OUT;
                    }
                    continue;
                }
                if (accounting != null && accounting != clock) {
                    // a thread that opened a virtual-clock scope: real-time wait, virtual-clock accounting
                    if (accounting.enterPark(this)) {
                        clock.park(this, deadline);
                        accounting.exitPark(this);
                    }
                } else {
                    clock.park(this, deadline);
                }
            }
        } finally {
            if (ctx != null) {
                ctx.waiter = null;
            }
            if (interrupted) {
                thread.interrupt();
            }
        }
    }
}
