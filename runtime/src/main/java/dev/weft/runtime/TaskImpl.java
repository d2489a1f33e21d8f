package dev.weft.runtime;

import java.io.InterruptedIOException;
import java.nio.channels.ClosedByInterruptException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.TimeoutException;

/** The one implementation of {@link Task}: a body, its virtual thread, and its outcome. */
final class TaskImpl<T> implements Task<T> {

    private final Scope scope;
    private final String name;
    private final String threadName;
    private final Callable<? extends T> body;
    private final Gate done = new Gate();
    /** Non-null for a task forked by {@link Scope#start}. */
    final StartSignal<?> startSignal;
    private volatile boolean cancelRequested;
    private volatile State state = State.RUNNING;
    private volatile Thread thread;
    private volatile Context context;
    private T result;
    private Throwable failure;
    /** How many {@linkplain Scope#shielded shielded} blocks the task's thread is in; guarded by {@code this}. */
    private int shieldDepth;
    /** Scopes opened by this task's thread and not closed yet; guarded by {@code this}. */
    private List<Scope> ownedScopes;

    TaskImpl(Scope scope, String name, String threadName, Callable<? extends T> body, StartSignal<?> startSignal) {
        this.scope = scope;
        this.name = name;
        this.threadName = threadName;
        this.body = body;
        this.startSignal = startSignal;
        if (startSignal != null) {
            startSignal.taskName = threadName;
        }
    }

    String threadName() {
        return threadName;
    }

    void bindThread(Thread t) {
        this.thread = t;
    }

    Thread thread() {
        return thread;
    }

    boolean cancelRequested() {
        return cancelRequested;
    }

    /** The thread's body: runs the task in its context, records the outcome, tells the scope. */
    void run() {
        Context ctx = new Context(scope, this, null);
        context = ctx;
        if (cancelRequested || scope.isCancelled()) {
            Thread.currentThread().interrupt();
        }
        Throwable error = null;
        T value = null;
        try {
            value = ScopedValue.where(Context.CURRENT, ctx).call(body::call);
        } catch (Throwable e) {
            error = e;
        }
        State end;
        if (error == null) {
            result = value;
            end = State.SUCCEEDED;
        } else if (isCancellation(error) && (cancelRequested || scope.isCancelled())) {
            end = State.CANCELLED;
        } else {
            failure = error;
            end = State.FAILED;
        }
        state = end;
        boolean handledByStarter = startSignal != null && startSignal.taskEnded(end, error);
        context = null;
        try {
            // the scope first: once a join of this task returns, the scope has forgotten it and, if it is fail-fast
            // and this task failed, has cancelled the siblings
            scope.taskEnded(this, end == State.FAILED && !handledByStarter ? error : null);
        } finally {
            done.open();
            // last: joiners woken above count as running before this task stops counting (virtual clocks)
            scope.clockwork().participantEnded();
        }
    }

    private static boolean isCancellation(Throwable e) {
        return e instanceof CancellationException || e instanceof InterruptedException
                || e instanceof ClosedByInterruptException || e instanceof InterruptedIOException;
    }

    /** Cancels this task on behalf of its scope or the user. */
    @Override
    public void cancel() {
        if (state != State.RUNNING || cancelRequested) {
            return;
        }
        cancelRequested = true;
        wakeForCancel();
        List<Scope> nested;
        synchronized (this) {
            nested = ownedScopes == null ? List.of() : new ArrayList<>(ownedScopes);
        }
        for (Scope s : nested) {
            s.cancel("task '" + threadName + "' was cancelled");
        }
    }

    /** A scope opened by this task's thread: cancelled with the task. */
    void adoptScope(Scope s) {
        boolean cancelNow;
        synchronized (this) {
            if (ownedScopes == null) {
                ownedScopes = new ArrayList<>(2);
            }
            ownedScopes.add(s);
            cancelNow = cancelRequested;
        }
        if (cancelNow) {
            s.cancel("task '" + threadName + "' was cancelled");
        }
    }

    /** The scope was closed. */
    void forgetScope(Scope s) {
        synchronized (this) {
            if (ownedScopes != null) {
                ownedScopes.remove(s);
            }
        }
    }

    /**
     * Wakes the task's thread so that it sees its (task or scope) cancellation. A thread inside a shielded block is
     * left alone: the block's end restores the interrupt, and every later weft call sees the cancellation anyway.
     */
    void wakeForCancel() {
        synchronized (this) {
            if (shieldDepth > 0) {
                return;
            }
            Context ctx = context;
            Thread t = thread;
            if (ctx != null && t != null) {
                ctx.wakeForCancel(t);
            } else if (t != null) {
                t.interrupt();
            }
        }
    }

