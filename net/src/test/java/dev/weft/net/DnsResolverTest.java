package dev.weft.net;

import static dev.weft.net.NetTestSupport.DEFAULT_WAIT;
import static dev.weft.net.NetTestSupport.awaitBlocked;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.net.spi.Resolution;
import dev.weft.runtime.CancelledException;
import dev.weft.runtime.Channel;
import dev.weft.runtime.Scope;
import dev.weft.runtime.Task;
import dev.weft.runtime.TaskFailedException;
import dev.weft.runtime.Timers;
import dev.weft.runtime.VirtualClock;
import dev.weft.runtime.testing.PinningGuard;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
@ExtendWith(PinningGuard.class)
final class DnsResolverTest {

    private static final Duration TTL = Duration.ofSeconds(30);

    private TestDnsServer dns;

    @BeforeEach
    void startServer() throws IOException {
        dns = TestDnsServer.start();
    }

    @AfterEach
    void stopServer() {
        dns.close();
    }

    private DnsResolver.Builder resolver() {
        return DnsResolver.builder().server(dns.address()).queryTimeout(Duration.ofSeconds(5)).attempts(1);
    }

    private static InetAddress ip(String literal) {
        return ResolvConf.ipLiteral(literal).orElseThrow();
    }

    // --- answers ---

    @Test
    void resolve_aOnly_returnsIpv4AddressesAndTtl() throws Exception {
        dns.set("backend.test", TTL, ip("127.0.0.2"), ip("127.0.0.3"));

        Resolution r = resolver().build().resolve("backend.test");

        assertThat(r.host()).isEqualTo("backend.test");
        assertThat(r.addresses()).containsExactly(ip("127.0.0.2"), ip("127.0.0.3"));
        assertThat(r.ipv6()).isEmpty();
        assertThat(r.ttl()).isEqualTo(TTL);
        assertThat(r.addresses().getFirst().getHostName()).isEqualTo("backend.test");
        assertThat(dns.count("backend.test", "A")).isEqualTo(1);
        assertThat(dns.count("backend.test", "AAAA")).isEqualTo(1);
    }

    @Test
    void resolve_aaaaOnly_returnsIpv6Addresses() throws Exception {
        dns.set("v6.test", TTL, ip("::1"), ip("fd00::7"));

        Resolution r = resolver().build().resolve("v6.test");

        assertThat(r.addresses()).containsExactly(ip("::1"), ip("fd00::7"));
        assertThat(r.ipv4()).isEmpty();
    }

    @Test
    void resolve_aAndAaaa_returnsBothFamiliesWithSmallestTtl() throws Exception {
        dns.set("dual.test", Duration.ofSeconds(20), ip("127.0.0.2"), ip("::1"));

        Resolution r = resolver().build().resolve("dual.test");

        assertThat(r.ipv4()).containsExactly(ip("127.0.0.2"));
        assertThat(r.ipv6()).containsExactly(ip("::1"));
        assertThat(r.ttl()).isEqualTo(Duration.ofSeconds(20));
    }

    @Test
    void resolve_cnameChain_followsItAndTakesTheSmallestTtlOfTheChain() throws Exception {
        dns.cname("www.test", Duration.ofSeconds(300), "edge.test");
        dns.cname("edge.test", Duration.ofSeconds(7), "origin.test");
        dns.set("origin.test", Duration.ofSeconds(60), ip("127.0.0.4"), ip("fd00::4"));

        Resolution r = resolver().build().resolve("www.test");

        assertThat(r.addresses()).containsExactly(ip("127.0.0.4"), ip("fd00::4"));
        assertThat(r.ttl()).isEqualTo(Duration.ofSeconds(7));
        assertThat(r.addresses()).allSatisfy(a -> assertThat(a.getHostName()).isEqualTo("www.test"));
    }

