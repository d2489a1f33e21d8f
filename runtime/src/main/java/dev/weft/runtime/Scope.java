package dev.weft.runtime;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A structured-concurrency scope (Trio's nursery): it owns every task forked in it, and no task outlives it.
 *
 * <pre>{@code
 * try (Scope scope = Scope.open("fetch")) {
 *     Task<String> a = scope.fork("a", () -> fetch("a"));
 *     Task<String> b = scope.fork("b", () -> fetch("b"));
 *     scope.join();                  // waits for both; rethrows the first failure
 *     use(a.resultNow(), b.resultNow());
 * }                                  // close(): cancels whatever still runs, and waits for it
 * }</pre>
 *
 * <p><b>Fail-fast or supervisor.</b> A scope from {@link #open(String)} is fail-fast: the first task that fails
 * cancels its siblings, and {@link #join()} rethrows that failure with later ones attached as suppressed. A scope from
 * {@link #supervisor(String, BiConsumer)} keeps the siblings running and hands each failure to a handler.
 *
 * <p><b>Tasks.</b> Each task runs on its own virtual thread named {@code scope/task#n}. A task ends when its body
 * returns; the scope then forgets it, so a scope that has run ten million short tasks holds no memory for them.
 *
 * <p><b>Cancellation.</b> {@link #cancel()} cancels every task of the scope and of every scope nested in it. A
 * cancelled task's thread is interrupted, and — level-triggered, like Trio — every weft blocking call it makes from
 * then on throws {@link CancelledException}, even after the interrupt flag was cleared. Cleanup that must block after
 * cancellation runs in {@link #shielded(Duration, ShieldedBody)}. A scope whose
 * {@linkplain Builder#timeout(Duration) deadline} passes cancels itself and {@link #join()} throws
 * {@link DeadlineExceededException}.
 *
 * <p><b>Context.</b> Code running in a task finds its scope with {@link #current()}; a scope opened inside a task
 * is nested in that task's scope, inherits its {@link TimeSource}, and is cancelled with it.
 *
 * <p>Thread-safe: any thread (typically one of its own tasks) may fork into a scope, cancel it or join it.
 */
public final class Scope implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Scope.class);
    private static final int EXITING_PRUNE_MIN = 64;
    private static final BiConsumer<Task<?>, Throwable> LOG_FAILURE = (task, failure) ->
            LOG.error("task '{}' failed", ((TaskImpl<?>) task).threadName(), failure);

    private final String name;
    private final Scope parent;
    private final boolean supervisor;
    private final BiConsumer<Task<?>, Throwable> failureHandler;
    private final TimeSource timeSource;
    private final Clockwork clockwork;
    private final Duration timeout;
    private final ReentrantLock lock = new ReentrantLock();
    private final Set<TaskImpl<?>> live = new HashSet<>();
    private final Set<Scope> children = new HashSet<>();
    private final AtomicLong taskNumbers = new AtomicLong();
    private Gate idle = openGate();
    private boolean closed;
    private Throwable failure;
    /** The thread name of the task whose failure is {@link #failure}, for {@link TaskFailedException}. */
    private String failedTask;
    private boolean failureReported;
    /**
     * Threads of ended tasks that may still be running the last lines of their wrapper; {@link #close()} joins them
     * so that no thread outlives the scope. Pruned of terminated threads as it grows, so it stays small.
     */
    private final List<Thread> exiting = new ArrayList<>();
    private int exitingPruneAt = EXITING_PRUNE_MIN;
    /** The non-task thread that opened this scope on a virtual clock, until close; see {@link Context#OWNED}. */
    private volatile Thread owner;
    /** The task whose thread opened this scope, cancelled together with it; null for a root scope. */
    private TaskImpl<?> openedBy;
    private Scope previouslyOwned;
    private volatile boolean cancelled;
    private volatile String cancelReason;
    private volatile boolean deadlineExceeded;
    private TimerHandle deadlineTimer;

    private Scope(Builder b, Scope parent) {
        this.name = b.name;
        this.parent = parent;
        this.supervisor = b.supervisor;
        this.failureHandler = b.failureHandler == null ? LOG_FAILURE : b.failureHandler;
        this.timeSource = b.timeSource != null ? b.timeSource
                : parent != null ? parent.timeSource : TimeSource.system();
        this.clockwork = Clockwork.of(timeSource);
        this.timeout = b.timeout;
    }

    private static Gate openGate() {
        Gate g = new Gate();
        g.open();
        return g;
    }

    /**
     * Opens a fail-fast scope: the first failing task cancels its siblings and {@link #join()} rethrows it.
     *
     * @param name the scope's name, used in thread names, logs and errors
     * @return the open scope, nested in the calling task's scope if there is one
     */
    public static Scope open(String name) {
        return builder().name(name).open();
    }

    /**
     * Opens a supervisor scope: a failing task does not affect its siblings; each failure goes to the handler,
     * which runs on the failed task's thread.
     *
     * @param name the scope's name
     * @param failureHandler receives each failed task and its exception; must not block for long
     * @return the open scope
     */
    public static Scope supervisor(String name, BiConsumer<Task<?>, Throwable> failureHandler) {
        return builder().name(name).supervisor(failureHandler).open();
    }

    /**
     * Returns a builder for a scope with a deadline, a time source, or supervision.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Returns the scope of the task the calling code runs in.
     *
     * @return the current scope, or empty outside any scope's task
     */
    public static Optional<Scope> current() {
        Context c = Context.current();
        return c == null || c.scope == ROOT ? Optional.empty() : Optional.of(c.scope);
    }

    private static Scope openWith(Builder b) {
        Context c = Context.current();
        Scope parent = c == null || c.scope == ROOT ? null : c.scope;
        Scope s = new Scope(b, parent);
        if (parent != null) {
            parent.adopt(s);
            if (c.task != null) {
                s.openedBy = c.task;
                c.task.adoptScope(s);
            }
        }
        if (c == null && s.timeSource instanceof VirtualClock) {
            // a test thread that opens a scope on a virtual clock lives in that clock until it closes the scope
            s.owner = Thread.currentThread();
            s.previouslyOwned = Context.OWNED.get();
            Context.OWNED.set(s);
            s.clockwork.participantStarted();
        }
        if (s.timeout != null) {
            s.deadlineTimer = s.clockwork.schedule(Deadlines.after(s.clockwork.nanoTime(), s.timeout),
                    s::deadlinePassed);
        }
        return s;
    }

    /** True while {@code thread} is the non-task thread that opened this virtual-clock scope and it is open. */
    boolean isOwnedBy(Thread thread) {
        return owner == thread;
    }

    /** Ends the opener's membership in the virtual clock (see {@link Context#OWNED}); idempotent. */
    private void releaseOwner() {
        Thread t;
        lock.lock();
        try {
            t = owner;
            owner = null;
        } finally {
            lock.unlock();
        }
        if (t == null) {
            return;
        }
        if (t == Thread.currentThread() && Context.OWNED.get() == this) {
            Context.OWNED.set(previouslyOwned);
        }
        clockwork.participantEnded();
    }

    private void adopt(Scope child) {
        boolean cancelNow;
        lock.lock();
        try {
            if (closed) {
                throw new IllegalStateException("scope '" + name + "' is closed; cannot open '" + child.name
                        + "' in it");
            }
            children.add(child);
            cancelNow = cancelled;
        } finally {
            lock.unlock();
        }
        if (cancelNow) {
            child.cancel("parent scope '" + name + "' was cancelled");
        }
    }

    private void deadlinePassed() {
        deadlineExceeded = true;
        cancel("deadline of " + timeout + " passed");
    }

    /**
     * Returns the scope's name.
     *
     * @return the name
     */
    public String name() {
        return name;
    }

    /**
     * Returns the time source every timer and timeout in this scope reads.
     *
     * @return the time source
     */
    public TimeSource timeSource() {
        return timeSource;
    }

    Clockwork clockwork() {
        return clockwork;
    }

    /**
     * Returns true once this scope or an enclosing one has been cancelled.
     *
     * @return whether the scope is cancelled
     */
    public boolean isCancelled() {
        return cancelled || (parent != null && parent.isCancelled());
    }

    String cancelReason() {
        String r = cancelReason;
        return r != null ? r : parent != null ? parent.cancelReason() : "cancelled";
    }

    /**
     * Returns the number of tasks forked in this scope that have not ended.
     *
     * @return the number of live tasks
     */
    public int liveTasks() {
        lock.lock();
        try {
            return live.size();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Forks a task that returns a value. The task starts at once on a new virtual thread named
     * {@code scope/name#n}.
     *
     * @param taskName the task's name
     * @param body what the task runs
     * @param <T> the result type
     * @return the task's handle
     * @throws IllegalStateException if the scope is closed
     */
    public <T> Task<T> fork(String taskName, Callable<? extends T> body) {
        Objects.requireNonNull(body, "body");
        return forkTask(taskName, body, null);
    }

    /**
     * Forks a task that returns nothing.
     *
     * @param taskName the task's name
     * @param body what the task runs
     * @return the task's handle, whose result is {@code null}
     * @throws IllegalStateException if the scope is closed
     */
    public Task<Void> fork(String taskName, Body body) {
        Objects.requireNonNull(body, "body");
        return forkTask(taskName, () -> {
            body.run();
            return null;
        }, null);
    }

    /**
     * Forks a task and waits until it reports that it has started, returning the value it reports — Trio's
     * {@code nursery.start()}. Typical use: start a server and learn its bound port before the first client
     * connects.
     *
     * <pre>{@code
     * int port = scope.start("server", started -> {
     *     try (ServerSocket s = new ServerSocket(0)) {
     *         started.started(s.getLocalPort());
     *         serve(s);
     *     }
     * });
     * }</pre>
     *
     * <p>After {@code started(v)}, the task goes on running in this scope like any other. If it fails before it
     * started, the failure is thrown here and does not count as a failure of the scope — unless this call has
     * already stopped waiting (interrupted or cancelled): then the scope gets the failure like any task's.
     *
     * @param taskName the task's name
     * @param body the task, which must call {@link Started#started} once
     * @param <V> the type of the value reported
     * @return the value the task passed to {@code started}
     * @throws TaskFailedException if the task failed with a checked exception before it started (unchecked ones are
     *     thrown as they are)
     * @throws IllegalStateException if the task returned without calling {@code started}
     * @throws CancelledException if the task or the caller was cancelled before it started
     * @throws InterruptedException if the caller was interrupted while waiting; the task keeps running
     */
    public <V> V start(String taskName, StartBody<V> body) throws InterruptedException {
        Objects.requireNonNull(body, "body");
        TaskImpl.StartSignal<V> signal = new TaskImpl.StartSignal<>(name + "/" + taskName);
        forkTask(taskName, () -> {
            body.run(signal);
            return null;
        }, signal);
        return signal.await();
    }

    private <T> Task<T> forkTask(String taskName, Callable<? extends T> body, TaskImpl.StartSignal<?> signal) {
        Objects.requireNonNull(taskName, "taskName");
        if (taskName.isBlank()) {
            throw new IllegalArgumentException("taskName must not be blank");
        }
        String threadName = name + "/" + taskName + "#" + taskNumbers.incrementAndGet();
        TaskImpl<T> task = new TaskImpl<>(this, taskName, threadName, body, signal);
        Thread thread = Thread.ofVirtual().name(threadName).unstarted(task::run);
        task.bindThread(thread);
        lock.lock();
        try {
            if (closed) {
                throw new IllegalStateException("scope '" + name + "' is closed; cannot fork '" + taskName + "'");
            }
            if (live.isEmpty()) {
                idle = new Gate();
            }
            live.add(task);
        } finally {
            lock.unlock();
        }
        clockwork.participantStarted();
        try {
            thread.start();
        } catch (RuntimeException | Error e) {
            try {
                taskEnded(task, e);
            } finally {
                clockwork.participantEnded();
            }
            throw e;
        }
        return task;
    }

    /**
     * Called on the task's thread when it ends; {@code error} is a failure the scope must act on, or null. The
     * caller then wakes the task's joiners and only after that calls {@code clockwork().participantEnded()}, so that
     * an auto-advancing clock never sees a moment where the ending task and its woken joiners all look parked.
     */
    void taskEnded(TaskImpl<?> task, Throwable error) {
        boolean cancelSiblings = false;
        Gate nowIdle = null;
        lock.lock();
        try {
            live.remove(task);
            exiting.add(task.thread());
            if (exiting.size() >= exitingPruneAt) {
                exiting.removeIf(t -> !t.isAlive());
                exitingPruneAt = Math.max(EXITING_PRUNE_MIN, 2 * exiting.size());
            }
            if (error != null && !supervisor) {
                if (failure == null) {
                    failure = error;
                    failedTask = task.threadName();
                    cancelSiblings = true;
                } else if (failure != error) {
                    failure.addSuppressed(error);
                }
            }
            if (live.isEmpty()) {
                nowIdle = idle;
            }
        } finally {
            lock.unlock();
        }
        try {
            if (error != null && supervisor) {
                try {
                    failureHandler.accept(task, error);
                } catch (RuntimeException handlerFailure) {
                    LOG.error("failure handler of scope '{}' threw for task '{}'", name, task.threadName(),
                            handlerFailure);
                }
            }
            if (cancelSiblings) {
                cancel("task '" + task.threadName() + "' failed: " + error);
            }
        } finally {
            if (nowIdle != null) {
                nowIdle.open();
            }
        }
    }

    /**
     * Cancels every task of this scope and of the scopes nested in it; does not wait. Idempotent. Tasks forked
     * after this call start cancelled.
     */
    public void cancel() {
        cancel("cancel() was called");
    }

    void cancel(String reason) {
        List<TaskImpl<?>> tasks;
        List<Scope> nested;
        lock.lock();
        try {
            if (cancelled) {
                return;
            }
            cancelReason = reason;
            cancelled = true;
            tasks = new ArrayList<>(live);
            nested = new ArrayList<>(children);
        } finally {
            lock.unlock();
        }
        LOG.debug("scope '{}' cancelled: {}", name, reason);
        for (TaskImpl<?> t : tasks) {
            t.wakeForCancel();
        }
        for (Scope s : nested) {
            s.cancel("parent scope '" + name + "' was cancelled: " + reason);
        }
    }

    /**
     * Waits until every task forked so far has ended, then reports how the scope went.
     *
     * <p>Blocks the calling thread. If the caller is cancelled or interrupted while waiting, the wait ends with
     * {@link CancelledException} or {@link InterruptedException} and the tasks keep running; {@link #close()} then
     * cancels them and waits.
     *
     * @throws TaskFailedException if a task of a fail-fast scope failed with a checked exception (its cause); an
     *     unchecked exception or error is rethrown as it is; later failures are attached as suppressed
     * @throws DeadlineExceededException if the scope's deadline passed
     * @throws CancelledException if the caller was cancelled while waiting
     * @throws IllegalStateException if called by one of this scope's own tasks (it would wait for itself)
     * @throws InterruptedException if the caller was interrupted while waiting
     */
    public void join() throws InterruptedException {
        Context.checkCancelled();
        requireNotOwnTask("join");
        awaitIdle(false);
        report();
    }

    /** Waits until no task of this scope is live; uninterruptibly for close(). */
    private void awaitIdle(boolean uninterruptibly) throws InterruptedException {
        for (;;) {
            Gate g;
            lock.lock();
            try {
                if (live.isEmpty()) {
                    return;
                }
                g = idle;
            } finally {
                lock.unlock();
            }
            if (uninterruptibly) {
                g.awaitUninterruptibly(Deadlines.NONE);
            } else {
                g.await(Deadlines.NONE);
            }
        }
    }

    private void report() {
        Throwable f;
        String failed;
        lock.lock();
        try {
            f = failure;
            failed = failedTask;
            if (f != null) {
                failureReported = true;
            }
        } finally {
            lock.unlock();
        }
        if (f != null) {
            throw asUnchecked(failed, f);
        }
        if (deadlineExceeded) {
            throw new DeadlineExceededException(name, timeout);
        }
    }

    /**
     * Cancels the tasks that still run, waits for all of them to end, and closes the scope: no task can be forked
     * in it afterwards. When it returns, the thread of every task of the scope has terminated. Idempotent.
     *
     * <p>Waits even if the calling thread is interrupted or cancelled (the interrupt flag is restored), so that no
     * task outlives its scope. If a task of a fail-fast scope failed and neither {@link #join()} nor the task's own
     * {@link Task#join()} has reported it, this method throws it, so nothing is lost; inside try-with-resources it becomes a suppressed exception of the
     * body's own exception.
     *
     * @throws TaskFailedException if an unreported failure was a checked exception; an unchecked one is rethrown
     * @throws IllegalStateException if called by one of this scope's own tasks (it would wait for itself)
     */
    @Override
    public void close() {
        requireNotOwnTask("close");
        List<TaskImpl<?>> remaining;
        lock.lock();
        try {
            closed = true;
            remaining = new ArrayList<>(live);
        } finally {
            lock.unlock();
        }
        if (!remaining.isEmpty()) {
            cancel("scope closed");
        }
        try {
            awaitIdle(true);
        } catch (InterruptedException impossible) {
            throw new AssertionError(impossible);
        }
        TimerHandle timer;
        Throwable unreported = null;
        String failed = null;
        List<Thread> ending;
        lock.lock();
        try {
            timer = deadlineTimer;
            deadlineTimer = null;
            if (failure != null && !failureReported) {
                failureReported = true;
                unreported = failure;
                failed = failedTask;
            }
            ending = new ArrayList<>(exiting);
            exiting.clear();
        } finally {
            lock.unlock();
        }
        joinUninterruptibly(ending);
        // scopes opened by tasks that ended without closing them (a connection's, an endpoint's): close them too,
        // so that nothing outlives this scope
        List<Scope> orphans;
        lock.lock();
        try {
            orphans = new ArrayList<>(children);
        } finally {
            lock.unlock();
        }
        for (Scope orphan : orphans) {
            orphan.cancel("parent scope '" + name + "' closed");
            orphan.closeQuietly();
        }
        if (timer != null) {
            timer.cancel();
        }
        if (parent != null) {
            parent.forget(this);
        }
        if (openedBy != null) {
            openedBy.forgetScope(this);
        }
        releaseOwner();
        if (unreported != null) {
            throw asUnchecked(failed, unreported);
        }
    }

    /** Waits until the threads have terminated, keeping (and restoring) the caller's interrupt. */
    private static void joinUninterruptibly(List<Thread> threads) {
        boolean interrupted = Thread.interrupted();
        Thread me = Thread.currentThread();
        for (Thread t : threads) {
            while (t != me) {
                try {
                    t.join();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        }
        if (interrupted) {
            me.interrupt();
        }
    }

    /** Closes an orphaned nested scope for its parent; a failure in it was nobody's to report, so it is logged. */
    private void closeQuietly() {
        try {
            close();
        } catch (RuntimeException | Error e) {
            LOG.error("scope '{}', closed with its parent, had a failed task", name, e);
        }
    }

    /** A caller of {@link Task#join()} was given this failure: close() must not throw it a second time. */
    void failureSeen(Throwable seen) {
        lock.lock();
        try {
            if (failure == seen) {
                failureReported = true;
            }
        } finally {
            lock.unlock();
        }
    }

    /** A task that waits for its own scope would wait for itself forever. */
    private void requireNotOwnTask(String what) {
        Context c = Context.current();
        if (c != null && c.task != null && c.scope == this) {
            throw new IllegalStateException("task '" + c.task.threadName() + "' cannot " + what + " its own scope '"
                    + name + "': it would wait for itself");
        }
    }

    private void forget(Scope child) {
        lock.lock();
        try {
            children.remove(child);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Runs cleanup that must block even though the calling task is cancelled, with its own timeout (Trio's shielded
     * cancel scope). Inside the block, weft blocking calls are not affected by the enclosing cancellation; when the
     * timeout passes, they throw {@link CancelledException}. The caller's interrupt state is cleared for the block
     * and restored after it.
     *
     * <pre>{@code
     * } catch (CancelledException e) {
     *     Scope.shielded(Duration.ofSeconds(2), () -> { connection.send(goodbye); return null; });
     *     throw e;
     * }
     * }</pre>
     *
     * @param timeout how long the block may take
     * @param body the cleanup
     * @param <T> the block's result type
     * @param <X> the exception the block may throw
     * @return what the block returned
     * @throws X what the block threw
     */
    public static <T, X extends Exception> T shielded(Duration timeout, ShieldedBody<T, X> body) throws X {
        Deadlines.requirePositive(timeout, "timeout");
        Objects.requireNonNull(body, "body");
        Context outer = Context.current();
        Scope scope = outer != null ? outer.scope : ROOT;
        TaskImpl<?> task = outer != null ? outer.task : null;
        Context.Shield shield = new Context.Shield(timeout);
        Context ctx = new Context(scope, task, shield);
        Thread me = Thread.currentThread();
        // from here on, cancelling the task does not interrupt this thread; the end of the block restores it
        if (task != null) {
            task.enterShield();
        }
        boolean wasInterrupted = Thread.interrupted();
        Clockwork clock = scope.clockwork;
        ShieldExpiry guard = new ShieldExpiry();
        TimerHandle expiry = clock.schedule(Deadlines.after(clock.nanoTime(), timeout), () -> {
            synchronized (guard) {
                if (guard.over) {
                    return;
                }
                shield.expired = true;
                ctx.wakeForCancel(me);
            }
        });
        try {
            return ScopedValue.where(Context.CURRENT, ctx).call(body::run);
        } finally {
            expiry.cancel();
            synchronized (guard) {
                guard.over = true;  // a late expiry must not interrupt the code after the block
            }
            boolean interruptedInside = Thread.interrupted();
            if (task != null) {
                task.exitShield();
            }
            if (wasInterrupted || (interruptedInside && !shield.expired)
                    || (outer != null && outer.isCancelled())) {
                me.interrupt();
            }
        }
    }

    /** Whether a shielded block is over, so that its expiry timer, if it fires late, leaves the thread alone. */
    private static final class ShieldExpiry {
        boolean over;
    }

    static RuntimeException asUnchecked(String taskName, Throwable t) {
        if (t instanceof RuntimeException r) {
            return r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new TaskFailedException(taskName, t);
    }

    @Override
    public String toString() {
        return "Scope[" + name + (supervisor ? ", supervisor" : "") + ", " + liveTasks() + " live"
                + (isCancelled() ? ", cancelled" : "") + "]";
    }

    /** The scope that shielded blocks outside any scope belong to: system time, never cancelled. */
    private static final Scope ROOT = new Scope(new Builder().name("root"), null);

    /** The body of a task that returns nothing. */
    @FunctionalInterface
    public interface Body {
        /**
         * Runs the task.
         *
         * @throws Exception anything; it fails the task
         */
        void run() throws Exception;
    }

    /**
     * The body of a task forked by {@link #start(String, StartBody)}.
     *
     * @param <V> the type of the value the task reports when it has started
     */
    @FunctionalInterface
    public interface StartBody<V> {
        /**
         * Runs the task; it calls {@code started.started(value)} once it is ready.
         *
         * @param started the handshake to report readiness on
         * @throws Exception anything; before {@code started} it is thrown to the caller of {@code start}
         */
        void run(Started<V> started) throws Exception;
    }

    /**
     * The handshake a task forked by {@link #start(String, StartBody)} reports readiness on.
     *
     * @param <V> the type of the value reported
     */
    public interface Started<V> {
        /**
         * Reports that the task has started, releasing the caller of {@code start} with this value.
         *
         * @param value the value (for example a bound port), not null
         * @throws IllegalStateException if called twice
         */
        void started(V value);
    }

    /**
     * A block run by {@link #shielded(Duration, ShieldedBody)}.
     *
     * @param <T> what it returns
     * @param <X> what it may throw
     */
    @FunctionalInterface
    public interface ShieldedBody<T, X extends Exception> {
        /**
         * Runs the block.
         *
         * @return the result
         * @throws X on failure
         */
        T run() throws X;
    }

    /** Builds a {@link Scope}. Not thread-safe; the scope it opens is. */
    public static final class Builder {
        private String name = "scope";
        private boolean supervisor;
        private BiConsumer<Task<?>, Throwable> failureHandler;
        private TimeSource timeSource;
        private Duration timeout;

        private Builder() {
        }

        /**
         * Sets the scope's name (default {@code "scope"}), used in thread names, logs and errors.
         *
         * @param name the name, not blank
         * @return this builder
         */
        public Builder name(String name) {
            Objects.requireNonNull(name, "name");
            if (name.isBlank()) {
                throw new IllegalArgumentException("name must not be blank");
            }
            this.name = name;
            return this;
        }

        /**
         * Makes the scope a supervisor: a failed task does not cancel its siblings and is handed to the handler.
         *
         * @param failureHandler receives each failed task and its exception, on the task's thread
         * @return this builder
         */
        public Builder supervisor(BiConsumer<Task<?>, Throwable> failureHandler) {
            this.failureHandler = Objects.requireNonNull(failureHandler, "failureHandler");
            this.supervisor = true;
            return this;
        }

        /**
         * Sets the time source of the scope and of the scopes nested in it (default: the enclosing scope's, or the
         * system clock).
         *
         * @param timeSource the time source, e.g. a {@link VirtualClock} in tests
         * @return this builder
         */
        public Builder timeSource(TimeSource timeSource) {
            this.timeSource = Objects.requireNonNull(timeSource, "timeSource");
            return this;
        }

        /**
         * Gives the scope a deadline this long after it opens: when it passes, the scope cancels itself and
         * {@link #join()} throws {@link DeadlineExceededException}. Default: none.
         *
         * @param timeout time from opening to the deadline, positive
         * @return this builder
         */
        public Builder timeout(Duration timeout) {
            this.timeout = Deadlines.requirePositive(timeout, "timeout");
            return this;
        }

        /**
         * Gives the scope a deadline at an instant of its time source. Default: none.
         *
         * @param deadline the instant; one in the past cancels the scope as soon as it opens
         * @return this builder
         */
        public Builder deadline(Instant deadline) {
            Objects.requireNonNull(deadline, "deadline");
            TimeSource ts = timeSource != null ? timeSource : Context.timeSource();
            Duration d = Duration.between(ts.now(), deadline);
            this.timeout = d.isNegative() || d.isZero() ? Duration.ofNanos(1) : d;
            return this;
        }

        /**
         * Opens the scope, nested in the calling task's scope if there is one.
         *
         * @return the open scope
         * @throws IllegalStateException if the enclosing scope is closed
         */
        public Scope open() {
            return openWith(this);
        }
    }
}
