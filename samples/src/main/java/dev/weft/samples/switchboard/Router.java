package dev.weft.samples.switchboard;

import dev.weft.net.Dispatcher;
import dev.weft.net.Message;
import dev.weft.net.MessageConnection;
import dev.weft.runtime.Channel;
import dev.weft.runtime.ChannelClosedException;
import dev.weft.runtime.Scope;
import java.io.IOException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The switchboard's routing core, independent of how peers are connected: registration, forwarding by service name
 * with the sender stamped, broadcast, the cache for absent services, and the switchboard's own commands.
 */
final class Router {

    private static final Logger LOG = LoggerFactory.getLogger(Router.class);

    /** Service names that address the switchboard itself ({@code communicatord} for eventdispatcher peers). */
    static final Set<String> SELF = Set.of("switchboard", "communicatord");

    /** How many messages may wait to be written to one peer before new ones are dropped (and logged). */
    static final int OUTBOX = 1024;

    private final String serverName;
    private final MessageCache cache;
    private final Duration defaultTtl;
    private final @Nullable String password;
    private final Runnable logRotate;
    private final Channel<String> stopRequests = Channel.conflated();
    private final Map<String, Peer> registry = new ConcurrentHashMap<>();
    private final Map<MessageConnection, Peer> peers = new ConcurrentHashMap<>();
    private final Dispatcher self;
    private final AtomicLong routed = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();

    Router(String serverName, MessageCache cache, Duration defaultTtl, @Nullable String password,
            Runnable logRotate) {
        this.serverName = serverName;
        this.cache = cache;
        this.defaultTtl = defaultTtl;
        this.password = password;
        this.logRotate = logRotate;
        this.self = Dispatcher.builder()
                .on("REGISTER", (m, c) -> register(peer(c.connection()), m))
                .on("UNREGISTER", (m, c) -> unregister(peer(c.connection()), m))
                .on("COMMANDS", (m, c) -> commands(peer(c.connection()), m))
                .on("LIST_SERVICES", (m, c) -> c.reply(m.replyTo("SERVICES")
                        .parameter("list", String.join(",", new TreeSet<>(registry.keySet())))))
                .on("STOP", (m, c) -> {
                    LOG.info("STOP from {}", peer(c.connection()));
                    stopRequests.trySend("STOP from " + peer(c.connection()));
                })
                .on("LOG_ROTATE", (m, c) -> logRotate.run())
                .build();
    }

    /** One connected peer: a registered service, a client that only sends, or the UDP signal endpoint. */
    final class Peer {
        final MessageConnection connection;
        final boolean needsPassword;
        final String myAddress;
        final boolean datagram;
        private final Channel<Message> outbox;
        volatile @Nullable String service;
        volatile Set<String> commands = Set.of();

        Peer(MessageConnection connection, boolean needsPassword, String myAddress, boolean datagram) {
            this.connection = connection;
            this.needsPassword = needsPassword;
            this.myAddress = myAddress;
            this.datagram = datagram;
            this.outbox = Channel.<Message>builder().name(connection.name() + " outbox").capacity(OUTBOX).build();
        }

        /** Queues a message for this peer's writer; false (logged) if the peer is not reading fast enough. */
        boolean deliver(Message message) {
            try {
                if (outbox.trySend(message)) {
                    return true;
                }
            } catch (ChannelClosedException e) {
                LOG.debug("{} is leaving: {} not delivered", this, message.command());
                return false;
            }
            long n = dropped.incrementAndGet();
            LOG.warn("{}: {} messages wait to be written; dropped {} ({} dropped in all)", this, OUTBOX,
                    message.command(), n);
            return false;
        }

        @Override
        public String toString() {
            String s = service;
            return s != null ? "service " + s + " (" + connection.name() + ")" : connection.name();
        }
    }

    Peer attach(MessageConnection connection, boolean needsPassword, String myAddress, boolean datagram) {
        Peer peer = new Peer(connection, needsPassword, myAddress, datagram);
        connection.answerInvalid(true);
        peers.put(connection, peer);
        return peer;
    }

    private Peer peer(MessageConnection connection) {
        Peer peer = peers.get(connection);
        if (peer == null) {
            throw new IllegalStateException("no peer for " + connection.name());
        }
        return peer;
    }