    @Test
    void resolve_cnameChainLeavingTheAnswer_asksForTheTarget() throws Exception {
        dns.chaseCnames(false);
        dns.cname("www.test", Duration.ofSeconds(300), "edge.test");
        dns.cname("edge.test", Duration.ofSeconds(9), "origin.test");
        dns.set("origin.test", Duration.ofSeconds(60), ip("127.0.0.4"));

        Resolution r = resolver().build().resolve("www.test");

        assertThat(r.addresses()).containsExactly(ip("127.0.0.4"));
        assertThat(r.ttl()).isEqualTo(Duration.ofSeconds(9));
        assertThat(dns.queries()).filteredOn(q -> q.type().equals("A")).extracting(TestDnsServer.Query::name)
                .containsExactly("www.test.", "edge.test.", "origin.test.");
    }

    @Test
    void resolve_cnameLoop_endsAsUnknownHost() throws Exception {
        dns.chaseCnames(false);
        dns.cname("ping.test", TTL, "pong.test");
        dns.cname("pong.test", TTL, "ping.test");

        assertThatThrownBy(() -> resolver().build().resolve("ping.test")).isInstanceOf(UnknownHostException.class);
        assertThat(dns.count("ping.test", "A") + dns.count("pong.test", "A"))
                .isEqualTo(DnsResolver.MAX_CNAME_QUERIES + 1);
    }

    @Test
    void resolve_cnameToAMissingName_isUnknownHost() throws Exception {
        dns.cname("dangling.test", TTL, "gone.test");

        assertThatThrownBy(() -> resolver().build().resolve("dangling.test"))
                .isInstanceOf(UnknownHostException.class)
                .hasMessageContaining("dangling.test");
    }

    @Test
    void resolve_nxdomain_throwsUnknownHostNamingWhatWasAsked() throws Exception {
        DnsResolver resolver = resolver().build();

        assertThatThrownBy(() -> resolver.resolve("missing.test"))
                .isInstanceOf(UnknownHostException.class)
                .hasMessageContaining("missing.test")
                .hasMessageContaining(Addresses.format(dns.address()));
        assertThat(dns.count("missing.test", "A")).isEqualTo(1);
    }

    @Test
    void resolve_nodata_throwsUnknownHost() throws Exception {
        dns.set("empty.test", TTL);

        assertThatThrownBy(() -> resolver().build().resolve("empty.test"))
                .isInstanceOf(UnknownHostException.class)
                .hasMessageContaining("empty.test");
        assertThat(dns.count("empty.test", "AAAA")).isEqualTo(1);
    }

    @Test
    void resolve_afterTableChange_seesTheNewAnswer_noCache() throws Exception {
        DnsResolver resolver = resolver().build();
        dns.set("moving.test", TTL, ip("127.0.0.2"));
        assertThat(resolver.resolve("moving.test").addresses()).containsExactly(ip("127.0.0.2"));

        dns.set("moving.test", TTL, ip("127.0.0.3"));

        assertThat(resolver.resolve("moving.test").addresses()).containsExactly(ip("127.0.0.3"));
        assertThat(dns.count("moving.test", "A")).isEqualTo(2);
    }

    @Test
    void resolve_negativeAnswer_isNotCached() throws Exception {
        DnsResolver resolver = resolver().build();
        assertThatThrownBy(() -> resolver.resolve("later.test")).isInstanceOf(UnknownHostException.class);

        dns.set("later.test", TTL, ip("127.0.0.5"));

        assertThat(resolver.resolve("later.test").addresses()).containsExactly(ip("127.0.0.5"));
    }

    // --- server failures ---

    @Test
    void resolve_servfail_throwsIOExceptionNamingServerAndName() throws Exception {
        dns.set("backend.test", TTL, ip("127.0.0.2"));
        dns.servfail();

        assertThatThrownBy(() -> resolver().build().resolve("backend.test"))
                .isInstanceOf(IOException.class)
                .isNotInstanceOf(UnknownHostException.class)
                .hasMessageContaining("backend.test")
                .hasMessageContaining(Addresses.format(dns.address()))
                .hasMessageContaining("SERVFAIL");
    }

