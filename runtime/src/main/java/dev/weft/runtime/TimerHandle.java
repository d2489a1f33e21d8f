package dev.weft.runtime;

/** A cancellable scheduled action, as returned by {@link TimerWheel#schedule(long, Runnable)}. Thread-safe. */
interface TimerHandle {

    /**
     * Cancels the action if it has not run yet. Idempotent, thread-safe and O(1); it never blocks.
     *
     * @return {@code true} if this call prevented the action from running; {@code false} if the action has already
     *     run or started running, or an earlier call cancelled it
     */
    boolean cancel();
}
