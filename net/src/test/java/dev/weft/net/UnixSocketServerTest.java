package dev.weft.net;

import static dev.weft.net.NetTestSupport.ECHO;
import static dev.weft.net.NetTestSupport.awaitEnd;
import static dev.weft.net.NetTestSupport.nextLine;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.runtime.Scope;
import dev.weft.runtime.testing.PinningGuard;
import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(PinningGuard.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
final class UnixSocketServerTest {

    private static final Duration CONNECT = Duration.ofSeconds(5);

    @TempDir
    Path dir;

    private UnixDomainSocketAddress socket(String name) {
        return UnixDomainSocketAddress.of(dir.resolve(name));
    }

    private static void assertEchoes(UnixDomainSocketAddress address, String line) throws Exception {
        try (Connection c = Connection.connect(address, CONNECT)) {
            c.send(line);
            assertThat(nextLine(c)).isEqualTo(line);
        }
    }

    /** The group a file this process creates gets: the user's primary (effective) group. */
    private String primaryGroup() throws IOException {
        Path probe = Files.createTempFile(dir, "group", ".probe");
        try {
            return Files.readAttributes(probe, PosixFileAttributes.class).group().getName();
        } finally {
            Files.delete(probe);
        }
    }

    @Test
    void server_echo_overAUnixSocket() throws Exception {
        UnixDomainSocketAddress address = socket("echo.sock");
        try (Scope scope = Scope.open("test")) {
            StreamServer server = StreamServer.builder(address).start(scope, ECHO);
            assertThat(server.localAddress()).isEqualTo(address);
            assertThat(server.name()).isEqualTo("server unix " + address.getPath());
            assertThatThrownBy(server::port).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("is not a TCP server");
            try (Connection c = Connection.connect(address, CONNECT)) {
                assertThat(c.name()).isEqualTo("unix " + address.getPath());
                c.send("over unix");
                c.send("ünïcödé");
                assertThat(nextLine(c)).isEqualTo("over unix");
                assertThat(nextLine(c)).isEqualTo("ünïcödé");
            }
            server.stop(Duration.ofSeconds(5));
        }
    }

    @Test
    void peerCredentials_onBothEnds_areThisProcessUserAndGroup() throws Exception {
        UnixDomainSocketAddress address = socket("creds.sock");
        long uid = ((Number) Files.getAttribute(Path.of("/proc/self"), "unix:uid")).longValue();
        long gid = ((Number) Files.getAttribute(Path.of("/proc/self"), "unix:gid")).longValue();
        try (Scope scope = Scope.open("test")) {
            StreamServer server = StreamServer.builder(address).start(scope, c -> {
                PeerCredentials peer = c.peerCredentials().orElseThrow();
                c.send(peer.uid().orElseThrow() + " " + peer.gid().orElseThrow() + " " + peer.pid().isPresent());
            });
            try (Connection c = Connection.connect(address, CONNECT)) {
                assertThat(nextLine(c)).as("what the server saw: uid gid hasPid").isEqualTo(uid + " " + gid + " false");
                PeerCredentials serverSide = c.peerCredentials().orElseThrow();
                assertThat(serverSide.uid()).hasValue(uid);
                assertThat(serverSide.gid()).hasValue(gid);
                assertThat(serverSide.pid()).as("the JDK gives no pid").isEmpty();
                assertThat(c.peerCredentials()).as("cached, the same answer").isEqualTo(c.peerCredentials());
            }
            server.stop(Duration.ofSeconds(5));
        }
    }

    @Test
    void peerCredentials_ofTcpConnections_areEmpty() throws Exception {
        for (String host : List.of("127.0.0.1", "::1")) {
            try (Scope scope = Scope.open("test")) {
                StreamServer server = StreamServer.builder(new InetSocketAddress(host, 0)).start(scope, c ->
                        c.send("peer " + c.peerCredentials()));
                try (Connection c = Connection.connect(server.localAddress(), CONNECT)) {
                    assertThat(nextLine(c)).isEqualTo("peer Optional.empty");
                    assertThat(c.peerCredentials()).isEmpty();
                }
                server.stop(Duration.ofSeconds(5));
            }
        }
    }

    @Test
    void server_permissionsAndGroup_areOnTheSocketFileWhenItAppears() throws Exception {
        UnixDomainSocketAddress address = socket("mode.sock");
        String group = primaryGroup();
        try (Scope scope = Scope.open("test")) {
            StreamServer server = StreamServer.builder(address).unixSocketPermissions("rw-rw----")
                    .unixSocketGroup(group).start(scope, ECHO);
            PosixFileAttributes attrs = Files.readAttributes(address.getPath(), PosixFileAttributes.class);
            assertThat(attrs.isOther()).as("a socket file").isTrue();
            assertThat(PosixFilePermissions.toString(attrs.permissions())).isEqualTo("rw-rw----");
            assertThat(attrs.group().getName()).isEqualTo(group);
            assertEchoes(address, "with mode 0660");
            // the temporary name it was bound under is gone
            try (var files = Files.list(dir)) {
                assertThat(files.map(p -> p.getFileName().toString())).containsExactly("mode.sock");
            }
            server.stop(Duration.ofSeconds(5));
        }
    }

    @Test
    void server_pathOfTheLongestLength_isBoundWithItsModeThoughNoTemporaryNameFitsBesideIt() throws Exception {
        String base = dir.toString() + "/";
        int room = 106 - base.length() - "/s".length(); // the JDK binds at most 106 bytes
        assertThat(room).as("@TempDir %s leaves room for a long path", dir).isGreaterThan(20);
        Path deep = Files.createDirectory(dir.resolve("d".repeat(room)));
        UnixDomainSocketAddress address = UnixDomainSocketAddress.of(deep.resolve("s"));
        assertThat(address.getPath().toString()).hasSize(106);
        try (Scope scope = Scope.open("test")) {
            StreamServer server = StreamServer.builder(address).unixSocketPermissions("rw-rw----").start(scope, ECHO);
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(address.getPath())))
                    .isEqualTo("rw-rw----");
            assertEchoes(address, "a long path");
            server.stop(Duration.ofSeconds(5));
        }
        try (var files = Files.list(deep)) {
            assertThat(files).isEmpty();
        }
    }

    @Test
    void server_nonexistentGroup_failsNamingTheGroupAndLeavesNoFile() throws Exception {
        UnixDomainSocketAddress address = socket("nogroup.sock");
        try (Scope scope = Scope.open("test")) {
            assertThatThrownBy(() -> StreamServer.builder(address).unixSocketGroup("no-such-group-weft")
                    .start(scope, ECHO))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("'no-such-group-weft'")
                    .hasMessageContaining("no such group");
        }
        try (var files = Files.list(dir)) {
            assertThat(files).isEmpty();
        }
    }

    @Test
    void builder_badUnixOptions_areRejectedNamingTheValue() {
        UnixDomainSocketAddress address = socket("bad.sock");
        assertThatThrownBy(() -> StreamServer.builder(address).unixSocketPermissions("0660"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("unix socket permissions must look like \"rw-rw----\": 0660");
        assertThatThrownBy(() -> StreamServer.builder(address).unixSocketGroup(" "))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("unix socket group must not be blank");
    }

    @Test
    void server_staleSocketFileOfADeadServer_isReplaced() throws Exception {
        UnixDomainSocketAddress address = socket("stale.sock");
        try (ServerSocketChannel dead = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            dead.bind(address); // closing the channel leaves the file behind, as a crashed process would
        }
        assertThat(Files.exists(address.getPath())).isTrue();
        assertThatThrownBy(() -> Connection.connect(address, CONNECT))
                .isInstanceOf(ConnectException.class)
                .hasMessageContaining("connect to unix " + address.getPath() + " failed");
        try (Scope scope = Scope.open("test")) {
            StreamServer server = StreamServer.builder(address).start(scope, ECHO);
            assertEchoes(address, "replaced the stale file");
            server.stop(Duration.ofSeconds(5));
        }
    }

    @Test
    void server_liveSocketOfAnotherServer_isNotStolen() throws Exception {
        UnixDomainSocketAddress address = socket("live.sock");
        try (Scope scope = Scope.open("test")) {
            StreamServer first = StreamServer.builder(address).start(scope, ECHO);
            assertThatThrownBy(() -> StreamServer.builder(address).start(scope, ECHO))
                    .isInstanceOf(BindException.class)
                    .hasMessage("cannot listen on unix " + address.getPath() + ": another server is listening on it");
            assertEchoes(address, "the first server still serves");
            first.stop(Duration.ofSeconds(5));
        }
    }

    @Test
    void server_liveSocketWithAFullBacklog_isNotStolenAndStartDoesNotHang() throws Exception {
        UnixDomainSocketAddress address = socket("busy.sock");
        List<SocketChannel> fillers = new ArrayList<>();
        try (ServerSocketChannel busy = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
                Scope scope = Scope.supervisor("test", (task, failure) -> { })) {
            busy.bind(address, 1); // never accepts
            fillBacklog(scope, address, fillers);
            // from a platform thread (the probe connect would wait for an accept) and from a virtual one (EAGAIN)
            assertThatThrownBy(() -> StreamServer.builder(address).start(scope, ECHO))
                    .isInstanceOf(BindException.class)
                    .hasMessageStartingWith("cannot listen on unix " + address.getPath()
                            + ": another server is listening on it (its backlog is full");
            var onVirtual = scope.fork("start", () -> StreamServer.builder(address).start(scope, ECHO));
            assertThatThrownBy(onVirtual::join).cause().isInstanceOf(BindException.class)
                    .hasMessageContaining("another server is listening on it");
            assertThat(Files.exists(address.getPath())).isTrue();
        } finally {
            for (SocketChannel c : fillers) {
                c.close();
            }
        }
    }

    /** Fills the accept backlog of a Unix server that never accepts, from a virtual thread (which fails, not waits). */
    private static void fillBacklog(Scope scope, UnixDomainSocketAddress address, List<SocketChannel> fillers)
            throws InterruptedException {
        scope.fork("fill", () -> {
            for (int i = 0; i < 16; i++) {
                SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX);
                try {
                    c.connect(address);
                } catch (IOException full) {
                    c.close();
                    return;
                }
                fillers.add(c);
            }
            throw new AssertionError("the backlog of " + address + " never filled up");
        }).join();
    }

    @Test
    void server_pathIsARegularFile_failsWithBindExceptionAndLeavesTheFile() throws Exception {
        UnixDomainSocketAddress address = socket("regular.txt");
        Files.writeString(address.getPath(), "precious data");
        try (Scope scope = Scope.open("test")) {
            assertThatThrownBy(() -> StreamServer.builder(address).start(scope, ECHO))
                    .isInstanceOf(BindException.class)
                    .hasMessage("cannot listen on unix " + address.getPath() + ": the path exists and is not a socket");
        }
        assertThat(Files.readString(address.getPath())).isEqualTo("precious data");
    }

    @Test
    void server_stop_removesTheSocketFileAndEndsConnections() throws Exception {
        UnixDomainSocketAddress address = socket("removed.sock");
        try (Scope scope = Scope.open("test")) {
            StreamServer server = StreamServer.builder(address).start(scope, ECHO);
            try (Connection c = Connection.connect(address, CONNECT)) {
                c.send("hi");
                assertThat(nextLine(c)).isEqualTo("hi");
                server.stop(Duration.ZERO);
                assertThat(Files.exists(address.getPath())).isFalse();
                assertThat(awaitEnd(c).lines()).isEmpty();
            }
            assertThatThrownBy(() -> Connection.connect(address, CONNECT)).isInstanceOf(IOException.class)
                    .hasMessageContaining(address.getPath().toString());
        }
    }

    @Test
    void server_scopeClosed_removesTheSocketFile() throws Exception {
        UnixDomainSocketAddress address = socket("scope.sock");
        try (Scope scope = Scope.open("test")) {
            StreamServer.builder(address).start(scope, ECHO);
            assertThat(Files.exists(address.getPath())).isTrue();
        }
        assertThat(Files.exists(address.getPath())).isFalse();
    }

    @Test
    void connect_missingPath_failsNamingThePath() {
        UnixDomainSocketAddress address = socket("missing.sock");
        assertThatThrownBy(() -> Connection.connect(address, CONNECT)).isInstanceOf(IOException.class)
                .hasMessageContaining("connect to unix " + address.getPath() + " failed");
    }

    @Test
    void connect_serverBacklogFull_timesOutOnAPlatformThreadAndFailsAtOnceOnAVirtualOne() throws Exception {
        UnixDomainSocketAddress address = socket("full.sock");
        List<SocketChannel> fillers = new ArrayList<>();
        try (ServerSocketChannel busy = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
                Scope scope = Scope.supervisor("test", (task, failure) -> { })) {
            busy.bind(address, 1); // never accepts
            fillBacklog(scope, address, fillers);
            // a platform thread would block in connect(2) until the server accepts: the timeout ends it
            assertThatThrownBy(() -> Connection.connect(address, Duration.ofMillis(300)))
                    .isInstanceOf(SocketTimeoutException.class)
                    .hasMessage("connect to unix " + address.getPath() + " timed out after PT0.3S");
            var onVirtual = scope.fork("connect", () -> Connection.connect(address, Duration.ofMinutes(5)));
            assertThatThrownBy(onVirtual::join).cause().isInstanceOf(IOException.class)
                    .hasMessageContaining("connect to unix " + address.getPath() + " failed");
        } finally {
            for (SocketChannel c : fillers) {
                c.close();
            }
        }
    }
}
