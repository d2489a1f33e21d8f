package dev.weft.runtime;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Waits on several channel operations at once and performs exactly one: the blocking-style replacement for a
 * {@code poll()} loop.
 *
 * <pre>{@code
 * String what = Select.<String>create()
 *         .onReceive(lines, line -> "line: " + line)
 *         .onReceive(hangups, signal -> "reload")
 *         .onSend(out, pending, () -> "flushed")
 *         .onTimeout(Duration.ofSeconds(30), () -> "idle")
 *         .select();
 * }</pre>
 *
 * <p><b>Semantics.</b> {@link #select()} fires exactly one clause: one receive takes one element, or one send
 * delivers its element, or the timeout passes, or — if nothing is ready at once — the default runs. Clauses that do
 * not fire consume nothing and send nothing. The chosen clause's handler runs on the calling thread after the
 * operation, and its result is what {@code select()} returns.
 *
 * <p><b>Closed channels.</b> A receive clause on a closed, drained channel is ready: with
 * {@link #onReceiveOrClosed} the handler gets {@link Received.Closed}; with {@link #onReceive} {@code select()} throws
 * {@link ChannelClosedException}. A send clause on a closed channel is ready and throws
 * {@link ChannelClosedException}. Either way a closed channel never makes a select hang.
 *
 * <p><b>Fairness.</b> When several clauses are ready together, an unbiased select (the default) picks among them
 * starting at a uniformly random clause, like Go, so no clause starves. {@link #biased()} makes the order of
 * declaration a priority order, like Tokio's {@code biased;}: useful for "shutdown first", at the price of
 * starving later clauses under load.
 *
 * <p><b>Cancellation.</b> If the calling task is cancelled or the thread interrupted while the select waits, it
 * throws {@link CancelledException} or {@link InterruptedException} and no clause has fired: nothing was received or
 * sent.
 *
 * <p>A {@code Select} can be reused for many {@code select()} calls (a daemon's main loop); each call measures its
 * timeout from its own start. Not thread-safe: one thread selects at a time.
 *
 * <p>Design: a two-pass select on the {@link Waiter} claim protocol. Pass one tries every clause without waiting.
 * Pass two registers one waiter in every channel; whichever channel operation claims it first (a compare-and-set)
 * fires that clause, and the thread then withdraws from the other channels. No lock is held while waiting, and no
 * two channel locks are ever held at once.
 *
 * @param <R> the type the handlers return
 */
public final class Select<R> {

    private final List<Clause<R>> clauses = new ArrayList<>();
    private Duration timeout;
    private Supplier<? extends R> onTimeout;
    private Supplier<? extends R> onDefault;
    private boolean biased;

    private Select() {
    }

    /**
     * Creates an empty select; add clauses, then call {@link #select()}.
     *
     * @param <R> the type the handlers return
     * @return a new select
     */
    public static <R> Select<R> create() {
        return new Select<>();
    }

    /**
     * Adds a clause that receives one element from {@code channel} and passes it to {@code handler}. If the channel is
     * closed and drained, the clause fires by making {@link #select()} throw {@link ChannelClosedException}.
     *
     * @param channel the channel
     * @param handler what to do with the element
     * @param <E> the element type
     * @return this select
     */
    public <E> Select<R> onReceive(ReceiveChannel<E> channel, Function<? super E, ? extends R> handler) {
        Objects.requireNonNull(handler, "handler");
        clauses.add(new ReceiveClause<>(impl(channel), r -> switch (r) {
            case Received.Value<E> v -> handler.apply(v.value());
            case Received.Closed<E> c -> {
                Context.checkCancelled(); // closed because its producer was cancelled with us: report that
                throw new ChannelClosedException(c.channelName(), false, c.cause().orElse(null));
            }
        }));
        return this;
    }

    /**
     * Adds a clause that receives one element from {@code channel}, or learns that it is closed and drained.
     *
     * @param channel the channel
     * @param handler what to do with the element or the closed state
     * @param <E> the element type
     * @return this select
     */
    public <E> Select<R> onReceiveOrClosed(ReceiveChannel<E> channel, Function<Received<E>, ? extends R> handler) {
        Objects.requireNonNull(handler, "handler");
        clauses.add(new ReceiveClause<>(impl(channel), handler));
        return this;
    }

    /**
     * Adds a clause that sends {@code element} to {@code channel}, then runs {@code handler}. If the channel is closed,
     * the clause fires by making {@link #select()} throw {@link ChannelClosedException}.
     *
     * @param channel the channel
     * @param element the element to send, not null
     * @param handler what to do once it is sent
     * @param <E> the element type
     * @return this select
     */
    public <E> Select<R> onSend(SendChannel<E> channel, E element, Supplier<? extends R> handler) {
        Objects.requireNonNull(channel, "channel");
        Objects.requireNonNull(element, "element");
        Objects.requireNonNull(handler, "handler");
        clauses.add(new SendClause<>((ChannelImpl<E>) channel, element, handler));
        return this;
    }

    /**
     * Adds a timeout: if no other clause fires within {@code timeout} of the start of {@link #select()}, the handler
     * runs. Measured on the caller's {@link TimeSource}. At most one per select.
     *
     * @param timeout how long to wait, not negative; zero means "only what is ready now"
     * @param handler what to do on timeout
     * @return this select
     */
    public Select<R> onTimeout(Duration timeout, Supplier<? extends R> handler) {
        Deadlines.requireNonNegative(timeout, "timeout");
        if (this.onTimeout != null) {
            throw new IllegalStateException("select already has a timeout clause");
        }
        this.timeout = timeout;
        this.onTimeout = Objects.requireNonNull(handler, "handler");
        return this;
    }

    /**
     * Adds a default: if no clause is ready when {@link #select()} starts, it runs at once instead of waiting.
     *
     * @param handler what to do when nothing is ready
     * @return this select
     */
    public Select<R> onDefault(Supplier<? extends R> handler) {
        if (this.onDefault != null) {
            throw new IllegalStateException("select already has a default clause");
        }
        this.onDefault = Objects.requireNonNull(handler, "handler");
        return this;
    }

    /**
     * Makes the order of declaration a priority order: of the clauses ready together, the first declared fires.
     *
     * @return this select
     */
    public Select<R> biased() {
        this.biased = true;
        return this;
    }

    /**
     * Waits until one clause can fire, fires it, and returns its handler's result.
     *
     * <p>Blocks until a clause is ready, unless there is a default clause. Cancellation or interruption while
     * waiting fires nothing and consumes nothing.
     *
     * @return the result of the handler of the clause that fired
     * @throws ChannelClosedException from an {@link #onReceive} or {@link #onSend} clause of a closed channel
     * @throws java.util.concurrent.RejectedExecutionException from a send clause of a full
     *     {@link OverflowPolicy#REJECT} channel
     * @throws IllegalStateException if the select has no clause at all
     * @throws CancelledException if the calling task is cancelled while waiting
     * @throws InterruptedException if the calling thread is interrupted while waiting
     */
    public R select() throws InterruptedException {
        int n = clauses.size();
        if (n == 0 && onTimeout == null && onDefault == null) {
            throw new IllegalStateException("select has no clauses");
        }
        Context.checkCancelled();
        Clockwork clock = Context.clockwork();
        long deadline = onTimeout == null ? Deadlines.NONE : Deadlines.after(clock.nanoTime(), timeout);
        for (int attempt = 0; ; attempt++) {
            int start = biased || n == 0 ? 0 : ThreadLocalRandom.current().nextInt(n);
            // pass one: anything ready now?
            for (int k = 0; k < n; k++) {
                int i = (start + k) % n;
                Fired<R> f = clauses.get(i).tryNow();
                if (f != null) {
                    return f.run();
                }
            }
            if (onDefault != null) {
                return onDefault.get();
            }
            if (deadline != Deadlines.NONE && clock.nanoTime() - deadline >= 0) {
                return onTimeout.get();
            }
            // pass two: wait in every channel at once
            Waiter w = new Waiter();
            WaitQueue.Node[] nodes = new WaitQueue.Node[n];
            int s = Waiter.CANCELLED;
            try {
                boolean retry = false;
                for (int k = 0; k < n && w.state() == Waiter.WAITING; k++) {
                    int i = (start + k) % n;
                    int r = clauses.get(i).register(w, i, nodes);
                    if (r == Clause.RETRY) {
                        retry = true;
                        break;
                    }
                }
                if (retry) {
                    s = w.tryCancel() ? Waiter.CANCELLED : w.state();
                } else {
                    s = w.await(deadline);
                }
            } finally {
                for (int i = 0; i < n; i++) {
                    if (nodes[i] != null) {
                        clauses.get(i).deregister(nodes[i]);
                    }
                }
            }
            if (s >= 0) {
                return clauses.get(s).fired(nodes[s]).run();
            }
            if (s == Waiter.TIMED_OUT) {
                return onTimeout.get();
            }
            if (attempt > 2) {
                Thread.yield(); // two selects keep seeing each other mid-registration: let one of them through
            }
        }
    }

    private static <E> ChannelImpl<E> impl(ReceiveChannel<E> channel) {
        Objects.requireNonNull(channel, "channel");
        return TimerChannels.channelOf(channel);
    }

    /** The outcome of a clause that fired: runs its handler. */
    @FunctionalInterface
    private interface Fired<R> {
        R run();
    }

    private sealed interface Clause<R> permits ReceiveClause, SendClause {
        int REGISTERED = 0;
        int RETRY = 1;

        /** Performs the operation if it can without waiting; null if not ready. */
        Fired<R> tryNow();

        /**
         * Under the channel's lock: completes the operation for {@code w} if the channel is ready on its own
         * (buffer, room, closed), registers a node if it is not ready, or asks for a retry if it is ready only
         * because of another waiter.
         */
        int register(Waiter w, int index, WaitQueue.Node[] nodes);

        void deregister(WaitQueue.Node node);

        /** The clause fired through its node (claimed by another thread, or completed during registration). */
        Fired<R> fired(WaitQueue.Node node);
    }

    private record ReceiveClause<E, R>(ChannelImpl<E> channel, Function<Received<E>, ? extends R> handler)
            implements Clause<R> {

        @Override
        public Fired<R> tryNow() {
            channel.lock.lock();
            Object r = channel.pollLocked(null);
            channel.unlockAndFinish();
            return r == ChannelImpl.EMPTY ? null : outcome(r);
        }

        @Override
        public int register(Waiter w, int index, WaitQueue.Node[] nodes) {
            channel.lock.lock();
            try {
                // Decide on state the lock keeps stable (buffer, closed). A waiting sender is no such state: its
                // select can be claimed elsewhere or withdraw at any moment, so it only ever means "retry". (Reading
                // it twice, once to see "ready" and once to see "not through a sender", let a receive clause fire
                // on an empty channel with a bogus element when the sender was claimed in between.)
                if (channel.bufferSizeLocked() > 0 || channel.closedLocked()) {
                    // ready on its own: complete it now, if nobody completed this select meanwhile
                    if (w.tryClaim(index)) {
                        nodes[index] = new WaitQueue.Node(w, index, channel.pollLocked(w));
                    }
                    return REGISTERED;
                }
                if (channel.senders.hasWaitingOther(w)) {
                    return RETRY; // ready only through another waiter: take it in pass one, which can claim it
                }
                WaitQueue.Node node = new WaitQueue.Node(w, index, null);
                channel.receivers.add(node);
                nodes[index] = node;
                return REGISTERED;
            } finally {
                channel.unlockAndFinish();
            }
        }

        @Override
        public void deregister(WaitQueue.Node node) {
            channel.lock.lock();
            try {
                channel.receivers.remove(node);
            } finally {
                channel.lock.unlock();
            }
        }

        @Override
        public Fired<R> fired(WaitQueue.Node node) {
            return outcome(node.item);
        }

        private Fired<R> outcome(Object r) {
            if (r == WaitQueue.CLOSED) {
                Throwable cause = channel.closeCause();
                return () -> handler.apply(new Received.Closed<>(channel.name(), Optional.ofNullable(cause)));
            }
            channel.received();
            E e = ChannelImpl.element(r);
            return () -> handler.apply(new Received.Value<>(e));
        }
    }

    private record SendClause<E, R>(ChannelImpl<E> channel, E element, Supplier<? extends R> handler)
            implements Clause<R> {

        @Override
        public Fired<R> tryNow() {
            channel.lock.lock();
            int r = channel.offerLocked(element, null);
            channel.unlockAndFinish();
            return switch (r) {
                case ChannelImpl.SENT -> handler::get;
                case ChannelImpl.CLOSED -> closed();
                default -> channel.overflow() == OverflowPolicy.REJECT ? rejected() : null;
            };
        }

        @Override
        public int register(Waiter w, int index, WaitQueue.Node[] nodes) {
            channel.lock.lock();
            try {
                // as for receive: decide on the lock-stable state, and treat a waiting receiver only as "retry"
                if (channel.closedLocked() || channel.bufferSizeLocked() < channel.capacity()
                        || channel.overflow() != OverflowPolicy.BLOCK) {
                    if (w.tryClaim(index)) {
                        int r = channel.offerLocked(element, w);
                        Object item = r == ChannelImpl.SENT ? element
                                : r == ChannelImpl.CLOSED ? WaitQueue.CLOSED : REJECTED;
                        nodes[index] = new WaitQueue.Node(w, index, item);
                    }
                    return REGISTERED;
                }
                if (channel.receivers.hasWaitingOther(w)) {
                    return RETRY;
                }
                WaitQueue.Node node = new WaitQueue.Node(w, index, element);
                channel.senders.add(node);
                nodes[index] = node;
                return REGISTERED;
            } finally {
                channel.unlockAndFinish();
            }
        }

        @Override
        public void deregister(WaitQueue.Node node) {
            channel.lock.lock();
            try {
                channel.senders.remove(node);
            } finally {
                channel.lock.unlock();
            }
        }

        @Override
        public Fired<R> fired(WaitQueue.Node node) {
            if (node.item == WaitQueue.CLOSED) {
                return closed();
            }
            if (node.item == REJECTED) {
                return rejected();
            }
            return handler::get;
        }

        private Fired<R> closed() {
            return () -> {
                channel.countClosedSendDrop(element);
                throw channel.closedForSend();
            };
        }

        private Fired<R> rejected() {
            return () -> {
                throw channel.rejected();
            };
        }
    }

    private static final Object REJECTED = new Object();
}
