package dev.weft.runtime;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeoutException;

/**
 * The handle of a task forked in a {@link Scope}: a virtual thread running one body, owned by the scope.
 *
 * <p>A task ends in one of three states: {@link State#SUCCEEDED} with a result, {@link State#FAILED} with an
 * exception, or {@link State#CANCELLED}. A scope drops its reference to a task as soon as the task ends, so a
 * long-lived scope holds no memory for finished tasks; the handle stays valid for as long as its holder keeps it.
 *
 * <p>Thread-safe: any thread may join or cancel a task.
 *
 * @param <T> the type of the result
 */
public sealed interface Task<T> permits TaskImpl {

    /** The life-cycle state of a task. */
    enum State {
        /** Forked and not yet ended (it may not have started running yet). */
        RUNNING,
        /** Ended by returning a result. */
        SUCCEEDED,
        /** Ended by throwing an exception that was not a cancellation. */
        FAILED,
        /** Ended after it or its scope was cancelled. */
        CANCELLED
    }

    /**
     * Returns the task's name, as given to {@link Scope#fork(String, java.util.concurrent.Callable)}.
     *
     * @return the name
     */
    String name();

    /**
     * Returns the task's scope.
     *
     * @return the scope the task was forked in
     */
    Scope scope();

    /**
     * Returns the current state.
     *
     * @return the state
     */
    State state();

    /**
     * Waits for the task to end and returns its result.
     *
     * <p>Blocks the calling thread until the task ends. If the caller is cancelled while waiting, the wait ends with
     * {@link CancelledException}; the task itself is not affected.
     *
     * @return the task's result
     * @throws TaskFailedException if the task failed with a checked exception, which is the cause; an unchecked
     *     exception or error is rethrown as it is
     * @throws CancelledException if the task was cancelled, or the caller was cancelled while waiting
     * @throws InterruptedException if the calling thread was interrupted while waiting
     */
    T join() throws InterruptedException;

    /**
     * Waits at most {@code timeout} for the task to end and returns its result.
     *
     * <p>A timeout leaves the task running.
     *
     * @param timeout the longest time to wait, on the caller's {@link TimeSource}; not negative
     * @return the task's result
     * @throws TimeoutException if the task has not ended in time
     * @throws TaskFailedException if the task failed with a checked exception, which is the cause; an unchecked
     *     exception or error is rethrown as it is
     * @throws CancelledException if the task was cancelled, or the caller was cancelled while waiting
     * @throws InterruptedException if the calling thread was interrupted while waiting
     */
    T join(Duration timeout) throws InterruptedException, TimeoutException;

    /**
     * Cancels the task: its current and every later weft blocking call throws {@link CancelledException}, and its
     * thread is interrupted. Does not wait for it to end. Idempotent; a task that has ended is not affected.
     */
    void cancel();

    /**
     * Returns the result of a task that has succeeded.
     *
     * @return the result
     * @throws IllegalStateException if the task has not succeeded (the message says its state)
     */
    T resultNow();

    /**
     * Returns the exception of a task that has failed.
     *
     * @return the exception, or empty if the task has not failed
     */
    Optional<Throwable> exception();
}
