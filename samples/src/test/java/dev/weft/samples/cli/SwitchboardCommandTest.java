package dev.weft.samples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.net.Connection;
import dev.weft.net.Message;
import dev.weft.net.MessageConnection;
import dev.weft.signals.Signals;
import dev.weft.signals.UnixSignal;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code weft switchboard}, {@code weft send} and {@code weft stop} as real processes against each other. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
final class SwitchboardCommandTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    /** A service registered with the switchboard over TCP. */
    private record Service(MessageConnection messages) implements AutoCloseable {
        static Service register(SocketAddress address, String name, String commands) throws Exception {
            MessageConnection m = MessageConnection.over(Connection.connect(address, WAIT));
            m.send(Message.parse("REGISTER service=" + name + ";version=1"));
            assertThat(m.messages().receive(WAIT).orElseThrow().command()).isEqualTo("HELP");
            assertThat(m.messages().receive(WAIT).orElseThrow().command()).isEqualTo("READY");
            m.send(Message.parse("COMMANDS list=" + commands));
            return new Service(m);
        }

        Message next() throws InterruptedException {
            return messages.messages().receive(WAIT).orElseThrow(() -> new AssertionError("no message"));
        }

        @Override
        public void close() {
            messages.close();
        }
    }

    private static InetSocketAddress address(String line) {
        String hostPort = line.substring(line.indexOf("://") + 3);
        int colon = hostPort.lastIndexOf(':');
        return new InetSocketAddress(hostPort.substring(0, colon).replace("[", "").replace("]", ""),
                Integer.parseInt(hostPort.substring(colon + 1)));
    }

    @Test
    void switchboard_twoServicesAndWeftSend_thenStopByMessage() throws Exception {
        try (CliProcess sb = CliProcess.start(dir, "switchboard", "--listen", "tcp://127.0.0.1:0",
                "--listen", "tcp://[::1]:0", "--signal", "udp://127.0.0.1:0", "--secret", "s3", "--name", "box")) {
            InetSocketAddress v4 = address(sb.awaitLine(l -> l.startsWith("switchboard listening on tcp://127"), "v4"));
            InetSocketAddress v6 = address(sb.awaitLine(l -> l.startsWith("switchboard listening on tcp://[::1]"),
                    "v6"));
            InetSocketAddress udp = address(sb.awaitLine(l -> l.startsWith("switchboard signals on udp://"), "udp"));
            try (Service alpha = Service.register(v4, "alpha", "PING");
                    Service beta = Service.register(v6, "beta", "PING,PONG")) {
                CliRun list = CliRun.child(dir, "send", "--host", "tcp://127.0.0.1:" + v4.getPort(), "--reply",
                        "LIST_SERVICES");
                assertThat(list.status()).as(list.err()).isZero();
                assertThat(list.out().strip()).isEqualTo("SERVICES list=alpha,beta");

                CliRun ping = CliRun.child(dir, "send", "--host", "udp://127.0.0.1:" + udp.getPort(),
                        "--secret", "s3", "-p", "text=hello; world", "beta/PING");
                assertThat(ping.status()).as(ping.err()).isZero();
                Message got = beta.next();
                assertThat(got.command()).isEqualTo("PING");
                assertThat(got.require("text")).isEqualTo("hello; world");
                assertThat(got.sentFromServer()).hasValue("box");

                CliRun broadcast = CliRun.child(dir, "send", "--host", "tcp://[::1]:" + v6.getPort(), "*/PING");
                assertThat(broadcast.status()).as(broadcast.err()).isZero();
                assertThat(alpha.next().command()).isEqualTo("PING");
                assertThat(beta.next().command()).isEqualTo("PING");

                CliRun stop = CliRun.child(dir, "send", "--host", "udp://127.0.0.1:" + udp.getPort(),
                        "--secret", "s3", "STOP");
                assertThat(stop.status()).as(stop.err()).isZero();
                assertThat(alpha.next().command()).isEqualTo("QUITTING");
                assertThat(beta.next().command()).isEqualTo("QUITTING");
            }
            assertThat(sb.awaitLine(l -> l.startsWith("switchboard stopped"), "the stop line"))
                    .contains("STOP from");
            assertThat(sb.awaitExit()).as(sb.stderrText()).isZero();
        }
    }

    @Test
    void switchboard_hupReopensTheLogFile_termStopsItWithQuitting() throws Exception {
        Path log = dir.resolve("switchboard.log");
        try (CliProcess sb = CliProcess.start(dir, "switchboard", "--listen", "tcp://127.0.0.1:0", "--no-signal",
                "--log-file", log.toString())) {
            InetSocketAddress tcp = address(sb.awaitLine(l -> l.startsWith("switchboard listening on"), "listen"));
            assertThat(Files.readString(log)).contains("listening on");
            Path old = dir.resolve("old.log");
            Files.move(log, old);
            Signals.send(sb.pid(), UnixSignal.HUP);
            awaitFile(log, "log file reopened");
            try (Service svc = Service.register(tcp, "after-rotation", "PING")) {
                awaitFile(log, "service after-rotation registered");
                assertThat(Files.readString(old)).doesNotContain("after-rotation");
                Signals.send(sb.pid(), UnixSignal.TERM);
                assertThat(svc.next().command()).isEqualTo("QUITTING");
            }
            assertThat(sb.awaitExit()).as(sb.stderrText()).isZero();
            assertThat(sb.seen()).anyMatch(l -> l.equals("switchboard stopped (SIGTERM)"));
        }
    }

    @Test
    void stop_aRunningSwitchboard_endsItAfterInt_andNotRunningIsOne() throws Exception {
        try (CliProcess sb = CliProcess.start(dir, "switchboard", "--listen", "tcp://127.0.0.1:0",
                "--no-signal")) {
            sb.awaitLine(l -> l.startsWith("switchboard listening on"), "listen");
            CliRun stop = CliRun.child(dir, "stop", "--timeout", "20s", String.valueOf(sb.pid()));
            assertThat(stop.status()).as(stop.err()).isZero();
            assertThat(stop.out()).contains("process " + sb.pid() + " ended after SIGINT");
            assertThat(sb.awaitExit()).isZero();
            CliRun again = CliRun.child(dir, "stop", String.valueOf(sb.pid()));
            assertThat(again.status()).isEqualTo(1);
            assertThat(again.err()).contains("is not running");
        }
    }

    @Test
    void switchboard_tlsListener_answersWeftSendOverTls() throws Exception {
        TestPem pem = TestPem.create(dir);
        try (CliProcess sb = CliProcess.start(dir, "switchboard", "--listen", "tls://127.0.0.1:0", "--no-signal",
                "--cert", pem.certificate().toString(), "--key", pem.key().toString())) {
            InetSocketAddress tls = address(sb.awaitLine(l -> l.startsWith("switchboard listening on tls://"), "tls"));
            CliRun help = CliRun.child(dir, "send", "--host", "tls://127.0.0.1:" + tls.getPort(), "--ca",
                    pem.certificate().toString(), "--reply", "HELP");
            assertThat(help.status()).as(help.err()).isZero();
            assertThat(help.out()).startsWith("COMMANDS list=");
            CliRun untrusted = CliRun.child(dir, "send", "--host", "tls://127.0.0.1:" + tls.getPort(), "--reply",
                    "HELP");
            assertThat(untrusted.status()).isEqualTo(1);
            assertThat(untrusted.err()).contains("certificate is not trusted");
            Signals.send(sb.pid(), UnixSignal.INT);
            assertThat(sb.awaitExit()).as(sb.stderrText()).isZero();
        }
    }

    @Test
    void switchboard_secondTermDuringShutdown_forcesTheExit() throws Exception {
        try (CliProcess sb = CliProcess.start(dir, "switchboard", "--listen", "tcp://127.0.0.1:0", "--no-signal")) {
            InetSocketAddress tcp = address(sb.awaitLine(l -> l.startsWith("switchboard listening on"), "listen"));
            try (Service stubborn = Service.register(tcp, "stubborn", "PING")) {
                Signals.send(sb.pid(), UnixSignal.TERM);
                assertThat(stubborn.next().command()).isEqualTo("QUITTING"); // it does not leave: shutdown waits
                Signals.send(sb.pid(), UnixSignal.TERM);
                assertThat(sb.awaitExit()).isEqualTo(137);
            }
        }
    }

    @Test
    void usageErrors_exitTwo() throws Exception {
        CliRun noPassword = CliRun.inProcess(Weft.standard(), "switchboard", "--listen", "tcp://0.0.0.0:0");
        assertThat(noPassword.status()).isEqualTo(2);
        assertThat(noPassword.err()).contains("set a password");
        CliRun mode = CliRun.inProcess(Weft.standard(), "switchboard", "--unix-mode", "0660");
        assertThat(mode.status()).isEqualTo(2);
        assertThat(mode.err()).contains("need a --listen unix:/path");
        CliRun badMode = CliRun.inProcess(Weft.standard(), "switchboard", "--listen", "unix:/tmp/x.sock",
                "--unix-mode", "rw");
        assertThat(badMode.status()).isEqualTo(2);
        assertThat(badMode.err()).contains("octal mode");
        CliRun tlsWithoutCert = CliRun.inProcess(Weft.standard(), "switchboard", "--listen", "tls://127.0.0.1:0");
        assertThat(tlsWithoutCert.status()).isEqualTo(2);
        assertThat(tlsWithoutCert.err()).contains("needs --cert and --key");
        CliRun stopBad = CliRun.inProcess(Weft.standard(), "stop", "abc");
        assertThat(stopBad.status()).isEqualTo(2);
        assertThat(stopBad.err()).contains("PID must be a number, not 'abc'");
        assertThat(SwitchboardCommand.permissions("0660")).isEqualTo("rw-rw----");
        assertThat(SwitchboardCommand.permissions("755")).isEqualTo("rwxr-xr-x");
    }

    private static void awaitFile(Path file, String text) throws Exception {
        long end = System.nanoTime() + WAIT.toNanos();
        while (!(Files.exists(file) && Files.readString(file).contains(text))) {
            if (System.nanoTime() > end) {
                throw new AssertionError(file + " has no '" + text + "' within " + WAIT + ": "
                        + (Files.exists(file) ? Files.readString(file) : "(missing)"));
            }
            Thread.onSpinWait();
            Thread.yield();
        }
    }
}
