package dev.weft.runtime;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Optional;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one channel implementation: a buffer and two {@link WaitQueue}s of blocked senders and receivers behind one
 * per-channel lock.
 *
 * <p>Design (Go's {@code hchan}, with the claim protocol of {@link Waiter}): the lock is held only to move an
 * element; a waiting thread parks outside it. A receiver that finds a blocked sender takes the sender's element
 * directly (rendezvous) or moves it into the buffer it just made room in; a sender that finds a blocked receiver
 * hands the element over directly. Handing over means claiming the other waiter with a compare-and-set, which is what
 * lets a {@link Select} wait in several channels at once and fire exactly one clause. No global lock exists, and no
 * thread is woken without an element or a closed state for it.
 */
final class ChannelImpl<E> implements Channel<E> {

    private static final Logger LOG = LoggerFactory.getLogger(ChannelImpl.class);

    /** Result of a poll: nothing buffered and no sender waiting. */
    static final Object EMPTY = new Object();
    /** Result of a timed wait that ran out. */
    static final Object TIMEOUT = new Object();

    /** Results of an offer. */
    static final int SENT = 0;
    static final int FULL = 1;
    static final int CLOSED = 2;

    private final String name;
    private final int capacity;
    private final OverflowPolicy overflow;
    private final Consumer<? super E> onUndelivered;
    final ReentrantLock lock = new ReentrantLock();
    private final ArrayDeque<E> buffer;
    final WaitQueue senders = new WaitQueue();
    final WaitQueue receivers = new WaitQueue();
    private boolean closed;
    private Throwable closeCause;
    private long dropped;
    /** The waiter the last locked operation claimed, to wake once the lock is released. Guarded by the lock. */
    private WaitQueue.Node pendingWake;
    /** The element the last locked operation dropped, for the hook. Guarded by the lock. */
    private E pendingDrop;
    /** Runs after each successful receive, outside the lock (tickers use it). */
    private volatile Runnable afterReceive;

    ChannelImpl(String name, int capacity, OverflowPolicy overflow, Consumer<? super E> onUndelivered) {
        this.name = name;
        this.capacity = capacity;
        this.overflow = overflow;
        this.onUndelivered = onUndelivered;
        this.buffer = new ArrayDeque<>(Math.min(Math.max(capacity, 1), 16));
    }

    void afterReceive(Runnable hook) {
        this.afterReceive = hook;
    }

    // ---- operations under the lock, shared with Select ----

    /** Takes an element: from the buffer, or from a blocked sender. Returns it, or EMPTY, or WaitQueue.CLOSED. */
    Object pollLocked(Waiter self) {
        if (!buffer.isEmpty()) {
            E e = buffer.poll();
            if (!senders.isEmpty()) {
                WaitQueue.Node n = senders.claimFirst(WaitQueue.KEEP, self);
                if (n != null) {
                    buffer.add(element(n.item));
                    pendingWake = n;
                }
            }
            return e;
        }
        if (!senders.isEmpty()) {
            WaitQueue.Node n = senders.claimFirst(WaitQueue.KEEP, self);
            if (n != null) {
                pendingWake = n;
                return n.item;
            }
        }
        return closed ? WaitQueue.CLOSED : EMPTY;
    }

    /** Offers an element: to a blocked receiver, into the buffer, or per the overflow policy. */
    int offerLocked(E e, Waiter self) {
        if (closed) {
            return CLOSED;
        }
        if (!receivers.isEmpty()) {
            WaitQueue.Node n = receivers.claimFirst(e, self);
            if (n != null) {
                pendingWake = n;
                return SENT;
            }
        }
        if (buffer.size() < capacity) {
            buffer.add(e);
            return SENT;
        }
        switch (overflow) {
            case DROP_OLDEST -> {
                pendingDrop = buffer.poll();
                buffer.add(e);
                dropped++;
                return SENT;
            }
            case DROP_NEWEST -> {
                pendingDrop = e;
                dropped++;
                return SENT;
            }
            default -> {
                return FULL;
            }
        }
    }

    int bufferSizeLocked() {
        return buffer.size();
    }

    boolean closedLocked() {
        return closed;
    }

    Throwable closeCause() {
        return closeCauseLocked();
    }

    boolean receiveReadyLocked(Waiter self) {
        return !buffer.isEmpty() || closed || senders.hasWaitingOther(self);
    }

    boolean sendReadyLocked(Waiter self) {
        return closed || buffer.size() < capacity || overflow != OverflowPolicy.BLOCK
                || receivers.hasWaitingOther(self);
    }

    /** Unlocks, then wakes the waiter and runs the hook the locked operation left behind. */
    void unlockAndFinish() {
        WaitQueue.Node wake = pendingWake;
        E drop = pendingDrop;
        pendingWake = null;
        pendingDrop = null;
        lock.unlock();
        if (wake != null) {
            wake.waiter.wake();
        }
        if (drop != null) {
            undelivered(drop);
        }
    }

    void countClosedSendDrop(E e) {
        lock.lock();
        try {
            dropped++;
        } finally {
            lock.unlock();
        }
        undelivered(e);
    }

    void undelivered(E e) {
        if (onUndelivered == null) {
            return;
        }
        try {
            onUndelivered.accept(e);
        } catch (RuntimeException hookFailure) {
            LOG.warn("undelivered-element hook of channel '{}' threw", name, hookFailure);
        }
    }

    void received() {
        Runnable hook = afterReceive;
        if (hook != null) {
            hook.run();
        }
    }

    ChannelClosedException closedForSend() {
        return new ChannelClosedException(name, true, closeCauseLocked());
    }

    ChannelClosedException closedForReceive() {
        return new ChannelClosedException(name, false, closeCauseLocked());
    }

    private Throwable closeCauseLocked() {
        lock.lock();
        try {
            return closeCause;
        } finally {
            lock.unlock();
        }
    }

    RejectedExecutionException rejected() {
        return new RejectedExecutionException("channel '" + name + "' is full (capacity " + capacity
                + ", overflow policy REJECT)");
    }

    @SuppressWarnings("unchecked")
    static <E> E element(Object o) {
        return (E) o;
    }

    // ---- receive ----

    /** Receives with a deadline; returns the element, WaitQueue.CLOSED, or TIMEOUT (only when the deadline ran out). */
    Object receiveInternal(long deadline) throws InterruptedException {
        Context.checkCancelled();
        Waiter w;
        WaitQueue.Node node;
        lock.lock();
        Object r = pollLocked(null);
        if (r != EMPTY) {
            unlockAndFinish();
            if (r != WaitQueue.CLOSED) {
                received();
            }
            return r;
        }
        w = new Waiter();
        node = new WaitQueue.Node(w, 0, null);
        receivers.add(node);
        lock.unlock();
        if (awaitNode(receivers, node, w, deadline) == Waiter.TIMED_OUT) {
            return TIMEOUT;
        }
        if (node.item != WaitQueue.CLOSED) {
            received();
        }
        return node.item;
    }

    /** Waits for a queued node to be claimed; withdraws it from its queue if it was not (timeout, cancellation). */
    private int awaitNode(WaitQueue queue, WaitQueue.Node node, Waiter w, long deadline) throws InterruptedException {
        try {
            return w.await(deadline);
        } finally {
            if (w.state() < 0) {
                lock.lock();
                try {
                    queue.remove(node);
                } finally {
                    lock.unlock();
                }
            }
        }
    }

    @Override
    public E receive() throws InterruptedException {
        Object r = receiveInternal(Deadlines.NONE);
        if (r == WaitQueue.CLOSED) {
            Context.checkCancelled(); // closed because the producer was cancelled with us: report the cancellation
            throw closedForReceive();
        }
        return element(r);
    }

    @Override
    public Optional<E> receive(Duration timeout) throws InterruptedException {
        Deadlines.requireNonNegative(timeout, "timeout");
        Object r = receiveInternal(Deadlines.after(Context.clockwork().nanoTime(), timeout));
        if (r == WaitQueue.CLOSED) {
            Context.checkCancelled();
            throw closedForReceive();
        }
        return r == TIMEOUT ? Optional.empty() : Optional.of(element(r));
    }

    @Override
    public Optional<E> tryReceive() {
        lock.lock();
        Object r = pollLocked(null);
        unlockAndFinish();
        if (r == WaitQueue.CLOSED) {
            throw closedForReceive();
        }
        if (r == EMPTY) {
            return Optional.empty();
        }
        received();
        return Optional.of(element(r));
    }

    // ---- send ----

    /** Sends with a deadline; true if sent, false if the deadline ran out. */
    boolean sendInternal(E e, long deadline) throws InterruptedException {
        Objects.requireNonNull(e, "element");
        Context.checkCancelled();
        lock.lock();
        int r = offerLocked(e, null);
        if (r != FULL || overflow == OverflowPolicy.REJECT) {
            unlockAndFinish();
            return sent(r, e);
        }
        Waiter w = new Waiter();
        WaitQueue.Node node = new WaitQueue.Node(w, 0, e);
        senders.add(node);
        lock.unlock();
        if (awaitNode(senders, node, w, deadline) == Waiter.TIMED_OUT) {
            return false;
        }
        if (node.item == WaitQueue.CLOSED) {
            countClosedSendDrop(e);
            throw closedForSend();
        }
        return true;
    }

    private boolean sent(int r, E e) {
        switch (r) {
            case SENT -> {
                return true;
            }
            case CLOSED -> {
                countClosedSendDrop(e);
                throw closedForSend();
            }
            default -> throw rejected();
        }
    }

    @Override
    public void send(E element) throws InterruptedException {
        sendInternal(element, Deadlines.NONE);
    }

    @Override
    public boolean send(E element, Duration timeout) throws InterruptedException {
        Deadlines.requireNonNegative(timeout, "timeout");
        return sendInternal(element, Deadlines.after(Context.clockwork().nanoTime(), timeout));
    }

    @Override
    public boolean trySend(E element) {
        Objects.requireNonNull(element, "element");
        lock.lock();
        int r = offerLocked(element, null);
        unlockAndFinish();
        return switch (r) {
            case SENT -> true;
            case FULL -> false;
            default -> sent(r, element);
        };
    }

    // ---- close and state ----

    @Override
    public void close() {
        closeWith(null);
    }

    @Override
    public void close(Throwable cause) {
        closeWith(Objects.requireNonNull(cause, "cause"));
    }

    private void closeWith(Throwable cause) {
        List<WaitQueue.Node> woken;
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            closeCause = cause;
            woken = receivers.claimAll(WaitQueue.CLOSED);
            woken.addAll(senders.claimAll(WaitQueue.CLOSED));
        } finally {
            lock.unlock();
        }
        for (WaitQueue.Node n : woken) {
            n.waiter.wake();
        }
    }

    @Override
    public boolean isClosedForSend() {
        lock.lock();
        try {
            return closed;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public boolean isClosedForReceive() {
        lock.lock();
        try {
            return closed && buffer.isEmpty() && !senders.hasWaitingOther(null);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public int capacity() {
        return capacity;
    }

    @Override
    public int size() {
        lock.lock();
        try {
            return buffer.size();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public OverflowPolicy overflow() {
        return overflow;
    }

    @Override
    public long droppedCount() {
        lock.lock();
        try {
            return dropped;
        } finally {
            lock.unlock();
        }
    }

    // ---- iteration ----

    @Override
    public Iterator<E> iterator() {
        return new Iterator<>() {
            private Object next;
            private boolean ended;

            @Override
            public boolean hasNext() {
                if (next != null) {
                    return true;
                }
                if (ended) {
                    return false;
                }
                Object r;
                try {
                    r = receiveInternal(Deadlines.NONE);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new CancelledException("interrupted while iterating channel '" + name + "'");
                }
                if (r == WaitQueue.CLOSED) {
                    ended = true;
                    Throwable cause = closeCauseLocked();
                    if (cause != null) {
                        throw new ChannelClosedException(name, false, cause);
                    }
                    return false;
                }
                next = r;
                return true;
            }

            @Override
            public E next() {
                if (!hasNext()) {
                    throw new NoSuchElementException("channel '" + name + "' is closed and drained");
                }
                E e = element(next);
                next = null;
                return e;
            }
        };
    }

    @Override
    public Stream<E> stream() {
        return StreamSupport.stream(Spliterators.spliteratorUnknownSize(iterator(), Spliterator.ORDERED), false);
    }

    @Override
    public String toString() {
        lock.lock();
        try {
            String kind = capacity == 0 ? "rendezvous" : capacity == Integer.MAX_VALUE ? "unbounded"
                    : "capacity " + capacity + ", " + overflow;
            return "Channel[" + name + ", " + kind + ", " + buffer.size() + " buffered"
                    + (closed ? ", closed" : "") + "]";
        } finally {
            lock.unlock();
        }
    }
}
