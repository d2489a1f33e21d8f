package dev.weft.runtime;

import java.util.List;

/**
 * A one-shot latch whose waits are weft waits: cancellation-aware, on the caller's time source, counted by a
 * virtual clock's auto-advance. Thread-safe.
 */
final class Gate {

    private final WaitQueue waiters = new WaitQueue();
    private volatile boolean open;

    boolean isOpen() {
        return open;
    }

    /** Opens the gate and wakes every waiter; idempotent. */
    void open() {
        List<WaitQueue.Node> claimed;
        synchronized (this) {
            if (open) {
                return;
            }
            open = true;
            claimed = waiters.claimAll(null);
        }
        for (WaitQueue.Node n : claimed) {
            n.waiter.wake();
        }
    }

    /**
     * Waits until the gate opens or the deadline passes.
     *
     * @return true if the gate is open
     * @throws CancelledException if the caller was cancelled while waiting
     * @throws InterruptedException if the caller was interrupted while waiting
     */
    boolean await(long deadline) throws InterruptedException {
        return await(deadline, false);
    }

    /** Waits until the gate opens or the deadline passes, ignoring cancellation and interrupts. */
    boolean awaitUninterruptibly(long deadline) {
        try {
            return await(deadline, true);
        } catch (InterruptedException impossible) {
            throw new AssertionError(impossible);
        }
    }

    private boolean await(long deadline, boolean uninterruptibly) throws InterruptedException {
        if (open) {
            return true;
        }
        Waiter w = new Waiter();
        WaitQueue.Node node = new WaitQueue.Node(w, 0, null);
        synchronized (this) {
            if (open) {
                return true;
            }
            waiters.add(node);
        }
        try {
            int s = uninterruptibly ? w.awaitUninterruptibly(deadline) : w.await(deadline);
            return s >= 0;
        } finally {
            if (w.state() < 0) {
                synchronized (this) {
                    waiters.remove(node);
                }
            }
        }
    }
}