    @Test
    void resolve_refused_throwsIOException() throws Exception {
        dns.refuse();

        assertThatThrownBy(() -> resolver().build().resolve("backend.test"))
                .isInstanceOf(IOException.class)
                .isNotInstanceOf(UnknownHostException.class)
                .hasMessageContaining("REFUSED");
    }

    @Test
    void resolve_silentServer_timesOutWithSocketTimeoutException() throws Exception {
        dns.set("backend.test", TTL, ip("127.0.0.2"));
        dns.silent();
        DnsResolver resolver = resolver().queryTimeout(Duration.ofMillis(300)).attempts(2).build();

        assertThatThrownBy(() -> resolver.resolve("backend.test"))
                .isInstanceOf(SocketTimeoutException.class)
                .hasMessageContaining("backend.test")
                .hasMessageContaining(Addresses.format(dns.address()))
                .hasMessageContaining("did not answer within 300 ms");
        dns.awaitQueries("backend.test", "A", 2, DEFAULT_WAIT); // silent: logged, maybe after the client gave up
        assertThat(dns.count("backend.test", "A")).isEqualTo(2); // one per attempt
    }

    @Test
    void resolve_serverFailsOverToTheNextServer() throws Exception {
        try (TestDnsServer second = TestDnsServer.start()) {
            dns.servfail();
            second.set("backend.test", TTL, ip("127.0.0.9"));
            DnsResolver resolver = DnsResolver.builder().server(dns.address()).server(second.address()).attempts(1)
                    .build();

            assertThat(resolver.resolve("backend.test").addresses()).containsExactly(ip("127.0.0.9"));
            assertThat(dns.count("backend.test", "A")).isEqualTo(1);
            assertThat(second.count("backend.test", "A")).isEqualTo(1);
        }
    }

    @Test
    void resolve_attempts_goRoundTheServerListThatManyTimes() throws Exception {
        try (TestDnsServer second = TestDnsServer.start()) {
            dns.silent();
            second.servfail();
            DnsResolver resolver = DnsResolver.builder().server(dns.address()).server(second.address())
                    .queryTimeout(Duration.ofMillis(200)).attempts(3).build();

            assertThatThrownBy(() -> resolver.resolve("backend.test"))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining(Addresses.format(dns.address()) + " did not answer within 200 ms")
                    .hasMessageContaining(Addresses.format(second.address()) + " answered SERVFAIL");
            dns.awaitQueries("backend.test", "A", 3, DEFAULT_WAIT);
            assertThat(dns.count("backend.test", "A")).isEqualTo(3);
            assertThat(second.count("backend.test", "A")).isEqualTo(3);
        }
    }

    @Test
    void resolve_truncatedUdpReply_retriesOverTcp() throws Exception {
        dns.set("big.test", TTL, ip("127.0.0.2"), ip("::1"));
        dns.truncating();

        Resolution r = resolver().build().resolve("big.test");

        assertThat(r.addresses()).containsExactly(ip("127.0.0.2"), ip("::1"));
        assertThat(dns.queries()).filteredOn(TestDnsServer.Query::tcp).extracting(TestDnsServer.Query::type)
                .containsExactlyInAnyOrder("A", "AAAA");
    }

    @Test
    void resolve_interrupted_throwsInterruptedAndLeavesNothingRunning() throws Exception {
        dns.silent();
        DnsResolver resolver = resolver().queryTimeout(Duration.ofMinutes(10)).build();
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread caller = Thread.ofVirtual().name("resolver-caller").start(() -> {
            try {
                resolver.resolve("backend.test");
            } catch (Throwable t) {
                thrown.set(t);
            }
        });
        dns.awaitQueries("backend.test", "A", 1, DEFAULT_WAIT);
        dns.awaitQueries("backend.test", "AAAA", 1, DEFAULT_WAIT);
        awaitBlocked(caller);

        caller.interrupt();

        assertThat(caller.join(DEFAULT_WAIT)).isTrue();
        assertThat(thrown.get()).isInstanceOf(InterruptedException.class);
    }

