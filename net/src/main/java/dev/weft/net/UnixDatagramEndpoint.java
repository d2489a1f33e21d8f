package dev.weft.net;

import dev.weft.runtime.Channel;
import dev.weft.runtime.OverflowPolicy;
import dev.weft.runtime.ReceiveChannel;
import dev.weft.runtime.Scope;
import java.io.IOException;
import java.net.BindException;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.newsclub.net.unix.AFSocketType;
import org.newsclub.net.unix.AFUNIXDatagramSocket;
import org.newsclub.net.unix.AFUNIXSocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Unix datagram endpoint ({@code SOCK_DGRAM} in the Unix domain): a socket bound to a path or to a Linux abstract
 * name that sends datagrams and receives them as a channel. Built on junixsocket; the JDK has no Unix datagram
 * sockets.
 *
 * <pre>{@code
 * try (UnixDatagramEndpoint endpoint = UnixDatagramEndpoint.builder(UnixAbstractAddress.of("myd.events")).bind()) {
 *     for (Datagram d : endpoint.datagrams()) {          // ends when the endpoint closes
 *         endpoint.send(Datagram.of("ACK " + d.text(), d.address()));
 *     }
 * }
 * }</pre>
 *
 * <p><b>Addresses.</b> An endpoint binds a {@link UnixDomainSocketAddress} (a socket file) or a
 * {@link UnixAbstractAddress} (Linux's abstract namespace: no file). Received datagrams carry the sender's address
 * in the same two forms, or the unnamed address ({@code UnixDomainSocketAddress.of("")}) when the sender's socket
 * was not bound — such a sender cannot be answered. A socket file left by a dead process (a test connect is
 * refused) is replaced at bind; one that a live socket of any type is bound to is not stolen
 * ({@link BindException}). The file is removed when the endpoint closes, unless another socket has replaced it.
 *
 * <p><b>Threads.</b> junixsocket starves virtual threads that block in it, so this endpoint never lets one block
 * there (DESIGN.md, principle 8): one platform thread per endpoint, named {@code <name> io} and owned by a task of
 * the endpoint's own {@link Scope} (nested in the caller's), does all socket I/O. It waits in a selector, reads
 * each datagram into {@link #datagrams()}, and performs the sends that callers queue; the socket is in non-blocking
 * mode. Consumers wait on the channel, so a {@code select} over "next datagram", a timer and other channels can be
 * cancelled or time out without losing a datagram or closing the socket (principle 4).
 *
 * <p><b>Sending</b> can wait: a Unix datagram is never dropped by the kernel, which instead refuses it while the
 * receiver's queue is full ({@code net.unix.max_dgram_qlen}, 10 datagrams by default on Linux) — a blocking
 * {@code sendto} would wait for as long as the receiver does not read, and closing the sender would not wake it.
 * So {@link #send(Datagram)} hands the datagram to the I/O thread and waits for the outcome: sent, refused (no
 * socket at that address: {@link java.net.ConnectException}), or still waiting after the
 * {@linkplain Builder#sendTimeout send timeout} ({@link SocketTimeoutException}; default
 * {@link #DEFAULT_SEND_TIMEOUT}). While one recipient's queue is full, datagrams to other recipients go ahead; the
 * order of datagrams to one recipient is kept. Cancelling a waiting sender withdraws its datagram (it is not sent)
 * and closes nothing.
 *
 * <p><b>Overflow.</b> {@link #datagrams()} holds up to {@link Builder#receiveBuffer(int)} datagrams (default
 * {@value #DEFAULT_RECEIVE_BUFFER}). When it is full the default policy, {@link OverflowPolicy#BLOCK}, stops
 * reading until the consumer makes room: the kernel's queue fills and senders wait — Unix datagrams stay reliable.
 * {@link OverflowPolicy#DROP_NEWEST} or {@link OverflowPolicy#DROP_OLDEST} drop instead, counted in
 * {@link #droppedDatagrams()} (the first drop is logged at WARN, later ones at DEBUG).
 *
 * <p><b>Size limit.</b> At most {@link Builder#maxDatagramSize(int)} bytes (default
 * {@value #DEFAULT_MAX_DATAGRAM_SIZE}): a larger {@link #send} throws {@link IllegalArgumentException}; a larger
 * datagram that arrives is dropped and counted in {@link #oversizedDatagrams()}, never delivered cut short. The
 * kernel also refuses a datagram larger than the sender's {@code SO_SNDBUF} (about 208 KiB by default on Linux)
 * with "Message too long". Empty datagrams are not supported: junixsocket cannot send one, and reports a received
 * one as "nothing to read", so it is skipped.
 *
 * <p><b>Credentials.</b> Datagrams carry no sender credentials. Linux passes them only as {@code SCM_CREDENTIALS}
 * ancillary data when the receiver sets {@code SO_PASSCRED}; junixsocket 2.11 neither sets that option nor parses
 * that message (it handles {@code SCM_RIGHTS} only), and {@code SO_PEERCRED} on a datagram socket, even a connected
 * one, reports nothing. Use a {@link UnixSeqpacketConnection} to learn the peer's pid, uid and gid.
 *
 * <p><b>Running it</b> needs native access for junixsocket, which loads a JNI library:
 * {@code --enable-native-access=org.newsclub.net.unix} on the module path ({@code ALL-UNNAMED} on the class path);
 * without it the JVM prints a warning, and a later JDK will refuse.
 *
 * <p>Thread-safe: any number of senders, any number of consumers of {@link #datagrams()} (each datagram goes to
 * one). {@link #close()} is idempotent.
 */
public final class UnixDatagramEndpoint implements AutoCloseable {

    /** The default maximum datagram size: 65,536 bytes (64 KiB). */
    public static final int DEFAULT_MAX_DATAGRAM_SIZE = 64 * 1024;

    /** The largest maximum datagram size: 1 MiB (the kernel needs an {@code SO_SNDBUF} that large to send one). */
    public static final int MAX_DATAGRAM_SIZE = 1 << 20;

    /** The default capacity of {@link #datagrams()}: 256 datagrams. */
    public static final int DEFAULT_RECEIVE_BUFFER = 256;

    /** The largest capacity of {@link #datagrams()}: 1,048,576 datagrams. */
    public static final int MAX_RECEIVE_BUFFER = 1 << 20;

    /** The default send timeout: 10 seconds of a full receiver queue. */
    public static final Duration DEFAULT_SEND_TIMEOUT = Duration.ofSeconds(10);

    private static final Logger LOG = LoggerFactory.getLogger(UnixDatagramEndpoint.class);

    private final String name;
    private final SocketAddress localAddress;
    private final int maxDatagramSize;
    private final Duration sendTimeout;
    private final OverflowPolicy overflow;
    private final Channel<Datagram> datagrams;
    private final Loop loop;
    private final Scope scope;
    private final @Nullable Path socketFile;
    private final @Nullable Object socketFileKey;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicLong dropsLogged = new AtomicLong();

    private UnixDatagramEndpoint(Builder b, AFUNIXDatagramSocket socket, String name) throws IOException {
        this.name = name;
        this.localAddress = b.address;
        this.maxDatagramSize = b.maxDatagramSize;
        this.sendTimeout = b.sendTimeout;
        this.overflow = b.overflow;
        this.socketFile = b.address instanceof UnixDomainSocketAddress unix ? unix.getPath() : null;
        this.socketFileKey = socketFile == null ? null : JunixSockets.fileKey(socketFile);
        this.datagrams = Channel.<Datagram>builder()
                .name(name + " datagrams")
                .capacity(b.receiveBuffer)
                .overflow(b.overflow)
                .onUndelivered(this::dropped)
                .build();
        this.scope = Scope.open(name);
        try {
            this.loop = new Loop(socket);
        } catch (IOException | RuntimeException e) {
            scope.close();
            throw e;
        }
        JunixThread.Handle io = JunixThread.start(name + " io", loop::run);
        try {
            scope.fork("io", () -> io.await(loop::close));
        } catch (RuntimeException e) {
            io.stop(loop::close);
            scope.close();
            throw e;
        }
    }

    /**
     * Returns a builder for an endpoint bound to {@code address}.
     *
     * @param address a socket file ({@link UnixDomainSocketAddress}, at most 107 bytes) or an abstract name
     *     ({@link UnixAbstractAddress})
     * @return a new builder
     * @throws IllegalArgumentException if the address is of another kind, the unnamed address, or too long
     */
    public static Builder builder(SocketAddress address) {
        return new Builder(JunixAddresses.requireBindable(address, "address"));
    }

    /**
     * Returns a short name for logs, errors and the I/O thread, such as {@code unixgram /run/myd.sock} or
     * {@code unixgram @myd.events}.
     *
     * @return the name
     */
    public String name() {
        return name;
    }

    /**
     * Returns the address the endpoint is bound to.
     *
     * @return a {@link UnixDomainSocketAddress} or a {@link UnixAbstractAddress}
     */
    public SocketAddress localAddress() {
        return localAddress;
    }

    /**
     * Returns the largest payload this endpoint sends or delivers.
     *
     * @return the limit in bytes
     */
    public int maxDatagramSize() {
        return maxDatagramSize;
    }

    /**
     * Sends a datagram to its {@linkplain Datagram#address() address}, waiting while the receiver's queue is full.
     *
     * <p>Blocks until the kernel has taken the datagram — at once, unless the receiver's queue is full — for at
     * most the send timeout. Cancelling or interrupting the caller while it waits withdraws the datagram (it is not
     * sent) and closes nothing; if the I/O thread was already handing it to the kernel, the call waits the
     * microseconds that takes and reports the outcome, with the interrupt flag set.
     *
     * @param datagram the payload and the recipient: a {@link UnixDomainSocketAddress} or a
     *     {@link UnixAbstractAddress}
     * @throws IllegalArgumentException if the payload is empty or larger than {@link #maxDatagramSize()} (the message
     *     names both sizes), or the recipient is not a Unix address (or is the unnamed address of an unbound sender)
     * @throws java.net.ConnectException if no socket is bound at the recipient's address; the message names it
     * @throws SocketTimeoutException if the receiver's queue stayed full for the send timeout; nothing was sent
     * @throws SocketException if the endpoint is closed, or the kernel refused the datagram
     * @throws IOException on any other failure to send
     * @throws InterruptedException if interrupted before or while waiting; nothing was sent
     */
    public void send(Datagram datagram) throws IOException, InterruptedException {
        Objects.requireNonNull(datagram, "datagram");
        sendBytes(datagram.sharedPayload(), datagram.address());
    }

    /**
     * Sends {@code payload} to {@code recipient}; see {@link #send(Datagram)}.
     *
     * @param payload the bytes; not copied, and not kept after the call
     * @param recipient a {@link UnixDomainSocketAddress} or a {@link UnixAbstractAddress}
     * @throws IllegalArgumentException if the payload is empty or too large, or the recipient is not a Unix address
     * @throws java.net.ConnectException if no socket is bound at the recipient's address
     * @throws SocketTimeoutException if the receiver's queue stayed full for the send timeout
     * @throws SocketException if the endpoint is closed, or the kernel refused the datagram
     * @throws IOException on any other failure to send
     * @throws InterruptedException if interrupted before or while waiting; nothing was sent
     */
    public void send(byte[] payload, SocketAddress recipient) throws IOException, InterruptedException {
        Objects.requireNonNull(payload, "payload");
        Objects.requireNonNull(recipient, "recipient");
        sendBytes(payload, recipient);
    }

    private void sendBytes(byte[] payload, SocketAddress recipient) throws IOException, InterruptedException {
        if (JunixAddresses.UNNAMED.equals(recipient)) {
            throw new IllegalArgumentException(name + ": cannot send to the unnamed address: the sender's socket"
                    + " was not bound, so it cannot be answered");
        }
        SocketAddress to = JunixAddresses.requireBindable(recipient, "recipient");
        String where = JunixAddresses.describe(to);
        if (payload.length == 0) {
            throw new IllegalArgumentException(name + ": cannot send an empty datagram to " + where
                    + " (junixsocket does not support zero-length Unix datagrams)");
        }
        if (payload.length > maxDatagramSize) {
            throw new IllegalArgumentException("datagram of " + payload.length + " bytes to " + where
                    + " exceeds the limit of " + maxDatagramSize + " bytes of " + name);
        }
        loop.send(payload, JunixAddresses.toJunix(to), where, sendTimeout);
    }

    /**
     * Returns the received datagrams, each with its sender's address. The channel closes when the endpoint does;
     * consumers still get what it holds, then see it closed.
     *
     * @return the channel of datagrams; the same one on every call
     */
    public ReceiveChannel<Datagram> datagrams() {
        return datagrams;
    }

    /**
     * Returns how many datagrams the I/O thread has received and passed to {@link #datagrams()} (including those
     * the overflow policy then dropped).
     *
     * @return the number of datagrams received
     */
    public long receivedDatagrams() {
        return loop.received();
    }

    /**
     * Returns how many received datagrams the overflow policy dropped because {@link #datagrams()} was full.
     *
     * @return the number of dropped datagrams; always 0 under {@link OverflowPolicy#BLOCK}
     */
    public long droppedDatagrams() {
        return datagrams.droppedCount();
    }

    /**
     * Returns how many datagrams larger than {@link #maxDatagramSize()} arrived and were dropped.
     *
     * @return the number of oversized datagrams
     */
    public long oversizedDatagrams() {
        return loop.oversized();
    }

    /**
     * Returns true until the endpoint is closed — by {@link #close()}, or by the cancellation of the scope it was
     * bound in.
     *
     * @return whether the socket is open
     */
    public boolean isOpen() {
        return !closed.get() && !loop.isClosed();
    }

    /**
     * Closes the socket, ends the I/O thread and waits for it, fails the sends still waiting with
     * {@link SocketException}, removes the socket file, and closes {@link #datagrams()}: consumers waiting on it see
     * it closed once they have taken what it still holds. Idempotent; throws nothing.
     */
    @Override
    public void close() {
        boolean first = closed.compareAndSet(false, true);
        loop.close();
        scope.close();
        if (first) {
            LOG.debug("{} closed", name);
        }
    }

    @Override
    public String toString() {
        return "UnixDatagramEndpoint[" + name + (isOpen() ? "]" : ", closed]");
    }

    private void dropped(Datagram d) {
        if (dropsLogged.getAndIncrement() == 0) {
            LOG.warn("{}: the receive buffer of {} datagrams is full; dropped {} ({}); later drops are logged at"
                    + " DEBUG", name, datagrams.capacity(), d, overflow);
        } else {
            LOG.debug("{}: the receive buffer is full; dropped {} ({})", name, d, overflow);
        }
    }

    /** The I/O loop: datagrams with their senders. */
    private final class Loop extends JunixLoop<Datagram> {

        Loop(AFUNIXDatagramSocket socket) throws IOException {
            super(UnixDatagramEndpoint.this.name, socket.getChannel(), datagrams, maxDatagramSize);
        }

        @Override
        boolean readOne(ByteBuffer buffer) throws IOException {
            AFUNIXSocketAddress from = channel.receive(buffer);
            int length = buffer.position();
            if (from == null && length == 0) {
                return false; // nothing (or an empty datagram, which junixsocket reports the same way)
            }
            SocketAddress sender = JunixAddresses.fromJunix(from);
            if (length > maxSize) {
                oversized(JunixAddresses.describe(sender));
                return true;
            }
            byte[] payload = new byte[length];
            buffer.flip().get(payload);
            deliver(new Datagram(payload, sender));
            return true;
        }

        @Override
        void ended() {
            closed.set(true);
            if (socketFile != null) {
                JunixSockets.removeSocketFile(socketFile, socketFileKey);
            }
        }
    }

    /**
     * Builds and binds a {@link UnixDatagramEndpoint}. Not thread-safe; the endpoint it binds is.
     */
    public static final class Builder {
        private final SocketAddress address;
        private int maxDatagramSize = DEFAULT_MAX_DATAGRAM_SIZE;
        private int receiveBuffer = DEFAULT_RECEIVE_BUFFER;
        private OverflowPolicy overflow = OverflowPolicy.BLOCK;
        private Duration sendTimeout = DEFAULT_SEND_TIMEOUT;

        private Builder(SocketAddress address) {
            this.address = address;
        }

        /**
         * Sets the largest payload the endpoint sends or delivers (default
         * {@value UnixDatagramEndpoint#DEFAULT_MAX_DATAGRAM_SIZE} bytes).
         *
         * @param bytes the limit, from 1 to {@value UnixDatagramEndpoint#MAX_DATAGRAM_SIZE}
         * @return this builder
         */
        public Builder maxDatagramSize(int bytes) {
            if (bytes < 1 || bytes > MAX_DATAGRAM_SIZE) {
                throw new IllegalArgumentException("maxDatagramSize must be from 1 to " + MAX_DATAGRAM_SIZE + ": "
                        + bytes);
            }
            this.maxDatagramSize = bytes;
            return this;
        }

        /**
         * Sets how many received datagrams {@link UnixDatagramEndpoint#datagrams()} holds for its consumers
         * (default {@value UnixDatagramEndpoint#DEFAULT_RECEIVE_BUFFER}).
         *
         * @param datagrams the capacity, from 1 to {@value UnixDatagramEndpoint#MAX_RECEIVE_BUFFER}
         * @return this builder
         */
        public Builder receiveBuffer(int datagrams) {
            if (datagrams < 1 || datagrams > MAX_RECEIVE_BUFFER) {
                throw new IllegalArgumentException("receiveBuffer must be from 1 to " + MAX_RECEIVE_BUFFER
                        + " datagrams: " + datagrams);
            }
            this.receiveBuffer = datagrams;
            return this;
        }

        /**
         * Sets what happens to a received datagram when {@link UnixDatagramEndpoint#datagrams()} is full (default
         * {@link OverflowPolicy#BLOCK}; see the class documentation).
         *
         * @param policy {@code BLOCK}, {@code DROP_NEWEST} or {@code DROP_OLDEST}
         * @return this builder
         * @throws IllegalArgumentException for {@link OverflowPolicy#REJECT}, which has no caller to reject to
         */
        public Builder overflow(OverflowPolicy policy) {
            Objects.requireNonNull(policy, "policy");
            if (policy == OverflowPolicy.REJECT) {
                throw new IllegalArgumentException("overflow policy REJECT does not apply to received datagrams"
                        + " (there is no sender to reject); use BLOCK, DROP_NEWEST or DROP_OLDEST");
            }
            this.overflow = policy;
            return this;
        }

        /**
         * Sets how long a send may wait while the receiver's queue is full (default 10 seconds).
         *
         * @param timeout the timeout, positive
         * @return this builder
         */
        public Builder sendTimeout(Duration timeout) {
            Objects.requireNonNull(timeout, "timeout");
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("sendTimeout must be positive: " + timeout);
            }
            this.sendTimeout = timeout;
            return this;
        }

        /**
         * Binds the socket and starts the I/O thread, owned by a new scope nested in the caller's scope (if the
         * caller runs in a task). Cancelling the caller's task or scope closes the endpoint; otherwise it stays open
         * until {@link UnixDatagramEndpoint#close()}.
         *
         * <p>Does not block: binding and the stale-file check return at once.
         *
         * @return the bound endpoint
         * @throws BindException if the address is in use (a live socket of any type is bound to it), or the path
         *     exists and is not a socket; the message names the address
         * @throws IOException on any other failure to bind
         */
        public UnixDatagramEndpoint bind() throws IOException {
            String name = "unixgram " + JunixAddresses.describe(address);
            AFUNIXDatagramSocket socket = JunixSockets.bind(address, AFSocketType.SOCK_DGRAM, name);
            try {
                UnixDatagramEndpoint endpoint = new UnixDatagramEndpoint(this, socket, name);
                LOG.debug("{} bound (max datagram {} bytes, receive buffer {} datagrams, {})", name,
                        maxDatagramSize, receiveBuffer, overflow);
                return endpoint;
            } catch (IOException | RuntimeException e) {
                socket.close();
                if (address instanceof UnixDomainSocketAddress unix) {
                    JunixSockets.removeSocketFile(unix.getPath(), null);
                }
                throw e;
            }
        }
    }
}
