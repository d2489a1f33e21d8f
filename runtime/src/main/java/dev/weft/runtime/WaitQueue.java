package dev.weft.runtime;

/**
 * A FIFO of blocked operations, doubly linked through their {@link Node}s so a withdrawn waiter unlinks in O(1).
 * Not thread-safe: guarded by the lock of the object that owns it (a channel, a scope, a task).
 */
final class WaitQueue {

    /** One waiter's entry in one queue: for a select, one per clause. */
    static final class Node {
        final Waiter waiter;
        final int clause;
        /** The element a sender offers, or the element (or {@link #CLOSED}) a receiver was given. */
        Object item;
        Node prev;
        Node next;
        boolean linked;

        Node(Waiter waiter, int clause, Object item) {
            this.waiter = waiter;
            this.clause = clause;
            this.item = item;
        }
    }

    /** The item a waiter is completed with when the channel closed under it. */
    static final Object CLOSED = new Object() {
        @Override
        public String toString() {
            return "CLOSED";
        }
    };

    private Node head;
    private Node tail;

    boolean isEmpty() {
        return head == null;
    }

    void add(Node n) {
        n.linked = true;
        n.prev = tail;
        n.next = null;
        if (tail == null) {
            head = n;
        } else {
            tail.next = n;
        }
        tail = n;
    }

    /** Unlinks the node if it is still linked; idempotent. */
    void remove(Node n) {
        if (!n.linked) {
            return;
        }
        n.linked = false;
        if (n.prev == null) {
            head = n.next;
        } else {
            n.prev.next = n.next;
        }
        if (n.next == null) {
            tail = n.prev;
        } else {
            n.next.prev = n.prev;
        }
        n.prev = null;
        n.next = null;
    }

    /**
     * Removes and returns the first node whose waiter this call claimed, with {@code item} stored in it first;
     * drops stale nodes (withdrawn or already claimed elsewhere) on the way. Skips nodes of {@code self}.
     *
     * @return the claimed node (call {@code node.waiter.wake()} after releasing the lock), or null
     */
    Node claimFirst(Object item, Waiter self) {
        Node n = head;
        while (n != null) {
            Node next = n.next;
            if (n.waiter != self) {
                int st = n.waiter.state();
                if (st == Waiter.WAITING) {
                    Object offered = n.item;
                    if (item != KEEP) {
                        n.item = item;
                    }
                    if (n.waiter.tryClaim(n.clause)) {
                        remove(n);
                        return n;
                    }
                    n.item = offered;
                }
                // completed or withdrawn: its owner unlinks it too, but do not make others scan it again
                remove(n);
            }
            n = next;
        }
        return null;
    }

    /** Pass as the item to {@link #claimFirst} to leave the node's own item (a sender's element) in place. */
    static final Object KEEP = new Object();

    /** True if a node of a waiter other than {@code self} is still waiting. */
    boolean hasWaitingOther(Waiter self) {
        for (Node n = head; n != null; n = n.next) {
            if (n.waiter != self && n.waiter.state() == Waiter.WAITING) {
                return true;
            }
        }
        return false;
    }

    /** Claims every waiting node with {@code item}; returns them for waking after the lock is released. */
    java.util.List<Node> claimAll(Object item) {
        java.util.List<Node> claimed = new java.util.ArrayList<>();
        Node n;
        while ((n = claimFirst(item, null)) != null) {
            claimed.add(n);
        }
        return claimed;
    }
}