    @Test
    void resolve_aAnswersButAaaaFails_returnsTheIpv4Addresses() throws Exception {
        dns.set("half.test", TTL, ip("127.0.0.2"), ip("::1"));
        dns.override("half.test", "AAAA", TestDnsServer.Mode.SERVFAIL);

        Resolution r = resolver().build().resolve("half.test");

        assertThat(r.addresses()).containsExactly(ip("127.0.0.2"));
    }

    @Test
    void resolve_aaaaAnswersButATimesOut_returnsTheIpv6Addresses() throws Exception {
        dns.set("half.test", TTL, ip("127.0.0.2"), ip("::1"));
        dns.override("half.test", "A", TestDnsServer.Mode.SILENT);

        Resolution r = resolver().queryTimeout(Duration.ofMillis(300)).build().resolve("half.test");

        assertThat(r.addresses()).containsExactly(ip("::1"));
    }

    @Test
    void resolve_oneTypeNegativeOtherFails_throwsIOExceptionNotUnknownHost() throws Exception {
        dns.set("half.test", TTL, ip("127.0.0.2"));
        dns.override("half.test", "A", TestDnsServer.Mode.REFUSED);

        assertThatThrownBy(() -> resolver().build().resolve("half.test"))
                .isInstanceOf(IOException.class)
                .isNotInstanceOf(UnknownHostException.class)
                .hasMessageContaining("half.test. A")
                .hasMessageContaining("REFUSED");
    }

    @Test
    void resolve_zeroTtl_isReportedAsZero() throws Exception {
        dns.set("volatile.test", Duration.ZERO, ip("127.0.0.2"));

        assertThat(resolver().build().resolve("volatile.test").ttl()).isEqualTo(Duration.ZERO);
    }

    @Test
    void resolve_serverStopped_throwsIOExceptionNamingTheServer() throws Exception {
        dns.stop();
        DnsResolver resolver = resolver().queryTimeout(Duration.ofMillis(500)).build();

        assertThatThrownBy(() -> resolver.resolve("backend.test"))
                .isInstanceOf(IOException.class)
                .isNotInstanceOf(UnknownHostException.class)
                .hasMessageContaining("backend.test")
                .hasMessageContaining(Addresses.format(dns.address()));
    }

    @Test
    void resolve_strayReplies_areIgnoredUntilTheMatchingOneArrives() throws Exception {
        try (DatagramChannel fake = DatagramChannel.open().bind(new InetSocketAddress(ip("127.0.0.1"), 0))) {
            InetSocketAddress address = (InetSocketAddress) fake.getLocalAddress();
            DnsResolver resolver = DnsResolver.builder().server(address).attempts(1)
                    .queryTimeout(Duration.ofSeconds(20)).build();
            AtomicReference<Object> result = new AtomicReference<>();
            Thread caller = Thread.ofVirtual().start(() -> {
                try {
                    result.set(resolver.resolve("stray.test"));
                } catch (Exception e) {
                    result.set(e);
                }
            });
            for (int i = 0; i < 2; i++) { // the A and the AAAA question
                ByteBuffer in = ByteBuffer.allocate(512);
                SocketAddress client = fake.receive(in);
                Message query = new Message(in.flip());
                Record question = query.getQuestion();
                int id = query.getHeader().getID();
                // 1: wrong id; 2: right id, another question; 3: garbage; 4: the answer
                fake.send(ByteBuffer.wrap(reply(id ^ 1, question, "9.9.9.9").toWire()), client);
                Record other = Record.newRecord(Name.fromString("other.test."), question.getType(), DClass.IN);
                fake.send(ByteBuffer.wrap(reply(id, other, "9.9.9.8").toWire()), client);
                fake.send(ByteBuffer.wrap(new byte[] {1, 2, 3}), client);
                fake.send(ByteBuffer.wrap(reply(id, question, "127.0.0.7").toWire()), client);
            }
            assertThat(caller.join(DEFAULT_WAIT)).isTrue();
            assertThat(result.get()).isInstanceOf(Resolution.class);
            assertThat(((Resolution) result.get()).addresses()).containsExactly(ip("127.0.0.7"));
        }
    }