    /** The task's own thread enters a shielded block: cancellation stops interrupting it. */
    void enterShield() {
        synchronized (this) {
            shieldDepth++;
        }
    }

    /** The task's own thread leaves a shielded block. */
    void exitShield() {
        synchronized (this) {
            shieldDepth--;
        }
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Scope scope() {
        return scope;
    }

    @Override
    public State state() {
        return state;
    }

    @Override
    public T join() throws InterruptedException {
        Context.checkCancelled();
        done.await(Deadlines.NONE);
        return outcome();
    }

    @Override
    public T join(Duration timeout) throws InterruptedException, TimeoutException {
        Deadlines.requireNonNegative(timeout, "timeout");
        Context.checkCancelled();
        Clockwork clock = Context.clockwork();
        if (!done.await(Deadlines.after(clock.nanoTime(), timeout))) {
            throw new TimeoutException("task '" + threadName + "' still running after " + timeout);
        }
        return outcome();
    }

    /** Waits for the end ignoring cancellation; used by the scope's close. */
    void awaitEndUninterruptibly() {
        done.awaitUninterruptibly(Deadlines.NONE);
    }

    private T outcome() {
        return switch (state) {
            case SUCCEEDED -> result;
            case FAILED -> {
                scope.failureSeen(failure);
                throw Scope.asUnchecked(threadName, failure);
            }
            case CANCELLED -> throw new CancelledException("task '" + threadName + "' was cancelled");
            case RUNNING -> throw new IllegalStateException("task '" + threadName + "' is still running");
        };
    }

    @Override
    public T resultNow() {
        if (state != State.SUCCEEDED) {
            throw new IllegalStateException("task '" + threadName + "' has not succeeded: " + state);
        }
        return result;
    }

    @Override
    public Optional<Throwable> exception() {
        return state == State.FAILED ? Optional.of(failure) : Optional.empty();
    }

    @Override
    public String toString() {
        return "Task[" + threadName + ", " + state + "]";
    }

    /** The handshake of {@link Scope#start}: the first of started() or the task's end decides the caller's fate. */
    static final class StartSignal<V> implements Scope.Started<V> {
        private final Gate gate = new Gate();
        /** The task's thread name; set by the task's constructor, before the thread starts. */
        volatile String taskName;
        private boolean decided;
        /** The caller of start stopped waiting (interrupted or cancelled) before the task decided. */
        private boolean abandoned;
        private boolean started;
        private V value;
        private Throwable earlyFailure;
        private Task.State earlyEnd;

        StartSignal(String taskName) {
            this.taskName = taskName;
        }

        @Override
        public void started(V v) {
            Objects.requireNonNull(v, "value");
            synchronized (this) {
                if (started) {
                    throw new IllegalStateException("task '" + taskName + "' already reported started");
                }
                if (decided) {
                    throw new IllegalStateException("task '" + taskName + "' has ended");
                }
                decided = true;
                started = true;
                value = v;
            }
            gate.open();
        }

        /**
         * Returns true if the failure belongs to the starter (it ended before started() and the caller of start
         * still waits); otherwise the scope handles it like any task's.
         */
        boolean taskEnded(Task.State end, Throwable error) {
            synchronized (this) {
                if (decided || abandoned) {
                    return false;
                }
                decided = true;
                earlyEnd = end;
                earlyFailure = error;
            }
            gate.open();
            return true;
        }

        V await() throws InterruptedException {
            try {
                gate.await(Deadlines.NONE);
            } catch (InterruptedException | RuntimeException e) {
                synchronized (this) {
                    if (!decided) {
                        abandoned = true;  // a failure before started() now goes to the scope, not to nobody
                    } else if (earlyFailure != null && earlyEnd == Task.State.FAILED) {
                        e.addSuppressed(earlyFailure);
                    }
                }
                throw e;
            }
            synchronized (this) {
                if (started) {
                    return value;
                }
                if (earlyEnd == Task.State.FAILED) {
                    throw Scope.asUnchecked(taskName, earlyFailure);
                }
                if (earlyEnd == Task.State.CANCELLED) {
                    throw new CancelledException("task '" + taskName + "' was cancelled before it started");
                }
                throw new IllegalStateException("task '" + taskName + "' returned without calling started()");
            }
        }
    }
}
