package dev.weft.net;

import static dev.weft.net.NetTestSupport.DEFAULT_WAIT;
import static dev.weft.net.NetTestSupport.anyPort;
import static dev.weft.net.NetTestSupport.at;
import static dev.weft.net.NetTestSupport.awaitCondition;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import dev.weft.runtime.ChannelClosedException;
import dev.weft.runtime.ReceiveChannel;
import dev.weft.runtime.Scope;
import dev.weft.runtime.Select;
import dev.weft.runtime.Task;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * TLS over TCP with certificates made at test time by keytool ({@link TestCertificates}): echo with PEM and PKCS#12
 * keys, host name verification, trust, SNI, handshake failures that end one connection and leave the server
 * serving, the server's handshake timeout, and the line/select semantics of a connection over TLS.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
final class TlsTest {

    private static final String LOOPBACKS = "dev.weft.net.NetTestSupport#loopbacks";

    @TempDir
    static Path certificateDir;

    @TempDir
    Path tempDir;

    private static TestCertificates certs;
    private static TlsServerConfig rsaServer;
    private static TlsClientConfig trustingCa;

    @BeforeAll
    static void createCertificates() throws Exception {
        certs = TestCertificates.create(certificateDir);
        rsaServer = TlsServerConfig.fromPem(certs.rsa().chainPem(), certs.rsa().keyPem());
        trustingCa = TlsClientConfig.builder().trustPem(certs.caPem()).build();
    }

    // --- echo ---------------------------------------------------------------------------------------------------

    @ParameterizedTest
    @MethodSource(LOOPBACKS)
    void echo_pemRsaCertificate_roundTripsLines(String host) throws Exception {
        try (Scope scope = Scope.open("tls-test")) {
            StreamServer server = echoServer(scope, host, rsaServer);

            try (Connection c = Connection.connector(at(host, server.port())).tls(trustingCa).connect()) {
                c.send("hello");
                c.send("grüße über TLS");
                assertThat(c.lines().receive(DEFAULT_WAIT)).contains("hello");
                assertThat(c.lines().receive(DEFAULT_WAIT)).contains("grüße über TLS");
                assertThat(c.name()).isEqualTo("tls " + Addresses.format(at(host, server.port())));
            }
        }
    }

    @ParameterizedTest
    @MethodSource(LOOPBACKS)
    void echo_pkcs12EcCertificateAndTrustStore_roundTripsLines(String host) throws Exception {
        TlsServerConfig tls = TlsServerConfig.builder()
                .pkcs12(certs.ec().pkcs12(), TestCertificates.PASSWORD)
                .build();
        TlsClientConfig client = TlsClientConfig.builder().trustStore(certs.caTrustStore()).build();
        try (Scope scope = Scope.open("tls-test")) {
            StreamServer server = echoServer(scope, host, tls);

            try (Connection c = Connection.connector(at(host, server.port())).tls(client).connect()) {
                c.send("over an EC key");
                assertThat(c.lines().receive(DEFAULT_WAIT)).contains("over an EC key");
            }
        }
        assertThat(tls.certificateChain()).hasSize(2);
        assertThat(tls.certificateChain().getFirst().getPublicKey().getAlgorithm()).isEqualTo("EC");
    }

    @ParameterizedTest
    @MethodSource(LOOPBACKS)
    void echo_clientLimitedToTls12_roundTripsLines(String host) throws Exception {
        TlsClientConfig tls12 = TlsClientConfig.builder().trustPem(certs.caPem()).protocols("TLSv1.2").build();
        try (Scope scope = Scope.open("tls-test")) {
            StreamServer server = echoServer(scope, host, rsaServer);

            assertEchoes(at(host, server.port()), tls12);
            assertEchoes(at(host, server.port()), tls12); // and the close of the first one left the server serving
        }
    }