    private static Message reply(int id, Record question, String ipv4) throws IOException {
        Message m = new Message(id);
        m.getHeader().setFlag(Flags.QR);
        m.addRecord(question, Section.QUESTION);
        if (question.getType() == Type.A) {
            m.addRecord(new ARecord(question.getName(), DClass.IN, 30, ip(ipv4)), Section.ANSWER);
        }
        return m;
    }

    @Test
    void resolve_inACancelledTask_endsPromptly() throws Exception {
        dns.silent();
        DnsResolver resolver = resolver().queryTimeout(Duration.ofMinutes(10)).build();
        try (Scope scope = Scope.open("cancel-test")) {
            Task<Resolution> task = scope.fork("resolve", () -> resolver.resolve("backend.test"));
            dns.awaitQueries("backend.test", "A", 1, DEFAULT_WAIT);
            dns.awaitQueries("backend.test", "AAAA", 1, DEFAULT_WAIT);

            task.cancel();

            assertThatThrownBy(() -> task.join(DEFAULT_WAIT)).isInstanceOf(CancelledException.class);
            assertThat(task.state()).isEqualTo(Task.State.CANCELLED);
        }
    }

    @Test
    void resolve_inAScopeOnAnAutoAdvancingVirtualClock_works() throws Exception {
        dns.set("backend.test", TTL, ip("127.0.0.2"));
        DnsResolver resolver = resolver().build();
        VirtualClock clock = VirtualClock.autoAdvancing();
        try (Scope scope = Scope.builder().name("virtual").timeSource(clock).open()) {
            Task<Resolution> task = scope.fork("resolve", () -> resolver.resolve("backend.test"));

            assertThat(task.join().addresses()).containsExactly(ip("127.0.0.2"));
        }
    }

    @Test
    void resolve_inAScopeOnAVirtualClock_timesOutInRealTime() throws Exception {
        dns.silent();
        DnsResolver resolver = resolver().queryTimeout(Duration.ofMillis(300)).build();
        VirtualClock clock = VirtualClock.autoAdvancing();
        try (Scope scope = Scope.builder().name("virtual").timeSource(clock).open()) {
            Task<Resolution> task = scope.fork("resolve", () -> resolver.resolve("backend.test"));

            assertThatThrownBy(task::join).isInstanceOf(TaskFailedException.class)
                    .hasCauseInstanceOf(SocketTimeoutException.class);
            assertThat(clock.elapsed()).isEqualTo(Duration.ZERO);
        }
    }

    @Test
    void resolve_againAfterTheTtlOnAnAutoAdvancingVirtualClock_seesTheNewRecords() throws Exception {
        dns.set("backend.test", Duration.ofSeconds(30), ip("127.0.0.2"));
        DnsResolver resolver = resolver().build();
        Channel<TestDnsServer.Query> queries = dns.subscribe();
        Channel<Resolution> answers = Channel.buffered(16);
        VirtualClock clock = VirtualClock.autoAdvancing();
        try (Scope scope = Scope.builder().name("ttl").timeSource(clock).open()) {
            scope.fork("client", () -> {
                while (true) {
                    Resolution r = resolver.resolve("backend.test");
                    answers.send(r);
                    Timers.sleep(r.ttl());
                }
            });
            assertThat(nextA(queries).name()).isEqualTo("backend.test.");
            assertThat(answers.receive(DEFAULT_WAIT).orElseThrow().addresses()).containsExactly(ip("127.0.0.2"));

            dns.set("backend.test", Duration.ofSeconds(30), ip("127.0.0.3"));

            // waiting in a weft receive lets the clock jump over the client's 30 s sleep
            nextA(queries);
            assertThat(answers.receive(DEFAULT_WAIT).orElseThrow().addresses()).containsExactly(ip("127.0.0.3"));
            assertThat(clock.elapsed()).isEqualTo(Duration.ofSeconds(30));
            scope.cancel();
        }
        assertThat(queries.droppedCount()).isZero();
    }

