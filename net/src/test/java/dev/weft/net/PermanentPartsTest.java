package dev.weft.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.failsafe.RetryPolicy;
import dev.weft.runtime.Scope;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The pure parts of permanent connections — backoff arithmetic, address ordering, the send buffer — and the
 * builder's checks of bad input.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
final class PermanentPartsTest {

    private static final long S = 1_000_000_000L;

    // --- Backoff ------------------------------------------------------------------------------------------------

    @Test
    void backoff_standard_zeroThenDoublingWithinJitter_cappedAt30s() {
        Backoff b = Backoff.of(Backoff.standard());
        Random random = new Random(1);
        assertThat(b.delay(0, random::nextDouble)).isZero();
        long[] bases = {1, 2, 4, 8, 16, 30, 30, 30};
        for (int n = 1; n <= bases.length; n++) {
            for (int k = 0; k < 200; k++) {
                Duration d = b.delay(n, random::nextDouble);
                assertThat(d).isBetween(Duration.ofMillis(bases[n - 1] * 800), Duration.ofMillis(bases[n - 1] * 1200))
                        .isLessThanOrEqualTo(Duration.ofSeconds(30));
            }
        }
    }

    @Test
    void backoff_jitterAtTheCap_neverExceedsTheMaximum() {
        Backoff b = Backoff.of(Backoff.standard());
        assertThat(b.delay(50, () -> 0.999_999)).isEqualTo(Duration.ofSeconds(30));
        assertThat(b.delay(50, () -> 0.0)).isEqualTo(Duration.ofSeconds(24));
        assertThat(b.delay(1_000_000, () -> 0.5)).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void backoff_grpcPreset_multiplies1point6_cappedAt120s() {
        Backoff b = Backoff.of(Backoff.grpc());
        assertThat(b.delay(1, () -> 0.5)).isEqualTo(Duration.ofSeconds(1));
        assertThat(b.delay(2, () -> 0.5)).isEqualTo(Duration.ofMillis(1600));
        assertThat(b.delay(3, () -> 0.5)).isEqualTo(Duration.ofMillis(2560));
        assertThat(b.delay(40, () -> 0.5)).isEqualTo(Duration.ofSeconds(120));
        assertThat(b.max()).isEqualTo(Duration.ofSeconds(120));
        assertThat(b.factor()).isEqualTo(1.6);
        assertThat(b.jitterFactor()).isEqualTo(0.2);
    }

    @Test
    void backoff_fixedDelayPolicy_sameDelayEveryTime() {
        Backoff b = Backoff.of(RetryPolicy.builder().withDelay(Duration.ofSeconds(3)).build());
        assertThat(b.delay(1, () -> 0.9)).isEqualTo(Duration.ofSeconds(3));
        assertThat(b.delay(9, () -> 0.1)).isEqualTo(Duration.ofSeconds(3));
    }

    @Test
    void backoff_badInput_rejectedWithReason() {
        assertThatThrownBy(() -> Backoff.of(RetryPolicy.ofDefaults())).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("delay must be positive");
        assertThatThrownBy(() -> Backoff.of(RetryPolicy.builder()
                .withDelay(Duration.ofSeconds(1), Duration.ofSeconds(2)).build()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("random delay");
        assertThatThrownBy(() -> Backoff.of(Backoff.standard()).delay(-1, () -> 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("failures must not be negative: -1");
        assertThatThrownBy(() -> Backoff.of(null)).isInstanceOf(NullPointerException.class);
    }

    // --- AddressPlan --------------------------------------------------------------------------------------------

    private static InetSocketAddress a(String ip) throws Exception {
        return new InetSocketAddress(InetAddress.getByName(ip), 4040);
    }

    @Test
    void plan_dedupes_ipv6First_interleavesFamilies() throws Exception {
        AddressPlan plan = new AddressPlan(true, null, Duration.ofSeconds(30));
        List<SocketAddress> order = plan.order(List.of(a("10.0.0.1"), a("10.0.0.2"), a("10.0.0.1"), a("fd00::1"),
                a("10.0.0.3"), a("fd00::2")), null, 0);
        assertThat(order).containsExactly(a("fd00::1"), a("10.0.0.1"), a("fd00::2"), a("10.0.0.2"), a("10.0.0.3"));
    }

    @Test
    void plan_ipv4First_startsWithIpv4() throws Exception {
        AddressPlan plan = new AddressPlan(false, null, Duration.ofSeconds(30));
        assertThat(plan.order(List.of(a("fd00::1"), a("10.0.0.1")), null, 0))
                .containsExactly(a("10.0.0.1"), a("fd00::1"));
    }

    @Test
    void plan_afterLoss_startsAfterTheLostAddress() throws Exception {
        AddressPlan plan = new AddressPlan(false, null, Duration.ofSeconds(30));
        List<InetSocketAddress> all = List.of(a("10.0.0.1"), a("10.0.0.2"), a("10.0.0.3"));
        assertThat(plan.order(all, a("10.0.0.2"), 0)).containsExactly(a("10.0.0.3"), a("10.0.0.1"), a("10.0.0.2"));
        assertThat(plan.order(all, a("10.0.0.3"), 0)).containsExactly(a("10.0.0.1"), a("10.0.0.2"), a("10.0.0.3"));
        assertThat(plan.order(all, a("10.9.9.9"), 0)).containsExactly(all.toArray(new SocketAddress[0]));
    }

    @Test
    void plan_afterFailedPass_startsOnePositionLater() throws Exception {
        AddressPlan plan = new AddressPlan(false, null, Duration.ZERO);
        List<InetSocketAddress> all = List.of(a("10.0.0.1"), a("10.0.0.2"));
        plan.passFailed();
        assertThat(plan.order(all, null, 0)).containsExactly(a("10.0.0.2"), a("10.0.0.1"));
        plan.passFailed();
        assertThat(plan.order(all, null, 0)).containsExactly(a("10.0.0.1"), a("10.0.0.2"));
    }

    @Test
    void plan_recentlyFailedAddress_goesToTheEnd_untilThePenaltyPasses() throws Exception {
        AddressPlan plan = new AddressPlan(false, null, Duration.ofSeconds(30));
        List<InetSocketAddress> all = List.of(a("10.0.0.1"), a("10.0.0.2"), a("10.0.0.3"));
        plan.failed(a("10.0.0.1"), 0);
        assertThat(plan.order(all, null, 29 * S)).containsExactly(a("10.0.0.2"), a("10.0.0.3"), a("10.0.0.1"));
        assertThat(plan.order(all, null, 30 * S)).containsExactly(a("10.0.0.1"), a("10.0.0.2"), a("10.0.0.3"));
        plan.failed(a("10.0.0.2"), 40 * S);
        plan.succeeded(a("10.0.0.2"));
        assertThat(plan.order(all, null, 41 * S)).containsExactly(a("10.0.0.1"), a("10.0.0.2"), a("10.0.0.3"));
    }

    @Test
    void plan_seededShuffle_isDeterministic_andKeepsEveryAddress() throws Exception {
        List<InetSocketAddress> all = new ArrayList<>();
        for (int i = 1; i <= 20; i++) {
            all.add(a("10.0.0." + i));
        }
        List<SocketAddress> first = new AddressPlan(false, 42L, Duration.ZERO).order(all, null, 0);
        List<SocketAddress> again = new AddressPlan(false, 42L, Duration.ZERO).order(all, null, 0);
        List<SocketAddress> other = new AddressPlan(false, 43L, Duration.ZERO).order(all, null, 0);
        assertThat(first).isEqualTo(again).containsExactlyInAnyOrderElementsOf(all).isNotEqualTo(all);
        assertThat(other).isNotEqualTo(first);
    }

    // --- SendBuffer ---------------------------------------------------------------------------------------------

    private static SendBuffer.Entry entry(String text, long at) {
        return new SendBuffer.Entry(text, text, text.length() + 1L, at, false);
    }

    @Test
    void buffer_rejectNew_refusesWhenFullByCountOrBytes() {
        SendBuffer b = new SendBuffer(SendPolicy.buffer(2, 10, Duration.ofSeconds(30), false));
        assertThat(b.add(entry("aaa", 0))).isEmpty();
        assertThat(b.add(entry("bbb", 0))).isEmpty();
        assertThat(b.add(entry("c", 0))).isNull(); // 2 messages
        b.poll();
        assertThat(b.add(entry("cccccc", 0))).isNull(); // 4 + 7 bytes > 10
        assertThat(b.add(entry("cccc", 0))).isEmpty();
        assertThat(b.bytes()).isEqualTo(9);
        assertThat(b.add(entry("x".repeat(20), 0))).isNull();
    }

    @Test
    void buffer_dropOldest_evictsFromTheFront() {
        SendBuffer b = new SendBuffer(SendPolicy.buffer(2, 1000, Duration.ofSeconds(30), true));
        b.add(entry("1", 0));
        b.add(entry("2", 0));
        assertThat(b.add(entry("3", 0))).extracting(SendBuffer.Entry::text).containsExactly("1");
        assertThat(b.drain()).extracting(SendBuffer.Entry::text).containsExactly("2", "3");
        assertThat(b.size()).isZero();
        assertThat(b.bytes()).isZero();
        assertThat(b.add(entry("x".repeat(2000), 0))).isNull(); // larger than the whole buffer: refused even so
    }

    @Test
    void buffer_expire_removesOnlyEntriesPastMaxAge() {
        SendBuffer b = new SendBuffer(SendPolicy.buffer(10, 1000, Duration.ofSeconds(30), false));
        b.add(entry("old", 0));
        b.add(entry("new", 10 * S));
        assertThat(b.nextExpiry()).hasValue(30 * S);
        assertThat(b.expire(29 * S)).isEmpty();
        assertThat(b.expire(30 * S)).extracting(SendBuffer.Entry::text).containsExactly("old");
        assertThat(b.nextExpiry()).hasValue(40 * S);
    }

    // --- builder checks -----------------------------------------------------------------------------------------

    @Test
    void builder_badInput_rejectedNamingTheValue() {
        assertThatThrownBy(() -> PermanentConnection.builder("host", 0)).hasMessage("port must be between 1 and"
                + " 65535: 0");
        assertThatThrownBy(() -> PermanentConnection.builder(" ", 80)).hasMessage("host must not be blank");
        assertThatThrownBy(() -> PermanentConnection.builder(List.of())).hasMessage("addresses must not be empty");
        assertThatThrownBy(() -> PermanentConnection.builder(List.of(InetSocketAddress.createUnresolved("x", 1))))
                .hasMessageContaining("addresses must be resolved");
        assertThatThrownBy(() -> PermanentConnection.builder((Path) null)).isInstanceOf(NullPointerException.class);
        PermanentConnection.Builder b = PermanentConnection.builder("host", 80);
        assertThatThrownBy(() -> b.connectTimeout(Duration.ofSeconds(-1)))
                .hasMessage("timeout must be positive: PT-1S");
        assertThatThrownBy(() -> b.healthyTime(Duration.ofSeconds(-1)))
                .hasMessage("healthyTime must not be negative: PT-1S");
        assertThatThrownBy(() -> b.happyEyeballsDelay(Duration.ofSeconds(3)))
                .hasMessage("delay must be between 10ms and 2s: PT3S");
        assertThatThrownBy(() -> b.ttlClamp(Duration.ofSeconds(10), Duration.ofSeconds(5)))
                .hasMessage("max must not be below min: PT5S < PT10S");
        assertThatThrownBy(() -> b.onAddressRemoved(PermanentEvent.AddressRemovedAction.MIGRATION_FAILED))
                .hasMessageContaining("MIGRATE or STAY");
        assertThatThrownBy(() -> b.backoff(RetryPolicy.ofDefaults())).hasMessageContaining("delay must be positive");
        assertThatThrownBy(() -> PermanentConnection.builder(Path.of("/tmp/x.sock"))
                .tls(TlsClientConfig.defaults())).hasMessageContaining("TLS needs a TCP target");
        assertThatThrownBy(() -> SendPolicy.buffer(0, 1, Duration.ofSeconds(1), false))
                .hasMessage("maxMessages must be positive: 0");
        assertThatThrownBy(() -> SendPolicy.block(Duration.ZERO)).hasMessage("timeout must be positive: PT0S");
        assertThatThrownBy(() -> PermanentConnection.Heartbeat.every(Duration.ofSeconds(1), 0))
                .hasMessage("misses must be positive: 0");
        assertThatThrownBy(() -> b.maxLineLength(0)).hasMessage("bytes must be positive: 0");
    }

    @Test
    void builder_handshakeOfTheWrongMode_refusedAtOpen() {
        try (Scope scope = Scope.open("wrong mode")) {
            assertThatThrownBy(() -> PermanentConnection.builder("host", 80).mode(PermanentConnection.Mode.LINES)
                    .handshake(PermanentConnection.Handshake.call(Message.builder("REGISTER").build(), "READY",
                            Duration.ofSeconds(1))).open(scope))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("needs MESSAGES mode");
            assertThatThrownBy(() -> PermanentConnection.builder("host", 80)
                    .handshake(PermanentConnection.Handshake.line("HI", "HO", Duration.ofSeconds(1))).open(scope))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("needs LINES mode");
        }
    }

    @Test
    void send_lineWithTerminator_rejected() throws Exception {
        try (Scope scope = Scope.open("bad line")) {
            PermanentConnection c = PermanentConnection.builder(List.of(NetTestSupport.closedPort("127.0.0.1")))
                    .mode(PermanentConnection.Mode.LINES).open(scope);
            assertThatThrownBy(() -> c.send("two\nlines")).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("line must not contain a line terminator (at index 3)");
            assertThatThrownBy(() -> c.messages()).isInstanceOf(IllegalStateException.class);
            c.close();
        }
    }
}