    @ParameterizedTest
    @MethodSource(LOOPBACKS)
    void shutdownOutput_overTls13_peerReadsEndOfStreamAndStillAnswers(String host) throws Exception {
        try (Scope scope = Scope.open("tls-test")) {
            StreamServer server = StreamServer.builder(anyPort(host)).tls(rsaServer).start(scope, connection -> {
                int count = 0;
                for (String ignored : connection.lines()) {
                    count++;
                }
                connection.send("got " + count + " lines");
            });

            try (Connection c = Connection.connector(at(host, server.port())).tls(trustingCa).connect()) {
                c.send("one");
                c.send("two");
                c.shutdownOutput();
                assertThat(c.lines().receive(DEFAULT_WAIT)).contains("got 2 lines");
                awaitClosed(c.lines());
            }
        }
    }

    @ParameterizedTest
    @MethodSource(LOOPBACKS)
    void echo_concurrentReadAndWriteOfManyLines_losesNothing(String host) throws Exception {
        int count = 5_000;
        String padding = "x".repeat(200);
        try (Scope scope = Scope.open("tls-test")) {
            StreamServer server = echoServer(scope, host, rsaServer);

            try (Connection c = Connection.connector(at(host, server.port())).tls(trustingCa).connect()) {
                // The connection's reader task reads while this thread writes: both directions at once on the
                // TLS socket, with back-pressure (the lines channel holds 64, the socket buffers far less than 1 MB).
                Task<Integer> reader = scope.fork("reader", () -> {
                    for (int i = 0; i < count; i++) {
                        Optional<String> line = c.lines().receive(DEFAULT_WAIT);
                        assertThat(line).as("echo %d", i).contains(i + " " + padding);
                    }
                    return count;
                });
                for (int i = 0; i < count; i++) {
                    c.send(i + " " + padding);
                }
                assertThat(reader.join()).isEqualTo(count);
            }
        }
    }

    // --- verification failures ----------------------------------------------------------------------------------

    @ParameterizedTest
    @MethodSource(LOOPBACKS)
    void connect_wrongHostName_failsNamingPeerAndHostAndServerGoesOn(String host) throws Exception {
        TlsClientConfig wrongName = TlsClientConfig.builder().trustPem(certs.caPem()).serverName("wrong.example")
                .build();
        try (Scope scope = Scope.open("tls-test")) {
            AtomicInteger handled = new AtomicInteger();
            StreamServer server = echoServer(scope, host, rsaServer, handled);
            InetSocketAddress address = at(host, server.port());

            assertThatThrownBy(() -> Connection.connector(address).tls(wrongName).connect())
                    .isInstanceOf(SSLHandshakeException.class)
                    .hasMessageStartingWith("TLS handshake with tcp " + Addresses.format(address) + " failed: ")
                    .hasMessageContaining("certificate does not match host name 'wrong.example'");

            assertEchoes(address, trustingCa);
            assertThat(handled).hasValue(1);
        }
    }

    @ParameterizedTest
    @MethodSource(LOOPBACKS)
    void connect_hostnameVerificationOff_acceptsTrustedCertificateForOtherName(String host) throws Exception {
        TlsClientConfig unverified = TlsClientConfig.builder().trustPem(certs.caPem()).serverName("wrong.example")
                .hostnameVerification(false).build();
        try (Scope scope = Scope.open("tls-test")) {
            StreamServer server = echoServer(scope, host, rsaServer);

            assertEchoes(at(host, server.port()), unverified);
        }
        assertThat(unverified.hostnameVerification()).isFalse();
    }

    @ParameterizedTest
    @MethodSource(LOOPBACKS)
    void connect_serverCertificateFromUnknownCa_failsAsNotTrustedAndServerGoesOn(String host) throws Exception {
        try (Scope scope = Scope.open("tls-test")) {
            AtomicInteger handled = new AtomicInteger();
            StreamServer server = echoServer(scope, host, rsaServer, handled);
            InetSocketAddress address = at(host, server.port());

            // The JDK's default CAs do not include the test CA.
            assertThatThrownBy(() -> Connection.connector(address).tls(TlsClientConfig.defaults()).connect())
                    .isInstanceOf(SSLHandshakeException.class)
                    .hasMessageStartingWith("TLS handshake with tcp " + Addresses.format(address) + " failed: ")
                    .hasMessageContaining("server certificate is not trusted");
            awaitCondition(() -> server.activeConnections() == 0, "the failed connection to end");

            assertEchoes(address, trustingCa);
            assertThat(handled).hasValue(1);
        }
    }