    private static TestDnsServer.Query nextA(Channel<TestDnsServer.Query> queries) throws InterruptedException {
        while (true) {
            TestDnsServer.Query q = queries.receive(DEFAULT_WAIT).orElseThrow(
                    () -> new AssertionError("no A query within " + DEFAULT_WAIT));
            if (q.type().equals("A")) {
                return q;
            }
        }
    }

    // --- names ---

    @Test
    void resolve_dottedName_isAskedAsItIsFirst() throws Exception {
        dns.set("backend.ns.svc.cluster.local", TTL, ip("127.0.0.2"));
        DnsResolver resolver = resolver().searchDomains("ns.svc.cluster.local", "svc.cluster.local").ndots(5)
                .build();

        assertThat(resolver.resolve("backend.ns.svc.cluster.local").addresses()).containsExactly(ip("127.0.0.2"));

        assertThat(dns.queries()).extracting(TestDnsServer.Query::name).containsOnly("backend.ns.svc.cluster.local.");
    }

    @Test
    void resolve_dottedNameNotFoundAsItIs_triesSearchDomainsInOrder() throws Exception {
        dns.set("backend.ns.svc.cluster.local", TTL, ip("127.0.0.2"));
        DnsResolver resolver = resolver().searchDomains("other.svc.cluster.local", "svc.cluster.local").ndots(5)
                .build();

        assertThat(resolver.resolve("backend.ns").addresses()).containsExactly(ip("127.0.0.2"));

        assertThat(dns.queries()).filteredOn(q -> q.type().equals("A")).extracting(TestDnsServer.Query::name)
                .containsExactly("backend.ns.", "backend.ns.other.svc.cluster.local.",
                        "backend.ns.svc.cluster.local.");
    }

    @Test
    void resolve_singleLabel_triesSearchDomainsFirstThenAsItIs() throws Exception {
        DnsResolver resolver = resolver().searchDomains("ns.svc.cluster.local", "svc.cluster.local").ndots(5)
                .build();

        assertThatThrownBy(() -> resolver.resolve("redis"))
                .isInstanceOf(UnknownHostException.class)
                .hasMessageContaining("redis.ns.svc.cluster.local.")
                .hasMessageContaining("redis.svc.cluster.local.");

        assertThat(dns.queries()).filteredOn(q -> q.type().equals("A")).extracting(TestDnsServer.Query::name)
                .containsExactly("redis.ns.svc.cluster.local.", "redis.svc.cluster.local.", "redis.");
    }

    @Test
    void resolve_singleLabelWithNdotsZero_isAskedAsItIsFirst() throws Exception {
        dns.set("redis", TTL, ip("127.0.0.6"));
        DnsResolver resolver = resolver().searchDomains("ns.svc.cluster.local").ndots(0).build();

        assertThat(resolver.resolve("redis").addresses()).containsExactly(ip("127.0.0.6"));

        assertThat(dns.queries()).extracting(TestDnsServer.Query::name).containsOnly("redis.");
    }

    @Test
    void resolve_singleLabelFoundInSearchDomain_stopsThere() throws Exception {
        dns.set("redis.ns.svc.cluster.local", TTL, ip("127.0.0.6"));
        DnsResolver resolver = resolver().searchDomains("ns.svc.cluster.local", "svc.cluster.local").ndots(5)
                .build();

        assertThat(resolver.resolve("redis").addresses()).containsExactly(ip("127.0.0.6"));

        assertThat(dns.queries()).extracting(TestDnsServer.Query::name).containsOnly("redis.ns.svc.cluster.local.");
    }

    @Test
    void resolve_trailingDot_asksOnlyTheAbsoluteName() throws Exception {
        DnsResolver resolver = resolver().searchDomains("ns.svc.cluster.local").build();

        assertThatThrownBy(() -> resolver.resolve("backend.")).isInstanceOf(UnknownHostException.class);

        assertThat(dns.queries()).extracting(TestDnsServer.Query::name).containsOnly("backend.");
    }