    /**
     * Serves a peer until its connection ends: a writer task drains its outbox while this thread reads and routes.
     * Unregisters it at the end.
     */
    void serve(Peer peer) throws InterruptedException {
        try (Scope scope = Scope.open("peer " + peer.connection.name())) {
            if (!peer.datagram) {
                scope.fork("writer", () -> {
                    try {
                        for (Message m : peer.outbox) {
                            peer.connection.send(m);
                        }
                    } catch (IOException e) {
                        // the peer went away; the reader below sees the end of its stream and cleans up
                        LOG.debug("{}: writing failed: {}", peer, e.toString());
                    }
                    return null;
                });
            }
            try {
                for (;;) {
                    Message message;
                    try {
                        message = peer.connection.messages().receive();
                    } catch (ChannelClosedException e) {
                        break;
                    }
                    handle(peer, message);
                }
            } finally {
                peer.outbox.close();
                detach(peer);
            }
        }
    }

    private void detach(Peer peer) {
        peers.remove(peer.connection);
        String service = peer.service;
        if (service != null && registry.remove(service, peer)) {
            LOG.info("service {} disconnected", service);
        }
    }

    /** Routes one message from {@code from}: to the switchboard itself, to a service, or to every handler. */
    void handle(Peer from, Message message) throws InterruptedException {
        Optional<String> service = message.service();
        if (service.isEmpty() || SELF.contains(service.get())) {
            self.dispatch(message, from.connection);
            return;
        }
        routed.incrementAndGet();
        Optional<String> server = message.server();
        Message stamped = message.toBuilder().sentFrom(serverName, from.service != null ? from.service : "")
                .build();
        if (server.isPresent() && !server.get().equals(serverName) && !server.get().equals(".")
                && !server.get().equals("*")) {
            unavailable(from, message, "there is no route to server " + server.get());
            return;
        }
        switch (service.get()) {
            case "*", "." -> broadcast(from, stamped);
            case "?" -> LOG.debug("{} for remote services only: this switchboard has no remote peers", message);
            default -> toService(from, service.get(), message, stamped);
        }
    }

    private void broadcast(Peer from, Message stamped) {
        int reached = 0;
        for (Peer peer : registry.values()) {
            if (peer != from && peer.commands.contains(stamped.command()) && peer.deliver(stamped)) {
                reached++;
            }
        }
        LOG.debug("broadcast {} from {} reached {} services", stamped.command(), from, reached);
    }

    private void toService(Peer from, String service, Message original, Message stamped)
            throws InterruptedException {
        Peer target = registry.get(service);
        if (target != null) {
            target.deliver(stamped);
            return;
        }
        CacheOptions options = CacheOptions.of(original.parameter("cache").orElse(""), defaultTtl);
        if (options.no()) {
            if (options.reply()) {
                unavailable(from, original, "service " + service + " is not registered");
            }
            return;
        }
        MessageCache.Added added = cache.add(service, stamped, options.ttl(), System.nanoTime(), from,
                options.reply());
        if (added == MessageCache.Added.FULL) {
            LOG.warn("cache full ({} messages or {} bytes): dropped {} for {} from {}", cache.maxMessages(),
                    cache.maxBytes(), original.command(), service, from);
            if (options.reply()) {
                unavailable(from, original, "the cache is full");
            }
        }
    }

    /** Tells {@code to} that {@code message} was not delivered, if it can still be told. */
    private void unavailable(Peer to, Message message, String why) throws InterruptedException {
        LOG.info("{} from {} not delivered: {}", message.command(), to, why);
        Message answer = Message.builder("SERVICE_UNAVAILABLE")
                .parameter("destination_service", message.service().orElse(""))
                .parameter("unsent_command", message.command())
                .parameter("message", why).build();
        if (to.datagram) {
            try {
                to.connection.reply(message, answer);
            } catch (IOException | RuntimeException e) {
                LOG.debug("cannot answer {}: {}", to, e.toString());
            }
        } else {
            to.deliver(answer);
        }
    }