    // --- SNI ----------------------------------------------------------------------------------------------------

    @ParameterizedTest
    @MethodSource(LOOPBACKS)
    void serverNames_clientSendsServedName_serverSeesIt(String host) throws Exception {
        TlsServerConfig tls = TlsServerConfig.builder().pem(certs.rsa().chainPem(), certs.rsa().keyPem())
                .serverNames("localhost").build();
        TlsClientConfig localhost = TlsClientConfig.builder().trustPem(certs.caPem()).serverName("localhost")
                .build();
        BlockingQueue<String> names = new ArrayBlockingQueue<>(4);
        try (Scope scope = Scope.open("tls-test")) {
            StreamServer server = StreamServer.builder(anyPort(host)).tls(tls).start(scope, connection -> {
                names.add(connection.name());
                echo(connection);
            });
            InetSocketAddress address = at(host, server.port());

            assertEchoes(address, localhost);
            assertThat(names.poll(DEFAULT_WAIT.toMillis(), TimeUnit.MILLISECONDS)).endsWith(" sni=localhost");

            // Connecting by IP literal sends no SNI; the server then accepts any name and sees none.
            assertEchoes(address, trustingCa);
            assertThat(names.poll(DEFAULT_WAIT.toMillis(), TimeUnit.MILLISECONDS)).doesNotContain("sni=")
                    .startsWith("tls ");
        }
    }

    @ParameterizedTest
    @MethodSource(LOOPBACKS)
    void serverNames_clientSendsUnknownName_failsWithUnrecognizedNameAndServerGoesOn(String host) throws Exception {
        TlsServerConfig tls = TlsServerConfig.builder().pem(certs.rsa().chainPem(), certs.rsa().keyPem())
                .serverNames("localhost").build();
        TlsClientConfig other = TlsClientConfig.builder().trustPem(certs.caPem()).serverName("other.example")
                .build();
        try (Scope scope = Scope.open("tls-test")) {
            AtomicInteger handled = new AtomicInteger();
            StreamServer server = echoServer(scope, host, tls, handled);
            InetSocketAddress address = at(host, server.port());

            assertThatThrownBy(() -> Connection.connector(address).tls(other).connect())
                    .isInstanceOf(SSLHandshakeException.class)
                    .hasMessageStartingWith("TLS handshake with tcp " + Addresses.format(address) + " failed: ")
                    .hasMessageContaining("does not serve host name 'other.example'");

            assertEchoes(address, trustingCa);
            assertThat(handled).hasValue(1);
        }
        assertThat(tls.serverNames()).containsExactly("localhost");
    }

    // --- protocol failures --------------------------------------------------------------------------------------

    @ParameterizedTest
    @MethodSource(LOOPBACKS)
    void connect_noCommonProtocol_failsNamingProtocolsAndServerGoesOn(String host) throws Exception {
        TlsServerConfig tls13 = TlsServerConfig.builder().pem(certs.ec().chainPem(), certs.ec().keyPem())
                .protocols("TLSv1.3").build();
        TlsClientConfig tls12 = TlsClientConfig.builder().trustPem(certs.caPem()).protocols("TLSv1.2").build();
        try (Scope scope = Scope.open("tls-test")) {
            StreamServer server = echoServer(scope, host, tls13);
            InetSocketAddress address = at(host, server.port());

            assertThatThrownBy(() -> Connection.connector(address).tls(tls12).connect())
                    .isInstanceOf(SSLHandshakeException.class)
                    .hasMessageStartingWith("TLS handshake with tcp " + Addresses.format(address) + " failed: ")
                    .hasMessageContaining("accepts none of the offered protocols [TLSv1.2]");

            assertEchoes(address, trustingCa);
        }
    }

