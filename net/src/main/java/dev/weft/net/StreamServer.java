package dev.weft.net;

import dev.weft.runtime.Channel;
import dev.weft.runtime.ChannelClosedException;
import dev.weft.runtime.Scope;
import dev.weft.runtime.Task;
import dev.weft.runtime.TimeSource;
import dev.weft.runtime.Timers;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A stream server — TCP or Unix socket — that serves each accepted connection on its own virtual thread, inside a
 * scope.
 *
 * <pre>{@code
 * try (Scope scope = Scope.open("echo")) {
 *     StreamServer server = StreamServer.builder(new InetSocketAddress("::1", 0))
 *             .start(scope, connection -> {
 *                 for (String line : connection.lines()) {
 *                     connection.send(line);
 *                 }
 *             });
 *     System.out.println("listening on " + server.port());
 *     scope.join();
 * }
 * }</pre>
 *
 * <p><b>Structure.</b> {@link Builder#start} binds the socket and returns once it listens (a Trio-style
 * {@code start} handshake: the port is known before the first client connects). The accept loop is a task of the
 * given scope; each connection is a task of a supervisor scope inside it, so a handler that fails ends only its own
 * connection. Cancelling or closing the scope stops the server and cancels every handler.
 *
 * <p><b>Connection limit.</b> At most {@link Builder#maxConnections} connections are served at once. At the limit
 * the server stops accepting until one ends, so new clients wait in the kernel's accept backlog
 * ({@link LimitPolicy#WAIT}, the default); with {@link LimitPolicy#REJECT} it accepts and closes them at once, and
 * counts them in {@link #rejected()}.
 *
 * <p><b>Graceful stop.</b> {@link #stop(Duration)} stops accepting, lets handlers finish until the grace period
 * ends, then cancels the rest and waits for them.
 *
 * <p><b>Failures.</b> A handler that throws ends its own connection only (a peer's reset is logged at DEBUG, anything
 * else at WARN). An accept that fails — out of file descriptors, say — is logged and retried every 100 ms while the
 * connections already open go on being served.
 *
 * <p>Thread-safe.
 */
public final class StreamServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(StreamServer.class);
    private static final Duration ACCEPT_RETRY = Duration.ofMillis(100);
    /** The server whose connection the current thread serves, so that {@link #stop} does not wait for itself. */
    private static final ThreadLocal<StreamServer> SERVING = new ThreadLocal<>();

    /** What the server does with a connection that arrives while {@code maxConnections} are being served. */
    public enum LimitPolicy {
        /** Stop accepting until a connection ends; clients wait in the kernel's backlog. The default. */
        WAIT,
        /** Accept and close at once, counting the rejection. */
        REJECT
    }

    private final String name;
    private final ServerSocketChannel server;
    private final SocketAddress localAddress;
    private final Builder config;
    private final ConnectionSettings settings;
    private final Channel<Boolean> slots;
    private final AtomicInteger active = new AtomicInteger();
    private final AtomicLong accepted = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();
    /** A signal that a connection ended, for {@link #stop}. */
    private final Channel<Boolean> ended = Channel.conflated();
    private final Channel<Boolean> acceptEnded = Channel.rendezvous();
    private volatile Scope connections;
    private volatile boolean stopping;
    private int acceptFailures; // accept loop only

    private StreamServer(Builder config, ServerSocketChannel server) throws IOException {
        this.config = config;
        this.server = server;
        this.localAddress = config.address instanceof UnixDomainSocketAddress unix ? unix : server.getLocalAddress();
        this.name = config.name != null ? config.name : "server " + ChannelTransport.describe(localAddress);
        this.settings = config.settings.build();
        this.slots = Channel.buffered(config.maxConnections);
        for (int i = 0; i < config.maxConnections; i++) {
            slots.trySend(Boolean.TRUE);
        }
    }

    /**
     * Returns a builder for a server on a TCP address ({@link InetSocketAddress}; port 0 picks a free port) or a
     * Unix socket path ({@link UnixDomainSocketAddress}).
     *
     * @param address where to listen
     * @return a new builder
     */
    public static Builder builder(SocketAddress address) {
        return new Builder(address);
    }

    /**
     * Returns the address the server listens on (with the actual port when 0 was asked for).
     *
     * @return the bound address
     */
    public SocketAddress localAddress() {
        return localAddress;
    }

    /**
     * Returns the TCP port the server listens on.
     *
     * @return the port
     * @throws IllegalStateException for a Unix socket server
     */
    public int port() {
        if (localAddress instanceof InetSocketAddress inet) {
            return inet.getPort();
        }
        throw new IllegalStateException(name + " is not a TCP server");
    }

    /**
     * Returns the server's name, as used in thread names and logs.
     *
     * @return the name
     */
    public String name() {
        return name;
    }

    /**
     * Returns the number of connections being served now.
     *
     * @return the number of active connections
     */
    public int activeConnections() {
        return active.get();
    }

    /**
     * Returns how many connections were accepted and served since the start.
     *
     * @return the number of connections served
     */
    public long acceptedConnections() {
        return accepted.get();
    }

    /**
     * Returns how many connections were refused under {@link LimitPolicy#REJECT}.
     *
     * @return the number of rejected connections
     */
    public long rejected() {
        return rejected.get();
    }

    private void acceptLoop(Scope.Started<StreamServer> started) throws Exception {
        try (Scope conns = Scope.builder().name(name).supervisor(this::handlerFailed).open()) {
            connections = conns;
            started.started(this);
            LOG.info("{} listening", name);
            while (!stopping) {
                if (config.limitPolicy == LimitPolicy.WAIT) {
                    slots.receive();
                }
                SocketChannel channel;
                try {
                    channel = server.accept();
                } catch (ClosedChannelException stopped) {
                    if (config.limitPolicy == LimitPolicy.WAIT) {
                        slots.trySend(Boolean.TRUE);
                    }
                    break;
                } catch (IOException e) {
                    // out of file descriptors (EMFILE, ENFILE) or memory: keep serving the connections we have,
                    // and try again shortly instead of failing the server
                    if (config.limitPolicy == LimitPolicy.WAIT) {
                        slots.trySend(Boolean.TRUE);
                    }
                    acceptFailed(e);
                    continue;
                }
                acceptFailures = 0;
                if (config.limitPolicy == LimitPolicy.REJECT && slots.tryReceive().isEmpty()) {
                    rejected.incrementAndGet();
                    LOG.debug("{}: connection limit {} reached; rejected {}", name, config.maxConnections,
                            channel.getRemoteAddress());
                    channel.close();
                    continue;
                }
                serve(conns, channel);
            }
            conns.join();
        } finally {
            closeServerSocket();
            acceptEnded.close();
        }
    }

    private void acceptFailed(IOException e) throws InterruptedException {
        if (stopping) {
            return;
        }
        if (acceptFailures++ == 0) {
            LOG.warn("{}: accept failed, retrying every {} ms until it works: {}", name, ACCEPT_RETRY.toMillis(),
                    e.toString());
        } else {
            LOG.debug("{}: accept failed again: {}", name, e.toString());
        }
        Timers.sleep(ACCEPT_RETRY);
    }

    private void serve(Scope conns, SocketChannel channel) throws IOException {
        accepted.incrementAndGet();
        active.incrementAndGet();
        String who = ChannelTransport.describe(channel.getRemoteAddress());
        try {
            conns.fork(who, () -> {
                SERVING.set(this);
                try {
                    config.options.applyTo(channel, localAddress instanceof InetSocketAddress);
                    Transport transport = config.tls == null ? new ChannelTransport(channel)
                            : TlsHandshakes.accept(channel, config.tls);
                    try (StreamConnection connection = new StreamConnection(transport, settings)) {
                        config.handler.handle(connection);
                    }
                } finally {
                    channel.close();
                    slots.trySend(Boolean.TRUE); // first: once activeConnections() drops, a new client is served
                    active.decrementAndGet();
                    ended.trySend(Boolean.TRUE);
                }
            });
        } catch (IllegalStateException closed) {
            channel.close();
            active.decrementAndGet();
            throw closed;
        }
    }

    private void handlerFailed(Task<?> task, Throwable failure) {
        // a peer that resets is expected, not a handler bug: also when it reaches the handler as the cause of the
        // closed lines channel ("for (String line : connection.lines())")
        Throwable io = failure instanceof ChannelClosedException && failure.getCause() instanceof IOException
                ? failure.getCause() : failure;
        if (io instanceof IOException) {
            LOG.debug("{}: connection {} ended with an I/O error: {}", name, task.name(), io.toString());
        } else {
            LOG.warn("{}: handler of connection {} failed", name, task.name(), failure);
        }
    }

    /**
     * Stops the server gracefully: stops accepting at once, lets the handlers finish for up to {@code grace}, then
     * cancels the ones still running and waits for them to end. Idempotent.
     *
     * <p>Blocks until every handler has ended. A handler of this server may call it (a STOP command): it then
     * waits for the other handlers only and returns without waiting for its own; the server has stopped once that
     * handler returns. If other handlers had to be cancelled, the calling handler is cancelled with them.
     *
     * @param grace how long handlers may take to finish on their own; zero cancels them at once
     * @throws InterruptedException if interrupted while waiting (the handlers are cancelled first)
     */
    public void stop(Duration grace) throws InterruptedException {
        Objects.requireNonNull(grace, "grace");
        if (grace.isNegative()) {
            throw new IllegalArgumentException("grace must not be negative: " + grace);
        }
        stopping = true;
        closeServerSocket();
        slots.trySend(Boolean.TRUE); // wakes an accept loop that waits for a free slot
        Scope conns = connections;
        boolean fromHandler = SERVING.get() == this;
        int self = fromHandler ? 1 : 0;
        try {
            TimeSource time = TimeSource.current();
            long deadline = time.nanoTime() + grace.toNanos();
            while (active.get() > self) {
                long left = deadline - time.nanoTime();
                if (left <= 0 || ended.receive(Duration.ofNanos(left)).isEmpty()) {
                    break;
                }
            }
        } finally {
            if (conns != null && active.get() > self) {
                LOG.info("{}: cancelling {} connections still open after the grace period", name, active.get());
                conns.cancel();
            }
        }
        if (fromHandler) {
            LOG.info("{} stopped accepting; it stops when the handler that stopped it returns", name);
            return;
        }
        try {
            acceptEnded.receive();
        } catch (ChannelClosedException ended) {
            // the accept loop has ended
        }
        LOG.info("{} stopped", name);
    }

    /** Stops the server at once: {@link #stop(Duration)} with no grace period. */
    @Override
    public void close() {
        try {
            stop(Duration.ZERO);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void closeServerSocket() {
        try {
            server.close();
        } catch (IOException e) {
            LOG.debug("{}: closing the listening socket failed", name, e);
        }
        if (localAddress instanceof UnixDomainSocketAddress unix) {
            UnixSockets.removeSocketFile(unix.getPath());
        }
    }

    @Override
    public String toString() {
        return "StreamServer[" + name + ", " + active.get() + " active]";
    }

    /** Builds and starts a {@link StreamServer}. Not thread-safe. */
    public static final class Builder {
        private final SocketAddress address;
        private String name;
        private int backlog = 128;
        private int maxConnections = 10_000;
        private LimitPolicy limitPolicy = LimitPolicy.WAIT;
        private SocketOptions options = SocketOptions.defaults();
        private final ConnectionSettings.Builder settings = ConnectionSettings.builder();
        private final UnixSockets.Options unixOptions = new UnixSockets.Options();
        private TlsServerConfig tls;
        private ConnectionHandler handler;

        private Builder(SocketAddress address) {
            Objects.requireNonNull(address, "address");
            if (!(address instanceof InetSocketAddress) && !(address instanceof UnixDomainSocketAddress)) {
                throw new IllegalArgumentException("address must be an InetSocketAddress or a "
                        + "UnixDomainSocketAddress: " + address.getClass().getName());
            }
            this.address = address;
        }

        /**
         * Sets the name used for the scope, thread names and logs (default {@code server <address>}).
         *
         * @param name the name
         * @return this builder
         */
        public Builder name(String name) {
            this.name = Objects.requireNonNull(name, "name");
            return this;
        }

        /**
         * Sets the kernel's accept backlog (default 128).
         *
         * @param backlog pending connections the kernel queues, positive
         * @return this builder
         */
        public Builder backlog(int backlog) {
            if (backlog <= 0) {
                throw new IllegalArgumentException("backlog must be positive: " + backlog);
            }
            this.backlog = backlog;
            return this;
        }

        /**
         * Sets how many connections are served at once (default 10,000) and what happens beyond
         * ({@link LimitPolicy#WAIT} unless {@link #limitPolicy} says otherwise).
         *
         * @param maxConnections the limit, positive
         * @return this builder
         */
        public Builder maxConnections(int maxConnections) {
            if (maxConnections <= 0) {
                throw new IllegalArgumentException("maxConnections must be positive: " + maxConnections);
            }
            this.maxConnections = maxConnections;
            return this;
        }

        /**
         * Sets what happens to connections beyond {@link #maxConnections} (default {@link LimitPolicy#WAIT}).
         *
         * @param policy the policy
         * @return this builder
         */
        public Builder limitPolicy(LimitPolicy policy) {
            this.limitPolicy = Objects.requireNonNull(policy, "policy");
            return this;
        }

        /**
         * Sets the socket options of accepted connections (and {@code SO_REUSEADDR} of the listening socket).
         *
         * @param options the options
         * @return this builder
         */
        public Builder options(SocketOptions options) {
            this.options = Objects.requireNonNull(options, "options");
            return this;
        }

        /**
         * Sets the longest line {@link Connection#lines()} accepts (default 1 MiB).
         *
         * @param bytes the limit, positive
         * @return this builder
         */
        public Builder maxLineLength(int bytes) {
            settings.maxLineLength(bytes);
            return this;
        }

        /**
         * Limits each connection's writes to {@code bytes} per {@code interval} (default: unlimited).
         *
         * @param bytes bytes allowed per interval, positive
         * @param interval the interval, positive
         * @return this builder
         */
        public Builder writeRate(long bytes, Duration interval) {
            settings.writeRate(bytes, interval);
            return this;
        }

        /**
         * For a Unix socket server: the permissions of the socket file, e.g. {@code "rw-rw----"} (0660). Default:
         * what the process umask gives.
         *
         * @param permissions the permissions in {@code ls} form
         * @return this builder
         */
        public Builder unixSocketPermissions(String permissions) {
            unixOptions.permissions(permissions);
            return this;
        }

        /**
         * For a Unix socket server: the group that owns the socket file. Default: the process's group.
         *
         * @param group the group name
         * @return this builder
         */
        public Builder unixSocketGroup(String group) {
            unixOptions.group(group);
            return this;
        }

        /**
         * Serves TLS over TCP (default: plain TCP). Each accepted connection completes its TLS handshake on its own
         * virtual thread before the handler is called; a handshake that fails or times out
         * ({@link TlsServerConfig#handshakeTimeout()}) ends that connection only, logged at DEBUG with the peer's
         * address and the reason.
         *
         * @param tls the server TLS configuration
         * @return this builder
         * @throws IllegalArgumentException if the server address is a Unix socket
         */
        public Builder tls(TlsServerConfig tls) {
            Objects.requireNonNull(tls, "tls");
            if (!(address instanceof InetSocketAddress)) {
                throw new IllegalArgumentException("TLS needs a TCP address: " + ChannelTransport.describe(address));
            }
            this.tls = tls;
            return this;
        }

        /**
         * Binds the server and starts its accept loop as a task of {@code scope}; returns once it listens.
         *
         * <p>Blocks until the socket is bound. For a Unix socket, a stale socket file left by a dead process (one
         * that refuses a test connect) is removed first; a live one is not stolen.
         *
         * @param scope the scope that owns the server and its connections
         * @param handler serves each connection
         * @return the listening server
         * @throws java.net.BindException if the address is in use (a live Unix socket counts)
         * @throws IOException on any other failure to bind
         * @throws InterruptedException if interrupted while starting
         */
        public StreamServer start(Scope scope, ConnectionHandler handler) throws IOException, InterruptedException {
            Objects.requireNonNull(scope, "scope");
            this.handler = Objects.requireNonNull(handler, "handler");
            ServerSocketChannel channel = bind();
            StreamServer server;
            try {
                server = new StreamServer(this, channel);
            } catch (IOException | RuntimeException e) {
                channel.close();
                throw e;
            }
            return scope.start(server.name + " accept", server::acceptLoop);
        }

        private ServerSocketChannel bind() throws IOException {
            if (address instanceof UnixDomainSocketAddress unix) {
                return UnixSockets.bind(unix, backlog, unixOptions);
            }
            InetSocketAddress inet = (InetSocketAddress) address;
            ServerSocketChannel channel = ServerSocketChannel.open();
            try {
                channel.setOption(StandardSocketOptions.SO_REUSEADDR, options.reuseAddress());
                if (options.receiveBufferSize() > 0) {
                    // before bind, so accepted sockets inherit it and the TCP window scale is chosen from it
                    channel.setOption(StandardSocketOptions.SO_RCVBUF, options.receiveBufferSize());
                }
                channel.bind(inet, backlog);
                return channel;
            } catch (java.net.BindException e) {
                channel.close();
                java.net.BindException b = new java.net.BindException("cannot listen on tcp " + Addresses.format(inet)
                        + ": " + e.getMessage());
                b.initCause(e);
                throw b;
            } catch (IOException | RuntimeException e) {
                channel.close();
                throw e;
            }
        }
    }
}
