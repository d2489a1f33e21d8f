package dev.weft.net;

import static dev.weft.net.NetTestSupport.awaitCondition;
import static dev.weft.net.NetTestSupport.closedPort;
import static dev.weft.net.PermanentTestSupport.advanceToTimer;
import static dev.weft.net.PermanentTestSupport.awaitTimers;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.net.PermanentEvent.Backoff;
import dev.weft.net.PermanentEvent.ConnectAttempt;
import dev.weft.net.PermanentEvent.ConnectFailed;
import dev.weft.net.PermanentEvent.Connected;
import dev.weft.net.PermanentEvent.DropReason;
import dev.weft.net.PermanentEvent.MessageDropped;
import dev.weft.net.PermanentEvent.ResolutionFailed;
import dev.weft.net.PermanentEvent.Resolved;
import dev.weft.net.PermanentEvent.StateChanged;
import dev.weft.net.PermanentTestSupport.Backend;
import dev.weft.net.PermanentTestSupport.Events;
import dev.weft.runtime.Scope;
import dev.weft.runtime.VirtualClock;
import dev.weft.runtime.testing.PinningGuard;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The seven scenarios of issue 5, each on the real wire: real backends on different loopback addresses, a real DNS
 * server ({@link TestDnsServer}) whose records the test changes, and a manual {@link VirtualClock} for every backoff,
 * timeout and TTL — the test waits (in real time, with a deadline) for the event it expects, then advances the clock.
 */
