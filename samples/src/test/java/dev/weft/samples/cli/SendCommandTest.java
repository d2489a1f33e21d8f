package dev.weft.samples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.net.Connection;
import dev.weft.net.Datagram;
import dev.weft.net.DatagramEndpoint;
import dev.weft.net.Message;
import dev.weft.net.StreamServer;
import dev.weft.runtime.Channel;
import dev.weft.runtime.Scope;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
final class SendCommandTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    @TempDir
    Path dir;

    private final Weft weft = Weft.standard();

    @ParameterizedTest
    @ValueSource(strings = {"127.0.0.1", "::1"})
    void send_udp_deliversTheMessageWithParametersAndSecret(String host) throws Exception {
        try (DatagramEndpoint receiver = DatagramEndpoint.builder(InetAddress.getByName(host), 0).bind()) {
            int port = receiver.localAddress().getPort();
            String uri = "udp://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
            CliRun run = CliRun.inProcess(weft, "send", "--host", uri, "-p", "object_name=printer", "--secret", "s3",
                    "-p", "text=a;b \"c\"", "lockd/LOCK");
            assertThat(run.status()).as(run.err()).isZero();
            Datagram got = receiver.datagrams().receive(WAIT).orElseThrow();
            Message message = Message.parse(got.text());
            assertThat(message.service()).hasValue("lockd");
            assertThat(message.command()).isEqualTo("LOCK");
            assertThat(message.parameters()).containsEntry("object_name", "printer").containsEntry("secret_code", "s3")
                    .containsEntry("text", "a;b \"c\"");
        }
    }

    @Test
    void send_udpReply_printsTheReplyAsReceived() throws Exception {
        try (Scope scope = Scope.open("test");
                DatagramEndpoint server = DatagramEndpoint.builder(InetAddress.getLoopbackAddress(), 0).bind()) {
            scope.fork("answer", () -> {
                Datagram request = server.datagrams().receive();
                server.send(Datagram.of("ABSOLUTELY  serial=\"1\"", request.address())); // odd spacing kept
                return null;
            });
            CliRun run = CliRun.inProcess(weft, "send", "--reply", "--host", "udp://127.0.0.1:"
                    + server.localAddress().getPort(), "ALIVE");
            assertThat(run.status()).as(run.err()).isZero();
            assertThat(run.out()).isEqualTo("ABSOLUTELY  serial=\"1\"" + System.lineSeparator());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"127.0.0.1", "::1", "unix"})
    void send_streamWithReply_printsTheFirstLine(String host) throws Exception {
        Channel<String> received = Channel.buffered(4);
        try (Scope scope = Scope.open("test")) {
            StreamServer server = StreamServer.builder(host.equals("unix")
                    ? UnixDomainSocketAddress.of(dir.resolve("s.sock")) : new InetSocketAddress(host, 0))
                    .start(scope, c -> {
                        String line = c.lines().receive();
                        received.send(line);
                        c.send("COMMANDS list=ALIVE,HELP");
                        c.send("second line, not printed");
                    });
            String uri = host.equals("unix") ? "unix:" + dir.resolve("s.sock")
                    : "tcp://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + server.port();
            CliRun run = CliRun.inProcess(weft, "send", "--host", uri, "--reply", "HELP");
            assertThat(run.status()).as(run.err()).isZero();
            assertThat(run.out()).isEqualTo("COMMANDS list=ALIVE,HELP" + System.lineSeparator());
            assertThat(received.receive(WAIT)).hasValue("HELP");
            server.stop(Duration.ofSeconds(2));
        }
    }

    @Test
    void send_tcpWithoutReply_sendsAndExitsZero() throws Exception {
        Channel<String> received = Channel.buffered(4);
        try (Scope scope = Scope.open("test")) {
            StreamServer server = StreamServer.builder(new InetSocketAddress("127.0.0.1", 0)).start(scope, c -> {
                for (String line : c.lines()) {
                    received.send(line);
                }
            });
            CliRun run = CliRun.inProcess(weft, "send", "--host", "tcp://127.0.0.1:" + server.port(),
                    "srv:lockd/UNLOCK");
            assertThat(run.status()).as(run.err()).isZero();
            assertThat(run.out()).isEmpty();
            assertThat(received.receive(WAIT)).hasValue("srv:lockd/UNLOCK");
            server.stop(Duration.ofSeconds(2));
        }
    }

    @Test
    void send_noAnswerBeforeTheTimeout_exitsOneSayingSo() throws Exception {
        try (DatagramEndpoint silent = DatagramEndpoint.builder(InetAddress.getLoopbackAddress(), 0).bind()) {
            CliRun run = CliRun.inProcess(weft, "send", "--reply", "--timeout", "300ms", "--host",
                    "udp://127.0.0.1:" + silent.localAddress().getPort(), "ALIVE");
            assertThat(run.status()).isEqualTo(1);
            assertThat(run.err()).isEqualTo("weft send: no reply from udp://127.0.0.1:"
                    + silent.localAddress().getPort() + " within 300ms" + System.lineSeparator());
            assertThat(silent.datagrams().receive(WAIT)).isPresent();
        }
    }

    @Test
    void send_peerClosesWithoutReply_andRefusedConnection_exitOne() throws Exception {
        try (Scope scope = Scope.open("test")) {
            StreamServer server = StreamServer.builder(new InetSocketAddress("127.0.0.1", 0))
                    .start(scope, Connection::close);
            CliRun closed = CliRun.inProcess(weft, "send", "--reply", "--host", "tcp://127.0.0.1:" + server.port(),
                    "ALIVE");
            assertThat(closed.status()).isEqualTo(1);
            assertThat(closed.err()).contains("closed the connection without a reply");
            int port = server.port();
            server.stop(Duration.ofSeconds(2));
            CliRun refused = CliRun.inProcess(weft, "send", "--host", "tcp://127.0.0.1:" + port, "ALIVE");
            assertThat(refused.status()).isEqualTo(1);
            assertThat(refused.err()).startsWith("weft send: ").contains("refused");
        }
    }

    @Test
    void usageErrors_exitTwoWithOneLineAndTheSynopsis() {
        CliRun noMessage = CliRun.inProcess(weft, "send");
        assertThat(noMessage.status()).isEqualTo(2);
        assertThat(noMessage.err()).startsWith("weft send: expected one message").contains("usage: weft send");
        CliRun badMessage = CliRun.inProcess(weft, "send", "BAD CMD;");
        assertThat(badMessage.status()).isEqualTo(2);
        assertThat(badMessage.err()).contains("not a message: 'BAD CMD;'");
        CliRun badParam = CliRun.inProcess(weft, "send", "-p", "9x=1", "PING");
        assertThat(badParam.status()).isEqualTo(2);
        assertThat(badParam.err()).contains("9x");
        CliRun badHost = CliRun.inProcess(weft, "send", "--host", "gopher://x:1", "PING");
        assertThat(badHost.status()).isEqualTo(2);
        assertThat(badHost.err()).contains("unknown scheme 'gopher'");
        CliRun unknown = CliRun.inProcess(weft, "frobnicate");
        assertThat(unknown.status()).isEqualTo(2);
        assertThat(unknown.err()).contains("unknown command 'frobnicate'");
        CliRun nothing = CliRun.inProcess(weft);
        assertThat(nothing.status()).isEqualTo(2);
        assertThat(nothing.err()).contains("usage: weft <command>");
        CliRun help = CliRun.inProcess(weft, "send", "--help");
        assertThat(help.status()).isZero();
        assertThat(help.out()).startsWith("usage: weft send").contains("--secret");
    }

    @Test
    void childProcess_realExitStatuses() throws Exception {
        CliRun help = CliRun.child(dir, "--help");
        assertThat(help.status()).as(help.err()).isZero();
        assertThat(help.out()).contains("send", "check-certificate");
        try (DatagramEndpoint receiver = DatagramEndpoint.builder(InetAddress.getLoopbackAddress(), 0).bind()) {
            CliRun sent = CliRun.child(dir, "send", "--host", "udp://127.0.0.1:" + receiver.localAddress().getPort(),
                    "-p", "x=1", "PING");
            assertThat(sent.status()).as(sent.err()).isZero();
            assertThat(receiver.datagrams().receive(WAIT).orElseThrow().text()).isEqualTo("PING x=1");
        }
        CliRun usage = CliRun.child(dir, "send", "--timeout", "soon", "PING");
        assertThat(usage.status()).isEqualTo(2);
        assertThat(usage.err()).contains("--timeout: not a duration: 'soon'");
    }
}