    @ParameterizedTest
    @MethodSource(LOOPBACKS)
    void server_plaintextClient_endsThatConnectionOnlyWithoutCallingHandler(String host) throws Exception {
        try (Scope scope = Scope.open("tls-test")) {
            AtomicInteger handled = new AtomicInteger();
            StreamServer server = echoServer(scope, host, rsaServer, handled);
            InetSocketAddress address = at(host, server.port());

            try (Connection plain = Connection.connect(address, DEFAULT_WAIT)) {
                plain.send("HELLO in plain text");
                awaitClosed(plain.lines()); // whatever the server answered (an alert or nothing), it then closed
            }
            awaitCondition(() -> server.acceptedConnections() == 1 && server.activeConnections() == 0,
                    "the plaintext connection to end");
            assertThat(handled).hasValue(0);

            assertEchoes(address, trustingCa);
            assertThat(handled).hasValue(1);
        }
    }

    @ParameterizedTest
    @MethodSource(LOOPBACKS)
    void connect_plaintextServer_failsSayingServerDidNotAnswerWithTls(String host) throws Exception {
        try (Scope scope = Scope.open("tls-test")) {
            StreamServer server = StreamServer.builder(anyPort(host)).start(scope, connection -> {
                connection.send("220 plain text greeting");
                for (String ignored : connection.lines()) {
                    // the client's ClientHello is binary: nothing to answer
                }
            });
            InetSocketAddress address = at(host, server.port());

            assertThatThrownBy(() -> Connection.connector(address).tls(trustingCa).connect())
                    .isInstanceOf(SSLHandshakeException.class)
                    .hasMessage("TLS handshake with tcp " + Addresses.format(address)
                            + " failed: the server did not answer with TLS (a plaintext port?)")
                    .hasCauseInstanceOf(javax.net.ssl.SSLException.class);
        }
    }

    // --- handshake timeouts -------------------------------------------------------------------------------------

    @ParameterizedTest
    @MethodSource(LOOPBACKS)
    void server_silentClient_isDisconnectedAfterHandshakeTimeoutAndFreesItsSlot(String host) throws Exception {
        // The timeout applies to the real client's handshake too (per read): 2 s leaves room for a loaded machine,
        // where 200 ms once dropped the real client between two handshake messages.
        TlsServerConfig tls = TlsServerConfig.builder().pem(certs.rsa().chainPem(), certs.rsa().keyPem())
                .handshakeTimeout(Duration.ofSeconds(2)).build();
        try (Scope scope = Scope.open("tls-test")) {
            StreamServer server = StreamServer.builder(anyPort(host)).tls(tls).maxConnections(1)
                    .start(scope, TlsTest::echo);
            InetSocketAddress address = at(host, server.port());

            try (SocketChannel silent = SocketChannel.open(address)) {
                awaitCondition(() -> server.acceptedConnections() == 1, "the silent client to be accepted");

                // The only slot is taken: this client waits in the backlog until the silent one is dropped.
                assertEchoes(address, trustingCa);

                silent.socket().setSoTimeout((int) DEFAULT_WAIT.toMillis());
                assertThat(drainToEnd(silent.socket().getInputStream())).as("the silent client is disconnected")
                        .isTrue();
            }
            assertThat(server.acceptedConnections()).isEqualTo(2);
        }
    }

    @ParameterizedTest
    @MethodSource(LOOPBACKS)
    void connect_serverNeverAnswersHandshake_failsAfterClientHandshakeTimeout(String host) throws Exception {
        TlsClientConfig impatient = TlsClientConfig.builder().trustPem(certs.caPem())
                .handshakeTimeout(Duration.ofMillis(200)).build();
        try (ServerSocketChannel mute = ServerSocketChannel.open()) {
            mute.bind(anyPort(host)); // the kernel completes TCP connects; nobody ever answers
            InetSocketAddress address = at(host, ((InetSocketAddress) mute.getLocalAddress()).getPort());

            assertThatThrownBy(() -> Connection.connector(address).tls(impatient).connect())
                    .isInstanceOf(SSLHandshakeException.class)
                    .hasMessage("TLS handshake with tcp " + Addresses.format(address)
                            + " failed: handshake timed out: the server sent nothing for PT0.2S");
        }
    }

    // --- lines, send and select over TLS ------------------------------------------------------------------------

