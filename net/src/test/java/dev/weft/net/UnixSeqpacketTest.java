package dev.weft.net;

import static dev.weft.net.NetTestSupport.DEFAULT_WAIT;
import static dev.weft.net.NetTestSupport.awaitBlocked;
import static dev.weft.net.NetTestSupport.awaitCondition;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.runtime.CancelledException;
import dev.weft.runtime.Channel;
import dev.weft.runtime.ChannelClosedException;
import dev.weft.runtime.Scope;
import dev.weft.runtime.Select;
import dev.weft.runtime.Task;
import dev.weft.runtime.testing.PinningGuard;
import java.net.BindException;
import java.net.ConnectException;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@ExtendWith(PinningGuard.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
final class UnixSeqpacketTest {

    /** Sends every message back. */
    private static final UnixSeqpacketServer.Handler ECHO = c -> {
        for (byte[] m : c.messages()) {
            c.send(m);
        }
    };

    @TempDir
    Path dir;

    // --- messages keep their boundaries ---

    @ParameterizedTest
    @ValueSource(strings = {"path", "abstract"})
    void echo_threeMessagesBackToBack_arriveAsExactlyThreeMessages(String kind) throws Exception {
        SocketAddress address = address(kind);
        try (Scope scope = Scope.open("test")) {
            UnixSeqpacketServer server = UnixSeqpacketServer.builder(address).start(scope, ECHO);
            assertThat(server.localAddress()).isEqualTo(address);
            try (UnixSeqpacketConnection c = UnixSeqpacketConnection.connect(address)) {
                assertThat(c.remoteAddress()).isEqualTo(address);
                c.send("one");
                c.send("two".getBytes(StandardCharsets.UTF_8));
                c.send("three");
                assertThat(text(next(c))).isEqualTo("one");
                assertThat(text(next(c))).isEqualTo("two");
                assertThat(text(next(c))).isEqualTo("three");
                assertThat(c.messages().receive(Duration.ofMillis(100))).as("no fourth message").isEmpty();
                assertThat(c.receivedMessages()).isEqualTo(3);
            }
            server.close();
        }
    }

    @Test
    void echo_manyMessagesOfManySizes_eachArrivesWholeAndInOrder() throws Exception {
        SocketAddress address = address("abstract");
        try (Scope scope = Scope.open("test")) {
            UnixSeqpacketServer server = UnixSeqpacketServer.builder(address).receiveBuffer(4).start(scope, ECHO);
            try (UnixSeqpacketConnection c = UnixSeqpacketConnection.connector(address).receiveBuffer(4)
                    .connect()) {
                int total = 500; // far more than the socket buffers hold: both sides wait for each other
                Task<List<Integer>> reader = scope.fork("reader", () -> {
                    List<Integer> sizes = new ArrayList<>();
                    for (int i = 0; i < total; i++) {
                        byte[] m = c.messages().receive();
                        assertThat(m).containsOnly((byte) i);
                        sizes.add(m.length);
                    }
                    return sizes;
                });
                List<Integer> sent = new ArrayList<>();
                for (int i = 0; i < total; i++) {
                    int size = 1 + (i * 997) % 40_000;
                    byte[] m = new byte[size];
                    java.util.Arrays.fill(m, (byte) i);
                    c.send(m);
                    sent.add(size);
                }
                assertThat(reader.join()).containsExactlyElementsOf(sent);
            }
            server.close();
        }
    }

    // --- peer credentials ---

    @Test
    void peerCredentials_bothSides_areOurPidUidAndGid() throws Exception {
        SocketAddress address = address("path");
        PeerCredentials us = ourselves();
        try (Scope scope = Scope.open("test")) {
            Channel<Optional<PeerCredentials>> seenByServer = Channel.buffered(1);
            UnixSeqpacketServer server = UnixSeqpacketServer.builder(address).start(scope, c -> {
                seenByServer.send(c.peerCredentials());
                ECHO.handle(c);
            });
            try (UnixSeqpacketConnection c = UnixSeqpacketConnection.connect(address)) {
                assertThat(c.peerCredentials()).contains(us);
                assertThat(seenByServer.receive(DEFAULT_WAIT)).contains(Optional.of(us));
            }
            server.close();
        }
    }

    @Test
    void peerCredentialsOfJdkUnixStream_uidAndGidAreOursAndThePidIsEmpty() throws Exception {
        PeerCredentials us = ourselves();
        UnixDomainSocketAddress address = UnixDomainSocketAddress.of(dir.resolve("stream.sock"));
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(address);
            try (SocketChannel client = SocketChannel.open(address);
                    SocketChannel accepted = server.accept()) {
                PeerCredentials seenByServer = PeerCredentials.of(accepted);
                PeerCredentials seenByClient = PeerCredentials.of(client);
                assertThat(seenByServer).isEqualTo(new PeerCredentials(OptionalLong.empty(), us.uid(), us.gid()));
                assertThat(seenByClient).isEqualTo(seenByServer);
            }
        }
    }

    @Test
    void peerCredentialsLookup_numericUnknownAndListedNames_resolveOrStayEmpty() throws Exception {
        Path passwd = Files.writeString(dir.resolve("passwd"), "root:x:0:0:root:/root:/bin/sh\n"
                + "svc:x:1234:1234::/:/usr/sbin/nologin\nbroken:x:notanumber:0::/:/bin/sh\n");
        assertThat(PeerCredentials.lookup("4321", passwd)).hasValue(4321);
        assertThat(PeerCredentials.lookup("svc", passwd)).hasValue(1234);
        assertThat(PeerCredentials.lookup("root", passwd)).hasValue(0);
        assertThat(PeerCredentials.lookup("nobody-here", passwd)).isEmpty();
        assertThat(PeerCredentials.lookup("broken", passwd)).isEmpty();
        assertThat(PeerCredentials.lookup("svc", dir.resolve("missing"))).isEmpty();
        assertThatThrownBy(() -> new PeerCredentials(OptionalLong.of(-1), OptionalLong.empty(), OptionalLong.empty()))
                .hasMessage("pid must not be negative: -1");
    }

    // --- ends, limits and failures ---

    @Test
    void messages_peerCloses_theHandlersChannelEndsAfterWhatWasSent() throws Exception {
        SocketAddress address = address("abstract");
        try (Scope scope = Scope.open("test")) {
            Channel<List<String>> got = Channel.buffered(1);
            UnixSeqpacketServer server = UnixSeqpacketServer.builder(address).start(scope, c -> {
                List<String> all = new ArrayList<>();
                for (byte[] m : c.messages()) {
                    all.add(text(m));
                }
                got.send(all);
            });
            try (UnixSeqpacketConnection c = UnixSeqpacketConnection.connect(address)) {
                c.send("last words");
                c.send("goodbye");
            }
            assertThat(got.receive(DEFAULT_WAIT)).contains(List.of("last words", "goodbye"));
            awaitCondition(() -> server.activeConnections() == 0, "the handler to end");
            assertThat(server.acceptedConnections()).isEqualTo(1);
            server.close();
        }
    }

    @Test
    void select_cancelledWhileWaiting_losesNoMessageAndKeepsTheConnectionOpen() throws Exception {
        SocketAddress address = address("abstract");
        try (Scope scope = Scope.open("test")) {
            UnixSeqpacketServer server = UnixSeqpacketServer.builder(address).start(scope, ECHO);
            try (UnixSeqpacketConnection c = UnixSeqpacketConnection.connect(address)) {
                AtomicReference<Thread> selecting = new AtomicReference<>();
                Task<String> waiter = scope.fork("select", () -> {
                    selecting.set(Thread.currentThread());
                    return Select.<String>create()
                            .onReceive(c.messages(), UnixSeqpacketTest::text)
                            .onTimeout(Duration.ofHours(1), () -> "timeout")
                            .select();
                });
                awaitCondition(() -> selecting.get() != null, "the select to start");
                awaitBlocked(selecting.get());
                waiter.cancel();
                assertThatThrownBy(waiter::join).isInstanceOf(CancelledException.class);
                c.send("after the cancel");
                assertThat(text(next(c))).isEqualTo("after the cancel");
                assertThat(c.isOpen()).isTrue();
            }
            server.close();
        }
    }

    @Test
    void send_overTheLimitOrEmpty_throwsNamingSizeAndLimit() throws Exception {
        SocketAddress address = address("abstract");
        try (Scope scope = Scope.open("test")) {
            UnixSeqpacketServer server = UnixSeqpacketServer.builder(address).start(scope, ECHO);
            try (UnixSeqpacketConnection c = UnixSeqpacketConnection.connector(address).maxMessageSize(10)
                    .connect()) {
                assertThatThrownBy(() -> c.send(new byte[11]))
                        .isInstanceOf(IllegalArgumentException.class)
                        .hasMessageContaining("11 bytes")
                        .hasMessageContaining("limit of 10 bytes")
                        .hasMessageContaining(c.name());
                assertThatThrownBy(() -> c.send(""))
                        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("empty message");
                c.send("0123456789");
                assertThat(text(next(c))).isEqualTo("0123456789");
            }
            server.close();
        }
    }

    @Test
    void receive_overTheLimit_isDroppedAndCountedAndTheNextOneArrives() throws Exception {
        SocketAddress address = address("abstract");
        try (Scope scope = Scope.open("test")) {
            Channel<UnixSeqpacketConnection> accepted = Channel.buffered(1);
            UnixSeqpacketServer server = UnixSeqpacketServer.builder(address).maxMessageSize(10).start(scope, c -> {
                accepted.send(c);
                ECHO.handle(c);
            });
            try (UnixSeqpacketConnection c = UnixSeqpacketConnection.connect(address)) {
                c.send(new byte[11]);
                c.send("short");
                assertThat(text(next(c))).isEqualTo("short");
                UnixSeqpacketConnection serverSide = accepted.receive(DEFAULT_WAIT).orElseThrow();
                assertThat(serverSide.oversizedMessages()).isEqualTo(1);
                assertThat(serverSide.receivedMessages()).isEqualTo(1);
            }
            server.close();
        }
    }

    @Test
    void connect_nothingListens_throwsConnectExceptionNamingTheAddress() throws Exception {
        Path missing = dir.resolve("missing.sock");
        assertThatThrownBy(() -> UnixSeqpacketConnection.connect(UnixDomainSocketAddress.of(missing)))
                .isInstanceOf(ConnectException.class)
                .hasMessageContaining(missing.toString());
        UnixAbstractAddress nobody = abstractName();
        assertThatThrownBy(() -> UnixSeqpacketConnection.connect(nobody))
                .isInstanceOf(ConnectException.class)
                .hasMessageContaining("@" + nobody.name());
        assertThatThrownBy(() -> UnixSeqpacketConnection.connector(UnixDomainSocketAddress.of(missing))
                .timeout(Duration.ZERO)).hasMessage("timeout must be positive: PT0S");
    }

    @Test
    void connect_toADatagramSocket_failsNamingTheAddress() throws Exception {
        try (UnixDatagramEndpoint datagrams = UnixDatagramEndpoint.builder(abstractName()).bind()) {
            assertThatThrownBy(() -> UnixSeqpacketConnection.connect(datagrams.localAddress()))
                    .isInstanceOf(SocketException.class)
                    .hasMessageContaining(datagrams.localAddress().toString());
            assertThat(datagrams.isOpen()).isTrue();
        }
    }

    @Test
    void close_serverStops_clientsSeeTheEndThreadsEndAndTheFileIsRemoved() throws Exception {
        UnixDomainSocketAddress address = UnixDomainSocketAddress.of(dir.resolve("s.sock"));
        try (Scope scope = Scope.open("test")) {
            UnixSeqpacketServer server = UnixSeqpacketServer.builder(address).start(scope, ECHO);
            assertThat(threadsNamed(server.name())).as("the accept thread").hasSize(1);
            List<UnixSeqpacketConnection> clients = new ArrayList<>();
            try {
                for (int i = 0; i < 3; i++) {
                    UnixSeqpacketConnection c = UnixSeqpacketConnection.connect(address);
                    clients.add(c);
                    c.send("hello " + i);
                    assertThat(text(next(c))).isEqualTo("hello " + i);
                }
                assertThat(server.activeConnections()).isEqualTo(3);
                // one accept thread, and one I/O thread per connection on each side
                assertThat(threadsNamed(server.name())).hasSize(1 + 3 + 3);

                server.close();
                assertThat(Files.exists(address.getPath())).isFalse();
                for (UnixSeqpacketConnection c : clients) {
                    assertThatThrownBy(() -> c.messages().receive(DEFAULT_WAIT))
                            .as("the server closed the connection").isInstanceOf(ChannelClosedException.class);
                }
            } finally {
                clients.forEach(UnixSeqpacketConnection::close);
            }
            assertThat(threadsNamed(server.name())).isEmpty();
            assertThatThrownBy(() -> UnixSeqpacketConnection.connect(address)).isInstanceOf(ConnectException.class);
        }
    }

    @Test
    void bind_staleFileReplacedLiveServerNotStolen() throws Exception {
        UnixDomainSocketAddress address = UnixDomainSocketAddress.of(dir.resolve("s.sock"));
        try (ServerSocketChannel old = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            old.bind(address); // closed without removing its file: stale
        }
        try (Scope scope = Scope.open("test")) {
            UnixSeqpacketServer server = UnixSeqpacketServer.builder(address).start(scope, ECHO);
            assertThatThrownBy(() -> UnixSeqpacketServer.builder(address).start(scope, ECHO))
                    .isInstanceOf(BindException.class)
                    .hasMessageContaining(address.getPath().toString());
            try (UnixSeqpacketConnection c = UnixSeqpacketConnection.connect(address)) {
                c.send("still served");
                assertThat(text(next(c))).isEqualTo("still served");
            }
            server.close();
        }
    }

    // --- helpers ---

    private SocketAddress address(String kind) {
        return kind.equals("path") ? UnixDomainSocketAddress.of(dir.resolve("seq.sock")) : abstractName();
    }

    private static UnixAbstractAddress abstractName() {
        return UnixAbstractAddress.of("weft-test-" + UUID.randomUUID());
    }

    private static byte[] next(UnixSeqpacketConnection c) throws InterruptedException {
        return c.messages().receive(DEFAULT_WAIT)
                .orElseThrow(() -> new AssertionError("no message for " + c.name() + " within " + DEFAULT_WAIT));
    }

    private static String text(byte[] message) {
        return new String(message, StandardCharsets.UTF_8);
    }

    /** Our own pid, and the uid and gid this process runs as (the owner of /proc/self). */
    private static PeerCredentials ourselves() throws Exception {
        Path self = Path.of("/proc/self");
        int uid = (Integer) Files.getAttribute(self, "unix:uid");
        int gid = (Integer) Files.getAttribute(self, "unix:gid");
        return new PeerCredentials(OptionalLong.of(ProcessHandle.current().pid()), OptionalLong.of(uid),
                OptionalLong.of(gid));
    }

    private static List<Thread> threadsNamed(String prefix) {
        return Stream.of(Thread.getAllStackTraces().keySet().toArray(Thread[]::new))
                .filter(t -> t.getName().startsWith(prefix) && t.isAlive())
                .toList();
    }
}
