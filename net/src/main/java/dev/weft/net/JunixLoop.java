package dev.weft.net;

import dev.weft.runtime.CancelledException;
import dev.weft.runtime.Channel;
import dev.weft.runtime.ChannelClosedException;
import java.io.Closeable;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.newsclub.net.unix.AFUNIXDatagramChannel;
import org.newsclub.net.unix.AFUNIXSocketAddress;
import org.newsclub.net.unix.AFUNIXSocketPair;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The I/O loop of one junixsocket datagram or SEQPACKET socket: a single platform thread (see {@link JunixThread})
 * that reads what arrives into a weft channel and sends what callers hand it, with the socket in non-blocking mode.
 *
 * <p><b>Why one thread does both.</b> A junixsocket call that can block must not run on a virtual thread (it
 * starves them). Sends can block on a Unix datagram socket — when the receiver's queue is full the kernel makes the
 * sender wait, indefinitely, and closing the sending socket does not wake it. And junixsocket's channel operations
 * close the socket when the calling thread is interrupted (they are {@code AbstractInterruptibleChannel} I/O), so a
 * cancelled caller would close the endpoint for everyone. So the socket is non-blocking and only this thread, which
 * nobody interrupts, touches it: it waits in {@link Selector#select} (a blocking junixsocket call, on a platform
 * thread), reads until nothing is left, and tries the queued sends. A send the kernel refuses for now (its queue is
 * full: {@code EAGAIN}) stays queued and is retried after a short wait (1 ms, doubling to 16 ms) while other
 * recipients' datagrams go ahead — a datagram never overtakes an earlier one to the same recipient. Callers wake
 * the loop through a socket pair it also watches, written with junixsocket's socket API (not interruptible I/O),
 * rather than with {@link Selector#wakeup()}, which writes to a pipe channel that an interrupted caller would close.
 *
 * <p><b>Callers</b> of {@link #send} wait on a weft channel for the outcome, so their wait is cancellable and
 * reads their scope's clock. A wait that is cancelled or times out while the datagram is still queued withdraws
 * it: it is not sent, and the caller gets the cancellation or a {@link SocketTimeoutException}. If the loop had
 * already taken it, the caller waits the few microseconds until the attempt is over and gets its outcome.
 *
 * <p><b>Receiving.</b> Each datagram or message goes to the inbox channel with {@code trySend}: under a drop policy
 * the channel drops and counts; under {@code BLOCK} a full inbox pauses reading (the datagram is held) until the
 * consumer makes room — the kernel's queue then fills and senders feel the back-pressure — retried with the same
 * short waits.
 *
 * @param <E> what the inbox carries: {@link Datagram}s or messages
 */
abstract class JunixLoop<E> {

    private static final Logger LOG = LoggerFactory.getLogger(JunixLoop.class);
    private static final long FIRST_RETRY_MILLIS = 1;
    private static final long MAX_RETRY_MILLIS = 16;
    /** Reads per round before the queued sends get their turn, so a flood of input cannot starve them. */
    private static final int READS_PER_ROUND = 64;

    private static final int READ_NOTHING = 0;
    private static final int READ_SOME = 1;
    private static final int READ_CAPPED = 2;

    private static final int PENDING = 0;
    private static final int SENDING = 1;
    private static final int DONE = 2;
    private static final int WITHDRAWN = 3;
    /** The outcome of a send that the loop's end failed: the caller reports "closed" with its own stack. */
    private static final IOException CLOSED = new ClosedChannelException();
    private static final byte[] WAKE = {1};

    /** The endpoint's or connection's name, for logs and errors. */
    final String name;
    final AFUNIXDatagramChannel channel;
    final Channel<E> inbox;
    final int maxSize;
    private final Selector selector;
    private final SelectionKey key;
    /**
     * Wakes the loop: a datagram socket pair whose reading end the selector watches. Callers write a byte with the
     * socket API, which — unlike {@link Selector#wakeup()} of junixsocket, a write to a pipe channel — is not
     * interruptible I/O, so an interrupted caller cannot close it and lose the wakeup.
     */
    private final AFUNIXDatagramChannel wakeReader;
    private final AFUNIXDatagramChannel wakeWriter;
    private final AtomicBoolean wakePending = new AtomicBoolean();
    private final ByteBuffer readBuffer;
    private final ByteBuffer writeBuffer;
    private final ByteBuffer wakeBuffer = ByteBuffer.allocateDirect(16);
    private final ConcurrentLinkedQueue<Outgoing> submitted = new ConcurrentLinkedQueue<>();
    private final ArrayDeque<Outgoing> pending = new ArrayDeque<>(); // loop thread only
    private final AtomicLong received = new AtomicLong();
    private final AtomicLong oversized = new AtomicLong();
    private volatile boolean closed;
    private volatile boolean ended;
    // loop thread only
    private @Nullable E held;
    private boolean inputOpen = true;
    private long retryMillis;

    /**
     * Puts {@code channel} in non-blocking mode and registers it with a selector of its own.
     *
     * @param maxSize the largest datagram or message, in bytes
     */
    JunixLoop(String name, AFUNIXDatagramChannel channel, Channel<E> inbox, int maxSize) throws IOException {
        this.name = name;
        this.channel = channel;
        this.inbox = inbox;
        this.maxSize = maxSize;
        // channel operations of junixsocket close the channel if the calling thread is interrupted: set up with the
        // interrupt flag cleared (and restored after)
        boolean interrupted = Thread.interrupted();
        AFUNIXSocketPair<AFUNIXDatagramChannel> pair = null;
        Selector opened = null;
        try {
            channel.configureBlocking(false);
            pair = AFUNIXSocketPair.openDatagram();
            pair.getSocket1().configureBlocking(false);
            pair.getSocket2().configureBlocking(false);
            opened = channel.provider().openSelector();
            this.key = channel.register(opened, SelectionKey.OP_READ);
            pair.getSocket1().register(opened, SelectionKey.OP_READ);
        } catch (IOException | RuntimeException e) {
            if (opened != null) {
                opened.close();
            }
            if (pair != null) {
                pair.close();
            }
            throw e;
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
        this.selector = opened;
        this.wakeReader = pair.getSocket1();
        this.wakeWriter = pair.getSocket2();
        // one larger than the limit: a datagram that fills it was longer than the limit (the kernel cut it short)
        this.readBuffer = ByteBuffer.allocateDirect(maxSize + 1);
        this.writeBuffer = ByteBuffer.allocateDirect(maxSize);
    }

    /**
     * Reads one datagram or message into {@code buffer} (cleared) and hands it to {@link #deliver}, or counts it
     * with {@link #oversized}; calls {@link #endOfInput} at end of stream.
     *
     * @return false if there was nothing to read (or input ended)
     */
    abstract boolean readOne(ByteBuffer buffer) throws IOException;

    /** Sends the bytes in {@code buffer} to {@code target} (null: the connected peer); 0 if the kernel said EAGAIN. */
    int write(ByteBuffer buffer, @Nullable AFUNIXSocketAddress target) throws IOException {
        return target == null ? channel.write(buffer) : channel.send(buffer, target);
    }

    /** Called on the loop thread once the loop has ended and the socket is closed. */
    void ended() {
    }

    /** Hands a received element to the inbox; under BLOCK a full inbox holds it and pauses reading. */
    final void deliver(E element) {
        received.incrementAndGet();
        if (!inbox.trySend(element)) {
            held = element;
        }
    }

    /** Counts and logs a datagram or message longer than the limit, which is dropped. */
    final void oversized(String from) {
        long n = oversized.incrementAndGet();
        if (n == 1) {
            LOG.warn("{}: dropped a datagram of more than {} bytes (the limit) from {}; later ones are logged at"
                    + " DEBUG", name, maxSize, from);
        } else {
            LOG.debug("{}: dropped a datagram of more than {} bytes (the limit) from {} ({} so far)", name, maxSize,
                    from, n);
        }
    }

    /** Input has ended (the peer closed): the inbox closes once drained; sends go on until {@link #close}. */
    final void endOfInput() {
        inputOpen = false;
        inbox.close();
    }

    final long received() {
        return received.get();
    }

    final long oversized() {
        return oversized.get();
    }

    final boolean isClosed() {
        return closed || ended;
    }

    /** Ends the loop: it closes the socket and fails queued sends. Idempotent, never blocks. */
    final void close() {
        closed = true;
        wake();
    }

    /** Makes the loop go round once more (a byte to its wake socket, unless one is on its way). Never blocks. */
    private void wake() {
        if (wakePending.compareAndSet(false, true)) {
            try {
                // the socket API, not the channel's write: no interruptible I/O; a full queue (EAGAIN) drops the
                // byte, which is fine: the bytes already queued wake the loop
                wakeWriter.socket().send(new DatagramPacket(WAKE, 1));
            } catch (IOException e) {
                LOG.debug("{}: waking the I/O loop failed (closed?): {}", name, e.toString());
            }
        }
    }

    /**
     * Empties the wake socket, then clears the flag. A caller that found the flag set (and sent nothing) had already
     * queued its send or set {@link #closed}; the loop reads both after this, so nothing it asked for is missed.
     */
    private void drainWakes() throws IOException {
        ByteBuffer b = wakeBuffer;
        do {
            b.clear();
            wakeReader.receive(b);
        } while (b.position() > 0);
        wakePending.set(false);
    }

    /** The loop; runs on its platform thread until {@link #close()}. */
    final void run() {
        try {
            for (;;) {
                drainWakes();
                if (closed) {
                    break;
                }
                boolean progress = deliverHeld();
                int read = readAvailable();
                boolean waiting = flushSends(progress || read != READ_NOTHING);
                boolean reading = inputOpen && held == null;
                if (key.isValid()) {
                    key.interestOps(reading ? SelectionKey.OP_READ : 0);
                }
                if (read == READ_CAPPED) {
                    selector.selectNow(); // more input may be waiting: take wakeups, then read on
                } else if (waiting || held != null || (reading && !key.isValid())) {
                    // a send the kernel refused for now, a full inbox, or input the selector no longer watches
                    // (junixsocket's selector cancels the key on a hang-up; the rest is read until end of stream)
                    retryMillis = retryMillis == 0 ? FIRST_RETRY_MILLIS : Math.min(retryMillis * 2, MAX_RETRY_MILLIS);
                    selector.select(retryMillis);
                } else {
                    retryMillis = 0;
                    selector.select();
                }
                selector.selectedKeys().clear();
            }
        } catch (IOException | RuntimeException e) {
            if (!closed) {
                LOG.warn("{}: the I/O loop failed; the socket is closed: {}", name, e.toString());
                inbox.close(e instanceof IOException io ? JunixSockets.named(name + ": I/O failed", io) : e);
            }
        } finally {
            finish();
        }
    }

    private boolean deliverHeld() {
        if (held == null) {
            return false;
        }
        try {
            if (!inbox.trySend(held)) {
                return false;
            }
        } catch (ChannelClosedException e) {
            LOG.debug("{}: inbox closed; dropped {}", name, held);
        }
        held = null;
        return true;
    }

    /** Reads until nothing is left, the inbox is full, or {@link #READS_PER_ROUND}; says which. */
    private int readAvailable() {
        if (!inputOpen || held != null) {
            return READ_NOTHING;
        }
        int reads = 0;
        try {
            while (inputOpen && held == null && !closed) {
                if (reads == READS_PER_ROUND) {
                    return READ_CAPPED;
                }
                readBuffer.clear();
                if (!readOne(readBuffer)) {
                    break;
                }
                reads++;
            }
        } catch (ChannelClosedException e) {
            inputOpen = false; // the inbox was closed under us: nobody will take more
        } catch (IOException e) {
            if (!closed) {
                inputOpen = false;
                IOException named = JunixSockets.named(name + ": receive failed", e);
                LOG.warn("{}; no more will arrive", named.getMessage());
                inbox.close(named);
            }
        }
        return reads == 0 ? READ_NOTHING : READ_SOME;
    }

    /** Tries each queued send once; returns true if some are still waiting for the kernel. */
    private boolean flushSends(boolean progress) {
        for (Outgoing o; (o = submitted.poll()) != null; ) {
            pending.add(o);
        }
        if (pending.isEmpty()) {
            return false;
        }
        Set<Object> refused = null;
        boolean waiting = false;
        for (Iterator<Outgoing> it = pending.iterator(); it.hasNext(); ) {
            Outgoing o = it.next();
            if (refused != null && refused.contains(o.recipientKey)) {
                waiting = true;
                continue; // keep the order of datagrams to one recipient
            }
            if (!o.state.compareAndSet(PENDING, SENDING)) {
                it.remove(); // withdrawn by its caller
                continue;
            }
            IOException failure = null;
            int sent;
            try {
                writeBuffer.clear();
                writeBuffer.put(o.payload).flip();
                sent = write(writeBuffer, o.target);
            } catch (IOException e) {
                failure = e;
                sent = -1;
            }
            if (sent == 0) {
                o.state.set(PENDING);
                if (refused == null) {
                    refused = new HashSet<>();
                }
                refused.add(o.recipientKey);
                waiting = true;
                continue;
            }
            it.remove();
            o.complete(failure);
            progress = true;
        }
        if (progress) {
            retryMillis = 0;
        }
        return waiting;
    }

    private void finish() {
        ended = true;
        closed = true;
        for (Outgoing o : pending) {
            if (o.state.compareAndSet(PENDING, SENDING)) {
                o.complete(CLOSED);
            }
        }
        pending.clear();
        for (Outgoing o; (o = submitted.poll()) != null; ) {
            if (o.state.compareAndSet(PENDING, SENDING)) {
                o.complete(CLOSED);
            }
        }
        for (Closeable c : new Closeable[] {selector, channel, wakeReader, wakeWriter}) {
            try {
                c.close();
            } catch (IOException e) {
                LOG.debug("{}: closing {} failed", name, c, e);
            }
        }
        if (held != null) {
            LOG.debug("{}: closed while the inbox was full; dropped {}", name, held);
            held = null;
        }
        inbox.close();
        ended();
    }

    /**
     * Sends one datagram or message through the loop and waits for the outcome.
     *
     * @param payload the bytes (at most {@link #maxSize}; the caller checked), not copied: the caller must not
     *     change them until this returns
     * @param target the recipient, or null for the connected peer
     * @param recipient the recipient as errors show it
     * @param timeout how long the datagram may wait while the receiver's queue is full
     * @throws SocketTimeoutException if it was still waiting after {@code timeout}; it was not sent
     * @throws SocketException if the socket is closed, or the kernel refused it (the message names the recipient)
     * @throws CancelledException if the calling task was cancelled while it waited; it was not sent
     * @throws InterruptedException if the calling thread was interrupted, before or while it waited; it was not
     *     sent
     */
    final void send(byte[] payload, @Nullable AFUNIXSocketAddress target, String recipient, Duration timeout)
            throws IOException, InterruptedException {
        String what = name + ": send to " + recipient;
        if (Thread.interrupted()) { // a cancelled or interrupted caller sends nothing
            throw new InterruptedException(what + " was interrupted before it started");
        }
        if (isClosed()) {
            throw new SocketException(what + " failed: " + name + " is closed");
        }
        Outgoing o = new Outgoing(payload, target);
        submitted.add(o);
        if (ended) { // the loop's last sweep may have missed it
            if (o.state.compareAndSet(PENDING, WITHDRAWN)) {
                throw new SocketException(what + " failed: " + name + " is closed");
            }
        } else {
            wake();
        }
        Optional<Boolean> done;
        try {
            done = o.done.receive(timeout);
        } catch (CancelledException | InterruptedException e) {
            if (o.state.compareAndSet(PENDING, WITHDRAWN)) {
                throw e; // not sent
            }
            o.awaitUninterruptibly();
            Thread.currentThread().interrupt(); // sent or failed: report that, and keep the cancellation
            o.rethrow(what);
            return;
        }
        if (done.isEmpty()) {
            if (o.state.compareAndSet(PENDING, WITHDRAWN)) {
                throw new SocketTimeoutException(what + " timed out after " + timeout + ": the receiver's queue"
                        + " stayed full (it is not reading); the datagram was not sent");
            }
            o.awaitUninterruptibly();
        }
        o.rethrow(what);
    }

    /** A datagram or message on its way: the caller waits on {@link #done}, the loop claims it by its state. */
    private static final class Outgoing {
        final byte[] payload;
        final @Nullable AFUNIXSocketAddress target;
        final Object recipientKey;
        final AtomicInteger state = new AtomicInteger(PENDING);
        final Channel<Boolean> done = Channel.buffered(1);
        final CountDownLatch latch = new CountDownLatch(1);
        volatile @Nullable IOException failure;

        Outgoing(byte[] payload, @Nullable AFUNIXSocketAddress target) {
            this.payload = payload;
            this.target = target;
            this.recipientKey = target == null ? Boolean.TRUE : target;
        }

        void complete(@Nullable IOException failure) {
            this.failure = failure;
            state.set(DONE);
            latch.countDown();
            done.trySend(Boolean.TRUE);
        }

        void awaitUninterruptibly() {
            boolean interrupted = false;
            for (;;) {
                try {
                    latch.await();
                    break;
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }

        void rethrow(String what) throws IOException {
            IOException f = failure;
            if (f != null) {
                if (f instanceof ClosedChannelException) { // CLOSED, or closed under the loop
                    throw new SocketException(what + " failed: the socket is closed");
                }
                throw JunixSockets.named(what + " failed", f);
            }
        }
    }
}