    @ParameterizedTest
    @MethodSource(LOOPBACKS)
    void select_overTlsLinesWithTimeouts_losesNoLine(String host) throws Exception {
        int rounds = 20;
        int perRound = 10;
        try (Scope scope = Scope.open("tls-test")) {
            StreamServer server = StreamServer.builder(anyPort(host)).tls(rsaServer).start(scope, connection -> {
                int next = 0;
                for (String request : connection.lines()) { // "SEND n" asks for the next n numbered lines
                    int n = Integer.parseInt(request.substring("SEND ".length()));
                    for (int i = 0; i < n; i++) {
                        connection.send("line " + next++);
                    }
                }
            });

            try (Connection c = Connection.connector(at(host, server.port())).tls(trustingCa).connect()) {
                // Nothing was asked for yet: the select must time out, and that must cost nothing.
                assertThat(selectLine(c, Duration.ofMillis(20))).isEmpty();

                List<String> received = new ArrayList<>();
                int timeouts = 1;
                long deadline = System.nanoTime() + DEFAULT_WAIT.toNanos();
                for (int round = 0; round < rounds; round++) {
                    c.send("SEND " + perRound);
                    int want = (round + 1) * perRound;
                    while (received.size() < want) {
                        assertThat(System.nanoTime() - deadline).as("lines arrive in time").isNegative();
                        Optional<String> line = selectLine(c, Duration.ofMillis(1));
                        if (line.isPresent()) {
                            received.add(line.get());
                        } else {
                            timeouts++;
                        }
                    }
                }
                List<String> expected = new ArrayList<>();
                for (int i = 0; i < rounds * perRound; i++) {
                    expected.add("line " + i);
                }
                assertThat(received).containsExactlyElementsOf(expected);
                assertThat(timeouts).isPositive();
                assertThat(c.isOpen()).isTrue();
                assertThat(c.lines().tryReceive()).as("no extra line").isEmpty();
            }
        }
    }

    // --- loading key material -----------------------------------------------------------------------------------

    @Test
    void pem_missingFile_failsNamingThePath() {
        Path missing = tempDir.resolve("missing-key.pem");

        assertThatThrownBy(() -> TlsServerConfig.fromPem(certs.rsa().chainPem(), missing))
                .isInstanceOf(NoSuchFileException.class)
                .hasMessageContaining(missing.toString());
        assertThatThrownBy(() -> TlsClientConfig.builder().trustPem(missing))
                .isInstanceOf(NoSuchFileException.class)
                .hasMessageContaining(missing.toString());
    }

    @Test
    void pem_filesSwapped_failsSayingWhatWasExpectedAndFound() {
        Path chain = certs.rsa().chainPem();
        Path key = certs.rsa().keyPem();

        assertThatThrownBy(() -> TlsServerConfig.fromPem(key, chain))
                .isInstanceOf(IOException.class)
                .hasMessageStartingWith(key + ": no PEM certificate in the file")
                .hasMessageContaining("\"PRIVATE KEY\"");
        assertThatThrownBy(() -> TlsServerConfig.fromPem(chain, chain))
                .isInstanceOf(IOException.class)
                .hasMessageStartingWith(chain + ": no PEM private key in the file")
                .hasMessageContaining("\"CERTIFICATE\"");
    }

    @Test
    void pem_notPemAtAll_failsNamingTheFile() throws IOException {
        Path binary = certs.rsa().pkcs12();
        Path text = Files.writeString(tempDir.resolve("notes.txt"), "just some text\n");

        assertThatThrownBy(() -> TlsServerConfig.fromPem(binary, certs.rsa().keyPem()))
                .isInstanceOf(IOException.class)
                .hasMessageStartingWith(binary + ": not a PEM file");
        assertThatThrownBy(() -> TlsClientConfig.builder().trustPem(text))
                .isInstanceOf(IOException.class)
                .hasMessageStartingWith(text + ": not a PEM file");
    }