    @Test
    void resolve_failureOnTheFirstCandidate_stopsTheSearch() throws Exception {
        dns.set("backend.ns.svc.cluster.local", TTL, ip("127.0.0.2"));
        dns.servfail();
        DnsResolver resolver = resolver().searchDomains("svc.cluster.local").build();

        assertThatThrownBy(() -> resolver.resolve("backend.ns")).isInstanceOf(IOException.class)
                .isNotInstanceOf(UnknownHostException.class);

        assertThat(dns.queries()).extracting(TestDnsServer.Query::name).containsOnly("backend.ns.");
    }

    @ParameterizedTest
    @ValueSource(strings = {"10.0.0.7", "127.0.0.1", "::1", "[::1]", "fd00::1:2", "[fd00::1:2]", "fe80::1%1",
        "::1%lo", "::ffff:10.0.0.7"})
    void resolve_ipLiteral_skipsDns(String literal) throws Exception {
        Resolution r = resolver().build().resolve(literal);

        String bare = literal.replace("[", "").replace("]", "");
        assertThat(r.addresses()).containsExactly(ip(bare));
        assertThat(r.host()).isEqualTo(literal);
        assertThat(r.ttl()).isEqualTo(DnsResolver.LITERAL_TTL);
        assertThat(dns.queries()).isEmpty();
    }

