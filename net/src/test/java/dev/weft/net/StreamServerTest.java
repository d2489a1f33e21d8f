package dev.weft.net;

import static dev.weft.net.NetTestSupport.ECHO;
import static dev.weft.net.NetTestSupport.anyPort;
import static dev.weft.net.NetTestSupport.at;
import static dev.weft.net.NetTestSupport.awaitBlocked;
import static dev.weft.net.NetTestSupport.awaitCondition;
import static dev.weft.net.NetTestSupport.awaitEnd;
import static dev.weft.net.NetTestSupport.nextLine;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.runtime.CancelledException;
import dev.weft.runtime.Channel;
import dev.weft.runtime.Scope;
import dev.weft.runtime.Task;
import dev.weft.runtime.testing.PinningGuard;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.BindException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

@ExtendWith(PinningGuard.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
final class StreamServerTest {

    private static final String HOSTS = "dev.weft.net.NetTestSupport#loopbacks";
    private static final Duration CONNECT = Duration.ofSeconds(5);

    /** Sends "welcome" as soon as the connection is served, then echoes. */
    private static final ConnectionHandler WELCOME_ECHO = connection -> {
        connection.send("welcome");
        ECHO.handle(connection);
    };

    private static Connection connect(StreamServer server) throws Exception {
        return Connection.connect(server.localAddress(), CONNECT);
    }

    @ParameterizedTest
    @MethodSource(HOSTS)
    void echo_linesFromOneClient_comeBackInOrder(String host) throws Exception {
        try (Scope scope = Scope.open("test")) {
            StreamServer server = StreamServer.builder(anyPort(host)).start(scope, ECHO);
            try (Connection c = connect(server)) {
                for (String line : List.of("one", "", "three ünïcödé", "x".repeat(10_000))) {
                    c.send(line);
                    assertThat(nextLine(c)).isEqualTo(line);
                }
            }
            server.stop(Duration.ofSeconds(5));
        }
    }

    @ParameterizedTest
    @MethodSource(HOSTS)
    void echo_200ConcurrentClients_eachGetsItsOwnEchoes(String host) throws Exception {
        int clients = 200;
        try (Scope scope = Scope.open("test")) {
            StreamServer server = StreamServer.builder(anyPort(host)).backlog(clients).start(scope, ECHO);
            List<Task<List<String>>> tasks = new ArrayList<>();
            try (Scope clientScope = Scope.open("clients")) {
                for (int i = 0; i < clients; i++) {
                    int id = i;
                    tasks.add(clientScope.fork("client-" + id, () -> {
                        List<String> got = new ArrayList<>();
                        try (Connection c = connect(server)) {
                            for (int j = 0; j < 5; j++) {
                                c.send("client " + id + " line " + j);
                            }
                            for (int j = 0; j < 5; j++) {
                                got.add(nextLine(c));
                            }
                        }
                        return got;
                    }));
                }
                clientScope.join();
            }
            for (int i = 0; i < clients; i++) {
                int id = i;
                assertThat(tasks.get(i).resultNow()).as("client %d", i)
                        .containsExactly(IntStream.range(0, 5)
                                .mapToObj(j -> "client " + id + " line " + j).toArray(String[]::new));
            }
            assertThat(server.acceptedConnections()).isEqualTo(clients);
            server.stop(Duration.ofSeconds(5));
        }
    }

    @ParameterizedTest
    @MethodSource(HOSTS)
    void start_returns_onceBoundWithThePortKnownBeforeTheFirstClient(String host) throws Exception {
        try (Scope scope = Scope.open("test")) {
            StreamServer server = StreamServer.builder(anyPort(host)).name("handshake").start(scope, ECHO);
            assertThat(server.port()).isPositive();
            assertThat(server.localAddress()).isEqualTo(at(host, server.port()));
            assertThat(server.name()).isEqualTo("handshake");
            assertThat(server.acceptedConnections()).isZero();
            // no retry loop: the server listens when start returns
            try (Connection c = Connection.connect(at(host, server.port()), CONNECT)) {
                c.send("first");
                assertThat(nextLine(c)).isEqualTo("first");
            }
            server.stop(Duration.ofSeconds(5));
        }
    }

    @ParameterizedTest
    @MethodSource(HOSTS)
    void handler_plainBlockingStreams_readAndWrite(String host) throws Exception {
        try (Scope scope = Scope.open("test")) {
            StreamServer server = StreamServer.builder(anyPort(host)).start(scope, connection -> {
                BufferedReader in = new BufferedReader(new InputStreamReader(connection.input(),
                        StandardCharsets.UTF_8));
                OutputStream out = connection.output();
                for (String line; (line = in.readLine()) != null; ) {
                    out.write((line.toUpperCase(Locale.ROOT) + "\n").getBytes(StandardCharsets.UTF_8));
                }
            });
            try (Connection c = connect(server)) {
                c.send("hello");
                c.send("blocking world");
                assertThat(nextLine(c)).isEqualTo("HELLO");
                assertThat(nextLine(c)).isEqualTo("BLOCKING WORLD");
            }
            server.stop(Duration.ofSeconds(5));
        }
    }

    @ParameterizedTest
    @MethodSource(HOSTS)
    void handler_throws_endsOnlyItsOwnConnection(String host) throws Exception {
        try (Scope scope = Scope.open("test")) {
            StreamServer server = StreamServer.builder(anyPort(host)).start(scope, connection -> {
                for (String line : connection.lines()) {
                    if (line.equals("boom")) {
                        throw new IllegalStateException("handler failure on purpose");
                    }
                    connection.send(line);
                }
            });
            try (Connection ok = connect(server); Connection doomed = connect(server)) {
                ok.send("before");
                assertThat(nextLine(ok)).isEqualTo("before");
                doomed.send("boom");
                assertThat(awaitEnd(doomed).lines()).isEmpty();
                awaitCondition(() -> server.activeConnections() == 1, "the failed connection to end");
                ok.send("after");
                assertThat(nextLine(ok)).isEqualTo("after");
                try (Connection later = connect(server)) {
                    later.send("still serving");
                    assertThat(nextLine(later)).isEqualTo("still serving");
                }
            }
            server.stop(Duration.ofSeconds(5));
        }
        // the supervisor kept the failure away from the test scope: closing it threw nothing
    }

    @ParameterizedTest
    @MethodSource(HOSTS)
    void stop_handlerThatFinishesWithinGrace_completesAndStopReturnsWhenItEnds(String host) throws Exception {
        Channel<Boolean> release = Channel.buffered(1);
        AtomicReference<String> outcome = new AtomicReference<>("running");
        AtomicReference<Thread> stopper = new AtomicReference<>();
        try (Scope scope = Scope.open("test")) {
            StreamServer server = StreamServer.builder(anyPort(host)).start(scope, connection -> {
                connection.send("ready");
                release.receive();
                connection.send("done");
                outcome.set("completed");
            });
            SocketAddress address = server.localAddress();
            try (Connection c = connect(server); Scope stopping = Scope.open("stopping")) {
                assertThat(nextLine(c)).isEqualTo("ready");
                Task<Void> stop = stopping.fork("stop", () -> {
                    stopper.set(Thread.currentThread());
                    server.stop(Duration.ofMinutes(5)); // far beyond @Timeout: returning early is the point
                });
                awaitCondition(() -> stopper.get() != null, "the stop task to start");
                awaitBlocked(stopper.get());
                // stopping has stopped accepting at once
                assertThatThrownBy(() -> Connection.connect(address, CONNECT)).isInstanceOf(ConnectException.class);
                assertThat(stop.state()).isEqualTo(Task.State.RUNNING);
                release.send(true);
                assertThat(awaitEnd(c).lines()).containsExactly("done");
                stop.join();
            }
            assertThat(outcome.get()).isEqualTo("completed");
            assertThat(server.activeConnections()).isZero();
        }
    }

    @ParameterizedTest
    @MethodSource(HOSTS)
    void stop_handlerStillRunningAfterGrace_isCancelledAndStopWaitsForIt(String host) throws Exception {
        AtomicReference<String> outcome = new AtomicReference<>("running");
        try (Scope scope = Scope.open("test")) {
            StreamServer server = StreamServer.builder(anyPort(host)).start(scope, connection -> {
                connection.send("ready");
                try {
                    connection.lines().receive(); // the client never sends
                    outcome.set("received");
                } catch (CancelledException e) {
                    outcome.set("cancelled");
                    throw e;
                }
            });
            try (Connection stuck = connect(server); Connection other = connect(server)) {
                assertThat(nextLine(stuck)).isEqualTo("ready");
                assertThat(nextLine(other)).isEqualTo("ready");
                server.stop(Duration.ofMillis(200));
                assertThat(outcome.get()).isEqualTo("cancelled");
                assertThat(server.activeConnections()).isZero();
                assertThat(awaitEnd(stuck).lines()).isEmpty();
                assertThat(awaitEnd(other).lines()).isEmpty();
            }
            server.stop(Duration.ZERO); // idempotent
        }
    }

    @ParameterizedTest
    @MethodSource(HOSTS)
    void stop_calledFromAHandler_doesNotWaitForThatHandler(String host) throws Exception {
        AtomicReference<StreamServer> self = new AtomicReference<>();
        try (Scope scope = Scope.open("test")) {
            StreamServer server = StreamServer.builder(anyPort(host)).start(scope, connection -> {
                for (String line : connection.lines()) {
                    if (line.equals("STOP")) {
                        connection.send("QUITTING");
                        self.get().stop(Duration.ofMinutes(5)); // would hang past @Timeout if it waited for itself
                        connection.send("stopped");
                        return;
                    }
                    connection.send(line);
                }
            });
            self.set(server);
            SocketAddress address = server.localAddress();
            try (Connection c = connect(server)) {
                c.send("STOP");
                assertThat(awaitEnd(c).lines()).containsExactly("QUITTING", "stopped");
            }
            awaitCondition(() -> server.activeConnections() == 0, "the stopping handler to end");
            assertThatThrownBy(() -> Connection.connect(address, CONNECT)).isInstanceOf(ConnectException.class);
        }
    }

    @ParameterizedTest
    @MethodSource(HOSTS)
    @SuppressWarnings("try") // a client leaves early, inside its try-with-resources
    void limit_waitPolicy_thirdClientIsServedOnlyAfterOneLeaves(String host) throws Exception {
        try (Scope scope = Scope.open("test")) {
            StreamServer server = StreamServer.builder(anyPort(host)).maxConnections(2).start(scope, WELCOME_ECHO);
            try (Connection first = connect(server); Connection second = connect(server)) {
                assertThat(nextLine(first)).isEqualTo("welcome");
                assertThat(nextLine(second)).isEqualTo("welcome");
                // at the limit the accept loop waits for a free slot: the third connects in the kernel's backlog
                try (Connection third = connect(server)) {
                    third.send("queued");
                    assertThat(server.acceptedConnections()).isEqualTo(2);
                    assertThat(server.activeConnections()).isEqualTo(2);
                    assertThat(third.lines().tryReceive()).isEmpty();
                    first.close();
                    assertThat(nextLine(third)).isEqualTo("welcome");
                    assertThat(nextLine(third)).isEqualTo("queued");
                    assertThat(server.acceptedConnections()).isEqualTo(3);
                    assertThat(server.rejected()).isZero();
                    second.send("still here");
                    assertThat(nextLine(second)).isEqualTo("still here");
                }
            }
            server.stop(Duration.ofSeconds(5));
        }
    }

    @ParameterizedTest
    @MethodSource(HOSTS)
    @SuppressWarnings("try") // a client leaves early, inside its try-with-resources
    void limit_rejectPolicy_thirdClientIsClosedAtOnceAndCounted(String host) throws Exception {
        try (Scope scope = Scope.open("test")) {
            StreamServer server = StreamServer.builder(anyPort(host)).maxConnections(2)
                    .limitPolicy(StreamServer.LimitPolicy.REJECT).start(scope, WELCOME_ECHO);
            try (Connection first = connect(server); Connection second = connect(server)) {
                assertThat(nextLine(first)).isEqualTo("welcome");
                assertThat(nextLine(second)).isEqualTo("welcome");
                try (Connection third = connect(server)) {
                    assertThat(awaitEnd(third).lines()).isEmpty();
                }
                assertThat(server.rejected()).isEqualTo(1);
                assertThat(server.acceptedConnections()).isEqualTo(2);
                first.send("unaffected");
                assertThat(nextLine(first)).isEqualTo("unaffected");
                second.close();
                awaitCondition(() -> server.activeConnections() == 1, "the second connection to end");
                try (Connection fourth = connect(server)) {
                    assertThat(nextLine(fourth)).isEqualTo("welcome");
                }
                assertThat(server.rejected()).isEqualTo(1);
            }
            server.stop(Duration.ofSeconds(5));
        }
    }

    @ParameterizedTest
    @MethodSource(HOSTS)
    void start_addressInUse_throwsBindExceptionNamingTheAddress(String host) throws Exception {
        try (Scope scope = Scope.open("test")) {
            StreamServer first = StreamServer.builder(anyPort(host)).start(scope, ECHO);
            InetSocketAddress taken = at(host, first.port());
            assertThatThrownBy(() -> StreamServer.builder(taken).start(scope, ECHO))
                    .isInstanceOf(BindException.class)
                    .hasMessageContaining(Addresses.format(taken));
            first.stop(Duration.ofSeconds(5));
        }
    }

    @ParameterizedTest
    @MethodSource(HOSTS)
    void scopeClose_withConnectedClients_stopsTheServerAndEndsTheirConnections(String host) throws Exception {
        SocketAddress address;
        StreamServer server;
        Connection c;
        try (Scope scope = Scope.open("test")) {
            server = StreamServer.builder(anyPort(host)).start(scope, WELCOME_ECHO);
            address = server.localAddress();
            c = connect(server);
            assertThat(nextLine(c)).isEqualTo("welcome");
        }
        try (c) {
            assertThat(awaitEnd(c).lines()).isEmpty();
            assertThat(server.activeConnections()).isZero();
            assertThatThrownBy(() -> Connection.connect(address, CONNECT)).isInstanceOf(ConnectException.class);
        }
    }

    @Test
    void builder_badValues_areRejectedNamingTheValue() {
        InetSocketAddress address = anyPort("127.0.0.1");
        assertThatThrownBy(() -> StreamServer.builder(address).maxConnections(0))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("maxConnections must be positive: 0");
        assertThatThrownBy(() -> StreamServer.builder(address).backlog(-1))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("backlog must be positive: -1");
        assertThatThrownBy(() -> StreamServer.builder(address).maxLineLength(0))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("maxLineLength must be positive: 0");
        assertThatThrownBy(() -> StreamServer.builder(address).writeRate(0, Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("write rate bytes must be positive: 0");
        assertThatThrownBy(() -> StreamServer.builder(address).writeRate(1, Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("write rate interval must be positive: PT0S");
        assertThatThrownBy(() -> StreamServer.builder(new SocketAddress() {
            private static final long serialVersionUID = 1L;
        })).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("InetSocketAddress");
    }

    @ParameterizedTest
    @MethodSource(HOSTS)
    void stop_negativeGrace_isRejected(String host) throws Exception {
        try (Scope scope = Scope.open("test")) {
            StreamServer server = StreamServer.builder(anyPort(host)).start(scope, ECHO);
            assertThatThrownBy(() -> server.stop(Duration.ofSeconds(-1)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessage("grace must not be negative: PT-1S");
            server.stop(Duration.ZERO);
        }
    }
}