    @Test
    void pem_keyOfAnotherCertificate_failsSayingItDoesNotMatch() {
        Path chain = certs.rsa().chainPem();
        Path spare = certs.spareRsaKeyPem();
        Path ecKey = certs.ec().keyPem();
        Path ecChain = certs.ec().chainPem();

        assertThatThrownBy(() -> TlsServerConfig.fromPem(chain, spare))
                .isInstanceOf(IOException.class)
                .hasMessageStartingWith(spare + " does not match the certificate in " + chain)
                .hasMessageContaining("CN=localhost");
        assertThatThrownBy(() -> TlsServerConfig.fromPem(chain, ecKey))
                .isInstanceOf(IOException.class)
                .hasMessageStartingWith(ecKey + ": not a PKCS#8 RSA private key");
        assertThatThrownBy(() -> TlsServerConfig.fromPem(ecChain, spare))
                .isInstanceOf(IOException.class)
                .hasMessageStartingWith(spare + ": not a PKCS#8 EC private key");
    }

    @Test
    void pem_traditionalOrEncryptedKey_failsWithConversionAdvice() throws IOException {
        String body = "\nMIIBOgIBAAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf9Cnzj4p4WGeKLs1Pt8Qu\n";
        Path pkcs1 = Files.writeString(tempDir.resolve("pkcs1.pem"),
                "-----BEGIN RSA PRIVATE KEY-----" + body + "-----END RSA PRIVATE KEY-----\n");
        Path encrypted = Files.writeString(tempDir.resolve("encrypted.pem"),
                "-----BEGIN ENCRYPTED PRIVATE KEY-----" + body + "-----END ENCRYPTED PRIVATE KEY-----\n");

        assertThatThrownBy(() -> TlsServerConfig.fromPem(certs.rsa().chainPem(), pkcs1))
                .isInstanceOf(IOException.class)
                .hasMessageStartingWith(pkcs1 + ": \"RSA PRIVATE KEY\" is a traditional (PKCS#1/SEC1) key")
                .hasMessageContaining("PKCS#8");
        assertThatThrownBy(() -> TlsServerConfig.fromPem(certs.rsa().chainPem(), encrypted))
                .isInstanceOf(IOException.class)
                .hasMessageStartingWith(encrypted + ": the private key is encrypted");
    }

    @Test
    void pkcs12_wrongPassword_failsNamingTheFile() {
        Path file = certs.ec().pkcs12();

        assertThatThrownBy(() -> TlsServerConfig.builder().pkcs12(file, "not-the-password".toCharArray()))
                .isInstanceOf(IOException.class)
                .hasMessageStartingWith(file + ": cannot read the PKCS#12 file (wrong password, or not PKCS#12?)");
        assertThatThrownBy(() -> TlsServerConfig.builder().pkcs12(certs.caPem(), TestCertificates.PASSWORD))
                .isInstanceOf(IOException.class)
                .hasMessageStartingWith(certs.caPem() + ": cannot read the PKCS#12 file");
    }

    @Test
    void keyStore_oneKeyEntry_usesItsChain() throws Exception {
        KeyStore store = TestCertificates.load(certs.rsa().pkcs12());

        TlsServerConfig tls = TlsServerConfig.builder().keyStore(store, TestCertificates.PASSWORD).build();

        assertThat(tls.certificateChain()).hasSize(2);
        assertThat(tls.certificateChain().getFirst().getSubjectX500Principal().getName()).isEqualTo("CN=localhost");
        assertThat(tls.protocols()).containsExactly("TLSv1.3", "TLSv1.2");
        assertThat(tls.handshakeTimeout()).isEqualTo(Duration.ofSeconds(10));
    }

    @Test
    void keyStore_noKeyEntry_failsSayingSo() throws Exception {
        KeyStore trustOnly = certs.caTrustStore();

        assertThatThrownBy(() -> TlsServerConfig.builder().keyStore(trustOnly, TestCertificates.PASSWORD))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("the key store must hold exactly one private key with a certificate chain, it holds 0");
    }

    // --- configuration checks -----------------------------------------------------------------------------------

