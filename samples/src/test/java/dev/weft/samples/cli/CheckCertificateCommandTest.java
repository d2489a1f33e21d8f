package dev.weft.samples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.net.StreamServer;
import dev.weft.net.TlsServerConfig;
import dev.weft.runtime.Scope;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 120, unit = TimeUnit.SECONDS)
final class CheckCertificateCommandTest {

    private static final char[] PASSWORD = "weft-test".toCharArray();

    @TempDir
    Path dir;

    @Test
    void certificate_validFor30Days_passesA14DayLimitAndFailsA60DayOne() throws Exception {
        Path store = selfSigned("valid", "-validity", "30");
        try (Scope scope = Scope.open("test")) {
            StreamServer server = tlsServer(scope, store, "127.0.0.1");
            Weft weft = Weft.standard();
            CliRun ok = CliRun.inProcess(weft, "check-certificate", "127.0.0.1:" + server.port());
            assertThat(ok.status()).as(ok.err()).isZero();
            assertThat(ok.out()).matches("127\\.0\\.0\\.1:\\d+: certificate expires in (29|30) days \\(.*\\)\\R");
            CliRun tooShort = CliRun.inProcess(weft, "check-certificate", "--limit", "60d",
                    "127.0.0.1:" + server.port());
            assertThat(tooShort.status()).isEqualTo(1);
            assertThat(tooShort.err()).contains("less than 60 days left");
            CliRun info = CliRun.inProcess(weft, "check-certificate", "--info", "127.0.0.1:" + server.port());
            assertThat(info.out()).contains("subject:    CN=weft check test", "issuer:     CN=weft check test",
                    "names:      localhost, 127.0.0.1");
            server.stop(Duration.ofSeconds(2));
        }
    }

    @Test
    void certificate_onIpv6_andAFixedClock_countsDaysFromThatClock() throws Exception {
        Path store = selfSigned("v6", "-validity", "100");
        try (Scope scope = Scope.open("test")) {
            StreamServer server = tlsServer(scope, store, "::1");
            Instant in90Days = Instant.now().plus(Duration.ofDays(90));
            Weft weft = new Weft(List.of(new CheckCertificateCommand(Clock.fixed(in90Days, ZoneOffset.UTC))));
            CliRun run = CliRun.inProcess(weft, "check-certificate", "--limit", "30d", "[::1]:" + server.port());
            assertThat(run.status()).isEqualTo(1);
            assertThat(run.out()).contains("::1:" + server.port() + ": certificate expires in 9 days");
            server.stop(Duration.ofSeconds(2));
        }
    }

    @Test
    void certificate_expired_isReportedAndExitsOne() throws Exception {
        Path store = selfSigned("expired", "-startdate", "-40d", "-validity", "10");
        try (Scope scope = Scope.open("test")) {
            StreamServer server = tlsServer(scope, store, "127.0.0.1");
            CliRun run = CliRun.inProcess(Weft.standard(), "check-certificate", "127.0.0.1:" + server.port());
            assertThat(run.status()).isEqualTo(1);
            assertThat(run.out()).contains("certificate EXPIRED 30 days ago");
            server.stop(Duration.ofSeconds(2));
        }
    }

    @Test
    void noTls_refusedOrSilent_exitsOneWithOneLine() throws Exception {
        try (ServerSocket silent = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            CliRun timeout = CliRun.inProcess(Weft.standard(), "check-certificate", "--timeout", "300ms",
                    "127.0.0.1:" + silent.getLocalPort());
            assertThat(timeout.status()).isEqualTo(1);
            assertThat(timeout.err()).contains("no TLS answer from tcp://127.0.0.1:" + silent.getLocalPort()
                    + " within 300ms");
        }
        int free;
        try (ServerSocket s = new ServerSocket(0)) {
            free = s.getLocalPort();
        }
        CliRun refused = CliRun.inProcess(Weft.standard(), "check-certificate", "127.0.0.1:" + free);
        assertThat(refused.status()).isEqualTo(1);
        assertThat(refused.err()).startsWith("weft check-certificate: cannot connect to");
        CliRun usage = CliRun.inProcess(Weft.standard(), "check-certificate");
        assertThat(usage.status()).isEqualTo(2);
    }

    private static StreamServer tlsServer(Scope scope, Path store, String host) throws Exception {
        return StreamServer.builder(new InetSocketAddress(host, 0))
                .tls(TlsServerConfig.builder().pkcs12(store, PASSWORD).build())
                .start(scope, c -> c.lines().receive());
    }

    /** A self-signed certificate for localhost and 127.0.0.1 made by keytool now: no key is committed. */
    private Path selfSigned(String name, String... validity) throws Exception {
        Path store = dir.resolve(name + ".p12");
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "keytool").toString(), "-genkeypair",
                "-alias", "server", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=weft check test",
                "-ext", "SAN=dns:localhost,ip:127.0.0.1", "-keystore", store.toString(), "-storetype", "PKCS12",
                "-storepass", new String(PASSWORD), "-noprompt"));
        command.addAll(List.of(validity));
        Path log = dir.resolve(name + ".log");
        Process keytool = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!keytool.waitFor(60, TimeUnit.SECONDS) || keytool.exitValue() != 0) {
            keytool.destroyForcibly();
            throw new IOException("keytool failed: " + command + "\n" + Files.readString(log));
        }
        return store;
    }
}