    @Test
    void resolve_linkLocalLiteralWithInterfaceName_skipsDns() throws Exception {
        String name = ResolvConfTest.interfaceWithLinkLocalAddress();
        DnsResolver resolver = resolver().build();

        Resolution r = resolver.resolve("[fe80::1%" + name + "]");

        assertThat(r.addresses()).singleElement().satisfies(a -> assertThat(a.isLinkLocalAddress()).isTrue());
        assertThatThrownBy(() -> resolver.resolve("fe80::1%no-such-interface0"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("fe80::1%no-such-interface0");
        assertThat(dns.queries()).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"localhost", "LOCALHOST", "localhost."})
    void resolve_localhost_skipsDns(String host) throws Exception {
        Resolution r = resolver().build().resolve(host);

        assertThat(r.addresses()).containsExactly(ip("127.0.0.1"), ip("::1"));
        assertThat(dns.queries()).isEmpty();
    }

    @Test
    void resolve_badInput_throwsIllegalArgument() throws Exception {
        DnsResolver resolver = resolver().build();

        assertThatThrownBy(() -> resolver.resolve("")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("host");
        assertThatThrownBy(() -> resolver.resolve("a..b")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("a..b");
        assertThatThrownBy(() -> resolver.resolve("fd00::zz")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("fd00::zz");
        assertThatThrownBy(() -> resolver.resolve("x".repeat(64) + ".test"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> resolver.resolve(" backend.test")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("host must not contain whitespace or control characters: \" backend.test\"");
        assertThatThrownBy(() -> resolver.resolve("back end")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> resolver.resolve("[127.0.0.1]")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("[127.0.0.1]");
        assertThatThrownBy(() -> resolver.resolve(null)).isInstanceOf(NullPointerException.class).hasMessage("host");
        assertThat(dns.queries()).isEmpty();
    }

    // --- servers ---

    @Test
    void resolve_serverOnIpv6Loopback_works() throws Exception {
        try (TestDnsServer v6 = TestDnsServer.start(ip("::1"))) {
            v6.set("backend.test", TTL, ip("127.0.0.2"), ip("::1"));
            DnsResolver resolver = DnsResolver.builder().server(v6.address()).build();

            assertThat(resolver.resolve("backend.test").addresses()).containsExactly(ip("127.0.0.2"), ip("::1"));
            assertThat(v6.queries()).allSatisfy(q -> assertThat(((InetSocketAddress) q.from()).getAddress())
                    .isEqualTo(ip("::1")));
        }
    }

    // --- configuration ---

    @Test
    void builder_defaults() throws Exception {
        DnsResolver resolver = DnsResolver.builder().build();

        assertThat(resolver.servers()).containsExactly(new InetSocketAddress(ip("127.0.0.1"), 53));
        assertThat(resolver.searchDomains()).isEmpty();
        assertThat(resolver.ndots()).isEqualTo(1);
        assertThat(resolver.queryTimeout()).isEqualTo(Duration.ofSeconds(2));
        assertThat(resolver.attempts()).isEqualTo(2);
    }

    @Test
    void builder_resolvConf_isUsedAndExplicitSettingsOverrideIt(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("resolv.conf"), """
                nameserver 10.96.0.10
                search ns.svc.cluster.local svc.cluster.local cluster.local
                options ndots:5 timeout:3 attempts:4
                """);

        DnsResolver fromFile = DnsResolver.builder().resolvConf(file).build();
        assertThat(fromFile.servers()).containsExactly(new InetSocketAddress(ip("10.96.0.10"), 53));
        assertThat(fromFile.searchDomains())
                .containsExactly("ns.svc.cluster.local", "svc.cluster.local", "cluster.local");
        assertThat(fromFile.ndots()).isEqualTo(5);
        assertThat(fromFile.queryTimeout()).isEqualTo(Duration.ofSeconds(3));
        assertThat(fromFile.attempts()).isEqualTo(4);

        DnsResolver overridden = DnsResolver.builder().server(dns.address()).searchDomains(List.of()).ndots(1)
                .queryTimeout(Duration.ofMillis(700)).attempts(1).resolvConf(file).build();
        assertThat(overridden.servers()).containsExactly(dns.address());
        assertThat(overridden.searchDomains()).isEmpty();
        assertThat(overridden.ndots()).isEqualTo(1);
        assertThat(overridden.queryTimeout()).isEqualTo(Duration.ofMillis(700));
        assertThat(overridden.attempts()).isEqualTo(1);
    }

    @Test
    void builder_missingResolvConf_givesDefaults(@TempDir Path dir) throws Exception {
        DnsResolver resolver = DnsResolver.builder().resolvConf(dir.resolve("absent")).build();

        assertThat(resolver.servers()).containsExactly(DnsResolver.DEFAULT_SERVER);
        assertThat(resolver.ndots()).isEqualTo(DnsResolver.DEFAULT_NDOTS);
    }

    @Test
    void builder_unreadableResolvConf_throwsIOException(@TempDir Path dir) throws Exception {
        Path directory = Files.createDirectory(dir.resolve("resolv.conf"));

        assertThatThrownBy(() -> DnsResolver.builder().resolvConf(directory).build()).isInstanceOf(IOException.class);
    }

    @Test
    void system_readsEtcResolvConf() throws Exception {
        DnsResolver resolver = DnsResolver.system();

        ResolvConf conf = ResolvConf.read(Path.of("/etc/resolv.conf"));
        assertThat(resolver.servers()).isEqualTo(conf.servers().isEmpty()
                ? List.of(DnsResolver.DEFAULT_SERVER) : conf.servers());
        assertThat(resolver.searchDomains()).isEqualTo(conf.search());
    }

    @Test
    void builder_badInput_throwsNamingTheParameter() {
        DnsResolver.Builder b = DnsResolver.builder();
        assertThatThrownBy(() -> b.ndots(-1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("ndots must not be negative: -1");
        assertThatThrownBy(() -> b.attempts(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("attempts must be at least 1: 0");
        assertThatThrownBy(() -> b.queryTimeout(Duration.ofSeconds(-1))).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("queryTimeout must be positive: PT-1S");
        assertThatThrownBy(() -> b.queryTimeout(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("queryTimeout");
        assertThatThrownBy(() -> b.server(InetSocketAddress.createUnresolved("dns.example", 53)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("server");
        assertThatThrownBy(() -> b.server(new InetSocketAddress(ip("127.0.0.1"), 0)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("port");
        assertThatThrownBy(() -> b.searchDomains(" ")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("search domain");
        assertThatThrownBy(() -> b.searchDomains("a..b").build()).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("a..b");
        assertThatThrownBy(() -> b.server(null)).isInstanceOf(NullPointerException.class).hasMessage("server");
        assertThatThrownBy(() -> b.resolvConf(null)).isInstanceOf(NullPointerException.class).hasMessage("path");
    }
}
