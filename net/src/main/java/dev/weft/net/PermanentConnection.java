package dev.weft.net;

import dev.failsafe.RetryPolicy;
import dev.weft.net.spi.Resolution;
import dev.weft.net.spi.Resolver;
import dev.weft.runtime.CancelledException;
import dev.weft.runtime.Channel;
import dev.weft.runtime.ChannelClosedException;
import dev.weft.runtime.OverflowPolicy;
import dev.weft.runtime.ReceiveChannel;
import dev.weft.runtime.Scope;
import dev.weft.runtime.Select;
import dev.weft.runtime.Task;
import dev.weft.runtime.TimeSource;
import dev.weft.runtime.Timers;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketTimeoutException;
import java.net.UnixDomainSocketAddress;
import java.net.UnknownHostException;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A client connection that stays connected for as long as its scope lives: it connects, notices when the
 * connection is lost, waits, and connects again — forever — while following the backend's DNS name as it changes
 * (a Kubernetes rollout gives every new pod a new IP while the old pod keeps running until the new one is ready).
 *
 * <pre>{@code
 * try (Scope scope = Scope.open("app")) {
 *     PermanentConnection backend = PermanentConnection
 *             .builder("my-backend.my-namespace.svc.cluster.local", 4040)
 *             .handshake(PermanentConnection.Handshake.call(
 *                     Message.builder("REGISTER").parameter("service", "app").parameter("version", 1).build(),
 *                     "READY", Duration.ofSeconds(5)))
 *             .heartbeat(PermanentConnection.Heartbeat.every(Duration.ofSeconds(10), 3))
 *             .open(scope);                                  // connects in the background, forever
 *     backend.send(Message.builder("HELLO").build());        // buffered until READY, then flushed in order
 *     Message status = backend.call(Message.builder("STATUS").build(), Duration.ofSeconds(2));
 *     for (Message m : backend.messages()) {                 // survives reconnections
 *         handle(m);
 *     }
 * }                                                          // scope ends: CLOSED, sockets closed
 * }</pre>
 *
 * <p><b>Shape.</b> One virtual thread, forked in the caller's scope by {@link Builder#open(Scope)}, owns the state
 * machine ({@link ConnectionState}): {@code IDLE → RESOLVING → CONNECTING → [HANDSHAKING] → READY → BACKOFF → …},
 * {@code CLOSED} at the end. Every change is published, in order, on {@link #events()} (with every other
 * {@link PermanentEvent}), to the optional {@linkplain Builder#listener listener}, and logged at INFO. Each live
 * connection has one reader task feeding {@link #lines()} (line mode) or {@link #messages()} (message mode); these
 * channels stay the same across reconnections and close when this connection closes. Closing the scope, or
 * {@link #close()}, closes the socket and fails what is still buffered.
 *
 * <p><b>Backoff.</b> Attempt 0 is immediate; then 1 s, 2 s, 4 s, … capped at 30 s, ±20 % jitter clamped so the cap
 * is a hard ceiling, forever — a Failsafe {@link RetryPolicy} users can replace ({@link Builder#backoff}; see
 * {@link Backoff}). The delay is measured from the start of the failed attempt (gRPC semantics). After a loss the
 * failure count is reset only if the connection had been READY for the {@linkplain Builder#healthyTime healthy
 * time}, so a backend that accepts and closes at once is not hammered. {@link #reconnectNow()} skips the wait.
 *
 * <p><b>Addresses.</b> A host name is resolved through the {@link Resolver} (A and AAAA); the addresses are
 * deduplicated, ordered IPv6 first (configurable) and interleaved by family (RFC 8305), optionally shuffled with a
 * seed. After a loss the next pass starts at the address after the lost one; addresses that failed in the last 30 s
 * go to the end. Happy eyeballs: the next address is started 250 ms after the previous one while that one goes on;
 * the first to connect wins and the others are closed. Each address has its own connect timeout (5 s), the whole
 * pass 20 s. These timeouts are measured on the connection's time source (the scope's: a {@code VirtualClock} in
 * tests); the socket's own connect timeout is set to the same duration in real time as a backstop.
 *
 * <p><b>DNS.</b> weft tracks the answer's expiry itself, from its TTL clamped to 1–60 s, on the connection's clock.
 * It re-resolves before a pass when the answer expired, after a loss or a failed pass (at most once a second), and
 * while READY when the TTL runs out. If the connected address has left DNS, it migrates make-before-break: connects
 * to a current address, switches to it, then closes the old connection (or stays, if configured). When the resolver
 * fails, the last good answer is used for up to 5 minutes after it expired (reported by a
 * {@link PermanentEvent.ResolutionFailed} event with {@code usingStale}), then the pass fails.
 *
 * <p><b>Sending while disconnected.</b> {@link SendPolicy}: buffer (default), fail fast, or block. Messages
 * written to a connection that is then lost are not replayed (at most once): TCP does not say whether they arrived.
 * Messages sent as idempotent ({@link #send(String, boolean)}) are: with the buffer policy, those written within
 * the buffer's maximum age before the loss (as many as the buffer holds) go back to the front of the buffer and are
 * sent again after the reconnection, and one whose write fails is buffered again. A pending {@link #call} fails
 * with {@link ConnectionLostException} saying that the request may have been delivered.
 *
 * <p>Thread-safe: any number of senders and callers; one consumer of {@link #lines()} or {@link #messages()} at a
 * time is the usual use (each element goes to one consumer).
 */
public final class PermanentConnection implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(PermanentConnection.class);
    private static final Duration WARN_EVERY = Duration.ofSeconds(60);
    private static final int LISTENER_QUEUE = 4096;
    private static final Object TIMEOUT = new Object();
    // Functions the state machines of many connections may first run at the same moment (a backend that many
    // clients lose at once): made here, once, so that no virtual thread links a lambda call site then — the JDK pins
    // the carrier while it links one under contention.
    private static final java.util.function.Function<String, AtomicLong> NEW_COUNTER = k -> new AtomicLong();
    private static final java.util.function.Function<Object, Object> AS_OBJECT = x -> x;
    private static final java.util.function.Supplier<Object> ON_TIMEOUT = () -> TIMEOUT;

    /** Whether the connection carries raw lines or {@link Message}s. */
    public enum Mode {
        /** Raw lines: {@link #send(String)} and {@link #lines()}. */
        LINES,
        /** Messages, one per line: {@link #send(Message)}, {@link #call}, {@link #messages()}, a dispatcher. */
        MESSAGES
    }

    /** Which address family a pass tries first. */
    public enum FamilyPreference {
        /** IPv6 first, then alternating (RFC 6724 and RFC 8305's default). */
        IPV6_FIRST,
        /** IPv4 first, then alternating. */
        IPV4_FIRST
    }

    /** What {@link #send(String)} did with the message. */
    public enum SendResult {
        /** It was written to the connection. */
        WRITTEN,
        /** It was put in the send buffer, to be written when the connection is READY. */
        BUFFERED
    }

    /**
     * An application handshake run on every new connection before it counts as READY, such as sending
     * {@code REGISTER} and expecting {@code READY} within a timeout. A failed handshake closes the transport and
     * counts as a failed attempt.
     */
    public sealed interface Handshake {

        /**
         * Returns a line-mode handshake: send {@code send}, then expect the line {@code expect} within
         * {@code timeout}; lines received before it are delivered to {@link #lines()}.
         *
         * @param send the line to send
         * @param expect the line that completes the handshake
         * @param timeout how long to wait for it, positive
         * @return the handshake
         */
        static Handshake line(String send, String expect, Duration timeout) {
            return new Line(send, expect, timeout);
        }

        /**
         * Returns a message-mode handshake: {@link MessageConnection#call(Message, Set, Duration) call} with
         * {@code request}, expecting a reply whose command is {@code reply} within {@code timeout}.
         *
         * @param request the request, such as {@code REGISTER service=app}
         * @param reply the command of the reply that completes the handshake, such as {@code READY}
         * @param timeout how long to wait for it, positive
         * @return the handshake
         */
        static Handshake call(Message request, String reply, Duration timeout) {
            return new Call(request, reply, timeout);
        }

        /**
         * A line-mode handshake.
         *
         * @param send the line sent
         * @param expect the line expected
         * @param timeout how long to wait
         */
        record Line(String send, String expect, Duration timeout) implements Handshake {
            /** Checks the components. */
            public Line {
                Objects.requireNonNull(send, "send");
                Objects.requireNonNull(expect, "expect");
                requirePositive(timeout, "timeout");
            }
        }

        /**
         * A message-mode handshake.
         *
         * @param request the request sent
         * @param reply the command of the expected reply
         * @param timeout how long to wait
         */
        record Call(Message request, String reply, Duration timeout) implements Handshake {
            /** Checks the components. */
            public Call {
                Objects.requireNonNull(request, "request");
                Objects.requireNonNull(reply, "reply");
                requirePositive(timeout, "timeout");
            }
        }
    }

    /**
     * An application heartbeat: every {@code interval} send {@code probe}; the peer is declared dead — the
     * connection closed and a reconnection started — after {@code misses} intervals in a row without {@code reply}.
     * It detects a silent peer much faster than TCP keepalive can (the JDK has no {@code TCP_USER_TIMEOUT}).
     * In message mode the probe is a message with command {@code probe} whose reply command is {@code reply}; in
     * line mode they are lines, and reply lines are not delivered to {@link #lines()}.
     *
     * @param interval time between probes, positive
     * @param misses unanswered probes in a row that declare the peer dead, positive
     * @param probe the probe's command or line
     * @param reply the reply's command or line
     */
    public record Heartbeat(Duration interval, int misses, String probe, String reply) {
        /** Checks the components. */
        public Heartbeat {
            requirePositive(interval, "interval");
            if (misses <= 0) {
                throw new IllegalArgumentException("misses must be positive: " + misses);
            }
            Objects.requireNonNull(probe, "probe");
            Objects.requireNonNull(reply, "reply");
        }

        /**
         * Returns the eventdispatcher convention: {@code ALIVE} answered by {@code ABSOLUTELY}.
         *
         * @param interval time between probes, positive
         * @param misses unanswered probes that declare the peer dead, positive
         * @return the heartbeat
         */
        public static Heartbeat every(Duration interval, int misses) {
            return new Heartbeat(interval, misses, "ALIVE", "ABSOLUTELY");
        }
    }

    private sealed interface Target {
        String describe();
    }

    private record HostTarget(String host, int port) implements Target {
        @Override
        public String describe() {
            return host + ":" + port;
        }
    }

    private record StaticTarget(List<InetSocketAddress> addresses) implements Target {
        @Override
        public String describe() {
            return addresses.stream().map(Addresses::format).toList().toString();
        }
    }

    private record UnixTarget(Path path) implements Target {
        @Override
        public String describe() {
            return "unix " + path;
        }
    }

    /** One live transport and what belongs to it. */
    private static final class Link {
        final StreamConnection connection;
        final @Nullable MessageConnection messages;
        final SocketAddress remote;
        final SocketAddress local;
        final AtomicLong heartbeatReplies = new AtomicLong();
        /** Idempotent messages written recently, replayed if the link is lost; guarded by the send lock. */
        final ArrayDeque<SendBuffer.Entry> recentIdempotent = new ArrayDeque<>();
        volatile long readyAt;
        volatile @Nullable String lossCause;
        volatile String lossKind = "eof";

        Link(StreamConnection connection, @Nullable MessageConnection messages, SocketAddress remote) {
            this.connection = connection;
            this.messages = messages;
            this.remote = remote;
            SocketAddress l = connection.localAddress();
            this.local = l == null ? remote : l;
        }

        void lose(String kind, String cause) {
            if (lossCause == null) {
                lossKind = kind;
                lossCause = cause;
            }
        }

        void close() {
            if (messages != null) {
                messages.close();
            } else {
                connection.close();
            }
        }
    }

    private record AttemptResult(int index, @Nullable Transport transport, @Nullable Throwable failure) {
    }

    // --- configuration

    private final String name;
    private final Target target;
    private final Mode mode;
    private final @Nullable TlsClientConfig tls;
    private final Resolver resolver;
    private final RetryPolicy<?> retryPolicy;
    private final Backoff backoff;
    private final Duration healthyTime;
    private final Duration connectTimeout;
    private final Duration passTimeout;
    private final Duration happyEyeballsDelay;
    private final Duration minTtl;
    private final Duration maxTtl;
    private final Duration minResolutionInterval;
    private final Duration staleLimit;
    private final PermanentEvent.AddressRemovedAction onAddressRemoved;
    private final SocketOptions socketOptions;
    private final ConnectionSettings connectionSettings;
    private final SendPolicy sendPolicy;
    private final @Nullable Handshake handshake;
    private final @Nullable Heartbeat heartbeat;
    private final @Nullable Consumer<? super PermanentEvent> listener;
    private final @Nullable Dispatcher dispatcher;

    // --- state

    private final TimeSource clock;
    private final Random random;
    private final java.util.function.DoubleSupplier jitter;
    private final AddressPlan plan;
    private final ReentrantLock sendLock = new ReentrantLock();
    private final @Nullable SendBuffer buffer;
    private volatile @Nullable Link current;
    private volatile Channel<Object> readyGate = Channel.rendezvous();
    private volatile ConnectionState state = ConnectionState.IDLE;
    private volatile boolean closed;
    private final ReentrantLock emitLock = new ReentrantLock();
    private final Channel<PermanentEvent> events;
    private final ArrayDeque<PermanentEvent> listenerQueue = new ArrayDeque<>();
    private final Channel<Boolean> listenerWake = Channel.conflated();
    private final Channel<Object> inbound;
    private final Channel<Boolean> commands = Channel.conflated();
    private final Channel<Link> lost = Channel.buffered(64);
    private final Channel<Boolean> bufferWake = Channel.conflated();
    private volatile @Nullable Task<Void> task;
    private volatile @Nullable Scope inner;
    private volatile @Nullable Thread listenerThread;
    private volatile @Nullable Thread supervisorThread;
    private long passes;
    private final AtomicLong lastReconnectNow = new AtomicLong(Long.MIN_VALUE);

    // DNS, owned by the state-machine thread
    private @Nullable List<InetAddress> resolved;
    private long expiresAt;
    private long staleUntil;
    private long lastResolveAt = Long.MIN_VALUE;
    private long nextWarnAt = Long.MIN_VALUE;
    private int refreshFailures;
    private boolean resolvedNow;

    // metrics
    private final AtomicLong attemptsOk = new AtomicLong();
    private final AtomicLong attemptsFailed = new AtomicLong();
    private final AtomicLong connections = new AtomicLong();
    private final Map<String, AtomicLong> disconnections = new ConcurrentHashMap<>();
    private final AtomicLong resolutionsOk = new AtomicLong();
    private final AtomicLong resolutionsFailed = new AtomicLong();
    private final AtomicLong staleUsed = new AtomicLong();
    private final AtomicLong messagesSent = new AtomicLong();
    private final AtomicLong messagesBuffered = new AtomicLong();
    private final Map<PermanentEvent.DropReason, AtomicLong> dropped = new EnumMap<>(PermanentEvent.DropReason.class);
    private final AtomicLong bytesOut = new AtomicLong();
    private final AtomicLong bytesIn = new AtomicLong();
    private final AtomicLong listenerDropped = new AtomicLong();
    private volatile int consecutiveFailures;
    private volatile Duration currentBackoff = Duration.ZERO;
    private volatile long lastReadyAt = Long.MIN_VALUE;
    private volatile long lostAt = Long.MIN_VALUE;
    private volatile @Nullable Duration lastTimeToReconnect;

    private PermanentConnection(Builder b, TimeSource clock) {
        this.target = b.target;
        this.name = b.name != null ? b.name : b.target.describe();
        this.mode = b.mode;
        this.tls = b.tls;
        this.resolver = b.resolver != null ? b.resolver
                : b.target instanceof HostTarget ? defaultResolver() : new JdkResolver(); // unused without a host
        this.retryPolicy = b.retryPolicy;
        this.backoff = Backoff.of(b.retryPolicy);
        this.healthyTime = b.healthyTime;
        this.connectTimeout = b.connectTimeout;
        this.passTimeout = b.passTimeout.compareTo(b.connectTimeout) < 0 ? b.connectTimeout : b.passTimeout;
        this.happyEyeballsDelay = b.happyEyeballsDelay;
        this.minTtl = b.minTtl;
        this.maxTtl = b.maxTtl;
        this.minResolutionInterval = b.minResolutionInterval;
        this.staleLimit = b.staleLimit;
        this.onAddressRemoved = b.onAddressRemoved;
        this.socketOptions = b.socketOptions;
        ConnectionSettings.Builder settings = ConnectionSettings.builder();
        settings.maxLineLength(b.maxLineLength);
        this.connectionSettings = settings.build();
        this.sendPolicy = b.sendPolicy;
        this.handshake = b.handshake;
        this.heartbeat = b.heartbeat;
        this.listener = b.listener;
        this.dispatcher = b.dispatcher;
        this.clock = clock;
        this.random = b.seed == null ? new Random() : new Random(b.seed);
        this.jitter = random::nextDouble;
        this.plan = new AddressPlan(b.family == FamilyPreference.IPV6_FIRST, b.shuffleSeed, b.failurePenalty);
        this.buffer = b.sendPolicy instanceof SendPolicy.Buffer p ? new SendBuffer(p) : null;
        this.events = Channel.<PermanentEvent>builder().name(name + " events").capacity(b.eventBuffer)
                .overflow(OverflowPolicy.DROP_OLDEST).build();
        this.inbound = Channel.builder().name(name + (mode == Mode.LINES ? " lines" : " messages"))
                .capacity(b.receiveBuffer).build();
        for (PermanentEvent.DropReason r : PermanentEvent.DropReason.values()) {
            dropped.put(r, new AtomicLong());
        }
    }

    /**
     * Returns a builder for a permanent connection to {@code host:port} over TCP (or TLS, with
     * {@link Builder#tls}); the host is resolved through the {@linkplain Builder#resolver resolver} before every
     * pass whose answer expired.
     *
     * @param host a DNS name or an IP literal
     * @param port the port, 1 to 65535
     * @return a new builder, in message mode
     */
    public static Builder builder(String host, int port) {
        Objects.requireNonNull(host, "host");
        if (host.isBlank()) {
            throw new IllegalArgumentException("host must not be blank");
        }
        if (port < 1 || port > 65_535) {
            throw new IllegalArgumentException("port must be between 1 and 65535: " + port);
        }
        return new Builder(new HostTarget(host, port));
    }

    /**
     * Returns a builder for a permanent connection to a static list of resolved TCP addresses (no DNS).
     *
     * @param addresses the addresses, at least one, each resolved
     * @return a new builder, in message mode
     */
    public static Builder builder(List<InetSocketAddress> addresses) {
        Objects.requireNonNull(addresses, "addresses");
        if (addresses.isEmpty()) {
            throw new IllegalArgumentException("addresses must not be empty");
        }
        for (InetSocketAddress a : addresses) {
            Objects.requireNonNull(a, "address");
            if (a.isUnresolved()) {
                throw new IllegalArgumentException("addresses must be resolved: " + a);
            }
        }
        return new Builder(new StaticTarget(List.copyOf(addresses)));
    }

    /**
     * Returns a builder for a permanent connection to a Unix stream socket.
     *
     * @param socket the socket file's path
     * @return a new builder, in message mode
     */
    public static Builder builder(Path socket) {
        Objects.requireNonNull(socket, "socket");
        return new Builder(new UnixTarget(socket));
    }

    // ------------------------------------------------------------------------------------------------- public API

    /**
     * Returns this connection's name, used in logs, events and errors.
     *
     * @return the name
     */
    public String name() {
        return name;
    }

    /**
     * Returns the current state.
     *
     * @return the state
     */
    public ConnectionState state() {
        return state;
    }

    /**
     * Returns the address of the READY connection.
     *
     * @return the peer's address, or empty when not READY
     */
    public Optional<SocketAddress> remoteAddress() {
        Link l = current;
        return l == null ? Optional.empty() : Optional.of(l.remote);
    }

    /**
     * Returns every event, in order: state changes, DNS answers, connect attempts, dropped messages, and
     * {@link PermanentEvent.Closed} last, after which the channel closes. The channel is bounded
     * ({@link Builder#eventBuffer}, default 1024); when nobody reads it the oldest events are dropped and counted
     * ({@link PermanentMetrics#eventsDropped()}), so an unread channel costs bounded memory.
     *
     * @return the channel; the same one on every call
     */
    public ReceiveChannel<PermanentEvent> events() {
        return events;
    }

    /**
     * Returns the lines received, across reconnections (line mode). The channel is bounded
     * ({@link Builder#receiveBuffer}); while it is full the reader waits, and TCP slows the peer down. It closes when
     * this connection closes.
     *
     * @return the channel; the same one on every call
     * @throws IllegalStateException in message mode
     */
    @SuppressWarnings("unchecked")
    public ReceiveChannel<String> lines() {
        requireMode(Mode.LINES, "lines()");
        return (ReceiveChannel<String>) (ReceiveChannel<?>) inbound;
    }

    /**
     * Returns the messages received, across reconnections (message mode), except replies taken by a
     * {@link #call} and messages handled by a {@linkplain Builder#dispatcher dispatcher}. Bounded like
     * {@link #lines()}; closes when this connection closes.
     *
     * @return the channel; the same one on every call
     * @throws IllegalStateException in line mode
     */
    @SuppressWarnings("unchecked")
    public ReceiveChannel<Message> messages() {
        requireMode(Mode.MESSAGES, "messages()");
        return (ReceiveChannel<Message>) (ReceiveChannel<?>) inbound;
    }

    /**
     * Sends a line (line mode): written at once when READY, else handled by the {@link SendPolicy}.
     *
     * <p>Blocks while the peer does not read (TCP back-pressure), and with {@link SendPolicy#block} until READY or
     * the policy's timeout. A thread interrupted inside the socket write makes the JDK close the socket: the
     * connection is lost and reconnects.
     *
     * @param line the line, without terminator
     * @return whether it was written or buffered
     * @throws PermanentSendException if it was neither: fail-fast while not READY, buffer full, block timed out,
     *     closed, or the write failed as the connection was lost (it may have been delivered)
     * @throws IllegalArgumentException if the line contains a line terminator
     * @throws IllegalStateException in message mode
     * @throws InterruptedException if interrupted while waiting
     */
    public SendResult send(String line) throws PermanentSendException, InterruptedException {
        return send(line, false);
    }

    /**
     * Sends a line; see {@link #send(String)}. With the buffer policy, an idempotent line is sent again after a
     * reconnection if the connection it was written to is lost within the buffer's maximum age of the write (it may
     * then arrive twice), and one whose write fails is buffered again instead of failing.
     *
     * @param line the line, without terminator
     * @param idempotent whether it may be sent twice
     * @return whether it was written or buffered
     * @throws PermanentSendException as {@link #send(String)}
     * @throws InterruptedException if interrupted while waiting
     */
    public SendResult send(String line, boolean idempotent) throws PermanentSendException, InterruptedException {
        Objects.requireNonNull(line, "line");
        requireMode(Mode.LINES, "send(String)");
        int bad = Math.max(line.indexOf('\n'), line.indexOf('\r'));
        if (bad >= 0) {
            throw new IllegalArgumentException("line must not contain a line terminator (at index " + bad + ")");
        }
        return submit(line, line, idempotent);
    }

    /**
     * Sends a message (message mode): written at once when READY, else handled by the {@link SendPolicy}. Blocks
     * as {@link #send(String)}.
     *
     * @param message the message
     * @return whether it was written or buffered
     * @throws PermanentSendException as {@link #send(String)}
     * @throws IllegalStateException in line mode
     * @throws InterruptedException if interrupted while waiting
     */
    public SendResult send(Message message) throws PermanentSendException, InterruptedException {
        return send(message, false);
    }

    /**
     * Sends a message; see {@link #send(Message)} and, for {@code idempotent}, {@link #send(String, boolean)}.
     *
     * @param message the message
     * @param idempotent whether it may be sent twice
     * @return whether it was written or buffered
     * @throws PermanentSendException as {@link #send(String)}
     * @throws InterruptedException if interrupted while waiting
     */
    public SendResult send(Message message, boolean idempotent) throws PermanentSendException, InterruptedException {
        Objects.requireNonNull(message, "message");
        requireMode(Mode.MESSAGES, "send(Message)");
        return submit(message, message.toText(), idempotent);
    }

    /**
     * Sends a request and waits for its reply over the READY connection (message mode); see
     * {@link MessageConnection#call(Message, Duration)}. While not READY the call waits for READY within the same
     * timeout, unless the send policy is fail-fast. Requests are not buffered.
     *
     * <p>Blocks until the reply arrives, the timeout passes, or the connection is lost. Interrupting the call is
     * safe: it ends the wait and does not close the connection.
     *
     * @param request the request
     * @param timeout how long the whole call may take, positive, on the caller's time source
     * @return the reply
     * @throws CallTimeoutException if no reply came in time (or no READY connection in time)
     * @throws ConnectionLostException if the connection was lost while waiting — the request may have been
     *     delivered — or is closed, or not READY with the fail-fast policy
     * @throws IllegalStateException in line mode
     * @throws InterruptedException if interrupted while waiting
     */
    public Message call(Message request, Duration timeout)
            throws CallTimeoutException, ConnectionLostException, InterruptedException {
        Objects.requireNonNull(request, "request");
        requirePositive(timeout, "timeout");
        requireMode(Mode.MESSAGES, "call");
        TimeSource callerClock = TimeSource.current();
        long start = callerClock.nanoTime();
        for (;;) {
            if (closed) {
                throw new ConnectionLostException(name, request.command(), "before the call started: the permanent"
                        + " connection is closed", null);
            }
            Link l = current;
            Duration left = timeout.minusNanos(callerClock.nanoTime() - start);
            if (l != null && l.messages != null) {
                if (left.isNegative() || left.isZero()) {
                    throw new CallTimeoutException(name, request.command(), "a READY connection", timeout);
                }
                try {
                    return l.messages.call(request, left);
                } catch (ConnectionLostException e) {
                    throw new ConnectionLostException(name, request.command(), "while waiting for the reply to "
                            + request.command() + " (the request may have been delivered)", e);
                }
            }
            if (sendPolicy instanceof SendPolicy.FailFast) {
                throw new ConnectionLostException(name, request.command(), "before the call started: not connected"
                        + " (state " + state + ")", null);
            }
            if (!awaitGate(left)) {
                throw new CallTimeoutException(name, request.command(), "a READY connection (state " + state + ")",
                        timeout);
            }
        }
    }

    /**
     * Waits until the connection is READY.
     *
     * @param timeout the longest wait, on the caller's time source
     * @return true if READY, false if the timeout passed or the connection closed
     * @throws InterruptedException if interrupted while waiting
     */
    public boolean awaitReady(Duration timeout) throws InterruptedException {
        Objects.requireNonNull(timeout, "timeout");
        TimeSource callerClock = TimeSource.current();
        long start = callerClock.nanoTime();
        for (;;) {
            if (closed) {
                return false;
            }
            if (current != null) {
                return true;
            }
            Duration left = timeout.minusNanos(callerClock.nanoTime() - start);
            if (!awaitGate(left)) {
                return current != null;
            }
        }
    }

    /**
     * Skips the current backoff wait: the next attempt starts now, with a fresh DNS answer and the failure count
     * reset (gRPC's {@code resetConnectBackoff}). Rate-limited to once per initial backoff delay. Does not block.
     *
     * @return true if the request was taken (it ends the current backoff wait, or the next one if an attempt is
     *     running), false if it came too soon after the previous one, or the connection is READY or closed
     */
    public boolean reconnectNow() {
        if (closed || current != null) {
            return false;
        }
        long now = clock.nanoTime();
        long last = lastReconnectNow.get();
        if (last != Long.MIN_VALUE && now - last < backoff.initial().toNanos()) {
            return false;
        }
        if (!lastReconnectNow.compareAndSet(last, now)) {
            return false;
        }
        commands.trySend(Boolean.TRUE);
        return true;
    }

    /**
     * Returns a snapshot of the counters and gauges.
     *
     * @return the metrics
     */
    public PermanentMetrics metrics() {
        Map<String, Long> disc = new java.util.HashMap<>();
        disconnections.forEach((k, v) -> disc.put(k, v.get()));
        Map<PermanentEvent.DropReason, Long> drops = new EnumMap<>(PermanentEvent.DropReason.class);
        dropped.forEach((k, v) -> drops.put(k, v.get()));
        int bufferedNow;
        long bufferedBytes;
        sendLock.lock();
        try {
            bufferedNow = buffer == null ? 0 : buffer.size();
            bufferedBytes = buffer == null ? 0 : buffer.bytes();
        } finally {
            sendLock.unlock();
        }
        long now = clock.nanoTime();
        long readyAt = lastReadyAt;
        Optional<Duration> since = current != null ? Optional.of(Duration.ZERO)
                : readyAt == Long.MIN_VALUE ? Optional.empty() : Optional.of(Duration.ofNanos(now - lostAt));
        return new PermanentMetrics(state, attemptsOk.get(), attemptsFailed.get(), connections.get(), disc,
                resolutionsOk.get(), resolutionsFailed.get(), staleUsed.get(), messagesSent.get(),
                messagesBuffered.get(), drops, bufferedNow, bufferedBytes, bytesOut.get(), bytesIn.get(),
                consecutiveFailures, currentBackoff, since, Optional.ofNullable(lastTimeToReconnect),
                events.droppedCount() + listenerDropped.get());
    }

    /**
     * Returns the Failsafe policy the backoff delays are read from.
     *
     * @return the retry policy
     */
    public RetryPolicy<?> retryPolicy() {
        return retryPolicy;
    }

    /**
     * Closes this connection: stops the state machine, closes the socket, fails what is still buffered
     * ({@link PermanentEvent.DropReason#CLOSED}), publishes {@code CLOSED} and {@link PermanentEvent.Closed}, and
     * closes {@link #events()}, {@link #lines()} and {@link #messages()}. Waits for the state machine to end, unless
     * called from the listener. Idempotent.
     */
    @Override
    public void close() {
        closed = true;
        Task<Void> t = task;
        if (t == null) {
            return;
        }
        t.cancel();
        Thread me = Thread.currentThread();
        if (me == supervisorThread || me == listenerThread || Scope.current().filter(s -> s == inner).isPresent()) {
            return; // a task of this connection: waiting would wait for itself
        }
        try {
            Scope.shielded(Duration.ofSeconds(30), () -> {
                try {
                    t.join();
                } catch (RuntimeException ended) {
                    // cancelled (the usual case) or failed: either way it ended
                }
                return null;
            });
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return "PermanentConnection[" + name + ", " + state + "]";
    }

    // ---------------------------------------------------------------------------------------------------- sending

    private SendResult submit(Object item, String text, boolean idempotent)
            throws PermanentSendException, InterruptedException {
        long bytes = text.getBytes(StandardCharsets.UTF_8).length + 1L;
        TimeSource callerClock = TimeSource.current();
        long start = callerClock.nanoTime();
        for (;;) {
            sendLock.lockInterruptibly();
            try {
                if (closed) {
                    throw new PermanentSendException(PermanentSendException.Reason.CLOSED,
                            "permanent connection " + name + " is closed", null);
                }
                Link l = current;
                if (l != null) {
                    try {
                        write(l, item, bytes);
                        if (idempotent) {
                            rememberIdempotent(l, new SendBuffer.Entry(item, text, bytes, clock.nanoTime(), true));
                        }
                        return SendResult.WRITTEN;
                    } catch (IOException e) {
                        writeFailed(l, e);
                        if (idempotent && buffer != null) {
                            return buffer(item, text, bytes, true);
                        }
                        drop(text, PermanentEvent.DropReason.LOST);
                        throw new PermanentSendException(PermanentSendException.Reason.LOST, "permanent connection "
                                + name + " was lost while writing to " + ChannelTransport.describe(l.remote)
                                + "; the message may have been delivered and is not replayed (send it as idempotent"
                                + " to have it replayed): " + e.getMessage(), e);
                    }
                }
                switch (sendPolicy) {
                    case SendPolicy.FailFast f -> throw new PermanentSendException(
                            PermanentSendException.Reason.NOT_CONNECTED, "permanent connection " + name
                            + " is not connected (state " + state + ")", null);
                    case SendPolicy.Buffer b -> {
                        return buffer(item, text, bytes, idempotent);
                    }
                    case SendPolicy.Block b -> {
                        // wait below, without the lock
                    }
                }
            } finally {
                sendLock.unlock();
            }
            Duration timeout = ((SendPolicy.Block) sendPolicy).timeout();
            Duration left = timeout.minusNanos(callerClock.nanoTime() - start);
            if (!awaitGate(left) && current == null && !closed) {
                throw new PermanentSendException(PermanentSendException.Reason.TIMEOUT, "permanent connection " + name
                        + " did not become READY within " + timeout + " (state " + state + ")", null);
            }
        }
    }

    /**
     * Replaces the ready gate by a new one that waiters block on until the next READY, unless the current one is
     * still waiting to be opened (its waiters must be woken by that same READY). Called with the send lock held.
     */
    private void reopenGate() {
        if (readyGate.isClosedForSend()) {
            readyGate = Channel.rendezvous();
        }
    }

    /** Waits for the ready gate to open; false on timeout. */
    private boolean awaitGate(Duration left) throws InterruptedException {
        if (left.isNegative() || left.isZero()) {
            return false;
        }
        try {
            return readyGate.receive(left).isPresent();
        } catch (ChannelClosedException e) {
            return true; // READY, or closed: the caller looks again
        }
    }

    /** Called with the send lock held. */
    private SendResult buffer(Object item, String text, long bytes, boolean idempotent) throws PermanentSendException {
        SendBuffer b = Objects.requireNonNull(buffer);
        for (SendBuffer.Entry e : b.expire(clock.nanoTime())) {
            drop(e.text(), PermanentEvent.DropReason.EXPIRED);
        }
        SendBuffer.Entry entry = new SendBuffer.Entry(item, text, bytes, clock.nanoTime(), idempotent);
        boolean wasEmpty = b.size() == 0;
        List<SendBuffer.Entry> evicted = b.add(entry);
        if (evicted == null) {
            drop(text, PermanentEvent.DropReason.REJECTED);
            SendPolicy.Buffer p = (SendPolicy.Buffer) sendPolicy;
            throw new PermanentSendException(PermanentSendException.Reason.BUFFER_FULL, "send buffer of permanent"
                    + " connection " + name + " is full (" + b.size() + " messages, " + b.bytes() + " bytes; limits "
                    + p.maxMessages() + " messages, " + p.maxBytes() + " bytes) while " + state
                    + ": the message of " + bytes + " bytes was refused", null);
        }
        for (SendBuffer.Entry e : evicted) {
            drop(e.text(), PermanentEvent.DropReason.DROPPED_OLDEST);
        }
        messagesBuffered.incrementAndGet();
        if (wasEmpty) {
            bufferWake.trySend(Boolean.TRUE); // a new oldest entry: the expiry task has a deadline to wait for
        }
        return SendResult.BUFFERED;
    }

    private void write(Link l, Object item, long bytes) throws IOException {
        try {
            if (l.messages != null) {
                l.messages.send((Message) item);
            } else {
                l.connection.send((String) item);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while writing to " + l.connection.name());
        }
        messagesSent.incrementAndGet();
        bytesOut.addAndGet(bytes);
    }

    /**
     * Remembers an idempotent message written to {@code link}, for {@link #replayIdempotent}: at most as many as
     * the send buffer holds, for at most its maximum age. Called with the send lock held.
     */
    private void rememberIdempotent(Link link, SendBuffer.Entry written) {
        if (!(sendPolicy instanceof SendPolicy.Buffer p)) {
            return;
        }
        ArrayDeque<SendBuffer.Entry> recent = link.recentIdempotent;
        recent.addLast(new SendBuffer.Entry(written.item(), written.text(), written.bytes(), clock.nanoTime(), true));
        long now = clock.nanoTime();
        while (recent.size() > p.maxMessages() || now - recent.peekFirst().enqueuedAt() >= p.maxAge().toNanos()) {
            recent.pollFirst();
        }
    }

    /**
     * After {@code link} was lost: puts the idempotent messages written to it within the buffer's maximum age back
     * at the front of the send buffer, in their order, as many as fit — TCP does not say whether they arrived, and
     * sending an idempotent message twice is harmless. Other written messages are not replayed (at most once).
     */
    private void replayIdempotent(Link link) {
        if (!(sendPolicy instanceof SendPolicy.Buffer p)) {
            return;
        }
        SendBuffer b = Objects.requireNonNull(buffer);
        sendLock.lock();
        try {
            long now = clock.nanoTime();
            List<SendBuffer.Entry> replay = new ArrayList<>();
            long bytes = b.bytes();
            int count = b.size();
            for (var it = link.recentIdempotent.descendingIterator(); it.hasNext(); ) {
                SendBuffer.Entry e = it.next();
                if (now - e.enqueuedAt() >= p.maxAge().toNanos() || count + 1 > p.maxMessages()
                        || bytes + e.bytes() > p.maxBytes()) {
                    break;
                }
                replay.add(e);
                count++;
                bytes += e.bytes();
            }
            link.recentIdempotent.clear();
            // buffered now, but not younger than what is already buffered, so the buffer stays oldest-first
            long at = Math.min(now, b.oldestEnqueuedAt().orElse(now));
            for (SendBuffer.Entry e : replay) { // newest first: addFirst leaves them oldest first
                b.addFirst(new SendBuffer.Entry(e.item(), e.text(), e.bytes(), at, true));
            }
            if (!replay.isEmpty()) {
                messagesBuffered.addAndGet(replay.size());
                LOG.debug("permanent connection {}: {} idempotent messages written before the loss will be sent"
                        + " again", name, replay.size());
                bufferWake.trySend(Boolean.TRUE);
            }
        } finally {
            sendLock.unlock();
        }
    }

    /** A write to the current link failed: it is lost. Called with the send lock held. */
    private void writeFailed(Link l, IOException e) {
        l.lose("error", "write failed: " + e.getMessage());
        if (current == l) {
            current = null;
            reopenGate();
        }
        l.connection.close();
    }

    private void drop(String text, PermanentEvent.DropReason reason) {
        dropped.get(reason).incrementAndGet();
        LOG.debug("permanent connection {}: message dropped ({}): {}", name, reason, text);
        emit(new PermanentEvent.MessageDropped(text, reason));
    }

    private void expiryLoop() {
        SendBuffer b = Objects.requireNonNull(buffer);
        try {
            for (;;) {
                OptionalLong next;
                sendLock.lock();
                try {
                    for (SendBuffer.Entry e : b.expire(clock.nanoTime())) {
                        drop(e.text(), PermanentEvent.DropReason.EXPIRED);
                    }
                    next = b.nextExpiry();
                } finally {
                    sendLock.unlock();
                }
                if (next.isEmpty()) {
                    bufferWake.receive();
                } else {
                    long left = next.getAsLong() - clock.nanoTime();
                    if (left > 0) {
                        bufferWake.receive(Duration.ofNanos(left));
                    }
                }
            }
        } catch (CancelledException | InterruptedException | ChannelClosedException e) {
            // closing
        }
    }

    // ----------------------------------------------------------------------------------------------------- events

    private void emit(PermanentEvent e) {
        emitLock.lock();
        try {
            long droppedBefore = events.droppedCount();
            events.trySend(e);
            if (droppedBefore == 0 && events.droppedCount() > 0) {
                LOG.debug("permanent connection {}: events() is full ({} events): the oldest are dropped from now on,"
                        + " and counted in metrics().eventsDropped()", name, events.capacity());
            }
            if (listener != null) {
                if (listenerQueue.size() >= LISTENER_QUEUE) {
                    listenerQueue.pollFirst();
                    listenerDropped.incrementAndGet();
                }
                listenerQueue.addLast(e);
                listenerWake.trySend(Boolean.TRUE);
            }
        } finally {
            emitLock.unlock();
        }
    }

    private void setState(ConnectionState to, @Nullable String cause) {
        emitLock.lock();
        try {
            ConnectionState from = state;
            if (from == to) {
                return;
            }
            state = to;
            if (cause == null) {
                LOG.info("permanent connection {}: {} -> {}", name, from, to);
            } else {
                LOG.info("permanent connection {}: {} -> {} ({})", name, from, to, cause);
            }
            emit(new PermanentEvent.StateChanged(from, to, Optional.ofNullable(cause)));
        } finally {
            emitLock.unlock();
        }
    }

    private void listenerLoop() {
        listenerThread = Thread.currentThread();
        try {
            for (;;) {
                listenerWake.receive();
                deliverToListener();
            }
        } catch (CancelledException | InterruptedException | ChannelClosedException e) {
            // closing: the state machine delivers what is left
        }
    }

    private void deliverToListener() {
        Consumer<? super PermanentEvent> l = Objects.requireNonNull(listener);
        for (;;) {
            PermanentEvent e;
            emitLock.lock();
            try {
                e = listenerQueue.pollFirst();
            } finally {
                emitLock.unlock();
            }
            if (e == null) {
                return;
            }
            try {
                l.accept(e);
            } catch (RuntimeException failure) {
                LOG.warn("permanent connection {}: listener failed on {}", name, e, failure);
            }
        }
    }

    /** Logs a repeated failure at WARN at most once a minute of the connection's clock, else at DEBUG. */
    private void warnRateLimited(String format, Object... args) {
        long now = clock.nanoTime();
        if (nextWarnAt == Long.MIN_VALUE || now >= nextWarnAt) {
            nextWarnAt = now + WARN_EVERY.toNanos();
            LOG.warn(format, args);
        } else {
            LOG.debug(format, args);
        }
    }

    // ---------------------------------------------------------------------------------------------- state machine

    private void run() {
        supervisorThread = Thread.currentThread();
        String endCause = "closed";
        try {
            Scope in = Scope.open("permanent " + name);
            inner = in;
            try {
                if (buffer != null) {
                    in.fork("buffer expiry", this::expiryLoop);
                }
                if (listener != null) {
                    in.fork("listener", this::listenerLoop);
                }
                loop();
            } finally {
                Link l = current;
                if (l != null) {
                    l.close();
                }
                in.close();
            }
        } catch (CancelledException | InterruptedException e) {
            endCause = closed ? "closed" : "scope ended";
        } catch (RuntimeException | Error e) {
            if (closed || Scope.current().map(Scope::isCancelled).orElse(false)) {
                // the owning scope is closing: opening a nested scope or forking fails with IllegalStateException
                LOG.debug("permanent connection {}: ended while its scope closes", name, e);
                endCause = closed ? "closed" : "scope ended";
            } else {
                LOG.error("permanent connection {} failed", name, e);
                endCause = "failed: " + e;
            }
        } finally {
            shutdown(endCause);
        }
    }

    private void shutdown(String cause) {
        List<SendBuffer.Entry> left;
        Link l;
        sendLock.lock();
        try {
            closed = true;
            l = current;
            current = null;
            left = buffer == null ? List.of() : buffer.drain();
            readyGate.close();
        } finally {
            sendLock.unlock();
        }
        if (l != null) {
            l.close();
        }
        for (SendBuffer.Entry e : left) {
            drop(e.text(), PermanentEvent.DropReason.CLOSED);
        }
        if (l != null) {
            disconnections.computeIfAbsent("closed", NEW_COUNTER).incrementAndGet();
        }
        setState(ConnectionState.CLOSED, cause);
        emit(new PermanentEvent.Closed());
        events.close();
        inbound.close();
        if (listener != null) {
            deliverToListener();
        }
    }

    private void loop() throws InterruptedException {
        int failures = 0;
        SocketAddress lostFrom = null;
        boolean refresh = true;
        long notReadySince = clock.nanoTime();
        for (;;) {
            long attemptStart = clock.nanoTime();
            resolvedNow = false;
            List<SocketAddress> targets = targets(refresh, true);
            if (resolvedNow || !(target instanceof HostTarget)) {
                refresh = false; // a refresh skipped by the rate limit stays pending for the next pass
            }
            Link link = null;
            String failure = "no usable address" + (target instanceof HostTarget h ? " for " + h.host()
                    + (resolved == null ? "" : " (the last DNS answer is past its stale limit)") : "");
            if (!targets.isEmpty()) {
                setState(ConnectionState.CONNECTING, null);
                plan.prune(clock.nanoTime());
                link = pass(plan.order(targets, lostFrom, clock.nanoTime()), notReadySince);
                lostFrom = null;
                if (link == null) {
                    failure = "no address accepted the connection (" + targets.size() + " tried)";
                    plan.passFailed();
                    refresh = true;
                } else if (handshake != null) {
                    setState(ConnectionState.HANDSHAKING, null);
                    String hs = runHandshake(link);
                    if (hs != null) {
                        link.close();
                        failure = "handshake with " + ChannelTransport.describe(link.remote) + " failed: " + hs;
                        link = null;
                    }
                }
            }
            if (link != null && !becomeReady(link, notReadySince, failures)) {
                failure = "connection to " + ChannelTransport.describe(link.remote) + " lost while flushing the send"
                        + " buffer: " + link.lossCause;
                link = null;
            }
            if (link != null) {
                link = monitor(link);
                long now = clock.nanoTime();
                Duration uptime = Duration.ofNanos(now - link.readyAt);
                failures = uptime.compareTo(healthyTime) >= 0 ? 0 : failures + 1;
                consecutiveFailures = failures;
                refresh = true;
                lostFrom = link.remote;
                notReadySince = now;
                lostAt = now;
                becomeNotReady(link);
                link.close();
                replayIdempotent(link);
                disconnections.computeIfAbsent(link.lossKind, NEW_COUNTER).incrementAndGet();
                Duration delay = backoff.delay(failures, jitter);
                currentBackoff = delay;
                String cause = link.lossCause == null ? "end of stream" : link.lossCause;
                setState(ConnectionState.BACKOFF, "lost " + ChannelTransport.describe(link.remote) + ": " + cause);
                emit(new PermanentEvent.Disconnected(link.remote, cause, uptime, delay));
                emit(new PermanentEvent.Backoff(delay, failures));
                if (waitBackoff(now + delay.toNanos())) {
                    failures = 0;
                    consecutiveFailures = 0;
                }
            } else {
                failures++;
                consecutiveFailures = failures;
                Duration delay = backoff.delay(failures, jitter);
                currentBackoff = delay;
                warnRateLimited("permanent connection {}: {}; next attempt in {} (failure {})", name, failure,
                        delay, failures);
                setState(ConnectionState.BACKOFF, failure);
                emit(new PermanentEvent.Backoff(delay, failures));
                if (waitBackoff(attemptStart + delay.toNanos())) {
                    failures = 0;
                    consecutiveFailures = 0;
                    refresh = true;
                }
            }
        }
    }

    /** Waits until {@code deadline} on the clock; true if {@link #reconnectNow()} cut it short. */
    private boolean waitBackoff(long deadline) throws InterruptedException {
        for (;;) {
            long left = deadline - clock.nanoTime();
            if (left <= 0) {
                return false;
            }
            Object r = Select.create()
                    .onReceive(commands, AS_OBJECT)
                    .onTimeout(Duration.ofNanos(left), ON_TIMEOUT)
                    .select();
            if (r != TIMEOUT) {
                LOG.info("permanent connection {}: reconnecting now, as asked", name);
                return true;
            }
        }
    }

    private boolean becomeReady(Link link, long notReadySince, int failures) {
        while (lost.tryReceive().isPresent()) {
            // signals of links that are no longer current (flush failures, migrations): nothing to do with them
        }
        startLinkTasks(link);
        sendLock.lock();
        try {
            if (buffer != null) {
                long now = clock.nanoTime();
                for (SendBuffer.Entry e : buffer.expire(now)) {
                    drop(e.text(), PermanentEvent.DropReason.EXPIRED);
                }
                for (SendBuffer.Entry e; (e = buffer.poll()) != null; ) {
                    try {
                        write(link, e.item(), e.bytes());
                        if (e.idempotent()) {
                            rememberIdempotent(link, e);
                        }
                    } catch (IOException failure) {
                        link.lose("error", "write failed while flushing the send buffer: " + failure.getMessage());
                        if (e.idempotent()) {
                            buffer.addFirst(e);
                        } else {
                            drop(e.text(), PermanentEvent.DropReason.LOST);
                        }
                        link.close();
                        LOG.debug("permanent connection {}: flush failed", name, failure);
                        return false;
                    }
                }
            }
            long now = clock.nanoTime();
            link.readyAt = now;
            if (lastReadyAt != Long.MIN_VALUE) {
                lastTimeToReconnect = Duration.ofNanos(now - notReadySince);
            }
            lastReadyAt = now;
            connections.incrementAndGet();
            current = link;
            setState(ConnectionState.READY, "connected to " + ChannelTransport.describe(link.remote)
                    + (failures > 0 ? " after " + failures + " failed attempts" : ""));
            readyGate.close();
            return true;
        } finally {
            sendLock.unlock();
        }
    }

    private void becomeNotReady(Link link) {
        sendLock.lock();
        try {
            if (current == link) {
                current = null;
            }
            if (current == null) {
                reopenGate();
            }
        } finally {
            sendLock.unlock();
        }
    }

    /** Starts the reader (and heartbeat) tasks of a new link in the inner scope. */
    private void startLinkTasks(Link link) {
        Scope in = Objects.requireNonNull(inner);
        in.fork("reader " + link.connection.name(), () -> forward(link));
        if (heartbeat != null) {
            in.fork("heartbeat " + link.connection.name(), () -> heartbeat(link, heartbeat));
        }
    }

    /** Waits while READY; returns the link that was lost (a migration may have replaced the one given). */
    private Link monitor(Link link) throws InterruptedException {
        long nextRefresh = target instanceof HostTarget ? expiresAt : Long.MAX_VALUE;
        for (;;) {
            Select<Object> select = Select.create()
                    .onReceive(lost, AS_OBJECT)
                    .onReceive(commands, AS_OBJECT);
            if (nextRefresh != Long.MAX_VALUE) {
                select.onTimeout(Duration.ofNanos(Math.max(0, nextRefresh - clock.nanoTime())), ON_TIMEOUT);
            }
            Object r = select.select();
            if (r == link) {
                return link;
            }
            if (r == TIMEOUT) {
                targets(true, false);
                if (resolved != null && clock.nanoTime() < expiresAt) {
                    refreshFailures = 0;
                    nextRefresh = expiresAt;
                } else {
                    // the resolver fails: ask again after 1 s, 2 s, 4 s ... up to the TTL clamp's maximum
                    long retry = Math.max(minResolutionInterval.toNanos(), minTtl.toNanos())
                            << Math.min(refreshFailures++, 16);
                    nextRefresh = clock.nanoTime() + Math.min(retry, maxTtl.toNanos());
                }
                Link replacement = checkRemoved(link);
                if (replacement != null) {
                    link = replacement;
                }
            }
        }
    }

    /** While READY after a new DNS answer: handles the connected address having left DNS. */
    private @Nullable Link checkRemoved(Link link) throws InterruptedException {
        List<InetAddress> now = resolved;
        if (now == null || !(link.remote instanceof InetSocketAddress remote) || remote.getAddress() == null
                || now.contains(remote.getAddress())) {
            return null;
        }
        if (onAddressRemoved == PermanentEvent.AddressRemovedAction.STAY) {
            LOG.info("permanent connection {}: {} left DNS; staying connected to it", name,
                    ChannelTransport.describe(remote));
            emit(new PermanentEvent.AddressRemoved(remote, PermanentEvent.AddressRemovedAction.STAY));
            return null;
        }
        emit(new PermanentEvent.AddressRemoved(remote, PermanentEvent.AddressRemovedAction.MIGRATE));
        List<SocketAddress> candidates = new ArrayList<>(socketAddresses(now));
        candidates.remove(remote);
        Link fresh = candidates.isEmpty() ? null
                : pass(plan.order(candidates, null, clock.nanoTime()), clock.nanoTime());
        if (fresh != null && handshake != null && runHandshake(fresh) != null) {
            fresh.close();
            fresh = null;
        }
        if (fresh == null) {
            LOG.warn("permanent connection {}: {} left DNS, but no current address accepted a connection; keeping it",
                    name, ChannelTransport.describe(remote));
            emit(new PermanentEvent.AddressRemoved(remote, PermanentEvent.AddressRemovedAction.MIGRATION_FAILED));
            return null;
        }
        startLinkTasks(fresh);
        link.lose("migrated", "migrated to " + ChannelTransport.describe(fresh.remote));
        disconnections.computeIfAbsent("migrated", NEW_COUNTER).incrementAndGet();
        connections.incrementAndGet();
        sendLock.lock();
        try {
            fresh.readyAt = clock.nanoTime();
            current = fresh;
        } finally {
            sendLock.unlock();
        }
        LOG.info("permanent connection {}: {} left DNS; moved to {}", name, ChannelTransport.describe(remote),
                ChannelTransport.describe(fresh.remote));
        try {
            link.connection.shutdownOutput(); // the peer reads end of stream: a graceful close
        } catch (IOException e) {
            LOG.debug("permanent connection {}: half-close of the old connection failed", name, e);
        }
        link.close();
        return fresh;
    }

    private void forward(Link link) {
        Throwable cause = null;
        try {
            if (link.messages != null) {
                ReceiveChannel<Message> in = link.messages.messages();
                for (;;) {
                    Message m = in.receive();
                    bytesIn.addAndGet(m.toText().getBytes(StandardCharsets.UTF_8).length + 1L);
                    if (dispatcher != null) {
                        dispatcher.dispatch(m, link.messages);
                    } else {
                        inbound.send(m);
                    }
                }
            } else {
                ReceiveChannel<String> in = link.connection.lines();
                for (;;) {
                    String line = in.receive();
                    bytesIn.addAndGet(line.getBytes(StandardCharsets.UTF_8).length + 1L);
                    if (heartbeat != null && line.equals(heartbeat.reply())) {
                        link.heartbeatReplies.incrementAndGet();
                        continue;
                    }
                    inbound.send(line);
                }
            }
        } catch (ChannelClosedException e) {
            cause = e.getCause();
        } catch (CancelledException | InterruptedException e) {
            return; // closing
        }
        if (cause != null) {
            link.lose("error", cause.getMessage() == null ? cause.toString() : cause.getMessage());
        } else {
            link.lose("eof", "end of stream");
        }
        lost.trySend(link);
    }

    private void heartbeat(Link link, Heartbeat hb) {
        int misses = 0;
        long interval = hb.interval().toNanos();
        long tick = clock.nanoTime(); // probes go out on a fixed grid, so a late wake-up does not shift the next
        try {
            for (;;) {
                tick += interval;
                if (link.messages != null) {
                    try {
                        long left = Math.max(1, tick - clock.nanoTime());
                        link.messages.call(Message.builder(hb.probe()).build(), Set.of(hb.reply()),
                                Duration.ofNanos(left));
                        misses = 0;
                    } catch (CallTimeoutException e) {
                        misses++;
                    }
                } else {
                    long before = link.heartbeatReplies.get();
                    link.connection.send(hb.probe());
                    sleepUntil(tick);
                    misses = link.heartbeatReplies.get() == before ? misses + 1 : 0;
                }
                if (misses >= hb.misses()) {
                    String why = "heartbeat: no " + hb.reply() + " to " + misses + " " + hb.probe() + " probes, "
                            + hb.interval() + " apart";
                    LOG.warn("permanent connection {}: peer {} declared dead ({})", name,
                            ChannelTransport.describe(link.remote), why);
                    link.lose("heartbeat", why);
                    link.connection.close();
                    return;
                }
                sleepUntil(tick);
            }
        } catch (IOException | CancelledException | InterruptedException e) {
            // the connection ended or is closing: the reader reports it
        }
    }

    private void sleepUntil(long deadline) throws InterruptedException {
        long left = deadline - clock.nanoTime();
        if (left > 0) {
            Timers.sleep(Duration.ofNanos(left));
        }
    }

    /** Runs the handshake; returns null on success, else what went wrong. */
    private @Nullable String runHandshake(Link link) throws InterruptedException {
        try {
            switch (Objects.requireNonNull(handshake)) {
                case Handshake.Call c -> {
                    if (link.messages == null) {
                        return "a message handshake needs message mode";
                    }
                    Message reply = link.messages.call(c.request(), Set.of(c.reply()), c.timeout());
                    if (!reply.command().equals(c.reply())) {
                        return "expected " + c.reply() + ", got " + reply.toText();
                    }
                    return null;
                }
                case Handshake.Line l -> {
                    if (link.messages != null) {
                        return "a line handshake needs line mode";
                    }
                    long deadline = clock.nanoTime() + l.timeout().toNanos();
                    link.connection.send(l.send());
                    ReceiveChannel<String> lines = link.connection.lines();
                    for (;;) {
                        long left = deadline - clock.nanoTime();
                        Optional<String> line = left <= 0 ? lines.tryReceive() : lines.receive(Duration.ofNanos(left));
                        if (line.isEmpty()) {
                            return "no " + l.expect() + " within " + l.timeout();
                        }
                        if (line.get().equals(l.expect())) {
                            return null;
                        }
                        inbound.send(line.get());
                    }
                }
            }
        } catch (ChannelClosedException e) {
            return "connection closed during the handshake";
        } catch (CallTimeoutException e) {
            return e.getMessage();
        } catch (IOException e) {
            return e.getMessage();
        }
    }

    // ----------------------------------------------------------------------------------------------- DNS, connect

    /**
     * Returns the addresses of the next pass, resolving first when the answer expired or {@code refresh} asks
     * (rate-limited); empty if nothing is usable.
     */
    private List<SocketAddress> targets(boolean refresh, boolean showState) throws InterruptedException {
        switch (target) {
            case StaticTarget s -> {
                return List.copyOf(s.addresses());
            }
            case UnixTarget u -> {
                return List.of(UnixDomainSocketAddress.of(u.path()));
            }
            case HostTarget h -> {
                long now = clock.nanoTime();
                boolean expired = resolved == null || now >= expiresAt;
                boolean tooSoon = lastResolveAt != Long.MIN_VALUE
                        && now - lastResolveAt < minResolutionInterval.toNanos();
                if ((expired || refresh) && !(tooSoon && resolved != null)) {
                    resolve(h.host(), showState);
                }
                List<InetAddress> r = resolved;
                if (r == null || clock.nanoTime() > staleUntil) {
                    return List.of();
                }
                return socketAddresses(r);
            }
        }
    }

    private List<SocketAddress> socketAddresses(List<InetAddress> addresses) {
        HostTarget h = (HostTarget) target;
        List<SocketAddress> out = new ArrayList<>(addresses.size());
        for (InetAddress a : addresses) {
            InetAddress withName = a;
            if (tls != null) {
                try {
                    withName = InetAddress.getByAddress(h.host(), a.getAddress()); // the TLS server name
                } catch (UnknownHostException impossible) {
                    withName = a;
                }
            }
            out.add(new InetSocketAddress(withName, h.port()));
        }
        return out;
    }

    private void resolve(String host, boolean showState) throws InterruptedException {
        resolvedNow = true;
        if (showState) {
            setState(ConnectionState.RESOLVING, null);
        }
        long start = clock.nanoTime();
        lastResolveAt = start;
        try {
            Resolution r = resolver.resolve(host);
            long now = clock.nanoTime();
            Duration ttl = r.ttl();
            if (ttl.compareTo(minTtl) < 0) {
                ttl = minTtl;
            } else if (ttl.compareTo(maxTtl) > 0) {
                ttl = maxTtl;
            }
            List<InetAddress> before = resolved == null ? List.of() : resolved;
            List<InetAddress> added = r.addresses().stream().filter(a -> !before.contains(a)).toList();
            List<InetAddress> removed = before.stream().filter(a -> !r.addresses().contains(a)).toList();
            resolved = r.addresses();
            expiresAt = now + ttl.toNanos();
            staleUntil = expiresAt + staleLimit.toNanos();
            resolutionsOk.incrementAndGet();
            LOG.debug("permanent connection {}: {} resolved to {} (ttl {})", name, host, r.addresses(), ttl);
            emit(new PermanentEvent.Resolved(host, r.addresses(), ttl, added, removed, false));
        } catch (UnknownHostException e) {
            resolutionsFailed.incrementAndGet();
            resolved = null; // a negative answer: the name has no addresses now
            warnRateLimited("permanent connection {}: {} has no address: {}", name, host, e.getMessage());
            emit(new PermanentEvent.ResolutionFailed(host, e, false));
        } catch (IOException | RuntimeException e) {
            resolutionsFailed.incrementAndGet();
            boolean stale = resolved != null && clock.nanoTime() <= staleUntil;
            if (stale) {
                staleUsed.incrementAndGet();
                warnRateLimited("permanent connection {}: resolving {} failed ({}); using the last answer {}, stale"
                        + " since {} ago", name, host, e.getMessage(), resolved,
                        Duration.ofNanos(Math.max(0, clock.nanoTime() - expiresAt)));
            } else {
                warnRateLimited("permanent connection {}: resolving {} failed ({}); no usable answer", name, host,
                        e.getMessage());
            }
            emit(new PermanentEvent.ResolutionFailed(host, e, stale));
            if (stale) {
                List<InetAddress> last = Objects.requireNonNull(resolved);
                emit(new PermanentEvent.Resolved(host, last, Duration.ZERO, List.of(), List.of(), true));
            }
        }
    }

    /** One happy-eyeballs connect pass; returns the winning link or null if every address failed. */
    private @Nullable Link pass(List<SocketAddress> order, long notReadySince) throws InterruptedException {
        int n = order.size();
        long passNo = ++passes;
        Channel<AttemptResult> results = Channel.buffered(n);
        long[] started = new long[n];
        long[] deadline = new long[n];
        boolean[] done = new boolean[n];
        List<Task<Void>> tasks = new ArrayList<>(n);
        AttemptResult winner = null;
        try {
            winner = runPass(order, passNo, results, started, deadline, done, tasks);
        } finally {
            // the scope of the attempts has ended: every result is in the channel; close all but the winner's
            for (Optional<AttemptResult> late; (late = results.tryReceive()).isPresent(); ) {
                if (late.get() != winner) {
                    closeQuietly(late.get().transport());
                }
            }
        }
        if (winner == null) {
            return null;
        }
        return newLink(winner, order, notReadySince);
    }

    private @Nullable AttemptResult runPass(List<SocketAddress> order, long passNo, Channel<AttemptResult> results,
            long[] started, long[] deadline, boolean[] done, List<Task<Void>> tasks) throws InterruptedException {
        int n = order.size();
        int next = 0;
        int inflight = 0;
        long passStart = clock.nanoTime();
        long passDeadline = passStart + passTimeout.toNanos();
        long nextStartAt = passStart;
        AttemptResult winner = null;
        try (Scope attempts = Scope.open("connect " + name)) {
            while (winner == null) {
                long now = clock.nanoTime();
                if (next < n && (inflight == 0 || now >= nextStartAt) && now < passDeadline) {
                    int i = next++;
                    SocketAddress a = order.get(i);
                    started[i] = now;
                    deadline[i] = now + connectTimeout.toNanos();
                    nextStartAt = now + happyEyeballsDelay.toNanos();
                    inflight++;
                    LOG.debug("permanent connection {}: connecting to {} (pass {})", name,
                            ChannelTransport.describe(a), passNo);
                    emit(new PermanentEvent.ConnectAttempt(a, passNo));
                    tasks.add(attempts.fork("attempt " + i, () -> {
                        results.trySend(connectOne(i, a));
                    }));
                    continue;
                }
                if (inflight == 0) {
                    break;
                }
                long wake = passDeadline;
                for (int i = 0; i < next; i++) {
                    if (done[i]) {
                        continue;
                    }
                    if (now >= deadline[i] || now >= passDeadline) {
                        done[i] = true;
                        inflight--;
                        tasks.get(i).cancel();
                        Duration limit = now >= deadline[i] ? connectTimeout : passTimeout;
                        attemptFailed(order.get(i), new SocketTimeoutException("connect to "
                                + ChannelTransport.describe(order.get(i)) + " timed out after " + limit
                                + (limit == passTimeout ? " (the pass timeout)" : "")), started[i], now);
                        nextStartAt = now;
                    } else {
                        wake = Math.min(wake, deadline[i]);
                    }
                }
                if (inflight == 0 && (next >= n || now >= passDeadline)) {
                    break;
                }
                if (inflight == 0) {
                    continue;
                }
                if (next < n) {
                    wake = Math.min(wake, nextStartAt);
                }
                long left = wake - now;
                Optional<AttemptResult> r = left <= 0 ? results.tryReceive() : results.receive(Duration.ofNanos(left));
                if (r.isEmpty()) {
                    continue;
                }
                AttemptResult res = r.get();
                if (done[res.index()]) {
                    closeQuietly(res.transport());
                    continue;
                }
                done[res.index()] = true;
                inflight--;
                if (res.transport() != null) {
                    winner = res;
                } else {
                    attemptFailed(order.get(res.index()), Objects.requireNonNull(res.failure()),
                            started[res.index()], clock.nanoTime());
                    nextStartAt = clock.nanoTime();
                }
            }
        } // closing the scope cancels the losers (the JDK closes their sockets) and waits for them
        return winner;
    }

    private Link newLink(AttemptResult winner, List<SocketAddress> order, long notReadySince)
            throws InterruptedException {
        SocketAddress address = order.get(winner.index());
        Transport transport = Objects.requireNonNull(winner.transport());
        attemptsOk.incrementAndGet();
        plan.succeeded(address);
        StreamConnection connection;
        MessageConnection messages;
        try {
            connection = new StreamConnection(transport, connectionSettings);
        } catch (IllegalStateException scopeClosed) { // the owning scope is closing: so is this connection
            closeQuietly(transport);
            throw new InterruptedException("permanent connection " + name + " closing: " + scopeClosed.getMessage());
        }
        try {
            messages = mode == Mode.MESSAGES ? MessageConnection.builder(connection)
                    .name(name + " " + connection.name()).build() : null;
        } catch (IllegalStateException scopeClosed) {
            connection.close();
            throw new InterruptedException("permanent connection " + name + " closing: " + scopeClosed.getMessage());
        }
        Link link = new Link(connection, messages, address);
        Duration downtime = lastReadyAt == Long.MIN_VALUE ? Duration.ZERO
                : Duration.ofNanos(clock.nanoTime() - notReadySince);
        LOG.debug("permanent connection {}: connected to {} from {}", name, ChannelTransport.describe(address),
                link.local);
        emit(new PermanentEvent.Connected(link.local, address, downtime));
        return link;
    }

    private void attemptFailed(SocketAddress a, Throwable cause, long started, long now) {
        attemptsFailed.incrementAndGet();
        plan.failed(a, now);
        LOG.debug("permanent connection {}: connect to {} failed: {}", name, ChannelTransport.describe(a),
                cause.toString());
        emit(new PermanentEvent.ConnectFailed(a, cause, Duration.ofNanos(Math.max(0, now - started))));
    }

    private AttemptResult connectOne(int index, SocketAddress address) {
        try {
            SocketChannel channel = Connector.open(address, connectTimeout, socketOptions);
            try {
                Transport t = tls == null ? new ChannelTransport(channel)
                        : TlsHandshakes.connect(channel, (InetSocketAddress) address, tls);
                return new AttemptResult(index, t, null);
            } catch (IOException | RuntimeException e) {
                channel.close();
                throw e;
            }
        } catch (Throwable e) {
            return new AttemptResult(index, null, e);
        }
    }

    private static void closeQuietly(@Nullable Transport t) {
        if (t != null) {
            try {
                t.close();
            } catch (IOException e) {
                LOG.debug("closing a losing connect attempt failed", e);
            }
        }
    }

    private void requireMode(Mode needed, String what) {
        if (mode != needed) {
            throw new IllegalStateException(what + " needs " + needed + " mode; permanent connection " + name
                    + " is in " + mode + " mode");
        }
    }

    static Duration requirePositive(Duration d, String what) {
        Objects.requireNonNull(d, what);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(what + " must be positive: " + d);
        }
        return d;
    }

    private static Resolver defaultResolver() {
        try {
            return DnsResolver.system();
        } catch (IOException e) {
            LOG.warn("cannot read the DNS configuration ({}); resolving through the JDK, which hides TTLs", e.getMessage());
            return new JdkResolver();
        }
    }

    /** The fallback resolver: the JDK's, which does not expose TTLs (30 s assumed; the JDK caches 30 s itself). */
    private static final class JdkResolver implements Resolver {
        @Override
        public Resolution resolve(String host) throws IOException {
            return new Resolution(host, List.of(InetAddress.getAllByName(host)), Duration.ofSeconds(30));
        }
    }

    /**
     * Builds a {@link PermanentConnection}; every setting has a default taken from the permanent-client spec. Not
     * thread-safe.
     */
    public static final class Builder {
        private final Target target;
        private @Nullable String name;
        private Mode mode = Mode.MESSAGES;
        private @Nullable TlsClientConfig tls;
        private @Nullable Resolver resolver;
        private RetryPolicy<?> retryPolicy = Backoff.standard();
        private Duration healthyTime = Duration.ofSeconds(5);
        private Duration connectTimeout = Duration.ofSeconds(5);
        private Duration passTimeout = Duration.ofSeconds(20);
        private Duration happyEyeballsDelay = Duration.ofMillis(250);
        private Duration minTtl = Duration.ofSeconds(1);
        private Duration maxTtl = Duration.ofSeconds(60);
        private Duration minResolutionInterval = Duration.ofSeconds(1);
        private Duration staleLimit = Duration.ofMinutes(5);
        private PermanentEvent.AddressRemovedAction onAddressRemoved = PermanentEvent.AddressRemovedAction.MIGRATE;
        private Duration failurePenalty = Duration.ofSeconds(30);
        private SocketOptions socketOptions = SocketOptions.builder()
                .tcpNoDelay(true)
                .keepAlive(Duration.ofSeconds(30), Duration.ofSeconds(10), 3)
                .build();
        private int maxLineLength = Connection.DEFAULT_MAX_LINE_LENGTH;
        private SendPolicy sendPolicy = SendPolicy.buffer();
        private @Nullable Handshake handshake;
        private @Nullable Heartbeat heartbeat;
        private @Nullable Consumer<? super PermanentEvent> listener;
        private @Nullable Dispatcher dispatcher;
        private FamilyPreference family = FamilyPreference.IPV6_FIRST;
        private @Nullable Long shuffleSeed;
        private @Nullable Long seed;
        private int eventBuffer = 1024;
        private int receiveBuffer = 1024;

        private Builder(Target target) {
            this.target = target;
        }

        /**
         * Sets the name used in logs, events, errors and thread names (default: the target, such as
         * {@code backend.ns.svc.cluster.local:4040}).
         *
         * @param name the name
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
         * Sets the mode (default {@link Mode#MESSAGES}: weft's message protocol, one message per line, with
         * {@link #call} and dispatchers; {@link Mode#LINES} for raw line protocols).
         *
         * @param mode the mode
         * @return this builder
         */
        public Builder mode(Mode mode) {
            this.mode = Objects.requireNonNull(mode, "mode");
            return this;
        }

        /**
         * Connects with TLS (default: plain TCP). The server name for SNI and host name verification is the target
         * host name, not the resolved IP.
         *
         * @param tls the client TLS configuration
         * @return this builder
         * @throws IllegalArgumentException if the target is a Unix socket
         */
        public Builder tls(TlsClientConfig tls) {
            Objects.requireNonNull(tls, "tls");
            if (target instanceof UnixTarget) {
                throw new IllegalArgumentException("TLS needs a TCP target: " + target.describe());
            }
            this.tls = tls;
            return this;
        }

        /**
         * Sets the resolver of a host-name target (default {@link DnsResolver#system()}: the servers, search domains
         * and {@code ndots} of {@code /etc/resolv.conf}, with real TTLs; if that file cannot be read, the JDK's
         * resolver with an assumed TTL of 30 s).
         *
         * @param resolver the resolver
         * @return this builder
         */
        public Builder resolver(Resolver resolver) {
            this.resolver = Objects.requireNonNull(resolver, "resolver");
            return this;
        }

        /**
         * Sets the reconnect backoff as a Failsafe retry policy (default {@link Backoff#standard()}: 1 s, ×2, cap
         * 30 s, ±20 % jitter; {@link Backoff#grpc()} is the gRPC preset). Only the delays are read: weft retries
         * forever and sleeps on its own clock.
         *
         * @param policy the policy
         * @return this builder
         * @throws IllegalArgumentException if the policy's delays cannot be used (see {@link Backoff#of})
         */
        public Builder backoff(RetryPolicy<?> policy) {
            Backoff.of(policy);
            this.retryPolicy = policy;
            return this;
        }

        /**
         * Sets how long a connection must stay READY before its loss resets the backoff (default 5 s: a backend that
         * accepts and closes at once would otherwise be reconnected to immediately, forever).
         *
         * @param healthyTime the time, zero or more
         * @return this builder
         */
        public Builder healthyTime(Duration healthyTime) {
            Objects.requireNonNull(healthyTime, "healthyTime");
            if (healthyTime.isNegative()) {
                throw new IllegalArgumentException("healthyTime must not be negative: " + healthyTime);
            }
            this.healthyTime = healthyTime;
            return this;
        }

        /**
         * Sets the connect timeout of one address (default 5 s: a dead pod's IP usually drops the SYN instead of
         * refusing it, so an address that does not answer must not stall the pass; a live peer answers in
         * milliseconds).
         *
         * @param timeout the timeout, positive
         * @return this builder
         */
        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = requirePositive(timeout, "timeout");
            return this;
        }

        /**
         * Sets the longest a whole connect pass over all addresses may take (default 20 s, gRPC's minimum connect
         * timeout; at least the per-address timeout).
         *
         * @param timeout the timeout, positive
         * @return this builder
         */
        public Builder passTimeout(Duration timeout) {
            this.passTimeout = requirePositive(timeout, "timeout");
            return this;
        }

        /**
         * Sets the happy-eyeballs delay: how long an attempt may run before the next address is started alongside
         * it (default 250 ms, RFC 8305's recommendation; allowed 10 ms to 2 s).
         *
         * @param delay the delay
         * @return this builder
         */
        public Builder happyEyeballsDelay(Duration delay) {
            requirePositive(delay, "delay");
            if (delay.compareTo(Duration.ofMillis(10)) < 0 || delay.compareTo(Duration.ofSeconds(2)) > 0) {
                throw new IllegalArgumentException("delay must be between 10ms and 2s: " + delay);
            }
            this.happyEyeballsDelay = delay;
            return this;
        }

        /**
         * Sets the clamp applied to DNS TTLs (default 1 s to 60 s: a TTL of 0 would mean a query per attempt, and
         * a long TTL would keep a client on a pod that is gone; Kubernetes' CoreDNS uses 5 to 30 s).
         *
         * @param min the smallest TTL used, positive
         * @param max the largest TTL used, at least {@code min}
         * @return this builder
         */
        public Builder ttlClamp(Duration min, Duration max) {
            requirePositive(min, "min");
            requirePositive(max, "max");
            if (max.compareTo(min) < 0) {
                throw new IllegalArgumentException("max must not be below min: " + max + " < " + min);
            }
            this.minTtl = min;
            this.maxTtl = max;
            return this;
        }

        /**
         * Sets the shortest time between two resolutions triggered by losses and failed passes (default 1 s: gRPC's
         * 30 s is too slow for Kubernetes, no limit would flood DNS during an outage). A refresh asked for too soon
         * stays pending: the first pass after the interval resolves; the passes before it use the last answer.
         *
         * @param interval the interval, zero or more
         * @return this builder
         */
        public Builder minResolutionInterval(Duration interval) {
            Objects.requireNonNull(interval, "interval");
            if (interval.isNegative()) {
                throw new IllegalArgumentException("interval must not be negative: " + interval);
            }
            this.minResolutionInterval = interval;
            return this;
        }

        /**
         * Sets how long after its expiry the last good DNS answer is still used while the resolver fails (default
         * 5 min, like the JDK's {@code networkaddress.cache.stale.ttl}: a DNS outage should not take down
         * connections to backends that are still there).
         *
         * @param limit the limit, zero or more
         * @return this builder
         */
        public Builder staleLimit(Duration limit) {
            Objects.requireNonNull(limit, "limit");
            if (limit.isNegative()) {
                throw new IllegalArgumentException("limit must not be negative: " + limit);
            }
            this.staleLimit = limit;
            return this;
        }

        /**
         * Sets what happens when DNS stops listing the connected address (default
         * {@link PermanentEvent.AddressRemovedAction#MIGRATE MIGRATE}, make-before-break: a pod that left the
         * service is being drained, and the client should move before it stops).
         *
         * @param action {@code MIGRATE} or {@code STAY}
         * @return this builder
         */
        public Builder onAddressRemoved(PermanentEvent.AddressRemovedAction action) {
            Objects.requireNonNull(action, "action");
            if (action == PermanentEvent.AddressRemovedAction.MIGRATION_FAILED) {
                throw new IllegalArgumentException("action must be MIGRATE or STAY: " + action);
            }
            this.onAddressRemoved = action;
            return this;
        }

        /**
         * Sets how long an address that failed to connect goes to the end of the next passes (default 30 s, so a
         * pass does not start with the address that just failed).
         *
         * @param penalty the penalty, zero or more
         * @return this builder
         */
        public Builder failurePenalty(Duration penalty) {
            Objects.requireNonNull(penalty, "penalty");
            if (penalty.isNegative()) {
                throw new IllegalArgumentException("penalty must not be negative: " + penalty);
            }
            this.failurePenalty = penalty;
            return this;
        }

        /**
         * Sets the socket options (default: {@code TCP_NODELAY} on, keepalive on with idle 30 s, interval 10 s,
         * count 3 — a dead peer is noticed in about a minute instead of the OS default of two hours).
         *
         * @param options the options
         * @return this builder
         */
        public Builder socketOptions(SocketOptions options) {
            this.socketOptions = Objects.requireNonNull(options, "options");
            return this;
        }

        /**
         * Sets the longest line accepted, in bytes (default 1 MiB, as {@link Connection}).
         *
         * @param bytes the limit, positive
         * @return this builder
         */
        public Builder maxLineLength(int bytes) {
            if (bytes <= 0) {
                throw new IllegalArgumentException("bytes must be positive: " + bytes);
            }
            this.maxLineLength = bytes;
            return this;
        }

        /**
         * Sets what sends do while not READY (default {@link SendPolicy#buffer()}: 1024 messages, 8 MiB, 30 s,
         * reject new on overflow).
         *
         * @param policy the policy
         * @return this builder
         */
        public Builder sendPolicy(SendPolicy policy) {
            this.sendPolicy = Objects.requireNonNull(policy, "policy");
            return this;
        }

        /**
         * Sets an application handshake run on each new connection before READY (default: none — READY as soon as
         * the transport connects).
         *
         * @param handshake the handshake; its kind must match the mode
         * @return this builder
         */
        public Builder handshake(Handshake handshake) {
            this.handshake = Objects.requireNonNull(handshake, "handshake");
            return this;
        }

        /**
         * Sets an application heartbeat (default: none — TCP keepalive only, which the JDK cannot make faster than
         * about a minute).
         *
         * @param heartbeat the heartbeat
         * @return this builder
         */
        public Builder heartbeat(Heartbeat heartbeat) {
            this.heartbeat = Objects.requireNonNull(heartbeat, "heartbeat");
            return this;
        }

        /**
         * Sets a listener that receives every event, in order, on a task of its own, so a slow listener does not
         * stall I/O (default: none). Exceptions it throws are logged at WARN and ignored. If it falls 4096 events
         * behind, the oldest are dropped and counted.
         *
         * @param listener the listener
         * @return this builder
         */
        public Builder listener(Consumer<? super PermanentEvent> listener) {
            this.listener = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /**
         * Sets a dispatcher that handles received messages in message mode, on each connection in turn, instead of
         * delivering them to {@link #messages()} (default: none).
         *
         * @param dispatcher the dispatcher
         * @return this builder
         */
        public Builder dispatcher(Dispatcher dispatcher) {
            this.dispatcher = Objects.requireNonNull(dispatcher, "dispatcher");
            return this;
        }

        /**
         * Sets which address family a pass tries first (default {@link FamilyPreference#IPV6_FIRST}, RFC 6724;
         * the families are interleaved either way, so a broken family costs one attempt, not a pass).
         *
         * @param preference the preference
         * @return this builder
         */
        public Builder familyPreference(FamilyPreference preference) {
            this.family = Objects.requireNonNull(preference, "preference");
            return this;
        }

        /**
         * Shuffles each family's addresses before every pass with a random seeded by {@code seed}, to spread many
         * clients over the replicas (default: no shuffle, the resolver's order).
         *
         * @param seed the seed; give each client its own
         * @return this builder
         */
        public Builder shuffleAddresses(long seed) {
            this.shuffleSeed = seed;
            return this;
        }

        /**
         * Seeds the random that draws the backoff jitter (default: unseeded), for reproducible tests.
         *
         * @param seed the seed
         * @return this builder
         */
        public Builder jitterSeed(long seed) {
            this.seed = seed;
            return this;
        }

        /**
         * Sets the capacity of {@link #events()} (default 1024 — far more than a reader that keeps up needs; the
         * oldest are dropped and counted when nobody reads).
         *
         * @param events the capacity, positive
         * @return this builder
         */
        public Builder eventBuffer(int events) {
            if (events <= 0) {
                throw new IllegalArgumentException("events must be positive: " + events);
            }
            this.eventBuffer = events;
            return this;
        }

        /**
         * Sets the capacity of {@link #lines()} and {@link #messages()} (default 1024; when full the reader waits
         * and TCP slows the peer down).
         *
         * @param elements the capacity, positive
         * @return this builder
         */
        public Builder receiveBuffer(int elements) {
            if (elements <= 0) {
                throw new IllegalArgumentException("elements must be positive: " + elements);
            }
            this.receiveBuffer = elements;
            return this;
        }

        /**
         * Starts the connection: forks its state-machine task in {@code scope}, which makes the first attempt at
         * once. Returns without waiting; use {@link #awaitReady} or {@link #events()} to wait. The connection
         * closes when the scope ends (or on {@link #close()}), and uses the scope's time source for every delay,
         * timeout and TTL.
         *
         * @param scope the scope that owns the connection
         * @return the connection
         * @throws IllegalStateException if the scope is closed, or the handshake does not match the mode
         */
        public PermanentConnection open(Scope scope) {
            Objects.requireNonNull(scope, "scope");
            if (handshake instanceof Handshake.Call && mode != Mode.MESSAGES) {
                throw new IllegalStateException("a message handshake needs MESSAGES mode");
            }
            if (handshake instanceof Handshake.Line && mode != Mode.LINES) {
                throw new IllegalStateException("a line handshake needs LINES mode");
            }
            if (dispatcher != null && mode != Mode.MESSAGES) {
                throw new IllegalStateException("a dispatcher needs MESSAGES mode");
            }
            PermanentConnection c = new PermanentConnection(this, scope.timeSource());
            c.task = scope.fork("permanent " + c.name, c::run);
            return c;
        }
    }
}
