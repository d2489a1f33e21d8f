package dev.weft.net;

import dev.weft.runtime.Channel;
import dev.weft.runtime.ReceiveChannel;
import dev.weft.runtime.Scope;
import dev.weft.runtime.TimeSource;
import dev.weft.runtime.Timers;
import java.io.IOException;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.newsclub.net.unix.AFSocketType;
import org.newsclub.net.unix.AFUNIXDatagramSocket;
import org.newsclub.net.unix.AFUNIXSocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Unix {@code SOCK_SEQPACKET} connection: connected and reliable like a stream, but message-preserving like
 * datagrams — each {@link #send} arrives as exactly one element of {@link #messages()}, never merged with the next
 * or split. Built on junixsocket; made by {@link #connect(SocketAddress)} or by a {@link UnixSeqpacketServer}.
 *
 * <pre>{@code
 * try (UnixSeqpacketConnection c = UnixSeqpacketConnection.connect(UnixDomainSocketAddress.of("/run/myd.seq"))) {
 *     c.peerCredentials().ifPresent(peer -> System.out.println("server pid " + peer.pid()));
 *     c.send("STATUS");
 *     byte[] reply = c.messages().receive();
 * }
 * }</pre>
 *
 * <p><b>Peer credentials.</b> {@link #peerCredentials()} gives the other end's pid, uid and gid as the kernel
 * recorded them at connect ({@code SO_PEERCRED}); both the connecting and the accepting side get them.
 *
 * <p><b>Threads.</b> As for {@link UnixDatagramEndpoint}: one platform thread per connection, named
 * {@code <name> io} and owned by a task of the connection's own scope (nested in the caller's), does all socket
 * I/O with the socket in non-blocking mode; no virtual thread ever blocks in junixsocket. Consumers wait on
 * {@link #messages()}, so a cancelled or timed-out wait loses no message and closes nothing.
 *
 * <p><b>Receiving.</b> {@link #messages()} holds up to {@link Connector#receiveBuffer(int)} messages (default
 * {@value #DEFAULT_RECEIVE_BUFFER}); when it is full the connection stops reading until the consumer makes room, so
 * the peer's sends wait — nothing is dropped. It closes when the peer closes (after the messages sent before), or
 * with the {@link IOException} as its cause when reading fails. A message longer than
 * {@link Connector#maxMessageSize(int)} is dropped and counted in {@link #oversizedMessages()}, never delivered
 * cut short. An empty message cannot be told from the end of the connection (Linux reports both as a read of 0
 * bytes), so {@link #send} refuses empty messages, and an empty message from another program ends
 * {@link #messages()}.
 *
 * <p><b>Sending</b> hands the message to the I/O thread and waits until the kernel has taken it: at once, unless
 * the peer's queue is full (it is not reading), for at most the send timeout (default
 * {@link #DEFAULT_SEND_TIMEOUT}). Concurrent senders' messages are sent whole, one after another. Cancelling a
 * waiting sender withdraws its message (it is not sent) and closes nothing.
 *
 * <p><b>Running it</b> needs {@code --enable-native-access=org.newsclub.net.unix} (see
 * {@link UnixDatagramEndpoint}).
 *
 * <p>Thread-safe: any number of senders and consumers. {@link #close()} is idempotent.
 */
public final class UnixSeqpacketConnection implements AutoCloseable {

    /** The default maximum message size: 65,536 bytes (64 KiB). */
    public static final int DEFAULT_MAX_MESSAGE_SIZE = 64 * 1024;

    /** The largest maximum message size: 1 MiB. */
    public static final int MAX_MESSAGE_SIZE = 1 << 20;

    /** The default capacity of {@link #messages()}: 256 messages. */
    public static final int DEFAULT_RECEIVE_BUFFER = 256;

    /** The default send timeout: 10 seconds of a peer that does not read. */
    public static final Duration DEFAULT_SEND_TIMEOUT = Duration.ofSeconds(10);

    /** The default connect timeout: 10 seconds of a server whose backlog is full. */
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);

    private static final Logger LOG = LoggerFactory.getLogger(UnixSeqpacketConnection.class);
    private static final long CONNECT_RETRY_MAX_MILLIS = 50;

    private final String name;
    private final SocketAddress localAddress;
    private final SocketAddress remoteAddress;
    private final Optional<PeerCredentials> peerCredentials;
    private final Settings settings;
    private final Channel<byte[]> messages;
    private final Loop loop;
    private final Scope scope;
    private final AtomicBoolean closed = new AtomicBoolean();

    private UnixSeqpacketConnection(AFUNIXDatagramSocket socket, String name, SocketAddress localAddress,
            SocketAddress remoteAddress, Settings settings) throws IOException {
        this.name = name;
        this.localAddress = localAddress;
        this.remoteAddress = remoteAddress;
        this.settings = settings;
        this.peerCredentials = credentials(socket, name);
        this.messages = Channel.<byte[]>builder().name(name + " messages").capacity(settings.receiveBuffer()).build();
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

    private static Optional<PeerCredentials> credentials(AFUNIXDatagramSocket socket, String name) {
        try {
            return PeerCredentials.of(socket.getPeerCredentials());
        } catch (IOException e) {
            LOG.debug("{}: no peer credentials: {}", name, e.toString());
            return Optional.empty();
        }
    }

    /** Wraps a socket a {@link UnixSeqpacketServer} accepted; closes it if that fails. */
    static UnixSeqpacketConnection accepted(AFUNIXDatagramSocket socket, String name, SocketAddress serverAddress,
            Settings settings) throws IOException {
        try {
            SocketAddress peer = JunixAddresses.fromJunix(socket.getRemoteSocketAddress());
            return new UnixSeqpacketConnection(socket, name, serverAddress, peer, settings);
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    /**
     * Connects to a SEQPACKET server with the default settings; see {@link Connector#connect()}.
     *
     * @param address the server's socket file ({@link UnixDomainSocketAddress}) or abstract name
     *     ({@link UnixAbstractAddress})
     * @return the open connection
     * @throws java.net.ConnectException if no server listens there; the message names the address
     * @throws SocketTimeoutException if the server's backlog stayed full for the connect timeout
     * @throws IOException on any other failure to connect
     * @throws InterruptedException if interrupted while waiting for room in the server's backlog
     */
    public static UnixSeqpacketConnection connect(SocketAddress address) throws IOException, InterruptedException {
        return connector(address).connect();
    }

    /**
     * Returns a connector for {@code address}, to set timeouts and limits before connecting.
     *
     * @param address the server's socket file or abstract name
     * @return a new connector
     * @throws IllegalArgumentException if the address is not a Unix address, or is too long
     */
    public static Connector connector(SocketAddress address) {
        return new Connector(JunixAddresses.requireBindable(address, "address"));
    }

    /**
     * Returns a short name for logs, errors and the I/O thread, such as {@code seqpacket /run/myd.seq} (a client)
     * or {@code seqpacket /run/myd.seq #3} (the third connection a server accepted).
     *
     * @return the name
     */
    public String name() {
        return name;
    }

    /**
     * Returns this end's address: the server's address on an accepted connection, usually the unnamed address
     * ({@code UnixDomainSocketAddress.of("")}) on a client.
     *
     * @return the local address
     */
    public SocketAddress localAddress() {
        return localAddress;
    }

    /**
     * Returns the peer's address: the server's on a client, usually the unnamed address on an accepted connection.
     *
     * @return the remote address
     */
    public SocketAddress remoteAddress() {
        return remoteAddress;
    }

    /**
     * Returns the peer's credentials as the kernel recorded them when the connection was made.
     *
     * @return the pid, uid and gid of the process at the other end; empty where the OS does not report them
     */
    public Optional<PeerCredentials> peerCredentials() {
        return peerCredentials;
    }

    /**
     * Returns the incoming messages, one element per message the peer sent. The channel closes when the peer
     * closes the connection (after the messages it sent before), with the {@link IOException} as its cause when
     * reading fails, and when this connection is closed.
     *
     * @return the channel of messages; the same one on every call
     */
    public ReceiveChannel<byte[]> messages() {
        return messages;
    }

    /**
     * Sends one message, waiting while the peer's queue is full.
     *
     * <p>Blocks until the kernel has taken the message, for at most the send timeout. Cancelling or interrupting
     * the caller while it waits withdraws the message (it is not sent) and closes nothing; if the I/O thread was
     * already handing it to the kernel, the call waits the microseconds that takes and reports the outcome, with
     * the interrupt flag set.
     *
     * @param message the bytes; not copied, and not kept after the call
     * @throws IllegalArgumentException if the message is empty or larger than the maximum message size (the message
     *     names both sizes)
     * @throws SocketTimeoutException if the peer's queue stayed full for the send timeout; nothing was sent
     * @throws SocketException if the connection is closed, or the peer has gone ("Broken pipe")
     * @throws IOException on any other failure to send
     * @throws InterruptedException if interrupted before or while waiting; nothing was sent
     */
    public void send(byte[] message) throws IOException, InterruptedException {
        Objects.requireNonNull(message, "message");
        if (message.length == 0) {
            throw new IllegalArgumentException(name + ": cannot send an empty message (a SEQPACKET peer cannot tell"
                    + " it from the end of the connection)");
        }
        if (message.length > settings.maxMessageSize()) {
            throw new IllegalArgumentException("message of " + message.length + " bytes exceeds the limit of "
                    + settings.maxMessageSize() + " bytes of " + name);
        }
        loop.send(message, null, JunixAddresses.describe(remoteAddress), settings.sendTimeout());
    }

    /**
     * Sends {@code text}, UTF-8 encoded, as one message; see {@link #send(byte[])}.
     *
     * @param text the text, not empty
     * @throws IllegalArgumentException if the text is empty or its encoding too large
     * @throws SocketTimeoutException if the peer's queue stayed full for the send timeout
     * @throws SocketException if the connection is closed, or the peer has gone
     * @throws IOException on any other failure to send
     * @throws InterruptedException if interrupted before or while waiting; nothing was sent
     */
    public void send(String text) throws IOException, InterruptedException {
        Objects.requireNonNull(text, "text");
        send(text.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Returns how many messages have arrived and been passed to {@link #messages()}.
     *
     * @return the number of messages received
     */
    public long receivedMessages() {
        return loop.received();
    }

    /**
     * Returns how many messages longer than the maximum message size arrived and were dropped.
     *
     * @return the number of oversized messages
     */
    public long oversizedMessages() {
        return loop.oversized();
    }

    /**
     * Returns true until the connection is closed — by {@link #close()}, by a failure of its socket, or by the
     * cancellation of the scope it was made in. A peer that closed its end does not close this one.
     *
     * @return whether the socket is open
     */
    public boolean isOpen() {
        return !closed.get() && !loop.isClosed();
    }

    /**
     * Closes the socket, ends the I/O thread and waits for it, fails the sends still waiting with
     * {@link SocketException}, and closes {@link #messages()} (what it holds can still be taken). Idempotent; throws
     * nothing.
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
        return "UnixSeqpacketConnection[" + name + (isOpen() ? "]" : ", closed]");
    }

    /** The I/O loop: messages from the connected peer. */
    private final class Loop extends JunixLoop<byte[]> {

        Loop(AFUNIXDatagramSocket socket) throws IOException {
            super(UnixSeqpacketConnection.this.name, socket.getChannel(), messages, settings.maxMessageSize());
        }

        @Override
        boolean readOne(ByteBuffer buffer) throws IOException {
            int length = channel.read(buffer);
            if (length < 0) {
                LOG.debug("{}: the peer closed the connection", name);
                endOfInput();
                return false;
            }
            if (length == 0) {
                return false;
            }
            if (length > maxSize) {
                oversized(JunixAddresses.describe(remoteAddress));
                return true;
            }
            byte[] message = new byte[length];
            buffer.flip().get(message);
            deliver(message);
            return true;
        }

        @Override
        void ended() {
            closed.set(true);
        }
    }

    /** The limits of a connection; shared by {@link Connector} and {@link UnixSeqpacketServer.Builder}. */
    record Settings(int maxMessageSize, int receiveBuffer, Duration sendTimeout) {

        static final Settings DEFAULTS = new Settings(DEFAULT_MAX_MESSAGE_SIZE, DEFAULT_RECEIVE_BUFFER,
                DEFAULT_SEND_TIMEOUT);

        Settings withMaxMessageSize(int bytes) {
            if (bytes < 1 || bytes > MAX_MESSAGE_SIZE) {
                throw new IllegalArgumentException("maxMessageSize must be from 1 to " + MAX_MESSAGE_SIZE + ": "
                        + bytes);
            }
            return new Settings(bytes, receiveBuffer, sendTimeout);
        }

        Settings withReceiveBuffer(int count) {
            if (count < 1 || count > UnixDatagramEndpoint.MAX_RECEIVE_BUFFER) {
                throw new IllegalArgumentException("receiveBuffer must be from 1 to "
                        + UnixDatagramEndpoint.MAX_RECEIVE_BUFFER + " messages: " + count);
            }
            return new Settings(maxMessageSize, count, sendTimeout);
        }

        Settings withSendTimeout(Duration timeout) {
            requirePositive(timeout, "sendTimeout");
            return new Settings(maxMessageSize, receiveBuffer, timeout);
        }
    }

    private static void requirePositive(Duration timeout, String what) {
        Objects.requireNonNull(timeout, what);
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException(what + " must be positive: " + timeout);
        }
    }

    /**
     * Connects a {@link UnixSeqpacketConnection} with chosen timeouts and limits. Not thread-safe; the connection
     * it makes is.
     */
    public static final class Connector {
        private final SocketAddress address;
        private Settings settings = Settings.DEFAULTS;
        private Duration timeout = DEFAULT_CONNECT_TIMEOUT;

        private Connector(SocketAddress address) {
            this.address = address;
        }

        /**
         * Sets how long {@link #connect()} waits while the server's backlog is full (default 10 seconds).
         *
         * @param timeout the timeout, positive
         * @return this connector
         */
        public Connector timeout(Duration timeout) {
            requirePositive(timeout, "timeout");
            this.timeout = timeout;
            return this;
        }

        /**
         * Sets the largest message the connection sends or delivers (default
         * {@value UnixSeqpacketConnection#DEFAULT_MAX_MESSAGE_SIZE} bytes).
         *
         * @param bytes the limit, from 1 to {@value UnixSeqpacketConnection#MAX_MESSAGE_SIZE}
         * @return this connector
         */
        public Connector maxMessageSize(int bytes) {
            settings = settings.withMaxMessageSize(bytes);
            return this;
        }

        /**
         * Sets how many received messages {@link UnixSeqpacketConnection#messages()} holds (default
         * {@value UnixSeqpacketConnection#DEFAULT_RECEIVE_BUFFER}).
         *
         * @param messages the capacity, from 1 to {@value UnixDatagramEndpoint#MAX_RECEIVE_BUFFER}
         * @return this connector
         */
        public Connector receiveBuffer(int messages) {
            settings = settings.withReceiveBuffer(messages);
            return this;
        }

        /**
         * Sets how long a send may wait while the peer's queue is full (default 10 seconds).
         *
         * @param timeout the timeout, positive
         * @return this connector
         */
        public Connector sendTimeout(Duration timeout) {
            settings = settings.withSendTimeout(timeout);
            return this;
        }

        /**
         * Connects.
         *
         * <p>Blocks only while the server's backlog is full: the socket is non-blocking, and the caller waits
         * between attempts in a cancellable weft sleep, never inside junixsocket. Cancelling or interrupting the
         * wait closes the new socket.
         *
         * @return the open connection
         * @throws java.net.ConnectException if no server listens there; the message names the address
         * @throws SocketTimeoutException if the server's backlog stayed full for the connect timeout
         * @throws IOException on any other failure to connect, such as a socket of another type at the address
         * @throws InterruptedException if interrupted while waiting for room in the server's backlog
         */
        public UnixSeqpacketConnection connect() throws IOException, InterruptedException {
            String where = "seqpacket " + JunixAddresses.describe(address);
            AFUNIXSocketAddress target = JunixAddresses.toJunix(address);
            AFUNIXDatagramSocket socket = AFUNIXDatagramSocket.newInstance(AFSocketType.SOCK_SEQPACKET);
            try {
                socket.getChannel().configureBlocking(false);
                TimeSource time = TimeSource.current();
                long deadline = time.nanoTime() + timeout.toNanos();
                long waitMillis = 1;
                while (!tryConnect(socket, target, where)) {
                    long left = deadline - time.nanoTime();
                    if (left <= 0) {
                        throw new SocketTimeoutException("connect to " + where + " timed out after " + timeout
                                + ": its backlog stayed full");
                    }
                    Timers.sleep(Duration.ofNanos(Math.min(left, waitMillis * 1_000_000)));
                    waitMillis = Math.min(waitMillis * 2, CONNECT_RETRY_MAX_MILLIS);
                }
                UnixSeqpacketConnection c = new UnixSeqpacketConnection(socket, where, JunixAddresses.UNNAMED,
                        address, settings);
                LOG.debug("{} connected (peer {})", where, c.peerCredentials);
                return c;
            } catch (IOException | InterruptedException | RuntimeException e) {
                socket.close();
                throw e;
            }
        }

        /** One non-blocking connect attempt: true if connected, false if the backlog is full (EAGAIN). */
        private static boolean tryConnect(AFUNIXDatagramSocket socket, AFUNIXSocketAddress target, String where)
                throws IOException {
            try {
                socket.connect(target);
            } catch (SocketException e) {
                String message = String.valueOf(e.getMessage());
                if (message.contains("temporarily unavailable") || message.contains("in progress")) {
                    return false;
                }
                throw JunixSockets.named("connect to " + where + " failed", e);
            }
            return socket.isConnected();
        }
    }
}
