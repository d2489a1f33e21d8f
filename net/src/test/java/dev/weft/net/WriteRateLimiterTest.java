package dev.weft.net;

import static dev.weft.net.NetTestSupport.anyPort;
import static dev.weft.net.NetTestSupport.awaitCondition;
import static dev.weft.net.NetTestSupport.awaitEnd;
import static dev.weft.net.NetTestSupport.nextLine;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.runtime.CancelledException;
import dev.weft.runtime.Channel;
import dev.weft.runtime.Scope;
import dev.weft.runtime.Task;
import dev.weft.runtime.Timers;
import dev.weft.runtime.VirtualClock;
import dev.weft.runtime.testing.PinningGuard;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

@ExtendWith(PinningGuard.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
final class WriteRateLimiterTest {

    private static final String HOSTS = "dev.weft.net.NetTestSupport#loopbacks";
    private static final Duration CONNECT = Duration.ofSeconds(5);
    private static final Duration SECOND = Duration.ofSeconds(1);

    private static Scope virtualScope(VirtualClock clock) {
        return Scope.builder().name("virtual").timeSource(clock).open();
    }

    /** Receives every line of each connection and reports them when the client closes. */
    private static StreamServer collectingServer(Scope scope, String host, Channel<List<String>> out)
            throws Exception {
        return StreamServer.builder(anyPort(host)).start(scope, connection -> {
            List<String> got = new ArrayList<>();
            for (String line : connection.lines()) {
                got.add(line);
            }
            out.send(got);
        });
    }

    // --- the token bucket alone, in virtual time ---

    @Test
    void acquire_withinTheBurst_takesNoTime() throws Exception {
        VirtualClock clock = VirtualClock.autoAdvancing();
        try (Scope scope = virtualScope(clock)) {
            scope.fork("writer", () -> new WriteRateLimiter(1000, SECOND).acquire(1000));
            scope.join();
        }
        assertThat(clock.elapsed()).isZero();
    }

    @Test
    void acquire_fiveTimesTheRate_takesFourIntervalsAfterTheBurst() throws Exception {
        VirtualClock clock = VirtualClock.autoAdvancing();
        try (Scope scope = virtualScope(clock)) {
            scope.fork("writer", () -> new WriteRateLimiter(1000, SECOND).acquire(5000));
            scope.join();
        }
        assertThat(clock.elapsed()).isBetween(Duration.ofSeconds(4), Duration.ofSeconds(4).plusMillis(1));
    }

    @Test
    void acquire_afterALongIdle_burstsOnlyOneIntervalsWorth() throws Exception {
        VirtualClock clock = VirtualClock.autoAdvancing();
        try (Scope scope = virtualScope(clock)) {
            scope.fork("writer", () -> {
                WriteRateLimiter limiter = new WriteRateLimiter(100, Duration.ofMillis(100));
                limiter.acquire(100);
                Timers.sleep(Duration.ofMinutes(1)); // the bucket fills up, but only to 100 bytes
                Duration before = clock.elapsed();
                limiter.acquire(300);
                assertThat(clock.elapsed().minus(before)).isBetween(Duration.ofMillis(200),
                        Duration.ofMillis(201));
            });
            scope.join();
        }
    }

    @Test
    void acquire_cancelledWhileWaiting_spendsNoBudget() throws Exception {
        VirtualClock clock = VirtualClock.create(); // moves only when the test says so
        WriteRateLimiter limiter = new WriteRateLimiter(1000, SECOND);
        try (Scope scope = virtualScope(clock)) {
            Task<Void> big = scope.fork("big", () -> {
                limiter.acquire(1000); // the burst
                limiter.acquire(3000); // 1000 per second: three waits
            });
            awaitCondition(() -> clock.pendingTimers() == 1, "the writer to wait for its first 1000 bytes");
            clock.advance(SECOND);
            awaitCondition(() -> clock.pendingTimers() == 1, "the writer to take 1000 bytes and wait again");
            big.cancel();
            assertThatThrownBy(big::join).isInstanceOf(CancelledException.class);
            // the 1000 bytes it took but never wrote are back: this write needs no wait at all
            Task<Void> next = scope.fork("next", () -> limiter.acquire(1000));
            next.join(NetTestSupport.DEFAULT_WAIT);
            assertThat(clock.pendingTimers()).isZero();
            assertThat(clock.elapsed()).isEqualTo(SECOND);
        }
    }

    // --- rate-limited connections ---

    @ParameterizedTest
    @MethodSource(HOSTS)
    void writeRate_limitedConnection_takesTheRightVirtualTimeAndAnUnlimitedOneIsNotSlowed(String host)
            throws Exception {
        Channel<List<String>> received = Channel.buffered(2);
        String kilobyteLine = "k".repeat(999); // 1000 bytes with its "\n"
        VirtualClock clock = VirtualClock.autoAdvancing();
        try (Scope serverScope = Scope.open("server")) {
            StreamServer server = collectingServer(serverScope, host, received);
            Duration limitedDone;
            Duration unlimitedDone;
            try (Scope scope = virtualScope(clock)) {
                Task<Duration> limited = scope.fork("limited", () -> {
                    try (Connection c = Connection.connector(server.localAddress()).timeout(CONNECT)
                            .writeRate(1000, SECOND).connect()) {
                        for (int i = 0; i < 5; i++) {
                            c.send(kilobyteLine);
                        }
                    }
                    return clock.elapsed();
                });
                Task<Duration> unlimited = scope.fork("unlimited", () -> {
                    try (Connection c = Connection.connect(server.localAddress(), CONNECT)) {
                        for (int i = 0; i < 5; i++) {
                            c.send(kilobyteLine);
                        }
                    }
                    return clock.elapsed();
                });
                limitedDone = limited.join();
                unlimitedDone = unlimited.join();
            }
            // 5000 bytes at 1000 per second, the first 1000 as a burst
            assertThat(limitedDone).isBetween(Duration.ofSeconds(4), Duration.ofSeconds(4).plusMillis(1));
            // the other connection on the same server never waited for the first one's budget
            assertThat(unlimitedDone).isZero();
            for (int i = 0; i < 2; i++) {
                assertThat(received.receive(NetTestSupport.DEFAULT_WAIT).orElseThrow())
                        .hasSize(5).allMatch(kilobyteLine::equals);
            }
            server.stop(Duration.ofSeconds(5));
        }
    }

    @ParameterizedTest
    @MethodSource(HOSTS)
    void writeRate_onTheServer_releasesEachLineWhenVirtualTimeAllowsIt(String host) throws Exception {
        VirtualClock clock = VirtualClock.create();
        try (Scope scope = virtualScope(clock)) {
            StreamServer server = StreamServer.builder(anyPort(host)).writeRate(10, SECOND)
                    .start(scope, connection -> {
                        for (int i = 1; i <= 3; i++) {
                            connection.send("line " + i + "..."); // 10 bytes with its "\n"
                        }
                    });
            try (Connection c = Connection.connect(server.localAddress(), CONNECT)) {
                assertThat(nextLine(c)).isEqualTo("line 1...");
                for (int i = 2; i <= 3; i++) {
                    awaitCondition(() -> clock.pendingTimers() == 1, "the handler to wait for its budget");
                    // it waits before writing: the next line cannot be on its way yet
                    assertThat(c.lines().tryReceive()).isEmpty();
                    clock.advance(SECOND);
                    assertThat(nextLine(c)).isEqualTo("line " + i + "...");
                }
                assertThat(awaitEnd(c).lines()).isEmpty();
            }
            assertThat(clock.elapsed()).isEqualTo(Duration.ofSeconds(2));
            server.stop(Duration.ofSeconds(5));
        }
    }

    @ParameterizedTest
    @MethodSource(HOSTS)
    void writeRate_writerCancelledWhileWaitingForBudget_writesNothingAndTheConnectionStaysOpen(String host)
            throws Exception {
        Channel<List<String>> received = Channel.buffered(1);
        VirtualClock clock = VirtualClock.create();
        try (Scope serverScope = Scope.open("server")) {
            StreamServer server = collectingServer(serverScope, host, received);
            try (Scope scope = virtualScope(clock)) {
                Connection c = scope.fork("connect", () -> Connection.connector(server.localAddress())
                        .timeout(CONNECT).writeRate(10, SECOND).connect()).join();
                try (c) {
                    Task<Void> writer = scope.fork("writer", () -> {
                        c.send("123456789"); // the burst
                        c.send("never sent");
                    });
                    awaitCondition(() -> clock.pendingTimers() == 1, "the writer to wait for its budget");
                    writer.cancel();
                    assertThatThrownBy(writer::join).isInstanceOf(CancelledException.class);
                    assertThat(c.isOpen()).isTrue();
                    Task<Void> after = scope.fork("after", () -> c.send("after"));
                    awaitCondition(() -> clock.pendingTimers() == 1, "the next writer to wait for its budget");
                    clock.advance(SECOND);
                    after.join();
                    c.shutdownOutput();
                    assertThat(received.receive(NetTestSupport.DEFAULT_WAIT).orElseThrow())
                            .containsExactly("123456789", "after");
                }
            }
            server.stop(Duration.ofSeconds(5));
        }
    }
}
