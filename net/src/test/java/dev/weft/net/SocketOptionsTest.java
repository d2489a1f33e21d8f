package dev.weft.net;

import static dev.weft.net.NetTestSupport.ECHO;
import static dev.weft.net.NetTestSupport.anyPort;
import static dev.weft.net.NetTestSupport.nextLine;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.runtime.Channel;
import dev.weft.runtime.Scope;
import dev.weft.runtime.testing.PinningGuard;
import java.io.IOException;
import java.net.Socket;
import java.net.StandardSocketOptions;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import jdk.net.ExtendedSocketOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

@ExtendWith(PinningGuard.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
final class SocketOptionsTest {

    private static final String HOSTS = "dev.weft.net.NetTestSupport#loopbacks";
    private static final Duration CONNECT = Duration.ofSeconds(5);

    /** The options as the kernel reports them for one socket. */
    record Seen(boolean noDelay, boolean keepAlive, int idle, int interval, int count, int linger, int receiveBuffer,
            int sendBuffer) {
        static Seen of(SocketChannel ch) throws IOException {
            boolean keepAlive = ch.getOption(StandardSocketOptions.SO_KEEPALIVE);
            return new Seen(ch.getOption(StandardSocketOptions.TCP_NODELAY), keepAlive,
                    keepAlive ? ch.getOption(ExtendedSocketOptions.TCP_KEEPIDLE) : -1,
                    keepAlive ? ch.getOption(ExtendedSocketOptions.TCP_KEEPINTERVAL) : -1,
                    keepAlive ? ch.getOption(ExtendedSocketOptions.TCP_KEEPCOUNT) : -1,
                    ch.getOption(StandardSocketOptions.SO_LINGER),
                    ch.getOption(StandardSocketOptions.SO_RCVBUF), ch.getOption(StandardSocketOptions.SO_SNDBUF));
        }

        static Seen of(Connection c) throws IOException {
            return of(((ChannelTransport) ((StreamConnection) c).transport()).channel());
        }
    }

    /** Starts a server with {@code options}, connects with them too, and returns what each side's socket shows. */
    private static Seen[] applied(String host, SocketOptions options) throws Exception {
        Channel<Seen> serverSide = Channel.buffered(1);
        try (Scope scope = Scope.open("test")) {
            StreamServer server = StreamServer.builder(anyPort(host)).options(options).start(scope, connection -> {
                serverSide.send(Seen.of(connection));
                ECHO.handle(connection);
            });
            Seen client;
            try (Connection c = Connection.connector(server.localAddress()).options(options).connect()) {
                c.send("still works");
                assertThat(nextLine(c)).isEqualTo("still works");
                client = Seen.of(c);
            }
            Seen accepted = serverSide.receive(NetTestSupport.DEFAULT_WAIT).orElseThrow();
            server.stop(Duration.ofSeconds(5));
            return new Seen[] {client, accepted};
        }
    }

    @ParameterizedTest
    @MethodSource(HOSTS)
    void applyTo_everyOption_isVisibleOnTheConnectedAndTheAcceptedSocket(String host) throws Exception {
        SocketOptions options = SocketOptions.builder()
                .tcpNoDelay(true)
                .keepAlive(Duration.ofSeconds(30), Duration.ofSeconds(5), 4)
                .linger(Duration.ZERO)
                .receiveBufferSize(256 * 1024)
                .sendBufferSize(128 * 1024)
                .build();
        for (Seen seen : applied(host, options)) {
            assertThat(seen.noDelay()).isTrue();
            assertThat(seen.keepAlive()).isTrue();
            assertThat(seen.idle()).isEqualTo(30);
            assertThat(seen.interval()).isEqualTo(5);
            assertThat(seen.count()).isEqualTo(4);
            assertThat(seen.linger()).isZero();
            assertThat(seen.receiveBuffer()).isGreaterThanOrEqualTo(256 * 1024);
            assertThat(seen.sendBuffer()).isGreaterThanOrEqualTo(128 * 1024);
        }
    }

    @ParameterizedTest
    @MethodSource(HOSTS)
    void applyTo_nagleOnKeepAliveOffLingerOff_isVisibleOnBothSockets(String host) throws Exception {
        SocketOptions options = SocketOptions.builder().tcpNoDelay(false).noKeepAlive().noLinger().build();
        for (Seen seen : applied(host, options)) {
            assertThat(seen.noDelay()).isFalse();
            assertThat(seen.keepAlive()).isFalse();
            assertThat(seen.linger()).as("SO_LINGER off reads as -1").isEqualTo(-1);
        }
    }

    @ParameterizedTest
    @MethodSource(HOSTS)
    void applyTo_lingerOfSeconds_isVisibleOnBothSockets(String host) throws Exception {
        for (Seen seen : applied(host, SocketOptions.builder().linger(Duration.ofSeconds(7)).build())) {
            assertThat(seen.linger()).isEqualTo(7);
        }
    }

    @ParameterizedTest
    @MethodSource(HOSTS)
    void defaults_noDelayOnAndTheRestFromTheOs(String host) throws Exception {
        SocketOptions d = SocketOptions.defaults();
        assertThat(d.tcpNoDelay()).isTrue();
        assertThat(d.keepAlive()).isEmpty();
        assertThat(d.linger()).isEmpty();
        assertThat(d.receiveBufferSize()).isZero();
        assertThat(d.sendBufferSize()).isZero();
        assertThat(d.reuseAddress()).isTrue();
        assertThat(d).hasToString("SocketOptions[tcpNoDelay=true, keepAlive=null, linger=null, rcvbuf=0, sndbuf=0, "
                + "reuseAddress=true]");
        for (Seen seen : applied(host, d)) {
            assertThat(seen.noDelay()).isTrue();
            assertThat(seen.keepAlive()).isFalse();
            assertThat(seen.linger()).isEqualTo(-1);
        }
    }

    @Test
    void builder_values_areReportedBack() {
        SocketOptions o = SocketOptions.builder().keepAlive(Duration.ofMinutes(1), Duration.ofSeconds(10), 3)
                .linger(Duration.ofSeconds(2)).receiveBufferSize(1000).sendBufferSize(2000).reuseAddress(false)
                .build();
        assertThat(o.keepAlive()).contains(new SocketOptions.KeepAlive(Duration.ofMinutes(1), Duration.ofSeconds(10),
                3));
        assertThat(o.linger()).contains(Duration.ofSeconds(2));
        assertThat(o.receiveBufferSize()).isEqualTo(1000);
        assertThat(o.sendBufferSize()).isEqualTo(2000);
        assertThat(o.reuseAddress()).isFalse();
    }

    @Test
    void builder_badKeepAlive_isRejectedNamingTheValue() {
        SocketOptions.Builder b = SocketOptions.builder();
        Duration s = Duration.ofSeconds(1);
        assertThatThrownBy(() -> b.keepAlive(Duration.ZERO, s, 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("keepalive idle must be whole seconds from 1s to 32767s: PT0S");
        assertThatThrownBy(() -> b.keepAlive(Duration.ofMillis(1500), s, 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("keepalive idle must be whole seconds from 1s to 32767s: PT1.5S");
        assertThatThrownBy(() -> b.keepAlive(Duration.ofSeconds(32_768), s, 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageEndingWith(": PT9H6M8S");
        assertThatThrownBy(() -> b.keepAlive(s, Duration.ofMillis(-1), 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("keepalive interval must be whole seconds from 1s to 32767s: PT-0.001S");
        assertThatThrownBy(() -> b.keepAlive(s, s, 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("keepalive count must be from 1 to 127: 0");
        assertThatThrownBy(() -> b.keepAlive(s, s, 128)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("keepalive count must be from 1 to 127: 128");
        assertThatThrownBy(() -> b.keepAlive(null, s, 1)).isInstanceOf(NullPointerException.class)
                .hasMessage("idle");
    }

    @Test
    void builder_badLingerAndBuffers_areRejectedNamingTheValue() {
        SocketOptions.Builder b = SocketOptions.builder();
        assertThatThrownBy(() -> b.linger(Duration.ofSeconds(-1))).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("linger must be whole seconds from 0s to 65535s: PT-1S");
        assertThatThrownBy(() -> b.linger(Duration.ofMillis(500))).as("0.5s must not turn into a reset")
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("linger must be whole seconds from 0s to 65535s: PT0.5S");
        assertThatThrownBy(() -> b.linger(Duration.ofSeconds(65_536))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageEndingWith(": PT18H12M16S");
        assertThatThrownBy(() -> b.receiveBufferSize(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("receiveBufferSize must be positive: 0");
        assertThatThrownBy(() -> b.sendBufferSize(-4)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("sendBufferSize must be positive: -4");
    }

    @Test
    void applyTo_unixConnection_skipsTcpOnlyOptions(@TempDir Path dir) throws Exception {
        SocketOptions options = SocketOptions.builder().keepAlive(Duration.ofSeconds(10), Duration.ofSeconds(2), 3)
                .linger(Duration.ZERO).tcpNoDelay(true).sendBufferSize(64 * 1024).build();
        UnixDomainSocketAddress address = UnixDomainSocketAddress.of(dir.resolve("opts.sock"));
        try (Scope scope = Scope.open("test")) {
            StreamServer server = StreamServer.builder(address).options(options).start(scope, ECHO);
            try (Connection c = Connection.connector(address).options(options).connect()) {
                c.send("no TCP options on a Unix socket");
                assertThat(nextLine(c)).isEqualTo("no TCP options on a Unix socket");
                SocketChannel ch = ((ChannelTransport) ((StreamConnection) c).transport()).channel();
                assertThat(ch.getOption(StandardSocketOptions.SO_SNDBUF)).isGreaterThanOrEqualTo(64 * 1024);
            }
            server.stop(Duration.ofSeconds(5));
        }
    }

    @ParameterizedTest
    @MethodSource(HOSTS)
    void applyTo_plainSocket_setsTheSameOptions(String host) throws Exception {
        SocketOptions options = SocketOptions.builder().tcpNoDelay(false)
                .keepAlive(Duration.ofSeconds(20), Duration.ofSeconds(3), 2).linger(Duration.ofSeconds(1))
                .receiveBufferSize(100_000).sendBufferSize(100_000).build();
        try (Scope scope = Scope.open("test")) {
            StreamServer server = StreamServer.builder(anyPort(host)).start(scope, ECHO);
            try (Socket socket = new Socket()) {
                socket.connect(server.localAddress(), (int) CONNECT.toMillis());
                options.applyTo(socket);
                assertThat(socket.getTcpNoDelay()).isFalse();
                assertThat(socket.getKeepAlive()).isTrue();
                assertThat(socket.getOption(ExtendedSocketOptions.TCP_KEEPIDLE)).isEqualTo(20);
                assertThat(socket.getOption(ExtendedSocketOptions.TCP_KEEPINTERVAL)).isEqualTo(3);
                assertThat(socket.getOption(ExtendedSocketOptions.TCP_KEEPCOUNT)).isEqualTo(2);
                assertThat(socket.getSoLinger()).isEqualTo(1);
                assertThat(socket.getReceiveBufferSize()).isGreaterThanOrEqualTo(100_000);
                assertThat(socket.getSendBufferSize()).isGreaterThanOrEqualTo(100_000);
            }
            server.stop(Duration.ofSeconds(5));
        }
    }
}