    private void register(Peer peer, Message message) throws IOException, InterruptedException {
        if (peer.datagram) {
            throw new IllegalArgumentException("REGISTER needs a stream connection (TCP, TLS or Unix), not UDP");
        }
        String service = message.require("service");
        if (service.isEmpty() || !service.chars().allMatch(c -> Character.isLetterOrDigit(c) || c == '_' || c == '-')
                || SELF.contains(service)) {
            throw new IllegalArgumentException("service name '" + service + "' is not valid");
        }
        if (peer.needsPassword && (password == null || !password.equals(message.parameter("password").orElse(null)))) {
            LOG.warn("{}: REGISTER {} with a wrong or missing password; closing", peer, service);
            peer.connection.send(Message.builder("INVALID").parameter("command", "REGISTER")
                    .parameter("message", "wrong or missing password").build());
            peer.connection.close();
            return;
        }
        Peer existing = registry.putIfAbsent(service, peer);
        if (existing != null && existing != peer) {
            if (existing.connection.isOpen()) {
                throw new IllegalArgumentException("service " + service + " is already registered by "
                        + existing.connection.name());
            }
            registry.replace(service, existing, peer);
        }
        String previous = peer.service;
        if (previous != null && !previous.equals(service)) {
            registry.remove(previous, peer);
        }
        peer.service = service;
        LOG.info("service {} registered ({})", service, peer.connection.name());
        peer.connection.send(Message.builder("HELP").build());
        peer.connection.send(Message.builder("READY").parameter("my_address", peer.myAddress).build());
        List<MessageCache.Entry> waiting = cache.take(service);
        for (MessageCache.Entry e : waiting) {
            peer.deliver(e.message());
        }
        if (!waiting.isEmpty()) {
            LOG.info("delivered {} cached messages to {}", waiting.size(), service);
        }
    }

    private void unregister(Peer peer, Message message) {
        String service = message.require("service");
        if (registry.remove(service, peer)) {
            peer.service = null;
            peer.commands = Set.of();
            LOG.info("service {} unregistered", service);
        } else {
            throw new IllegalArgumentException("service " + service + " is not registered on this connection");
        }
    }

    private void commands(Peer peer, Message message) {
        String list = message.parameter("list").orElse("");
        peer.commands = list.isBlank() ? Set.of() : Set.copyOf(Arrays.asList(list.split(",")));
        LOG.debug("{} handles {}", peer, peer.commands);
    }

    /** Drops what has expired in the cache, answering the senders that asked for it. */
    void expire() throws InterruptedException {
        for (MessageCache.Entry e : cache.expire(System.nanoTime())) {
            if (e.replyWhenDropped()) {
                unavailable(e.sender(), e.message(), "it expired in the cache");
            } else {
                LOG.info("{} for {} expired in the cache", e.message().command(), e.message().service().orElse(""));
            }
        }
    }

    /** Sends QUITTING to every registered service and closes their outboxes after it. */
    void quitting() {
        for (Peer peer : registry.values()) {
            peer.deliver(Message.builder("QUITTING").build());
            peer.outbox.close();
        }
    }

    Channel<String> stopRequests() {
        return stopRequests;
    }

    List<String> services() {
        return List.copyOf(new TreeSet<>(registry.keySet()));
    }

    int cached() {
        return cache.size();
    }

    /** The options of a message's {@code cache} parameter: {@code no}, {@code reply}, {@code ttl=N} (seconds). */
    record CacheOptions(boolean no, boolean reply, Duration ttl) {
        static CacheOptions of(String value, Duration defaultTtl) {
            boolean no = false;
            boolean reply = false;
            Duration ttl = defaultTtl;
            for (String item : value.split("[;,]")) {
                String t = item.strip();
                if (t.equals("no")) {
                    no = true;
                } else if (t.equals("reply")) {
                    reply = true;
                } else if (t.startsWith("ttl=")) {
                    try {
                        long seconds = Long.parseLong(t.substring(4));
                        if (seconds > 0) {
                            ttl = Duration.ofSeconds(Math.min(seconds, 86_400));
                        }
                    } catch (NumberFormatException e) {
                        LOG.debug("ignored a bad cache ttl '{}'", t);
                    }
                }
            }
            return new CacheOptions(no, reply, ttl);
        }
    }
}