@ExtendWith(PinningGuard.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
final class PermanentScenariosTest {

    private final VirtualClock clock = VirtualClock.create();
    private final List<AutoCloseable> cleanup = new ArrayList<>();
    private TestDnsServer dns;

    @BeforeEach
    void startDns() throws Exception {
        dns = TestDnsServer.start();
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : cleanup.reversed()) {
            c.close();
        }
        dns.close();
    }

    private Backend backend(String host, int port) throws Exception {
        Backend b = Backend.start(host, port);
        cleanup.add(b);
        return b;
    }

    private Scope clientScope() {
        return Scope.builder().name("client").timeSource(clock).open();
    }

    private DnsResolver resolver() throws Exception {
        return DnsResolver.builder().server(dns.address()).queryTimeout(Duration.ofMillis(500)).attempts(1).build();
    }

    private static void assertJittered(Duration delay, Duration base) {
        assertThat(delay).isBetween(base.multipliedBy(8).dividedBy(10), base.multipliedBy(12).dividedBy(10));
    }

    /** (1) Backend killed and restarted on the same address, after a healthy connection: the retry after the loss is immediate, then 1, 2, 4 s. */
    @Test
    void scenario1_healthyConnectionLost_immediateRetryThenExponentialBackoff() throws Exception {
        Backend backend = backend("127.0.0.2", 0);
        try (Scope scope = clientScope()) {
            PermanentConnection c = PermanentConnection.builder(List.of(backend.address()))
                    .mode(PermanentConnection.Mode.LINES).jitterSeed(7).open(scope);
            Events events = new Events(c);
            events.awaitState(ConnectionState.READY);
            clock.advance(Duration.ofSeconds(6)); // READY for longer than the healthy time (5 s)
            backend.kill();

            assertThat(events.await(PermanentEvent.Disconnected.class).nextAttemptIn()).isZero();
            assertThat(events.await(Backoff.class).delay()).isZero();
            ConnectFailed refused = events.await(ConnectFailed.class);
            assertThat(refused.cause()).isInstanceOf(ConnectException.class);

            Duration[] bases = {Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(4)};
            List<Duration> observed = new ArrayList<>();
            for (int i = 0; i < bases.length; i++) {
                Backoff b = events.await(Backoff.class);
                assertThat(b.failures()).isEqualTo(i + 1);
                assertJittered(b.delay(), bases[i]);
                observed.add(b.delay());
                if (i == bases.length - 1) {
                    backend.restart();
                }
                advanceToTimer(clock, b.delay());
                events.await(ConnectAttempt.class);
            }
            StateChanged ready = events.awaitState(ConnectionState.READY);
            assertThat(ready.from()).isEqualTo(ConnectionState.CONNECTING);
            assertThat(clock.elapsed()).isEqualTo(Duration.ofSeconds(6).plus(observed.get(0)).plus(observed.get(1))
                    .plus(observed.get(2)));
            assertThat(c.send("again")).isEqualTo(PermanentConnection.SendResult.WRITTEN);
            backend.awaitLine("again");
            PermanentMetrics m = c.metrics();
            assertThat(m.connections()).isEqualTo(2);
            assertThat(m.disconnections()).containsEntry("eof", 1L);
            assertThat(m.connectAttemptsFailed()).isEqualTo(3);
            assertThat(m.lastTimeToReconnect()).contains(observed.get(0).plus(observed.get(1)).plus(observed.get(2)));
        }
    }

    /**
     * (2) Rollout: DNS changes from A to B while A keeps running; when the TTL passes the client moves to B
     * (make-before-break), before A stops; nothing sent is lost.
     */
    @Test
    void scenario2_rollout_movesToNewPodBeforeOldStops_nothingLost() throws Exception {
        Backend a = backend("127.0.0.2", 0);
        Backend b = backend("127.0.0.3", a.port);
        dns.set("svc.test", Duration.ofSeconds(5), InetAddress.getByName("127.0.0.2"));
        try (Scope scope = clientScope()) {
            PermanentConnection c = PermanentConnection.builder("svc.test.", a.port).resolver(resolver())
                    .mode(PermanentConnection.Mode.LINES).open(scope);
            Events events = new Events(c);
            assertThat(events.await(Connected.class).remote()).isEqualTo(a.address());
            events.awaitState(ConnectionState.READY);

            dns.set("svc.test", Duration.ofSeconds(5), InetAddress.getByName("127.0.0.3")); // B is ready
            for (int i = 0; i < 5; i++) {
                c.send("before-" + i); // still to A, which keeps running
            }
            int mark = events.mark();
            advanceToTimer(clock, Duration.ofSeconds(5)); // the TTL runs out while READY
            Resolved r = events.await(Resolved.class);
            assertThat(r.removed()).containsExactly(InetAddress.getByName("127.0.0.2"));
            assertThat(r.added()).containsExactly(InetAddress.getByName("127.0.0.3"));
            PermanentEvent.AddressRemoved removed = events.await(PermanentEvent.AddressRemoved.class);
            assertThat(removed.action()).isEqualTo(PermanentEvent.AddressRemovedAction.MIGRATE);
            assertThat(events.await(Connected.class).remote()).isEqualTo(b.address());
            awaitCondition(() -> c.remoteAddress().orElseThrow().equals(b.address()), "switch to B");
            for (int i = 0; i < 5; i++) {
                c.send("after-" + i);
            }
            a.kill(); // the old pod stops only now
            b.awaitLine("after-4");
            for (int i = 0; i < 5; i++) {
                assertThat(a.received).contains("before-" + i);
                assertThat(b.received).contains("after-" + i);
            }
            assertThat(b.received).containsSubsequence("after-0", "after-1", "after-2", "after-3", "after-4");
            assertThat(events.since(mark)).noneMatch(e -> e instanceof StateChanged);
            assertThat(c.state()).isEqualTo(ConnectionState.READY);
            PermanentMetrics m = c.metrics();
            assertThat(m.messagesDropped().values()).allMatch(n -> n == 0);
            assertThat(m.disconnections()).containsEntry("migrated", 1L);
        }
    }

    /** (3) DNS returns A and AAAA, IPv6 refuses: IPv6 is tried first, then IPv4 connects. */
    @Test
    void scenario3_ipv6Refuses_connectsOverIpv4() throws Exception {
        Backend v4 = backend("127.0.0.2", 0);
        dns.set("dual.test", Duration.ofSeconds(30), InetAddress.getByName("::1"),
                InetAddress.getByName("127.0.0.2"));
        try (Scope scope = clientScope()) {
            PermanentConnection c = PermanentConnection.builder("dual.test.", v4.port).resolver(resolver())
                    .mode(PermanentConnection.Mode.LINES).open(scope);
            Events events = new Events(c);
            Resolved r = events.await(Resolved.class);
            assertThat(r.addresses()).containsExactlyInAnyOrder(InetAddress.getByName("::1"),
                    InetAddress.getByName("127.0.0.2"));
            ConnectAttempt first = events.await(ConnectAttempt.class);
            assertThat(((InetSocketAddress) first.address()).getAddress()).isEqualTo(InetAddress.getByName("::1"));
            ConnectFailed refused = events.await(ConnectFailed.class);
            assertThat(refused.cause()).isInstanceOf(ConnectException.class);
            Connected connected = events.await(Connected.class);
            assertThat(connected.remote()).isEqualTo(v4.address());
            events.awaitState(ConnectionState.READY);
            c.send("over ipv4");
            v4.awaitLine("over ipv4");
            assertThat(clock.elapsed()).isZero(); // no waiting: a refusal moves on at once
        }
    }

    /** (4) A blackholed address: its own connect timeout fires, and the pass moves on to the next address. */
    @Test
    void scenario4_blackholedAddress_perAddressTimeout_movesOn() throws Exception {
        Backend good = backend("127.0.0.3", 0);
        try (NetTestSupport.Blackhole hole = new NetTestSupport.Blackhole("127.0.0.2");
                Scope scope = clientScope()) {
            PermanentConnection c = PermanentConnection.builder(List.of(hole.address(), good.address()))
                    .mode(PermanentConnection.Mode.LINES)
                    .familyPreference(PermanentConnection.FamilyPreference.IPV4_FIRST)
                    .connectTimeout(Duration.ofSeconds(1))
                    .happyEyeballsDelay(Duration.ofSeconds(2)) // longer than the timeout: the timeout decides
                    .open(scope);
            Events events = new Events(c);
            assertThat(events.await(ConnectAttempt.class).address()).isEqualTo(hole.address());
            advanceToTimer(clock, Duration.ofSeconds(1));
            ConnectFailed timedOut = events.await(ConnectFailed.class);
            assertThat(timedOut.address()).isEqualTo(hole.address());
            assertThat(timedOut.cause()).isInstanceOf(SocketTimeoutException.class)
                    .hasMessageContaining("timed out");
            assertThat(events.await(ConnectAttempt.class).address()).isEqualTo(good.address());
            assertThat(events.await(Connected.class).remote()).isEqualTo(good.address());
            events.awaitState(ConnectionState.READY);
            assertThat(clock.elapsed()).isEqualTo(Duration.ofSeconds(1));
        }
    }

    /** (4) With the default happy-eyeballs delay the next address starts after 250 ms and wins. */
    @Test
    void scenario4_blackholedAddress_happyEyeballsStartsNextAfter250ms() throws Exception {
        Backend good = backend("127.0.0.3", 0);
        try (NetTestSupport.Blackhole hole = new NetTestSupport.Blackhole("127.0.0.2");
                Scope scope = clientScope()) {
            PermanentConnection c = PermanentConnection.builder(List.of(hole.address(), good.address()))
                    .mode(PermanentConnection.Mode.LINES)
                    .familyPreference(PermanentConnection.FamilyPreference.IPV4_FIRST)
                    .open(scope);
            Events events = new Events(c);
            int mark = events.mark();
            assertThat(events.await(ConnectAttempt.class).address()).isEqualTo(hole.address());
            advanceToTimer(clock, Duration.ofMillis(250));
            assertThat(events.await(ConnectAttempt.class).address()).isEqualTo(good.address());
            assertThat(events.await(Connected.class).remote()).isEqualTo(good.address());
            events.awaitState(ConnectionState.READY);
            assertThat(events.since(mark)).noneMatch(e -> e instanceof ConnectFailed); // the loser was closed
            assertThat(c.metrics().connectAttemptsFailed()).isZero();
        }
    }

    /** (5) DNS down: the stale answer is used while it is within the stale limit; after it, the pass fails. */
    @Test
    void scenario5_dnsDown_staleAnswerUsed_thenFailsAfterStaleLimit() throws Exception {
        Backend backend = backend("127.0.0.2", 0);
        dns.set("stale.test", Duration.ofSeconds(2), InetAddress.getByName("127.0.0.2"));
        try (Scope scope = clientScope()) {
            PermanentConnection c = PermanentConnection.builder("stale.test.", backend.port).resolver(resolver())
                    .mode(PermanentConnection.Mode.LINES).open(scope);
            Events events = new Events(c);
            events.awaitState(ConnectionState.READY);

            dns.close(); // the DNS server is down
            advanceToTimer(clock, Duration.ofSeconds(2)); // TTL out while READY: the refresh fails, the stale answer stays
            ResolutionFailed whileReady = events.await(ResolutionFailed.class);
            assertThat(whileReady.usingStale()).isTrue();
            Resolved stale = events.await(Resolved.class);
            assertThat(stale.stale()).isTrue();
            assertThat(stale.addresses()).containsExactly(InetAddress.getByName("127.0.0.2"));
            assertThat(c.state()).isEqualTo(ConnectionState.READY);

            clock.advance(Duration.ofSeconds(6)); // healthy: the next loss retries at once
            backend.dropConnections(); // lost: reconnect on the stale answer, DNS still down
            events.await(PermanentEvent.Disconnected.class);
            int reconnect = events.mark();
            assertThat(events.await(Connected.class).remote()).isEqualTo(backend.address());
            events.awaitState(ConnectionState.READY);
            assertThat(events.since(reconnect)).noneMatch(e -> e instanceof Resolved r && !r.stale());

            awaitCondition(() -> clock.nextTimer().isPresent(), "the next refresh to be scheduled");
            clock.advance(Duration.ofMinutes(5)); // past the stale limit (5 min after expiry)
            ResolutionFailed past = events.await(ResolutionFailed.class, f -> !f.usingStale(),
                    "a resolution failure without a stale answer");
            assertThat(past.host()).isEqualTo("stale.test.");
            assertThat(c.state()).isEqualTo(ConnectionState.READY); // a working connection is kept
            backend.dropConnections();
            events.await(PermanentEvent.Disconnected.class);
            int mark = events.mark();
            assertThat(events.await(Backoff.class).delay()).isZero(); // the loss of a healthy connection
            Backoff failed = events.await(Backoff.class); // the pass that had no usable address
            assertThat(failed.failures()).isEqualTo(1);
            assertThat(events.since(mark)).noneMatch(e -> e instanceof ConnectAttempt);
            assertThat(c.state()).isEqualTo(ConnectionState.BACKOFF);
            assertThat(c.metrics().staleResolutionsUsed()).isGreaterThanOrEqualTo(2);
        }
    }

    /** (6) Buffer overflow while disconnected, reject-new policy: the new message is refused and reported. */
    @Test
    void scenario6_bufferOverflow_rejectNew_refusedAndReported_restFlushedInOrder() throws Exception {
        InetSocketAddress address = closedPort("127.0.0.2");
        try (Scope scope = clientScope()) {
            PermanentConnection c = PermanentConnection.builder(List.of(address))
                    .mode(PermanentConnection.Mode.LINES)
                    .sendPolicy(SendPolicy.buffer(3, 1 << 20, Duration.ofSeconds(30), false))
                    .open(scope);
            Events events = new Events(c);
            Backoff first = events.await(Backoff.class);
            for (int i = 1; i <= 3; i++) {
                assertThat(c.send("m" + i)).isEqualTo(PermanentConnection.SendResult.BUFFERED);
            }
            assertThatThrownBy(() -> c.send("m4")).isInstanceOfSatisfying(PermanentSendException.class,
                    e -> assertThat(e.reason()).isEqualTo(PermanentSendException.Reason.BUFFER_FULL))
                    .hasMessageContaining("full").hasMessageContaining("3 messages");
            MessageDropped dropped = events.await(MessageDropped.class);
            assertThat(dropped).isEqualTo(new MessageDropped("m4", DropReason.REJECTED));

            Backend backend = backend("127.0.0.2", address.getPort());
            advanceToTimer(clock, first.delay());
            events.awaitState(ConnectionState.READY);
            c.send("m5");
            backend.awaitLine("m5");
            assertThat(backend.received).containsExactly("m1", "m2", "m3", "m5");
            assertThat(c.metrics().messagesDropped()).containsEntry(DropReason.REJECTED, 1L);
        }
    }

    /** (6) Buffer overflow while disconnected, drop-oldest policy: the oldest go, each reported. */
    @Test
    void scenario6_bufferOverflow_dropOldest_oldestDroppedAndReported() throws Exception {
        InetSocketAddress address = closedPort("127.0.0.2");
        try (Scope scope = clientScope()) {
            PermanentConnection c = PermanentConnection.builder(List.of(address))
                    .mode(PermanentConnection.Mode.LINES)
                    .sendPolicy(SendPolicy.buffer(3, 1 << 20, Duration.ofSeconds(30), true))
                    .open(scope);
            Events events = new Events(c);
            Backoff first = events.await(Backoff.class);
            for (int i = 1; i <= 5; i++) {
                assertThat(c.send("m" + i)).isEqualTo(PermanentConnection.SendResult.BUFFERED);
            }
            assertThat(events.await(MessageDropped.class)).isEqualTo(new MessageDropped("m1",
                    DropReason.DROPPED_OLDEST));
            assertThat(events.await(MessageDropped.class)).isEqualTo(new MessageDropped("m2",
                    DropReason.DROPPED_OLDEST));

            Backend backend = backend("127.0.0.2", address.getPort());
            advanceToTimer(clock, first.delay());
            events.awaitState(ConnectionState.READY);
            c.send("m6");
            backend.awaitLine("m6");
            assertThat(backend.received).containsExactly("m3", "m4", "m5", "m6");
            assertThat(c.metrics().messagesDropped()).containsEntry(DropReason.DROPPED_OLDEST, 2L);
        }
    }

    /** (7) 200 permanent connections to one backend that restarts: all come back READY, none stuck. */
    @Test
    void scenario7_twoHundredConnections_backendRestarted_allReadyAgain() throws Exception {
        Backend backend = backend("127.0.0.2", 0);
        // Warm-up: one client through the same cycle first, so that the JVM has linked every call site of it
        // (lambdas, string concatenation, pattern switches) before 200 virtual threads run it at the same moment —
        // linking one under contention pins a carrier for microseconds, which the PinningGuard would report.
        restartCycle(VirtualClock.create(), backend, 1);
        restartCycle(clock, backend, 200);
    }

    private static void restartCycle(VirtualClock clock, Backend backend, int n) throws Exception {
        try (Scope scope = Scope.builder().name("clients").timeSource(clock).open()) {
            List<PermanentConnection> clients = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                clients.add(PermanentConnection.builder(List.of(backend.address())).name("client-" + i)
                        .mode(PermanentConnection.Mode.LINES).jitterSeed(i).open(scope));
            }
            awaitCondition(() -> clients.stream().allMatch(c -> c.state() == ConnectionState.READY),
                    PermanentTestSupport.WAIT, "all " + n + " READY");
            clock.advance(Duration.ofSeconds(6)); // healthy
            backend.kill();
            awaitCondition(() -> clients.stream().allMatch(c -> c.state() == ConnectionState.BACKOFF
                    && c.metrics().consecutiveFailures() == 1), PermanentTestSupport.WAIT,
                    "all " + n + " to fail once and back off");
            backend.restart();
            awaitTimers(clock, n); // every client waits for its backoff
            clock.advance(Duration.ofMillis(1200)); // the longest first delay: 1 s + 20 %
            awaitCondition(() -> clients.stream().allMatch(c -> c.state() == ConnectionState.READY),
                    PermanentTestSupport.WAIT, "all " + n + " READY again");
            int before = (int) backend.received.stream().filter(l -> l.startsWith("hello-")).count();
            for (int i = 0; i < n; i++) {
                clients.get(i).send("hello-" + i);
            }
            awaitCondition(() -> backend.received.stream().filter(l -> l.startsWith("hello-")).count() == before + n,
                    PermanentTestSupport.WAIT, "a line from every client");
            assertThat(clients).allMatch(c -> c.metrics().connections() == 2);
        }
    }
}
