package dev.weft.runtime;

import java.util.concurrent.CancellationException;

/**
 * What the runtime knows about the running code: its scope, its task (if it runs as one), whether it is cancelled,
 * and the operation it is blocked in, so that cancellation can wake it. Bound with a {@link ScopedValue} for the
 * whole run of a task's thread, and rebound for a {@linkplain Scope#shielded shielded} block.
 */
final class Context {

    static final ScopedValue<Context> CURRENT = ScopedValue.newInstance();

    /**
     * For a thread that is not a task: the innermost scope on a {@link VirtualClock} it opened and has not closed.
     * Such a thread counts toward that clock's auto-advance (the clock jumps only while it, too, is blocked in a
     * weft wait), so a test that forks tasks one after the other never sees the clock jump between two forks. Its
     * own timeouts stay on the system clock, so a test's real-time guards (a join with a timeout) keep working.
     */
    static final ThreadLocal<Scope> OWNED = new ThreadLocal<>();

    final Scope scope;
    final TaskImpl<?> task;
    /** The shield this context stands for, or null for a task context. */
    final Shield shield;
    /** The operation the thread is blocked in right now, if any; read by cancellation to wake it. */
    volatile Waiter waiter;

    Context(Scope scope, TaskImpl<?> task, Shield shield) {
        this.scope = scope;
        this.task = task;
        this.shield = shield;
    }

    /** What {@link #current} looks up when nothing is bound ({@code orElse} takes no null in JDK 25). */
    private static final Context NONE = new Context(null, null, null);

    /** Returns the context of the calling thread, or null outside any scope task. */
    static Context current() {
        // one lookup, not isBound() then get(): this runs on every channel operation (profiled: ~7 % of an echo
        // server's samples were these lookups)
        Context c = CURRENT.orElse(NONE);
        return c == NONE ? null : c;
    }

    /** Returns the time source of the calling code. */
    static TimeSource timeSource() {
        Context c = current();
        return c == null ? SystemTimeSource.INSTANCE : c.scope.timeSource();
    }

    /** Returns the clockwork of the calling code. */
    static Clockwork clockwork() {
        Context c = current();
        return c == null ? SystemTimeSource.INSTANCE : c.clock();
    }

    /** The open virtual-clock scope the calling non-task thread owns, or null. */
    static Scope ownedScope() {
        Scope s = OWNED.get();
        return s != null && s.isOwnedBy(Thread.currentThread()) ? s : null;
    }

    Clockwork clock() {
        return scope.clockwork();
    }

    /** True when parks of this thread count toward a virtual clock's auto-advance. */
    boolean participant() {
        return task != null && scope.timeSource() instanceof VirtualClock;
    }

    /** Level-triggered: stays true once the task, its scope or an enclosing scope was cancelled. */
    boolean isCancelled() {
        if (shield != null) {
            return shield.expired;
        }
        return (task != null && task.cancelRequested()) || scope.isCancelled();
    }

    CancellationException cancelledException() {
        if (shield != null) {
            return new CancelledException("shielded block in scope '" + scope.name() + "' ran past its timeout "
                    + shield.timeout);
        }
        if (task != null && task.cancelRequested() && !scope.isCancelled()) {
            return new CancelledException("task '" + task.name() + "' was cancelled");
        }
        return new CancelledException("scope '" + scope.name() + "' was cancelled: " + scope.cancelReason());
    }

    /** Wakes the thread of this context for cancellation: virtual-clock accounting first, then the interrupt. */
    void wakeForCancel(Thread thread) {
        Waiter w = waiter;
        if (w != null) {
            w.beforeWake();
        }
        thread.interrupt();
    }

    /** Throws if the calling code has been cancelled; every weft blocking call starts with this. */
    static void checkCancelled() {
        Context c = current();
        if (c != null && c.isCancelled()) {
            throw c.cancelledException();
        }
    }

    /** The state of one {@linkplain Scope#shielded shielded} block. */
    static final class Shield {
        final java.time.Duration timeout;
        volatile boolean expired;

        Shield(java.time.Duration timeout) {
            this.timeout = timeout;
        }
    }
}
