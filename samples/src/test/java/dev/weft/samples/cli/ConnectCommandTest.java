package dev.weft.samples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.net.Message;
import dev.weft.net.MessageConnection;
import dev.weft.net.StreamServer;
import dev.weft.runtime.Channel;
import dev.weft.runtime.Scope;
import dev.weft.signals.Signals;
import dev.weft.signals.UnixSignal;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code weft connect} as a real process across a backend restart. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
final class ConnectCommandTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    private static StreamServer backend(Scope scope, InetSocketAddress address, Channel<String> got)
            throws Exception {
        return StreamServer.builder(address).start(scope, c -> {
            for (String line : c.lines()) {
                got.send(line);
                c.send("echo " + line);
            }
        });
    }

    @Test
    void connect_json_survivesABackendRestart_andSendsWhatWasTypedMeanwhile() throws Exception {
        Channel<String> got = Channel.unbounded();
        try (Scope scope = Scope.open("test")) {
            StreamServer server = backend(scope, new InetSocketAddress("127.0.0.1", 0), got);
            InetSocketAddress address = (InetSocketAddress) server.localAddress();
            String target = "127.0.0.1:" + address.getPort();
            try (CliProcess connect = CliProcess.start(dir, "connect", "--json", target)) {
                Predicate<String> ready = l -> l.startsWith("{\"event\":\"state\",\"state\":\"READY\",\"address\":\""
                        + target + "\"");
                connect.awaitLine(ready, "READY");
                OutputStream stdin = connect.stdin();
                stdin.write("first\n".getBytes(StandardCharsets.UTF_8));
                stdin.flush();
                assertThat(got.receive(WAIT)).hasValue("first");
                connect.awaitLine(l -> l.equals("{\"event\":\"received\",\"line\":\"echo first\"}"), "the echo");

                server.stop(Duration.ofMillis(200));
                connect.awaitLine(l -> l.startsWith("{\"event\":\"backoff\",\"delay\":\"PT"), "a backoff");
                stdin.write("while down\n".getBytes(StandardCharsets.UTF_8)); // buffered until READY
                stdin.flush();
                server = backend(scope, address, got);
                assertThat(got.receive(WAIT)).hasValue("while down");
                // The buffer is flushed before the state turns READY (so later sends cannot overtake it), so the
                // echo of the buffered line may be printed before or after the READY line: wait for both.
                connect.awaitLine(l -> l.equals("{\"event\":\"received\",\"line\":\"echo while down\"}"),
                        "the echo after the restart");
                if (connect.seen().stream().filter(ready).count() < 2) {
                    connect.awaitLine(ready, "READY again");
                }
                assertThat(connect.seen().stream().filter(ready)).hasSize(2);

                Signals.send(connect.pid(), UnixSignal.TERM);
                assertThat(connect.awaitExit()).as(connect.stderrText()).isZero();
            }
            server.stop(Duration.ofMillis(200));
        }
    }

    @Test
    void connect_messages_answersAliveValidatesInputAndPrintsPushes() throws Exception {
        Channel<String> got = Channel.unbounded();
        try (Scope scope = Scope.open("test")) {
            StreamServer server = StreamServer.builder(new InetSocketAddress("::1", 0)).start(scope, c -> {
                try (MessageConnection m = MessageConnection.over(c)) {
                    Message alive = m.call(Message.builder("ALIVE").build(), Duration.ofSeconds(20));
                    got.send("answer " + alive.command());
                    m.send(Message.builder("PUSH").parameter("x", 1).build());
                    for (Message in : m.messages()) {
                        got.send("received " + in.toText());
                    }
                }
            });
            try (CliProcess connect = CliProcess.start(dir, "connect", "--messages", "[::1]:" + server.port())) {
                assertThat(got.receive(WAIT)).hasValue("answer ABSOLUTELY");
                connect.awaitLine(l -> l.equals("PUSH x=1"), "the pushed message");
                OutputStream stdin = connect.stdin();
                stdin.write("not ; a message\nHELLO a=1\n".getBytes(StandardCharsets.UTF_8));
                stdin.flush();
                assertThat(got.receive(WAIT)).hasValue("received HELLO a=1");
                Signals.send(connect.pid(), UnixSignal.INT);
                assertThat(connect.awaitExit()).isZero();
                assertThat(connect.stderrText()).contains("not sent, not a message");
            }
            server.stop(Duration.ofMillis(200));
        }
    }

    @Test
    void connect_badTargets_areUsageErrors() {
        CliRun noTarget = CliRun.inProcess(Weft.standard(), "connect");
        assertThat(noTarget.status()).isEqualTo(2);
        assertThat(noTarget.err()).contains("expected one TARGET");
        CliRun udp = CliRun.inProcess(Weft.standard(), "connect", "udp://127.0.0.1:9");
        assertThat(udp.status()).isEqualTo(2);
        assertThat(udp.err()).contains("TARGET is host:port, tls://host:port or unix:/path");
    }
}
