package dev.weft.net;

import dev.weft.runtime.Channel;
import dev.weft.runtime.ChannelClosedException;
import dev.weft.runtime.Scope;
import dev.weft.runtime.Task;
import java.io.IOException;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.newsclub.net.unix.AFSocketType;
import org.newsclub.net.unix.AFUNIXDatagramSocket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Unix {@code SOCK_SEQPACKET} server: accepts connections on a socket file or an abstract name and serves each
 * on its own virtual thread, inside a scope. Each connection is a {@link UnixSeqpacketConnection}: messages keep
 * their boundaries, and the client's pid, uid and gid are known.
 *
 * <pre>{@code
 * try (Scope scope = Scope.open("control")) {
 *     UnixSeqpacketServer.builder(UnixDomainSocketAddress.of("/run/myd.seq")).start(scope, c -> {
 *         long uid = c.peerCredentials().orElseThrow().uid().orElseThrow();
 *         for (byte[] request : c.messages()) {
 *             c.send("uid " + uid + " asked for " + request.length + " bytes");
 *         }
 *     });
 *     scope.join();
 * }
 * }</pre>
 *
 * <p><b>Structure.</b> {@link Builder#start} binds and listens, and returns once the server accepts (the address is
 * in use before the first client connects). Accepting is a blocking junixsocket call, so it runs on a dedicated
 * platform thread named {@code <name> accept}, owned by the server's accept task in the given scope (DESIGN.md,
 * principle 8); each accepted connection is handed to a task of a supervisor scope, where the handler runs on a
 * virtual thread and the connection has its own I/O thread. A handler that fails ends its own connection only.
 * Cancelling or closing the scope stops the server and every connection.
 *
 * <p><b>Limits.</b> At most {@link Builder#maxConnections} connections are served at once; at the limit the server
 * stops accepting until one ends, and new clients wait in the kernel's backlog.
 *
 * <p><b>Socket file.</b> A stale file left by a dead process is replaced; one that a live socket is bound to is not
 * stolen; the file is removed when the server stops (unless another socket has replaced it).
 *
 * <p>Thread-safe.
 */
public final class UnixSeqpacketServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(UnixSeqpacketServer.class);
    private static final Duration ACCEPT_RETRY = Duration.ofMillis(100);
    /** The server whose connection the current thread serves, so that {@link #close()} does not wait for itself. */
    private static final ThreadLocal<UnixSeqpacketServer> SERVING = new ThreadLocal<>();

    /** Serves one connection; it is closed when this returns or throws. */
    @FunctionalInterface
    public interface Handler {
        /**
         * Serves {@code connection}, typically by reading {@link UnixSeqpacketConnection#messages()} until it
         * ends.
         *
         * @param connection the accepted connection
         * @throws Exception anything; it ends this connection only and is logged
         */
        void handle(UnixSeqpacketConnection connection) throws Exception;
    }

    private final String name;
    private final AFUNIXDatagramSocket server;
    private final SocketAddress localAddress;
    private final UnixSeqpacketConnection.Settings settings;
    private final Handler handler;
    private final int maxConnections;
    private final Channel<Boolean> slots;
    private final @Nullable Path socketFile;
    private final @Nullable Object socketFileKey;
    private final AtomicInteger active = new AtomicInteger();
    private final AtomicLong accepted = new AtomicLong();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile @Nullable Scope connections;
    private volatile boolean stopping;

    private UnixSeqpacketServer(Builder b, AFUNIXDatagramSocket server, String name, Handler handler) {
        this.name = name;
        this.server = server;
        this.localAddress = b.address;
        this.settings = b.settings;
        this.handler = handler;
        this.maxConnections = b.maxConnections;
        this.socketFile = b.address instanceof UnixDomainSocketAddress unix ? unix.getPath() : null;
        this.socketFileKey = socketFile == null ? null : JunixSockets.fileKey(socketFile);
        this.slots = Channel.buffered(maxConnections);
        for (int i = 0; i < maxConnections; i++) {
            releaseSlot();
        }
    }

    /**
     * Returns a builder for a server on {@code address}.
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
     * Returns the server's name, as used in thread names and logs: {@code seqpacket} and the address.
     *
     * @return the name
     */
    public String name() {
        return name;
    }

    /**
     * Returns the address the server listens on.
     *
     * @return a {@link UnixDomainSocketAddress} or a {@link UnixAbstractAddress}
     */
    public SocketAddress localAddress() {
        return localAddress;
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
     * Returns how many connections were accepted since the start.
     *
     * @return the number of connections accepted
     */
    public long acceptedConnections() {
        return accepted.get();
    }

    private void run(Scope.Started<UnixSeqpacketServer> started) {
        try (Scope conns = Scope.builder().name(name).supervisor(this::handlerFailed).open()) {
            connections = conns;
            JunixThread.Handle acceptor = JunixThread.start(name + " accept", () -> acceptLoop(conns));
            try {
                started.started(this);
                LOG.info("{} listening", name);
            } finally {
                acceptor.await(this::stopAccepting);
            }
        } finally {
            stopAccepting();
            if (socketFile != null) {
                JunixSockets.removeSocketFile(socketFile, socketFileKey);
            }
            stopped.countDown();
            LOG.info("{} stopped", name);
        }
    }

    /** The accept loop, on the platform thread: a blocking accept, then a task per connection. */
    private void acceptLoop(Scope conns) throws InterruptedException {
        int failures = 0;
        while (!stopping) {
            try {
                slots.receive(); // at the limit: wait until a connection ends
            } catch (ChannelClosedException closing) {
                return;
            }
            AFUNIXDatagramSocket socket;
            try {
                socket = (AFUNIXDatagramSocket) server.accept();
            } catch (IOException e) {
                releaseSlot();
                if (stopping || server.isClosed()) {
                    return;
                }
                // out of file descriptors, say: keep serving the connections we have, and try again shortly
                if (failures++ == 0) {
                    LOG.warn("{}: accept failed, retrying every {} ms until it works: {}", name,
                            ACCEPT_RETRY.toMillis(), e.toString());
                }
                Thread.sleep(ACCEPT_RETRY);
                continue;
            }
            failures = 0;
            serve(conns, socket);
        }
    }

    private void serve(Scope conns, AFUNIXDatagramSocket socket) {
        long n = accepted.incrementAndGet();
        active.incrementAndGet();
        String connection = name + " #" + n;
        try {
            conns.fork("#" + n, () -> {
                SERVING.set(this);
                try (UnixSeqpacketConnection c = UnixSeqpacketConnection.accepted(socket, connection, localAddress,
                        settings)) {
                    LOG.debug("{} accepted (peer {})", connection, c.peerCredentials());
                    handler.handle(c);
                } finally {
                    releaseSlot();
                    active.decrementAndGet();
                }
            });
        } catch (IllegalStateException closed) { // the scope is closing
            socket.close();
            active.decrementAndGet();
        }
    }

    /** Frees a connection slot; after a stop the slot queue is closed and nobody needs one. */
    private void releaseSlot() {
        try {
            slots.trySend(Boolean.TRUE);
        } catch (ChannelClosedException stopped) {
            // the server stopped accepting
        }
    }

    private void handlerFailed(Task<?> task, Throwable failure) {
        Throwable io = failure instanceof ChannelClosedException && failure.getCause() instanceof IOException
                ? failure.getCause() : failure;
        if (io instanceof IOException) {
            LOG.debug("{}: connection {} ended with an I/O error: {}", name, task.name(), io.toString());
        } else {
            LOG.warn("{}: handler of connection {} failed", name, task.name(), failure);
        }
    }

    /** Stops accepting: closes the listening socket (which ends a blocked accept) and the slot queue. */
    private void stopAccepting() {
        stopping = true;
        server.close();
        slots.close();
    }

    /**
     * Stops the server: stops accepting, cancels every connection's handler, and waits until the accept thread and
     * the handlers have ended and the socket file is removed. Idempotent.
     *
     * <p>Blocks until then, even if the caller is interrupted (the interrupt flag is kept). A handler of this
     * server may call it (a STOP command): it then does not wait, and the server has stopped once that handler
     * returns.
     */
    @Override
    public void close() {
        stopAccepting();
        Scope conns = connections;
        if (conns != null) {
            conns.cancel();
        }
        if (SERVING.get() == this) {
            return;
        }
        boolean interrupted = false;
        for (;;) {
            try {
                stopped.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return "UnixSeqpacketServer[" + name + ", " + active.get() + " active]";
    }

    /** Builds and starts a {@link UnixSeqpacketServer}. Not thread-safe. */
    public static final class Builder {
        private final SocketAddress address;
        private @Nullable String name;
        private int backlog = 128;
        private int maxConnections = 1_000;
        private UnixSeqpacketConnection.Settings settings = UnixSeqpacketConnection.Settings.DEFAULTS;

        private Builder(SocketAddress address) {
            this.address = address;
        }

        /**
         * Sets the name used for the scope, thread names and logs (default {@code seqpacket <address>}).
         *
         * @param name the name, not blank
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
         * Sets the listen backlog: how many clients may wait to be accepted (default 128).
         *
         * @param backlog the backlog, positive
         * @return this builder
         */
        public Builder backlog(int backlog) {
            if (backlog < 1) {
                throw new IllegalArgumentException("backlog must be positive: " + backlog);
            }
            this.backlog = backlog;
            return this;
        }

        /**
         * Sets how many connections are served at once (default 1,000); beyond it, clients wait in the backlog.
         *
         * @param connections the limit, from 1 to 1,000,000
         * @return this builder
         */
        public Builder maxConnections(int connections) {
            if (connections < 1 || connections > 1_000_000) {
                throw new IllegalArgumentException("maxConnections must be from 1 to 1000000: " + connections);
            }
            this.maxConnections = connections;
            return this;
        }

        /**
         * Sets the largest message each connection sends or delivers (default
         * {@value UnixSeqpacketConnection#DEFAULT_MAX_MESSAGE_SIZE} bytes).
         *
         * @param bytes the limit, from 1 to {@value UnixSeqpacketConnection#MAX_MESSAGE_SIZE}
         * @return this builder
         */
        public Builder maxMessageSize(int bytes) {
            settings = settings.withMaxMessageSize(bytes);
            return this;
        }

        /**
         * Sets how many received messages each connection's {@link UnixSeqpacketConnection#messages()} holds
         * (default {@value UnixSeqpacketConnection#DEFAULT_RECEIVE_BUFFER}).
         *
         * @param messages the capacity, from 1 to {@value UnixDatagramEndpoint#MAX_RECEIVE_BUFFER}
         * @return this builder
         */
        public Builder receiveBuffer(int messages) {
            settings = settings.withReceiveBuffer(messages);
            return this;
        }

        /**
         * Sets how long a connection's send may wait while its peer's queue is full (default 10 seconds).
         *
         * @param timeout the timeout, positive
         * @return this builder
         */
        public Builder sendTimeout(Duration timeout) {
            settings = settings.withSendTimeout(timeout);
            return this;
        }

        /**
         * Binds and listens, and starts the accept loop as a task of {@code scope}; returns once the server
         * accepts.
         *
         * @param scope the scope that owns the server and its connections
         * @param handler serves each connection
         * @return the listening server
         * @throws java.net.BindException if the address is in use (a live socket of any type is bound to it), or
         *     the path exists and is not a socket; the message names the address
         * @throws IOException on any other failure to bind or listen
         * @throws InterruptedException if interrupted while starting
         */
        public UnixSeqpacketServer start(Scope scope, Handler handler) throws IOException, InterruptedException {
            Objects.requireNonNull(scope, "scope");
            Objects.requireNonNull(handler, "handler");
            String serverName = name != null ? name : "seqpacket " + JunixAddresses.describe(address);
            AFUNIXDatagramSocket socket = JunixSockets.bind(address, AFSocketType.SOCK_SEQPACKET, serverName);
            UnixSeqpacketServer server;
            try {
                socket.listen(backlog);
                server = new UnixSeqpacketServer(this, socket, serverName, handler);
            } catch (IOException e) {
                abandon(socket);
                throw JunixSockets.named("cannot listen on " + serverName, e);
            } catch (RuntimeException e) {
                abandon(socket);
                throw e;
            }
            try {
                return scope.start(serverName + " accept", server::run);
            } catch (IllegalStateException closedScope) { // the accept task never ran
                abandon(socket);
                throw closedScope;
            }
        }

        private void abandon(AFUNIXDatagramSocket socket) {
            socket.close();
            if (address instanceof UnixDomainSocketAddress unix) {
                JunixSockets.removeSocketFile(unix.getPath(), null);
            }
        }
    }
}