    @Test
    void builders_badValues_failNamingTheValue() throws Exception {
        assertThatThrownBy(() -> TlsServerConfig.builder().handshakeTimeout(Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("handshakeTimeout must be positive: PT-1S");
        assertThatThrownBy(() -> TlsClientConfig.builder().handshakeTimeout(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("handshakeTimeout must be positive: PT0S");
        assertThatThrownBy(() -> TlsClientConfig.builder().protocols("TLSv1.3", "TLSv1.1"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("protocols must be TLSv1.3 and/or TLSv1.2: TLSv1.1");
        assertThatThrownBy(() -> TlsServerConfig.builder().protocols())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("protocols must not be empty");
        assertThatThrownBy(() -> TlsClientConfig.builder().serverName("not a host!"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("serverName is not a valid host name: 'not a host!'");
        assertThatThrownBy(() -> TlsServerConfig.builder().serverNames("bad name"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("serverNames: not a valid host name: 'bad name'");
        assertThatThrownBy(() -> TlsServerConfig.builder().build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("no certificate and private key: call pem, pkcs12 or keyStore");
        KeyStore empty = KeyStore.getInstance("PKCS12");
        empty.load(null, null);
        assertThatThrownBy(() -> TlsClientConfig.builder().trustStore(empty))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("trustStore holds no trusted certificate entry");
    }

    @Test
    void tls_unixSocketAddress_isRefusedNamingTheAddress() {
        UnixDomainSocketAddress unix = UnixDomainSocketAddress.of(tempDir.resolve("tls.sock"));

        assertThatThrownBy(() -> Connection.connector(unix).tls(trustingCa))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("TLS needs a TCP address: unix " + unix.getPath());
        assertThatThrownBy(() -> StreamServer.builder(unix).tls(rsaServer))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("TLS needs a TCP address: unix " + unix.getPath());
    }

    @Test
    void defaults_clientConfig_verifiesHostnameWithSystemTrust() {
        TlsClientConfig defaults = TlsClientConfig.defaults();

        assertThat(defaults.hostnameVerification()).isTrue();
        assertThat(defaults.usesSystemTrust()).isTrue();
        assertThat(defaults.serverName()).isEmpty();
        assertThat(defaults.protocols()).containsExactly("TLSv1.3", "TLSv1.2");
        assertThat(trustingCa.usesSystemTrust()).isFalse();
    }

    // --- helpers ------------------------------------------------------------------------------------------------

    private static StreamServer echoServer(Scope scope, String host, TlsServerConfig tls) throws Exception {
        return echoServer(scope, host, tls, new AtomicInteger());
    }

    private static StreamServer echoServer(Scope scope, String host, TlsServerConfig tls, AtomicInteger handled)
            throws Exception {
        return StreamServer.builder(anyPort(host)).tls(tls).start(scope, connection -> {
            handled.incrementAndGet();
            echo(connection);
        });
    }

    private static void echo(Connection connection) throws Exception {
        for (String line : connection.lines()) {
            connection.send(line);
        }
    }

    /** Connects with {@code tls}, sends a line and expects it back: the server is serving. */
    private static void assertEchoes(InetSocketAddress address, TlsClientConfig tls) throws Exception {
        try (Connection c = Connection.connector(address).tls(tls).connect()) {
            c.send("still serving");
            assertThat(c.lines().receive(DEFAULT_WAIT)).contains("still serving");
        }
    }

    private static Optional<String> selectLine(Connection c, Duration timeout) throws InterruptedException {
        return Select.<Optional<String>>create()
                .onReceive(c.lines(), Optional::of)
                .onTimeout(timeout, Optional::empty)
                .select();
    }

    /** Receives until the channel closes, with or without a cause; fails if it stays open. */
    private static void awaitClosed(ReceiveChannel<String> lines) throws InterruptedException {
        long deadline = System.nanoTime() + DEFAULT_WAIT.toNanos();
        while (System.nanoTime() - deadline < 0) {
            try {
                lines.receive(DEFAULT_WAIT);
            } catch (ChannelClosedException closed) {
                return;
            }
        }
        fail("the connection stayed open");
    }

    /** Reads until end of stream or a reset; false if the read timed out first. */
    private static boolean drainToEnd(InputStream in) {
        byte[] buf = new byte[512];
        try {
            while (in.read(buf) >= 0) {
                // discard what the server said (a TLS alert, perhaps)
            }
            return true;
        } catch (java.net.SocketTimeoutException timedOut) {
            return false;
        } catch (IOException reset) {
            return true;
        }
    }
}
