package dev.weft.net;

import static dev.weft.net.NetTestSupport.awaitCondition;
import static dev.weft.net.NetTestSupport.closedPort;
import static dev.weft.net.PermanentTestSupport.advanceToTimer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.net.PermanentEvent.Backoff;
import dev.weft.net.PermanentEvent.Connected;
import dev.weft.net.PermanentEvent.Disconnected;
import dev.weft.net.PermanentEvent.DropReason;
import dev.weft.net.PermanentEvent.MessageDropped;
import dev.weft.net.PermanentEvent.StateChanged;
import dev.weft.net.PermanentTestSupport.Backend;
import dev.weft.net.PermanentTestSupport.Events;
import dev.weft.net.spi.Resolution;
import dev.weft.runtime.ChannelClosedException;
import dev.weft.runtime.Scope;
import dev.weft.runtime.Task;
import dev.weft.runtime.VirtualClock;
import dev.weft.runtime.testing.PinningGuard;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Permanent connections beyond the seven scenarios, on the real wire: message mode with calls, handshakes and a
 * dispatcher; heartbeats; the send policies; close and scope end; reconnectNow; the listener; rotation after a loss;
 * Unix sockets and TLS.
 */
@ExtendWith(PinningGuard.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
final class PermanentConnectionTest {

    private final VirtualClock clock = VirtualClock.create();
    private final List<AutoCloseable> cleanup = new ArrayList<>();

    @TempDir
    Path dir;

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : cleanup.reversed()) {
            c.close();
        }
    }

    private Backend backend(String host, int port) throws Exception {
        Backend b = Backend.start(host, port);
        cleanup.add(b);
        return b;
    }

    private Scope clientScope() {
        return Scope.builder().name("client").timeSource(clock).open();
    }

    private static PermanentConnection.Builder lines(InetSocketAddress... addresses) {
        return PermanentConnection.builder(List.of(addresses)).mode(PermanentConnection.Mode.LINES);
    }

    /** A message backend: REGISTER → READY, STATUS → OK, HANG → nothing; the dispatcher's conventions (ALIVE). */
    private StreamServer messageBackend(String host, int port) throws Exception {
        Scope scope = Scope.open("message backend");
        Dispatcher dispatcher = Dispatcher.builder()
                .on("REGISTER", (m, ctx) -> ctx.reply(m.replyTo("READY")))
                .on("STATUS", (m, ctx) -> ctx.reply(m.replyTo("OK").parameter("load", 3)))
                .on("HANG", (m, ctx) -> { })
                .on("PUSH", (m, ctx) -> ctx.connection().send(Message.builder("PUSHED").build()))
                .build();
        StreamServer server = StreamServer.builder(new InetSocketAddress(host, port))
                .start(scope, c -> dispatcher.serve(MessageConnection.over(c)));
        cleanup.add(scope);
        cleanup.add(server);
        return server;
    }

    @Test
    void messageMode_handshakeCallAndMessages_overTheReadyConnection() throws Exception {
        StreamServer server = messageBackend("127.0.0.2", 0);
        try (Scope scope = clientScope()) {
            PermanentConnection c = PermanentConnection.builder(List.of(new InetSocketAddress("127.0.0.2",
                            server.port())))
                    .handshake(PermanentConnection.Handshake.call(Message.builder("REGISTER").parameter("service",
                            "test").parameter("version", 1).build(), "READY", Duration.ofSeconds(5)))
                    .open(scope);
            Events events = new Events(c);
            events.awaitState(ConnectionState.HANDSHAKING);
            events.awaitState(ConnectionState.READY);
            Message reply = c.call(Message.builder("STATUS").build(), Duration.ofSeconds(10));
            assertThat(reply.command()).isEqualTo("OK");
            assertThat(reply.parameter("load")).contains("3");
            c.send(Message.builder("PUSH").build());
            Message pushed = c.messages().receive(PermanentTestSupport.WAIT).orElseThrow();
            assertThat(pushed.command()).isEqualTo("PUSHED");
            assertThat(c.metrics().bytesIn()).isPositive();
            assertThat(c.metrics().bytesOut()).isPositive();
            assertThatThrownBy(() -> c.send("raw")).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("LINES");
            assertThatThrownBy(c::lines).isInstanceOf(IllegalStateException.class);
        }
    }

    @Test
    void call_connectionLostWhileWaiting_saysRequestMayHaveBeenDelivered() throws Exception {
        StreamServer server = messageBackend("127.0.0.2", 0);
        try (Scope scope = clientScope()) {
            PermanentConnection c = PermanentConnection.builder(List.of(new InetSocketAddress("127.0.0.2",
                    server.port()))).open(scope);
            assertThat(c.awaitReady(PermanentTestSupport.WAIT)).isTrue();
            Task<Message> call = scope.fork("call", () -> c.call(Message.builder("HANG").build(),
                    Duration.ofMinutes(1)));
            awaitCondition(() -> server.activeConnections() == 1, "the backend to serve the client");
            server.close();
            assertThatThrownBy(() -> call.join(PermanentTestSupport.WAIT))
                    .satisfies(e -> assertThat(rootOrSelf(e, ConnectionLostException.class).getMessage())
                            .contains("may have been delivered").contains("HANG"));
        }
    }

    private static Throwable rootOrSelf(Throwable e, Class<?> type) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return t;
            }
        }
        throw new AssertionError("no " + type.getSimpleName() + " in " + e, e);
    }

    @Test
    void dispatcher_handlesReceivedMessagesOnEveryConnection() throws Exception {
        StreamServer server = messageBackend("127.0.0.2", 0);
        List<String> handled = new CopyOnWriteArrayList<>();
        Dispatcher client = Dispatcher.builder().on("PUSHED", (m, ctx) -> handled.add(m.command())).build();
        try (Scope scope = clientScope()) {
            PermanentConnection c = PermanentConnection.builder(List.of(new InetSocketAddress("127.0.0.2",
                    server.port()))).dispatcher(client).open(scope);
            assertThat(c.awaitReady(PermanentTestSupport.WAIT)).isTrue();
            c.send(Message.builder("PUSH").build());
            awaitCondition(() -> handled.contains("PUSHED"), "the client dispatcher to handle PUSHED");
            assertThat(c.messages().tryReceive()).isEmpty();
        }
    }

    @Test
    void lineHandshake_registerAnsweredByReady_thenReady() throws Exception {
        Backend backend = backend("127.0.0.2", 0);
        try (Scope scope = clientScope()) {
            PermanentConnection c = lines(backend.address())
                    .handshake(PermanentConnection.Handshake.line("REGISTER me", "READY", Duration.ofSeconds(5)))
                    .open(scope);
            Events events = new Events(c);
            events.awaitState(ConnectionState.HANDSHAKING);
            events.awaitState(ConnectionState.READY);
            assertThat(backend.received).containsExactly("REGISTER me");
        }
    }

    @Test
    void lineHandshake_noAnswer_timesOutAndBacksOff() throws Exception {
        Backend backend = backend("127.0.0.2", 0);
        try (Scope scope = clientScope()) {
            PermanentConnection c = lines(backend.address())
                    .handshake(PermanentConnection.Handshake.line("HELLO", "READY", Duration.ofSeconds(5)))
                    .open(scope);
            Events events = new Events(c);
            events.awaitState(ConnectionState.HANDSHAKING);
            backend.awaitLine("HELLO");
            advanceToTimer(clock, Duration.ofSeconds(5));
            StateChanged backoff = events.awaitState(ConnectionState.BACKOFF);
            assertThat(backoff.cause().orElseThrow()).contains("handshake").contains("no READY within PT5S");
            assertThat(events.await(Backoff.class).failures()).isEqualTo(1);
        }
    }

    @Test
    void heartbeat_peerStopsAnswering_declaredDeadAfterMisses() throws Exception {
        Backend backend = backend("127.0.0.2", 0);
        try (Scope scope = clientScope()) {
            PermanentConnection c = lines(backend.address())
                    .heartbeat(PermanentConnection.Heartbeat.every(Duration.ofSeconds(10), 3))
                    .open(scope);
            Events events = new Events(c);
            events.awaitState(ConnectionState.READY);
            backend.awaitLine("ALIVE"); // the first probe goes out at once, and is answered
            awaitCondition(() -> c.metrics().bytesIn() > 0, "the first ABSOLUTELY");
            backend.muted = true;
            for (int i = 0; i < 4; i++) {
                advanceToTimer(clock, Duration.ofSeconds(10));
                int probes = i + 2;
                awaitCondition(() -> backend.received.stream().filter("ALIVE"::equals).count() >= probes
                        || c.state() != ConnectionState.READY, "probe " + probes);
            }
            Disconnected dead = events.await(Disconnected.class);
            assertThat(dead.cause()).contains("heartbeat").contains("ABSOLUTELY");
            assertThat(c.metrics().disconnections()).containsEntry("heartbeat", 1L);
            assertThat(c.lines().tryReceive()).isEmpty(); // the ABSOLUTELY replies were not delivered
        }
    }

    @Test
    void heartbeat_messageMode_silentPeer_declaredDead() throws Exception {
        Backend backend = backend("127.0.0.2", 0);
        backend.muted = true; // reads ALIVE, never answers ABSOLUTELY
        try (Scope scope = clientScope()) {
            PermanentConnection c = PermanentConnection.builder(List.of(backend.address()))
                    .heartbeat(PermanentConnection.Heartbeat.every(Duration.ofSeconds(10), 2))
                    .open(scope);
            Events events = new Events(c);
            events.awaitState(ConnectionState.READY);
            backend.awaitLine("ALIVE");
            advanceToTimer(clock, Duration.ofSeconds(10)); // first miss; the second probe goes out
            awaitCondition(() -> backend.received.stream().filter("ALIVE"::equals).count() == 2, "the second probe");
            advanceToTimer(clock, Duration.ofSeconds(10)); // second miss: dead
            Disconnected dead = events.await(Disconnected.class);
            assertThat(dead.cause()).contains("heartbeat").contains("2 ALIVE probes");
            assertThat(dead.uptime()).isEqualTo(Duration.ofSeconds(20));
        }
    }

    @Test
    void passTimeout_endsAPassOfBlackholedAddresses() throws Exception {
        try (NetTestSupport.Blackhole h1 = new NetTestSupport.Blackhole("127.0.0.2");
                NetTestSupport.Blackhole h2 = new NetTestSupport.Blackhole("127.0.0.3");
                NetTestSupport.Blackhole h3 = new NetTestSupport.Blackhole("127.0.0.4");
                Scope scope = clientScope()) {
            PermanentConnection c = lines(h1.address(), h2.address(), h3.address())
                    .happyEyeballsDelay(Duration.ofSeconds(2))
                    .connectTimeout(Duration.ofSeconds(5))
                    .passTimeout(Duration.ofSeconds(5))
                    .open(scope);
            Events events = new Events(c);
            assertThat(events.await(PermanentEvent.ConnectAttempt.class).address()).isEqualTo(h1.address());
            advanceToTimer(clock, Duration.ofSeconds(2));
            assertThat(events.await(PermanentEvent.ConnectAttempt.class).address()).isEqualTo(h2.address());
            advanceToTimer(clock, Duration.ofSeconds(2));
            assertThat(events.await(PermanentEvent.ConnectAttempt.class).address()).isEqualTo(h3.address());
            advanceToTimer(clock, Duration.ofSeconds(1));
            List<PermanentEvent.ConnectFailed> failed = List.of(events.await(PermanentEvent.ConnectFailed.class),
                    events.await(PermanentEvent.ConnectFailed.class), events.await(PermanentEvent.ConnectFailed.class));
            assertThat(failed).extracting(PermanentEvent.ConnectFailed::address)
                    .containsExactly(h1.address(), h2.address(), h3.address());
            assertThat(failed.get(0).cause()).hasMessageContaining("timed out after PT5S");
            assertThat(failed.get(2).cause()).hasMessageContaining("the pass timeout");
            assertThat(failed).extracting(PermanentEvent.ConnectFailed::duration)
                    .containsExactly(Duration.ofSeconds(5), Duration.ofSeconds(3), Duration.ofSeconds(1));
            assertThat(events.await(Backoff.class).failures()).isEqualTo(1);
        }
    }

    @Test
    void lostBeforeHealthy_backoffNotReset_waitsInsteadOfRetryingAtOnce() throws Exception {
        Backend backend = backend("127.0.0.2", 0);
        try (Scope scope = clientScope()) {
            PermanentConnection c = lines(backend.address()).open(scope);
            Events events = new Events(c);
            events.awaitState(ConnectionState.READY);
            backend.dropConnections(); // READY for 0 s: a flap
            Disconnected lost = events.await(Disconnected.class);
            assertThat(lost.uptime()).isZero();
            Backoff b = events.await(Backoff.class);
            assertThat(b.failures()).isEqualTo(1);
            assertThat(b.delay()).isBetween(Duration.ofMillis(800), Duration.ofMillis(1200));
            awaitCondition(() -> clock.nextTimer().equals(Optional.of(clock.now().plus(b.delay()))), "the backoff timer");
            clock.advance(Duration.ofMillis(500));
            PermanentMetrics m = c.metrics();
            assertThat(m.sinceLastReady()).contains(Duration.ofMillis(500));
            assertThat(m.currentBackoff()).isEqualTo(b.delay());
            assertThat(m.consecutiveFailures()).isEqualTo(1);
            clock.advance(b.delay().minusMillis(500));
            events.awaitState(ConnectionState.READY);
            assertThat(c.metrics().sinceLastReady()).contains(Duration.ZERO);
            assertThat(c.metrics().lastTimeToReconnect()).contains(b.delay());
        }
    }

    @Test
    void afterLoss_nextPassStartsAtTheAddressAfterTheLostOne() throws Exception {
        Backend a = backend("127.0.0.2", 0);
        Backend b = backend("127.0.0.3", 0);
        try (Scope scope = clientScope()) {
            PermanentConnection c = lines(a.address(), b.address()).open(scope);
            Events events = new Events(c);
            assertThat(events.await(Connected.class).remote()).isEqualTo(a.address());
            events.awaitState(ConnectionState.READY);
            clock.advance(Duration.ofSeconds(6));
            a.dropConnections(); // A still listens, but the next pass starts at B
            assertThat(events.await(Connected.class).remote()).isEqualTo(b.address());
            assertThat(a.accepted.get()).isEqualTo(1);
        }
    }

    @Test
    void idempotent_writtenBeforeLoss_sentAgainAfterReconnect_othersAtMostOnce() throws Exception {
        Backend backend = backend("127.0.0.2", 0);
        try (Scope scope = clientScope()) {
            PermanentConnection c = lines(backend.address()).open(scope);
            Events events = new Events(c);
            events.awaitState(ConnectionState.READY);
            c.send("once");
            c.send("twice", true);
            backend.awaitLine("twice");
            clock.advance(Duration.ofSeconds(6)); // healthy, and within the buffer's 30 s
            backend.dropConnections();
            events.await(Disconnected.class);
            events.awaitState(ConnectionState.READY);
            c.send("after");
            backend.awaitLine("after");
            assertThat(backend.received).containsExactly("once", "twice", "twice", "after");
        }
    }

    @Test
    void idempotent_olderThanTheBufferAge_notReplayed() throws Exception {
        Backend backend = backend("127.0.0.2", 0);
        try (Scope scope = clientScope()) {
            PermanentConnection c = lines(backend.address()).open(scope);
            Events events = new Events(c);
            events.awaitState(ConnectionState.READY);
            c.send("old", true);
            backend.awaitLine("old");
            clock.advance(Duration.ofSeconds(30));
            backend.dropConnections();
            events.await(Disconnected.class);
            events.awaitState(ConnectionState.READY);
            c.send("after");
            backend.awaitLine("after");
            assertThat(backend.received).containsExactly("old", "after");
        }
    }

    @Test
    void call_whileNotReady_waitsForReadyWithinItsTimeout() throws Exception {
        InetSocketAddress address = closedPort("127.0.0.2");
        try (Scope scope = clientScope()) {
            PermanentConnection c = PermanentConnection.builder(List.of(address)).open(scope);
            Events events = new Events(c);
            Backoff first = events.await(Backoff.class);
            Task<Message> call = scope.fork("call", () -> c.call(Message.builder("STATUS").build(),
                    Duration.ofMinutes(1)));
            awaitCondition(() -> clock.pendingTimers() >= 2, "the call to wait"); // the backoff and the call
            messageBackend("127.0.0.2", address.getPort());
            clock.advance(first.delay());
            assertThat(call.join(PermanentTestSupport.WAIT).command()).isEqualTo("OK");
        }
    }

    @Test
    void closeWhileConnectingToABlackhole_endsAtOnce_closed() throws Exception {
        PermanentConnection c;
        try (NetTestSupport.Blackhole hole = new NetTestSupport.Blackhole("127.0.0.2")) {
            Events events;
            try (Scope scope = clientScope()) {
                c = lines(hole.address()).connectTimeout(Duration.ofMinutes(5)).open(scope);
                events = new Events(c);
                events.await(PermanentEvent.ConnectAttempt.class);
            } // the scope ends while the connect hangs: the attempt is cancelled, its socket closed
            assertThat(c.state()).isEqualTo(ConnectionState.CLOSED);
            assertThat(events.awaitState(ConnectionState.CLOSED).cause()).contains("scope ended");
            events.await(PermanentEvent.Closed.class);
        }
    }

    @Test
    void events_nobodyReads_oldestDroppedAndCounted() throws Exception {
        try (Scope scope = clientScope()) {
            PermanentConnection c = lines(closedPort("127.0.0.2")).eventBuffer(4)
                    .backoff(dev.failsafe.RetryPolicy.builder().withDelay(Duration.ofSeconds(1)).build())
                    .open(scope);
            // one failed pass publishes five: CONNECTING, ConnectAttempt, ConnectFailed, BACKOFF, Backoff
            awaitCondition(() -> c.metrics().eventsDropped() > 0, "events to be dropped");
            assertThat(c.events().tryReceive()).isPresent();
        }
    }

    @Test
    void failFast_whileNotReady_throwsNotConnected() throws Exception {
        try (Scope scope = clientScope()) {
            PermanentConnection c = lines(closedPort("127.0.0.2")).sendPolicy(SendPolicy.failFast()).open(scope);
            new Events(c).await(Backoff.class);
            assertThatThrownBy(() -> c.send("x")).isInstanceOfSatisfying(PermanentSendException.class,
                    e -> assertThat(e.reason()).isEqualTo(PermanentSendException.Reason.NOT_CONNECTED))
                    .hasMessageContaining("not connected").hasMessageContaining("BACKOFF");
        }
    }

    @Test
    void block_waitsUntilReady_thenWrites() throws Exception {
        InetSocketAddress address = closedPort("127.0.0.2");
        try (Scope scope = clientScope()) {
            PermanentConnection c = lines(address).sendPolicy(SendPolicy.block(Duration.ofMinutes(5))).open(scope);
            Events events = new Events(c);
            Backoff first = events.await(Backoff.class);
            Task<PermanentConnection.SendResult> send = scope.fork("sender", () -> c.send("waited"));
            awaitCondition(() -> clock.pendingTimers() >= 2, "the sender to wait"); // backoff + the send timeout
            Backend backend = backend("127.0.0.2", address.getPort());
            clock.advance(first.delay());
            assertThat(send.join(PermanentTestSupport.WAIT)).isEqualTo(PermanentConnection.SendResult.WRITTEN);
            backend.awaitLine("waited");
        }
    }

    @Test
    void block_notReadyWithinTimeout_throwsTimeout() throws Exception {
        try (Scope scope = clientScope()) {
            PermanentConnection c = lines(closedPort("127.0.0.2")).sendPolicy(SendPolicy.block(Duration.ofSeconds(3)))
                    .open(scope);
            new Events(c).await(Backoff.class);
            Task<PermanentConnection.SendResult> send = scope.fork("sender", () -> c.send("never"));
            awaitCondition(() -> clock.pendingTimers() >= 2, "the sender to wait");
            clock.advance(Duration.ofMillis(3000));
            assertThatThrownBy(() -> send.join(PermanentTestSupport.WAIT))
                    .satisfies(e -> assertThat(((PermanentSendException) rootOrSelf(e, PermanentSendException.class))
                            .reason()).isEqualTo(PermanentSendException.Reason.TIMEOUT));
        }
    }

    @Test
    void buffer_entryOlderThanMaxAge_droppedAsExpired() throws Exception {
        try (Scope scope = clientScope()) {
            PermanentConnection c = lines(closedPort("127.0.0.2"))
                    .backoff(dev.failsafe.RetryPolicy.builder().withDelay(Duration.ofMinutes(10)).build())
                    .open(scope);
            Events events = new Events(c);
            events.await(Backoff.class);
            c.send("old");
            awaitCondition(() -> clock.nextTimer().equals(Optional.of(clock.now().plusSeconds(30))),
                    "the expiry timer of the oldest message");
            clock.advance(Duration.ofSeconds(20));
            c.send("young");
            clock.advance(Duration.ofSeconds(10)); // "old" is 30 s old now
            assertThat(events.await(MessageDropped.class)).isEqualTo(new MessageDropped("old", DropReason.EXPIRED));
            assertThat(c.metrics().bufferedNow()).isEqualTo(1);
            assertThat(c.metrics().messagesDropped()).containsEntry(DropReason.EXPIRED, 1L);
        }
    }

    @Test
    void close_failsBufferedSends_publishesClosedLast_andRefusesNewSends() throws Exception {
        List<PermanentEvent> heard = new CopyOnWriteArrayList<>();
        try (Scope scope = clientScope()) {
            PermanentConnection c = lines(closedPort("127.0.0.2")).listener(heard::add).open(scope);
            Events events = new Events(c);
            events.await(Backoff.class);
            c.send("pending-1");
            c.send("pending-2");
            c.close();
            assertThat(events.await(MessageDropped.class)).isEqualTo(new MessageDropped("pending-1",
                    DropReason.CLOSED));
            assertThat(events.await(MessageDropped.class)).isEqualTo(new MessageDropped("pending-2",
                    DropReason.CLOSED));
            assertThat(events.awaitState(ConnectionState.CLOSED).cause()).contains("closed");
            events.await(PermanentEvent.Closed.class);
            assertThatThrownBy(() -> c.events().receive()).isInstanceOf(ChannelClosedException.class);
            assertThatThrownBy(() -> c.lines().receive()).isInstanceOf(ChannelClosedException.class);
            assertThatThrownBy(() -> c.send("late")).isInstanceOfSatisfying(PermanentSendException.class,
                    e -> assertThat(e.reason()).isEqualTo(PermanentSendException.Reason.CLOSED));
            assertThat(c.state()).isEqualTo(ConnectionState.CLOSED);
            assertThat(c.reconnectNow()).isFalse();
            c.close(); // idempotent
            assertThat(heard).isEqualTo(events.seen);
            assertThat(heard.getLast()).isInstanceOf(PermanentEvent.Closed.class);
        }
    }

    @Test
    void scopeEnds_connectionClosed_socketClosedAtBackend() throws Exception {
        Backend backend = backend("127.0.0.2", 0);
        PermanentConnection c;
        try (Scope scope = clientScope()) {
            c = lines(backend.address()).open(scope);
            assertThat(c.awaitReady(PermanentTestSupport.WAIT)).isTrue();
            awaitCondition(() -> backend.open.size() == 1, "the backend to see the client");
        }
        assertThat(c.state()).isEqualTo(ConnectionState.CLOSED);
        awaitCondition(() -> backend.open.isEmpty(), "the backend to see the client go");
    }

    @Test
    void reconnectNow_skipsTheBackoff_andIsRateLimited() throws Exception {
        InetSocketAddress address = closedPort("127.0.0.2");
        try (Scope scope = clientScope()) {
            PermanentConnection c = lines(address).open(scope);
            Events events = new Events(c);
            Backoff first = events.await(Backoff.class);
            assertThat(first.delay()).isPositive();
            Backend backend = backend("127.0.0.2", address.getPort());
            assertThat(c.reconnectNow()).isTrue();
            assertThat(c.reconnectNow()).isFalse(); // within the initial delay (1 s) of the first
            events.awaitState(ConnectionState.READY);
            assertThat(clock.elapsed()).isZero();
            c.send("now");
            backend.awaitLine("now");
        }
    }

    @Test
    void unixSocket_connectsLosesAndReconnects() throws Exception {
        Path socket = dir.resolve("backend.sock");
        Scope serverScope = Scope.open("unix backend");
        cleanup.add(serverScope);
        List<String> got = new CopyOnWriteArrayList<>();
        ConnectionHandler record = conn -> {
            for (String line : conn.lines()) {
                got.add(line);
            }
        };
        StreamServer server = StreamServer.builder(UnixDomainSocketAddress.of(socket)).start(serverScope, record);
        try (Scope scope = clientScope()) {
            PermanentConnection c = PermanentConnection.builder(socket).mode(PermanentConnection.Mode.LINES)
                    .open(scope);
            Events events = new Events(c);
            assertThat(events.await(Connected.class).remote()).isEqualTo(UnixDomainSocketAddress.of(socket));
            events.awaitState(ConnectionState.READY);
            c.send("one");
            awaitCondition(() -> got.contains("one"), "the first line");
            server.close();
            Backoff b = events.await(Backoff.class, x -> x.failures() == 1, "a failed attempt");
            server = StreamServer.builder(UnixDomainSocketAddress.of(socket)).start(serverScope, record);
            cleanup.add(server);
            advanceToTimer(clock, b.delay());
            events.awaitState(ConnectionState.READY);
            c.send("two");
            awaitCondition(() -> got.contains("two"), "the line after the reconnection");
        }
    }

    @Test
    void tls_serverNameIsTheHostNameNotTheResolvedAddress() throws Exception {
        TestCertificates certs = TestCertificates.create(dir);
        TlsServerConfig serverTls = TlsServerConfig.fromPem(certs.rsa().chainPem(), certs.rsa().keyPem());
        Scope serverScope = Scope.open("tls backend");
        cleanup.add(serverScope);
        List<String> got = new CopyOnWriteArrayList<>();
        StreamServer server = StreamServer.builder(new InetSocketAddress("127.0.0.2", 0)).tls(serverTls)
                .start(serverScope, conn -> {
                    for (String line : conn.lines()) {
                        got.add(line);
                    }
                });
        cleanup.add(server);
        // the certificate names localhost, 127.0.0.1 and ::1 — not 127.0.0.2, where "localhost" resolves here
        InetAddress only = InetAddress.getByName("127.0.0.2");
        try (Scope scope = clientScope()) {
            PermanentConnection c = PermanentConnection.builder("localhost", server.port())
                    .resolver(host -> new Resolution(host, List.of(only), Duration.ofSeconds(30)))
                    .tls(TlsClientConfig.builder().trustPem(certs.caPem()).build())
                    .mode(PermanentConnection.Mode.LINES)
                    .open(scope);
            assertThat(c.awaitReady(PermanentTestSupport.WAIT)).isTrue();
            c.send("secret");
            awaitCondition(() -> got.contains("secret"), "the line over TLS");
        }
    }

    @Test
    void ipv6Loopback_connects() throws Exception {
        Backend backend = backend("::1", 0);
        try (Scope scope = clientScope()) {
            PermanentConnection c = lines(backend.address()).open(scope);
            assertThat(c.awaitReady(PermanentTestSupport.WAIT)).isTrue();
            assertThat(c.remoteAddress()).contains(backend.address());
            assertThat(c.reconnectNow()).isFalse(); // READY: no wait to skip
            c.send("v6");
            backend.awaitLine("v6");
        }
    }

    @Test
    void failedPass_reResolvesBeforeTheNextPass_evenWithinTheTtl() throws Exception {
        try (TestDnsServer dns = TestDnsServer.start()) {
            InetSocketAddress nobody = closedPort("127.0.0.2");
            dns.set("gone.test", Duration.ofSeconds(60), InetAddress.getByName("127.0.0.2"));
            try (Scope scope = clientScope()) {
                PermanentConnection c = PermanentConnection.builder("gone.test.", nobody.getPort())
                        .resolver(DnsResolver.builder().server(dns.address()).attempts(1).build())
                        .minResolutionInterval(Duration.ZERO)
                        .mode(PermanentConnection.Mode.LINES).open(scope);
                Events events = new Events(c);
                Backoff first = events.await(Backoff.class);
                assertThat(dns.count("gone.test.", "A")).isEqualTo(1);
                Backend moved = backend("127.0.0.3", nobody.getPort());
                dns.set("gone.test", Duration.ofSeconds(60), InetAddress.getByName("127.0.0.3")); // a new pod
                advanceToTimer(clock, first.delay()); // well within the 60 s TTL
                PermanentEvent.Resolved fresh = events.await(PermanentEvent.Resolved.class);
                assertThat(fresh.addresses()).containsExactly(InetAddress.getByName("127.0.0.3"));
                assertThat(events.await(Connected.class).remote()).isEqualTo(moved.address());
                assertThat(dns.count("gone.test.", "A")).isEqualTo(2);
            }
        }
    }

    @Test
    void failedPasses_reResolveAtMostOncePerMinResolutionInterval() throws Exception {
        try (TestDnsServer dns = TestDnsServer.start()) {
            InetSocketAddress nobody = closedPort("127.0.0.2");
            dns.set("down.test", Duration.ofSeconds(60), InetAddress.getByName("127.0.0.2"));
            try (Scope scope = clientScope()) {
                PermanentConnection c = PermanentConnection.builder("down.test.", nobody.getPort())
                        .resolver(DnsResolver.builder().server(dns.address()).attempts(1).build())
                        .backoff(dev.failsafe.RetryPolicy.builder().withDelay(Duration.ofSeconds(1)).build())
                        .minResolutionInterval(Duration.ofSeconds(3))
                        .mode(PermanentConnection.Mode.LINES).open(scope);
                Events events = new Events(c);
                List<Integer> queriesPerPass = new ArrayList<>();
                for (int pass = 1; pass <= 5; pass++) {
                    events.await(Backoff.class);
                    queriesPerPass.add(dns.count("down.test.", "A"));
                    advanceToTimer(clock, Duration.ofSeconds(1));
                }
                // passes at 0, 1, 2, 3, 4 s: resolved at 0 s, then the pending refresh waits for 3 s
                assertThat(queriesPerPass).containsExactly(1, 1, 1, 2, 2);
            }
        }
    }

    @Test
    void negativeAnswer_failsThePass_retriedWithTheBackoff() throws Exception {
        try (TestDnsServer dns = TestDnsServer.start()) {
            Backend backend = backend("127.0.0.2", 0);
            try (Scope scope = clientScope()) {
                PermanentConnection c = PermanentConnection.builder("later.test.", backend.port)
                        .resolver(DnsResolver.builder().server(dns.address()).attempts(1).build())
                        .mode(PermanentConnection.Mode.LINES).open(scope);
                Events events = new Events(c);
                PermanentEvent.ResolutionFailed nx = events.await(PermanentEvent.ResolutionFailed.class);
                assertThat(nx.cause()).isInstanceOf(java.net.UnknownHostException.class);
                assertThat(nx.usingStale()).isFalse();
                Backoff b = events.await(Backoff.class);
                assertThat(b.failures()).isEqualTo(1);
                dns.set("later.test", Duration.ofSeconds(30), InetAddress.getByName("127.0.0.2"));
                advanceToTimer(clock, b.delay());
                events.awaitState(ConnectionState.READY);
            }
        }
    }

    @Test
    void defaultResolver_localhost_answeredWithoutDns_triesIpv6ThenIpv4() throws Exception {
        Backend backend = backend("127.0.0.1", 0);
        try (Scope scope = clientScope()) {
            PermanentConnection c = PermanentConnection.builder("localhost", backend.port)
                    .mode(PermanentConnection.Mode.LINES).open(scope);
            Events events = new Events(c);
            PermanentEvent.Resolved r = events.await(PermanentEvent.Resolved.class);
            assertThat(r.addresses()).containsExactlyInAnyOrder(InetAddress.getByName("127.0.0.1"),
                    InetAddress.getByName("::1"));
            assertThat(r.ttl()).isEqualTo(Duration.ofSeconds(60)); // a literal's day, clamped
            events.awaitState(ConnectionState.READY);
            assertThat(c.remoteAddress().map(a -> ((InetSocketAddress) a).getAddress()))
                    .contains(InetAddress.getByName("127.0.0.1"));
            c.send("default");
            backend.awaitLine("default");
        }
    }

    @Test
    void addressRemovedFromDns_stay_keepsTheConnection() throws Exception {
        try (TestDnsServer dns = TestDnsServer.start()) {
            Backend a = backend("127.0.0.2", 0);
            dns.set("stay.test", Duration.ofSeconds(5), InetAddress.getByName("127.0.0.2"));
            try (Scope scope = clientScope()) {
                PermanentConnection c = PermanentConnection.builder("stay.test.", a.port)
                        .resolver(DnsResolver.builder().server(dns.address()).attempts(1).build())
                        .onAddressRemoved(PermanentEvent.AddressRemovedAction.STAY)
                        .mode(PermanentConnection.Mode.LINES).open(scope);
                Events events = new Events(c);
                events.awaitState(ConnectionState.READY);
                dns.set("stay.test", Duration.ofSeconds(5), InetAddress.getByName("127.0.0.3"));
                advanceToTimer(clock, Duration.ofSeconds(5));
                PermanentEvent.AddressRemoved removed = events.await(PermanentEvent.AddressRemoved.class);
                assertThat(removed.action()).isEqualTo(PermanentEvent.AddressRemovedAction.STAY);
                c.send("still here");
                a.awaitLine("still here");
                assertThat(c.remoteAddress().orElseThrow()).isEqualTo(a.address());
            }
        }
    }
}
