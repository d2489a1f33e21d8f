package dev.weft.net;

import static dev.weft.net.NetTestSupport.ECHO;
import static dev.weft.net.NetTestSupport.anyPort;
import static dev.weft.net.NetTestSupport.awaitBlocked;
import static dev.weft.net.NetTestSupport.awaitCondition;
import static dev.weft.net.NetTestSupport.awaitEnd;
import static dev.weft.net.NetTestSupport.closedPort;
import static dev.weft.net.NetTestSupport.nextLine;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.runtime.CancelledException;
import dev.weft.runtime.Channel;
import dev.weft.runtime.ChannelClosedException;
import dev.weft.runtime.Scope;
import dev.weft.runtime.Select;
import dev.weft.runtime.Task;
import dev.weft.runtime.TaskFailedException;
import dev.weft.runtime.Timers;
import dev.weft.runtime.testing.PinningGuard;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

@ExtendWith(PinningGuard.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
final class ConnectionTest {

    private static final String HOSTS = "dev.weft.net.NetTestSupport#loopbacks";
    private static final Duration CONNECT = Duration.ofSeconds(5);

    /** For every line {@code say X} from the client, sends {@code X} back; ignores other lines. */
    private static final ConnectionHandler SAY = connection -> {
        for (String line : connection.lines()) {
            if (line.startsWith("say ")) {
                connection.send(line.substring(4));
            }
        }
    };

    // --- connecting ---

    @ParameterizedTest
    @MethodSource(HOSTS)
    void connect_nothingListening_throwsConnectExceptionNamingTheAddress(String host) throws Exception {
        InetSocketAddress nobody = closedPort(host);
        assertThatThrownBy(() -> Connection.connect(nobody, CONNECT))
                .isInstanceOf(ConnectException.class)
                .hasMessageContaining("connect to tcp " + Addresses.format(nobody) + " failed");
    }

    @ParameterizedTest
    @MethodSource(HOSTS)
    void connect_blackholedAddress_timesOutNamingTheAddress(String host) throws Exception {
        try (NetTestSupport.Blackhole hole = new NetTestSupport.Blackhole(host);
                Scope scope = Scope.supervisor("test", (task, failure) -> { })) {
            Task<Connection> connect = scope.fork("connect", // on a virtual thread, like every weft task
                    () -> Connection.connect(hole.address(), Duration.ofMillis(300)));
            assertThatThrownBy(connect::join)
                    .isInstanceOf(TaskFailedException.class)
                    .cause()
                    .isInstanceOf(SocketTimeoutException.class)
                    .hasMessage("connect to tcp " + hole.formatted() + " timed out after PT0.3S");
        }
    }

    @ParameterizedTest
    @MethodSource(HOSTS)
    void connect_blackholedAddress_parksOnlyTheVirtualThreadAndCancelEndsIt(String host) throws Exception {
        int waiting = Math.max(4, 2 * Runtime.getRuntime().availableProcessors()); // more than the carriers
        List<Task<Connection>> connects = new ArrayList<>();
        List<AtomicReference<Thread>> threads = new ArrayList<>();
        try (NetTestSupport.Blackhole hole = new NetTestSupport.Blackhole(host);
                Scope connecting = Scope.open("connecting")) {
            for (int i = 0; i < waiting; i++) {
                AtomicReference<Thread> thread = new AtomicReference<>();
                threads.add(thread);
                connects.add(connecting.fork("connect-" + i, () -> {
                    thread.set(Thread.currentThread());
                    return Connection.connect(hole.address(), Duration.ofMinutes(5));
                }));
            }
            for (AtomicReference<Thread> thread : threads) {
                awaitCondition(() -> thread.get() != null, "a connect task to start");
                awaitBlocked(thread.get());
                assertThat(thread.get().isVirtual()).isTrue();
            }
            // every carrier is free: a whole echo server and client still run while the connects wait
            try (Scope scope = Scope.open("echo")) {
                StreamServer server = StreamServer.builder(anyPort(host)).start(scope, ECHO);
                try (Connection c = Connection.connect(server.localAddress(), CONNECT)) {
                    c.send("carriers are free");
                    assertThat(nextLine(c)).isEqualTo("carriers are free");
                }
                server.stop(Duration.ofSeconds(5));
            }
            assertThat(connects).allMatch(t -> t.state() == Task.State.RUNNING);
            connecting.cancel();
            for (Task<Connection> t : connects) {
                assertThatThrownBy(t::join).isInstanceOf(CancelledException.class);
                assertThat(t.state()).isEqualTo(Task.State.CANCELLED);
            }
        }
    }

    @Test
    void connector_badArguments_areRejectedNamingTheValue() {
        InetSocketAddress address = new InetSocketAddress("127.0.0.1", 1);
        assertThatThrownBy(() -> Connection.connector(address).timeout(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("timeout must be positive: PT0S");
        assertThatThrownBy(() -> Connection.connector(address).timeout(Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("timeout must be positive: PT-1S");
        assertThatThrownBy(() -> Connection.connector(address).maxLineLength(-5))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("maxLineLength must be positive: -5");
        assertThatThrownBy(() -> Connection.connector(address).writeRate(-1, Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("write rate bytes must be positive: -1");
        assertThatThrownBy(() -> Connection.connector(new SocketAddress() {
            private static final long serialVersionUID = 1L;
        })).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("UnixDomainSocketAddress");
        assertThatThrownBy(() -> Connection.connector(null)).isInstanceOf(NullPointerException.class)
                .hasMessage("address");
    }

    @Test
    void connect_unresolvableHost_throwsUnknownHostNamingIt() {
        InetSocketAddress nowhere = InetSocketAddress.createUnresolved("no-such-host.invalid", 80);
        assertThatThrownBy(() -> Connection.connect(nowhere, CONNECT))
                .isInstanceOf(UnknownHostException.class).hasMessageContaining("no-such-host.invalid");
    }

    @ParameterizedTest
    @MethodSource(HOSTS)
    void connection_addresses_nameThePeer(String host) throws Exception {
        try (Scope scope = Scope.open("test")) {
            StreamServer server = StreamServer.builder(anyPort(host)).start(scope, ECHO);
            try (Connection c = Connection.connect(server.localAddress(), CONNECT)) {
                InetSocketAddress remote = (InetSocketAddress) c.remoteAddress();
                assertThat(remote.getPort()).isEqualTo(server.port());
                assertThat(remote.getAddress()).isEqualTo(InetAddress.getByName(host));
                assertThat(((InetSocketAddress) c.localAddress()).getAddress()).isEqualTo(InetAddress.getByName(host));
                String expected = host.contains(":") ? "tcp [::1]:" + server.port() : "tcp 127.0.0.1:" + server.port();
                assertThat(c.name()).isEqualTo(expected);
                assertThat(c.toString()).contains(expected);
            }
            server.stop(Duration.ofSeconds(5));
        }
    }

    @ParameterizedTest
    @CsvSource({
            "::1, ::1",
            "::, ::",
            "fe80::1:2, fe80::1:2",
            "2001:db8:0:0:1:0:0:1, 2001:db8::1:0:0:1",
            "1:0:2:0:0:3:0:4, 1:0:2::3:0:4",
            "1:0:0:0:0:0:0:0, 1::",
            "2001:db8:1:2:3:4:5:6, 2001:db8:1:2:3:4:5:6",
            "2001:DB8:0:1:0:0:0:0, 2001:db8:0:1::"})
    void addresses_ipv6_areFormattedCompressedInBrackets(String literal, String expected) throws Exception {
        InetSocketAddress a = new InetSocketAddress(InetAddress.getByName(literal), 4040);
        assertThat(Addresses.format(a)).isEqualTo("[" + expected + "]:4040");
        assertThat(Addresses.format(new InetSocketAddress("127.0.0.1", 80))).isEqualTo("127.0.0.1:80");
    }

    // --- reading lines ---

    @ParameterizedTest
    @MethodSource(HOSTS)
    void lines_mixedTerminatorsAndUnterminatedLastLine_areAllDelivered(String host) throws Exception {
        try (Scope scope = Scope.open("test")) {
            StreamServer server = StreamServer.builder(anyPort(host)).start(scope, connection ->
                    connection.write("crlf\r\nlf\n\nlast without newline".getBytes(StandardCharsets.UTF_8)));
            try (Connection c = Connection.connect(server.localAddress(), CONNECT)) {
                NetTestSupport.End end = awaitEnd(c);
                assertThat(end.lines()).containsExactly("crlf", "lf", "", "last without newline");
                assertThat(end.cause()).isEmpty();
                assertThat(c.lines().isClosedForReceive()).isTrue();
            }
            server.stop(Duration.ofSeconds(5));
        }
    }

    @ParameterizedTest
    @MethodSource(HOSTS)
    void lines_bulkAndSmallLinesInTurn_arriveWholeAndInOrder(String host) throws Exception {
        // the reader's buffer grows for bulk and shrinks back for small reads (ReadBuffer): no byte lost either way
        List<String> sent = new ArrayList<>();
        for (int round = 0; round < 4; round++) {
            sent.add("small " + round);
            sent.add(Character.toString('a' + round).repeat(200_000 + round)); // many reads, buffer grows
            for (int i = 0; i < 50; i++) {
                sent.add(round + ":" + i);
            }
        }
        try (Scope scope = Scope.open("test")) {
            StreamServer server = StreamServer.builder(anyPort(host)).start(scope, connection -> {
                for (String line : sent) {
                    connection.send(line);
                }
            });
            try (Connection c = Connection.connect(server.localAddress(), CONNECT)) {
                NetTestSupport.End end = awaitEnd(c);
                assertThat(end.cause()).isEmpty();
                assertThat(end.lines()).hasSameSizeAs(sent);
                for (int i = 0; i < sent.size(); i++) {
                    assertThat(end.lines().get(i)).as("line %d", i).isEqualTo(sent.get(i));
                }
            }
            server.stop(Duration.ofSeconds(5));
        }
    }

    @ParameterizedTest
    @MethodSource(HOSTS)
    void lines_overLongLineFromClient_isDiscardedCountedAndTheNextLinesArrive(String host) throws Exception {
        try (Scope scope = Scope.open("test")) {
            StreamServer server = StreamServer.builder(anyPort(host)).maxLineLength(16).start(scope, connection -> {
                for (String line : connection.lines()) {
                    connection.send(line.equals("count?") ? "oversized=" + connection.oversizedLines() : line);
                }
            });
            try (Connection c = Connection.connect(server.localAddress(), CONNECT)) {
                c.send("x".repeat(100_000));
                c.send("exactly 16 bytes");
                c.send("y".repeat(17));
                c.send("count?");
                assertThat(nextLine(c)).isEqualTo("exactly 16 bytes");
                assertThat(nextLine(c)).isEqualTo("oversized=2");
            }
            server.stop(Duration.ofSeconds(5));
        }
    }

    @ParameterizedTest
    @MethodSource(HOSTS)
    void lines_overLongLineFromServer_isDiscardedByTheClientsLimit(String host) throws Exception {
        try (Scope scope = Scope.open("test")) {
            StreamServer server = StreamServer.builder(anyPort(host)).start(scope, connection -> {
                connection.send("z".repeat(5_000));
                connection.send("short");
            });
            try (Connection c = Connection.connector(server.localAddress()).maxLineLength(100).connect()) {
                assertThat(awaitEnd(c).lines()).containsExactly("short");
                assertThat(c.oversizedLines()).isEqualTo(1);
            }
            server.stop(Duration.ofSeconds(5));
        }
    }

    /**
     * A peer that resets the connection mid-line: the lines it completed arrive, the half line does not (a line
     * counts only with its terminator, or at an orderly end of stream — a reset is not one), and the server's lines
     * channel closes with the reset as an IOException cause.
     */
    @ParameterizedTest
    @MethodSource(HOSTS)
    void lines_peerResetsMidLine_completeLinesArriveAndTheChannelClosesWithTheIoError(String host)
            throws Exception {
        Channel<NetTestSupport.End> ends = Channel.buffered(1);
        try (Scope scope = Scope.open("test")) {
            StreamServer server = StreamServer.builder(anyPort(host)).start(scope, connection -> {
                List<String> got = new ArrayList<>();
                try {
                    for (String line : connection.lines()) {
                        got.add(line);
                        connection.send("ack " + line);
                    }
                    ends.send(new NetTestSupport.End(got, Optional.empty()));
                } catch (ChannelClosedException e) {
                    ends.send(new NetTestSupport.End(got, Optional.ofNullable(e.getCause())));
                }
            });
            SocketOptions resetOnClose = SocketOptions.builder().linger(Duration.ZERO).build();
            try (Connection c = Connection.connector(server.localAddress()).options(resetOnClose).connect()) {
                c.send("complete");
                assertThat(nextLine(c)).isEqualTo("ack complete");
                c.write("half a li".getBytes(StandardCharsets.UTF_8));
            } // SO_LINGER 0: close sends RST
            NetTestSupport.End end = ends.receive(NetTestSupport.DEFAULT_WAIT).orElseThrow();
            assertThat(end.lines()).containsExactly("complete");
            assertThat(end.cause()).isPresent();
            assertThat(end.cause().get()).isInstanceOf(IOException.class);
            // the server goes on serving others
            try (Connection other = Connection.connect(server.localAddress(), CONNECT)) {
                other.send("next");
                assertThat(nextLine(other)).isEqualTo("ack next");
            }
            server.stop(Duration.ofSeconds(5));
        }
    }

    @ParameterizedTest
    @MethodSource(HOSTS)
    void shutdownOutput_halfClose_peerSeesEndAndCanStillAnswer(String host) throws Exception {
        try (Scope scope = Scope.open("test")) {
            StreamServer server = StreamServer.builder(anyPort(host)).start(scope, connection -> {
                int n = 0;
                for (String ignored : connection.lines()) {
                    n++;
                }
                connection.send("got " + n + " lines");
            });
            try (Connection c = Connection.connect(server.localAddress(), CONNECT)) {
                c.send("a");
                c.send("b");
                c.shutdownOutput();
                assertThat(awaitEnd(c).lines()).containsExactly("got 2 lines");
            }
            server.stop(Duration.ofSeconds(5));
        }
    }

    // --- writing and closing ---

    @ParameterizedTest
    @MethodSource(HOSTS)
    void send_lineWithTerminator_isRejectedAndNothingIsWritten(String host) throws Exception {
        try (Scope scope = Scope.open("test")) {
            StreamServer server = StreamServer.builder(anyPort(host)).start(scope, ECHO);
            try (Connection c = Connection.connect(server.localAddress(), CONNECT)) {
                assertThatThrownBy(() -> c.send("two\nlines")).isInstanceOf(IllegalArgumentException.class)
                        .hasMessage("line must not contain a line terminator (at index 3 of a line of 9 characters)");
                assertThatThrownBy(() -> c.send("cr\r")).isInstanceOf(IllegalArgumentException.class)
                        .hasMessageContaining("at index 2");
                c.send("fine");
                assertThat(nextLine(c)).isEqualTo("fine");
            }
            server.stop(Duration.ofSeconds(5));
        }
    }

    @ParameterizedTest
    @MethodSource(HOSTS)
    void readModes_linesThenInput_orInputThenLines_areRefused(String host) throws Exception {
        try (Scope scope = Scope.open("test")) {
            StreamServer server = StreamServer.builder(anyPort(host)).start(scope, ECHO);
            try (Connection a = Connection.connect(server.localAddress(), CONNECT);
                    Connection b = Connection.connect(server.localAddress(), CONNECT)) {
                assertThat(a.lines()).isSameAs(a.lines());
                assertThatThrownBy(a::input).isInstanceOf(IllegalStateException.class)
                        .hasMessageContaining(a.name()).hasMessageContaining("lines()");
                assertThat(b.input()).isSameAs(b.input());
                assertThatThrownBy(b::lines).isInstanceOf(IllegalStateException.class)
                        .hasMessageContaining(b.name()).hasMessageContaining("input()");
            }
            server.stop(Duration.ofSeconds(5));
        }
    }

    @ParameterizedTest
    @MethodSource(HOSTS)
    void close_isIdempotentEndsLinesAndLaterSendsFailNamingTheConnection(String host) throws Exception {
        try (Scope scope = Scope.open("test")) {
            StreamServer server = StreamServer.builder(anyPort(host)).start(scope, ECHO);
            Connection c = Connection.connect(server.localAddress(), CONNECT);
            c.lines(); // starts the reader task
            assertThat(c.isOpen()).isTrue();
            c.close();
            c.close();
            assertThat(c.isOpen()).isFalse();
            assertThat(c.toString()).endsWith(", closed]");
            NetTestSupport.End end = awaitEnd(c);
            assertThat(end.lines()).isEmpty();
            assertThat(end.cause()).as("a close of our own is not an error").isEmpty();
            assertThatThrownBy(() -> c.send("late")).isInstanceOf(SocketException.class)
                    .hasMessage("connection " + c.name() + " is closed");
            // closed before anyone asked for its lines: they end at once
            Connection unread = Connection.connect(server.localAddress(), CONNECT);
            unread.close();
            assertThat(awaitEnd(unread)).isEqualTo(new NetTestSupport.End(List.of(), Optional.empty()));
            server.stop(Duration.ofSeconds(5));
        }
    }

    @ParameterizedTest
    @MethodSource(HOSTS)
    void send_afterPeerReset_failsNamingTheConnection(String host) throws Exception {
        try (Scope scope = Scope.open("test")) {
            SocketOptions resetOnClose = SocketOptions.builder().linger(Duration.ZERO).build();
            StreamServer server = StreamServer.builder(anyPort(host)).options(resetOnClose)
                    .start(scope, connection -> connection.lines().receive());
            try (Connection c = Connection.connect(server.localAddress(), CONNECT)) {
                c.send("bye"); // the handler returns and the server's close resets the connection
                awaitEnd(c);
                assertThatThrownBy(() -> c.send("into the void")).isInstanceOf(SocketException.class)
                        .hasMessageStartingWith("write to " + c.name() + " failed: ");
            }
            server.stop(Duration.ofSeconds(5));
        }
    }

    // --- principle 4: cancelling a wait loses nothing and closes nothing ---

    /**
     * A consumer selects over "next line from this connection" and a timer; the timer fires. Then selects and plain
     * receives are cancelled while they wait, some of them racing a line that is on its way. Every line arrives
     * exactly once, in order, on the same open connection.
     */
    @ParameterizedTest
    @MethodSource(HOSTS)
    void select_timerFiresAndCancelledWaits_loseNoLineAndKeepTheSocketOpen(String host) throws Exception {
        try (Scope scope = Scope.open("test")) {
            StreamServer server = StreamServer.builder(anyPort(host)).start(scope, SAY);
            try (Connection c = Connection.connect(server.localAddress(), CONNECT);
                    Scope consumers = Scope.open("consumers")) {
                // the timer wins when no line comes; the line channel gives up nothing
                Task<String> timer = consumers.fork("select-timer", () -> Select.<String>create()
                        .onReceive(c.lines(), line -> "line " + line)
                        .onReceive(Timers.after(Duration.ofMillis(50)), at -> "timer")
                        .select());
                assertThat(timer.join()).isEqualTo("timer");
                Task<String> timeout = consumers.fork("select-timeout", () -> Select.<String>create()
                        .onReceive(c.lines(), line -> "line " + line)
                        .onTimeout(Duration.ofMillis(50), () -> "timeout")
                        .select());
                assertThat(timeout.join()).isEqualTo("timeout");
                assertThat(c.isOpen()).isTrue();

                // a select cancelled while it waits
                Task<String> select = forkBlocked(consumers, "select-cancelled", () -> Select.<String>create()
                        .onReceive(c.lines(), line -> line)
                        .onReceive(Timers.after(Duration.ofHours(1)), at -> "timer")
                        .select());
                select.cancel();
                assertThatThrownBy(select::join).isInstanceOf(CancelledException.class);

                // a plain receive cancelled mid-wait
                Task<String> receive = forkBlocked(consumers, "receive-cancelled", () -> c.lines().receive());
                receive.cancel();
                assertThatThrownBy(receive::join).isInstanceOf(CancelledException.class);
                assertThat(c.isOpen()).isTrue();

                // a line sent during the wait, racing the cancel: taken by the select, or still in the channel
                List<String> received = new ArrayList<>();
                for (int i = 0; i < 20; i++) {
                    Task<String> racing = forkBlocked(consumers, "racing-" + i, () -> Select.<String>create()
                            .onReceive(c.lines(), line -> line)
                            .onTimeout(Duration.ofHours(1), () -> "timeout")
                            .select());
                    c.send("say during-" + i);
                    racing.cancel();
                    String taken;
                    try {
                        taken = racing.join();
                    } catch (CancelledException cancelled) {
                        taken = nextLine(c);
                    }
                    received.add(taken);
                }

                // lines sent afterwards arrive, in order, on the same connection
                for (int i = 0; i < 10; i++) {
                    c.send("say after-" + i);
                }
                for (int i = 0; i < 10; i++) {
                    received.add(nextLine(c));
                }
                List<String> expected = new ArrayList<>();
                for (int i = 0; i < 20; i++) {
                    expected.add("during-" + i);
                }
                for (int i = 0; i < 10; i++) {
                    expected.add("after-" + i);
                }
                assertThat(received).containsExactlyElementsOf(expected);
                assertThat(c.lines().tryReceive()).as("nothing delivered twice").isEmpty();
                assertThat(c.isOpen()).isTrue();
            }
            server.stop(Duration.ofSeconds(5));
        }
    }

    /** Forks {@code body} and waits until its thread is blocked (in a weft wait). */
    private static Task<String> forkBlocked(Scope scope, String name, Callable<String> body) {
        AtomicReference<Thread> thread = new AtomicReference<>();
        Task<String> task = scope.fork(name, () -> {
            thread.set(Thread.currentThread());
            return body.call();
        });
        awaitCondition(() -> thread.get() != null, name + " to start");
        awaitBlocked(thread.get());
        return task;
    }
}
