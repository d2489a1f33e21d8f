package dev.weft.samples.switchboard;

import dev.weft.net.Addresses;
import dev.weft.net.Connection;
import dev.weft.net.DatagramEndpoint;
import dev.weft.net.MessageConnection;
import dev.weft.net.StreamServer;
import dev.weft.net.TlsServerConfig;
import dev.weft.runtime.ReceiveChannel;
import dev.weft.runtime.Scope;
import dev.weft.runtime.Task;
import dev.weft.runtime.Ticker;
import dev.weft.runtime.Timers;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The switchboard: a local message router daemon (the seeds' communicatord, in weft).
 *
 * <p>Services connect over TCP, TLS or a Unix socket and send {@code REGISTER service=<name>;version=1}; the
 * switchboard answers {@code HELP} (the service answers {@code COMMANDS list=...}) and then
 * {@code READY my_address=<ip>}. From then on a message whose service is a registered name is forwarded to that
 * service's connection, stamped with the sender ({@code <server:service }) so the receiver can reply; service
 * {@code *} or {@code .} reaches every registered service whose COMMANDS list has the command. A message for a service
 * that is not registered is cached and delivered in order when it registers — for up to 60 s, or the {@code ttl=N}
 * of its {@code cache} parameter; {@code cache=no} drops it and {@code reply} in {@code cache} asks for a
 * {@code SERVICE_UNAVAILABLE} when it is dropped or expires. Messages without a service (or for service
 * {@code switchboard}) are for the switchboard itself: {@code HELP}, {@code ALIVE}, {@code LIST_SERVICES},
 * {@code STOP}, {@code LOG_ROTATE}, {@code REGISTER}, {@code UNREGISTER}; they are answered on the connection they
 * came on, registered or not. A UDP "signal" endpoint takes fire-and-forget messages, optionally only with the right
 * {@code secret_code}.
 *
 * <pre>{@code
 * try (Scope scope = Scope.open("switchboard")) {
 *     Switchboard switchboard = Switchboard.builder()
 *             .listen(new InetSocketAddress("127.0.0.1", 4040))
 *             .signal(new InetSocketAddress("127.0.0.1", 4041))
 *             .build();
 *     switchboard.start(scope);
 *     switchboard.stopRequests().receive();            // a STOP message (or select with a TERM channel)
 *     switchboard.shutdown(Duration.ofSeconds(5));     // QUITTING to every service, then stop
 * }
 * }</pre>
 *
 * <p>Bounded everywhere: each peer has an outbox of {@value Router#OUTBOX} messages (a service that does not read
 * loses new messages, logged, and never slows the others down), lines are limited to 1 MiB, UDP messages to 1 KiB,
 * and the cache to 10,000 messages and 8 MiB by default. A listener on an address that is not loopback requires a
 * password, which {@code REGISTER} must carry ({@code password=...}); a wrong one closes the connection.
 *
 * <p>Thread-safe.
 */
public final class Switchboard {

    private static final Logger LOG = LoggerFactory.getLogger(Switchboard.class);

    private final Builder config;
    private final Router router;
    private final List<StreamServer> servers = new ArrayList<>();
    private final List<Task<?>> tasks = new ArrayList<>();
    private @Nullable DatagramEndpoint signalEndpoint;
    private boolean started;

    private Switchboard(Builder config) {
        this.config = config;
        this.router = new Router(config.name, new MessageCache(config.cacheMessages, config.cacheBytes),
                config.cacheTtl, config.password, config.logRotate);
    }

    /**
     * Returns a builder with the defaults: no listeners, no signal endpoint, name from the host name.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Binds every listener and the signal endpoint and starts serving in {@code scope}; returns once all listen.
     *
     * @param scope the scope that owns the servers and every connection
     * @throws IOException if a listener cannot bind (the ones already bound are stopped)
     * @throws IllegalStateException if started twice
     * @throws InterruptedException if interrupted while starting
     */
    public synchronized void start(Scope scope) throws IOException, InterruptedException {
        if (started) {
            throw new IllegalStateException("switchboard " + config.name + " is already started");
        }
        started = true;
        try {
            for (Listener l : config.listeners) {
                StreamServer.Builder b = StreamServer.builder(l.address()).maxConnections(config.maxConnections)
                        .name("switchboard " + describe(l));
                if (l.tls() != null) {
                    b.tls(l.tls());
                }
                if (l.address() instanceof UnixDomainSocketAddress) {
                    if (config.unixPermissions != null) {
                        b.unixSocketPermissions(config.unixPermissions);
                    }
                    if (config.unixGroup != null) {
                        b.unixSocketGroup(config.unixGroup);
                    }
                }
                boolean needsPassword = needsPassword(l.address());
                servers.add(b.start(scope, c -> serve(c, needsPassword)));
            }
            if (config.signal != null) {
                DatagramEndpoint endpoint = DatagramEndpoint.builder(config.signal).bind();
                signalEndpoint = endpoint;
                MessageConnection.DatagramBuilder messages = MessageConnection.builder(endpoint)
                        .name("signal udp " + endpoint.localAddress());
                if (config.secret != null) {
                    messages.secretCode(config.secret);
                }
                MessageConnection connection = messages.build();
                Router.Peer peer = router.attach(connection, false, host(endpoint.localAddress()), true);
                tasks.add(scope.fork("signal", () -> {
                    try (connection; endpoint) {
                        router.serve(peer);
                    }
                    return null;
                }));
            }
            tasks.add(scope.fork("cache expiry", () -> {
                try (Ticker ticker = Timers.ticker(Duration.ofSeconds(1))) {
                    for (Instant ignored : ticker) {
                        router.expire();
                    }
                }
                return null;
            }));
        } catch (IOException | RuntimeException e) {
            for (StreamServer s : servers) {
                s.close();
            }
            throw e;
        }
        LOG.info("switchboard {} listening on {}{}", config.name, addresses().stream().map(Switchboard::format)
                .toList(), signalEndpoint != null ? ", signals on udp " + format(signalEndpoint.localAddress()) : "");
    }

    private void serve(Connection c, boolean needsPassword) throws InterruptedException {
        try (MessageConnection messages = MessageConnection.over(c)) {
            router.serve(router.attach(messages, needsPassword, host(c.localAddress()), false));
        }
    }

    private boolean needsPassword(SocketAddress address) {
        return address instanceof InetSocketAddress inet && !inet.getAddress().isLoopbackAddress();
    }

    private static String host(SocketAddress address) {
        if (address instanceof InetSocketAddress inet) {
            String ip = inet.getAddress().getHostAddress();
            int zone = ip.indexOf('%');
            return zone >= 0 ? ip.substring(0, zone) : ip;
        }
        return address instanceof UnixDomainSocketAddress unix ? unix.getPath().toString() : address.toString();
    }

    private static String format(SocketAddress address) {
        return address instanceof InetSocketAddress inet ? Addresses.format(inet) : address.toString();
    }

    private static String describe(Listener l) {
        if (l.address() instanceof UnixDomainSocketAddress unix) {
            return "unix:" + unix.getPath();
        }
        return (l.tls() != null ? "tls " : "tcp ") + Addresses.format((InetSocketAddress) l.address());
    }

    /**
     * The addresses the stream listeners are bound to (with the ports chosen for port 0), in the order given.
     *
     * @return the bound addresses
     */
    public synchronized List<SocketAddress> addresses() {
        return servers.stream().map(StreamServer::localAddress).toList();
    }

    /**
     * The address of the UDP signal endpoint, once started with one.
     *
     * @return the bound address, or empty
     */
    public synchronized Optional<InetSocketAddress> signalAddress() {
        return Optional.ofNullable(signalEndpoint).map(DatagramEndpoint::localAddress);
    }

    /**
     * The STOP requests received (conflated: the latest one, naming its sender); a daemon's main loop selects on it
     * together with its TERM and INT channels.
     *
     * @return the channel of stop requests
     */
    public ReceiveChannel<String> stopRequests() {
        return router.stopRequests();
    }

    /**
     * The registered services, sorted.
     *
     * @return the service names
     */
    public List<String> services() {
        return router.services();
    }

    /**
     * How many messages wait in the cache for services that are not registered.
     *
     * @return the number of cached messages
     */
    public int cachedMessages() {
        return router.cached();
    }

    /**
     * Shuts down gracefully: sends {@code QUITTING} to every registered service, stops accepting, waits up to
     * {@code grace} for the connections to close, then cancels the rest and the switchboard's own tasks.
     *
     * @param grace how long connections may take to close
     * @throws InterruptedException if interrupted while waiting
     */
    public void shutdown(Duration grace) throws InterruptedException {
        Objects.requireNonNull(grace, "grace");
        LOG.info("switchboard {} shutting down: QUITTING to {} services", config.name, router.services().size());
        router.quitting();
        List<StreamServer> stopping;
        List<Task<?>> own;
        synchronized (this) {
            stopping = List.copyOf(servers);
            own = List.copyOf(tasks);
        }
        try (Scope scope = Scope.open("switchboard shutdown")) {
            for (StreamServer server : stopping) {
                scope.fork("stop " + server.name(), () -> {
                    server.stop(grace);
                    return null;
                });
            }
            scope.join();
        }
        for (Task<?> task : own) {
            task.cancel();
        }
        LOG.info("switchboard {} stopped", config.name);
    }

    /** A listener: a TCP or Unix address, with TLS or not. */
    private record Listener(SocketAddress address, @Nullable TlsServerConfig tls) {
    }

    /** Configures a {@link Switchboard}. Not thread-safe. */
    public static final class Builder {
        private final List<Listener> listeners = new ArrayList<>();
        private String name = defaultName();
        private @Nullable InetSocketAddress signal;
        private @Nullable String secret;
        private @Nullable String password;
        private @Nullable String unixPermissions;
        private @Nullable String unixGroup;
        private Duration cacheTtl = Duration.ofSeconds(60);
        private int cacheMessages = 10_000;
        private long cacheBytes = 8L << 20;
        private int maxConnections = 10_000;
        private Runnable logRotate = () -> { };

        private Builder() {
        }

        private static String defaultName() {
            String host = System.getenv("HOSTNAME");
            if (host == null || host.isBlank()) {
                try {
                    host = java.net.InetAddress.getLocalHost().getHostName();
                } catch (IOException e) {
                    host = "localhost";
                }
            }
            String cleaned = host.split("\\.")[0].replaceAll("[^A-Za-z0-9_-]", "_");
            return cleaned.isEmpty() ? "localhost" : cleaned;
        }

        /**
         * Adds a TCP ({@link InetSocketAddress}) or Unix socket ({@link UnixDomainSocketAddress}) listener.
         *
         * @param address where to listen; port 0 picks a free port
         * @return this builder
         */
        public Builder listen(SocketAddress address) {
            listeners.add(new Listener(Objects.requireNonNull(address, "address"), null));
            return this;
        }

        /**
         * Adds a TLS listener.
         *
         * @param address where to listen
         * @param tls the server's certificate and key
         * @return this builder
         */
        public Builder listenTls(InetSocketAddress address, TlsServerConfig tls) {
            listeners.add(new Listener(Objects.requireNonNull(address, "address"), Objects.requireNonNull(tls, "tls")));
            return this;
        }

        /**
         * Sets the mode of Unix socket files, e.g. {@code rw-rw----} (default: the umask's).
         *
         * @param permissions the permissions in {@code rwxrwxrwx} form
         * @return this builder
         */
        public Builder unixSocketPermissions(String permissions) {
            this.unixPermissions = Objects.requireNonNull(permissions, "permissions");
            return this;
        }

        /**
         * Sets the group of Unix socket files (default: the process's).
         *
         * @param group the group name
         * @return this builder
         */
        public Builder unixSocketGroup(String group) {
            this.unixGroup = Objects.requireNonNull(group, "group");
            return this;
        }

        /**
         * Adds the UDP signal endpoint for fire-and-forget messages (1 KiB each).
         *
         * @param address where to listen
         * @return this builder
         */
        public Builder signal(InetSocketAddress address) {
            this.signal = Objects.requireNonNull(address, "address");
            return this;
        }

        /**
         * Requires {@code secret_code=<secret>} on every message to the signal endpoint (others are dropped and
         * counted).
         *
         * @param secret the shared secret
         * @return this builder
         */
        public Builder secret(String secret) {
            this.secret = Objects.requireNonNull(secret, "secret");
            return this;
        }

        /**
         * Sets the server name stamped on forwarded messages (default: the host name's first label).
         *
         * @param name a server name: letters, digits, {@code _} and {@code -}
         * @return this builder
         */
        public Builder name(String name) {
            Objects.requireNonNull(name, "name");
            if (name.isEmpty() || !name.chars().allMatch(c -> Character.isLetterOrDigit(c) || c == '_' || c == '-')) {
                throw new IllegalArgumentException("name must be letters, digits, '_' or '-': '" + name + "'");
            }
            this.name = name;
            return this;
        }

        /**
         * Sets the password that {@code REGISTER} must carry on listeners that are not on a loopback address.
         *
         * @param password the password
         * @return this builder
         */
        public Builder password(String password) {
            Objects.requireNonNull(password, "password");
            if (password.isEmpty()) {
                throw new IllegalArgumentException("password must not be empty");
            }
            this.password = password;
            return this;
        }

        /**
         * Sets how long a message waits in the cache for its service by default (60 s).
         *
         * @param ttl the time to live
         * @return this builder
         */
        public Builder cacheTtl(Duration ttl) {
            if (ttl.isNegative() || ttl.isZero()) {
                throw new IllegalArgumentException("cacheTtl must be positive: " + ttl);
            }
            this.cacheTtl = ttl;
            return this;
        }

        /**
         * Bounds the cache (default 10,000 messages and 8 MiB); a message that does not fit is dropped and logged.
         *
         * @param messages the most messages
         * @param bytes the most bytes of message text
         * @return this builder
         */
        public Builder cacheLimits(int messages, long bytes) {
            if (messages < 1 || bytes < 1) {
                throw new IllegalArgumentException("cache limits must be positive: " + messages + " messages, "
                        + bytes + " bytes");
            }
            this.cacheMessages = messages;
            this.cacheBytes = bytes;
            return this;
        }

        /**
         * Sets what {@code LOG_ROTATE} does (default: nothing), e.g. reopen the log file.
         *
         * @param action the action; runs on the thread of the connection that asked
         * @return this builder
         */
        public Builder onLogRotate(Runnable action) {
            this.logRotate = Objects.requireNonNull(action, "action");
            return this;
        }

        /**
         * Builds the switchboard.
         *
         * @return the switchboard, not started
         * @throws IllegalStateException if there is no listener at all, or a listener is not on a loopback address
         *     and no password is set
         */
        public Switchboard build() {
            if (listeners.isEmpty() && signal == null) {
                throw new IllegalStateException("a switchboard needs at least one listener");
            }
            for (Listener l : listeners) {
                if (l.address() instanceof InetSocketAddress inet && !inet.getAddress().isLoopbackAddress()
                        && password == null) {
                    throw new IllegalStateException("listener " + inet + " is not on a loopback address: set a"
                            + " password (services must then REGISTER with password=...)");
                }
            }
            return new Switchboard(this);
        }
    }
}
