package dev.weft.net;

import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIMatcher;
import javax.net.ssl.SSLContext;

/**
 * The TLS configuration of a {@link StreamServer}: its certificate chain and private key, the protocol versions,
 * the handshake timeout, and optionally the host names it serves (SNI). Given to
 * {@link StreamServer.Builder#tls(TlsServerConfig)}.
 *
 * <pre>{@code
 * TlsServerConfig tls = TlsServerConfig.builder()
 *         .pem(Path.of("/etc/myd/tls/chain.pem"), Path.of("/etc/myd/tls/key.pem"))   // PKCS#8, RSA or EC
 *         .handshakeTimeout(Duration.ofSeconds(5))
 *         .build();
 * StreamServer server = StreamServer.builder(new InetSocketAddress(4443))
 *         .tls(tls)
 *         .start(scope, connection -> {
 *             for (String line : connection.lines()) {
 *                 connection.send(line);
 *             }
 *         });
 * }</pre>
 *
 * <p><b>Handshake.</b> Each accepted connection is handshaken on its own virtual thread before the handler sees it.
 * A client that sends nothing for {@link #handshakeTimeout()} (default 10 s) while the handshake is under way — a
 * port scanner, a client that connects and says nothing — is disconnected, so it holds a connection slot no longer
 * than that. (The timeout is a socket read timeout during the handshake only: it bounds each wait for the client, not
 * the handshake as a whole.) A failed handshake ends only that connection: it is logged at DEBUG with the peer's
 * address and the reason, the handler is not called, and the server goes on.
 *
 * <p><b>Defaults.</b> TLS 1.3 and 1.2 only; the JDK's default cipher suites; no client certificates; any SNI host
 * name accepted. After the handshake the connection's {@linkplain Connection#name() name} reads
 * {@code tls 192.0.2.7:51234}, followed by {@code sni=<host>} when the client sent a server name.
 *
 * <p>Immutable and thread-safe; one configuration can serve any number of servers.
 */
public final class TlsServerConfig {

    private final List<X509Certificate> chain;
    private final Duration handshakeTimeout;
    private final List<String> protocols;
    private final List<String> serverNames;
    private final SSLContext context;
    private final SNIMatcher sniMatcher;

    private TlsServerConfig(Builder b, SSLContext context) {
        this.chain = b.keyAndChain.chain();
        this.handshakeTimeout = b.handshakeTimeout;
        this.protocols = b.protocols;
        this.serverNames = b.serverNames;
        this.context = context;
        this.sniMatcher = serverNames.isEmpty() ? null : SNIHostName.createSNIMatcher(serverNames.stream()
                .map(Pattern::quote).collect(Collectors.joining("|")));
    }

    /**
     * Returns a builder; it needs a certificate and key from {@link Builder#pem}, {@link Builder#pkcs12} or
     * {@link Builder#keyStore}.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Returns a configuration with the defaults, from a PEM certificate chain and a PEM PKCS#8 private key: a
     * shortcut for {@code builder().pem(certificateChain, privateKey).build()}.
     *
     * @param certificateChain the PEM file with the server certificate first, then its intermediate CAs
     * @param privateKey the PEM file with the unencrypted PKCS#8 private key ({@code BEGIN PRIVATE KEY})
     * @return the configuration
     * @throws IOException if a file is missing or malformed, or the key does not match the certificate; the
     *     message names the file
     */
    public static TlsServerConfig fromPem(Path certificateChain, Path privateKey) throws IOException {
        return builder().pem(certificateChain, privateKey).build();
    }

    /**
     * Returns the certificate chain the server presents, leaf first.
     *
     * @return the chain
     */
    public List<X509Certificate> certificateChain() {
        return chain;
    }

    /**
     * Returns how long the server waits for each of the client's handshake messages.
     *
     * @return the handshake timeout
     */
    public Duration handshakeTimeout() {
        return handshakeTimeout;
    }

    /**
     * Returns the enabled protocol versions, such as {@code [TLSv1.3, TLSv1.2]}.
     *
     * @return the protocols
     */
    public List<String> protocols() {
        return protocols;
    }

    /**
     * Returns the host names a client may ask for with SNI; empty when any name is accepted.
     *
     * @return the served host names
     */
    public List<String> serverNames() {
        return serverNames;
    }

    SSLContext context() {
        return context;
    }

    /** The SNI matcher for {@link #serverNames()}, or null when any name is accepted. */
    SNIMatcher sniMatcher() {
        return sniMatcher;
    }

    @Override
    public String toString() {
        return "TlsServerConfig[certificate=" + TlsPem.subject(chain.getFirst()) + ", protocols=" + protocols
                + ", handshakeTimeout=" + handshakeTimeout + (serverNames.isEmpty() ? "" : ", serverNames="
                + serverNames) + "]";
    }

    /** Builds a {@link TlsServerConfig}. Not thread-safe. */
    public static final class Builder {
        private TlsPem.KeyAndChain keyAndChain;
        private Duration handshakeTimeout = Duration.ofSeconds(10);
        private List<String> protocols = TlsHandshakes.DEFAULT_PROTOCOLS;
        private List<String> serverNames = List.of();

        private Builder() {
        }

        /**
         * Uses a certificate chain and private key from PEM files, read now. The key must be unencrypted PKCS#8
         * ({@code -----BEGIN PRIVATE KEY-----}), RSA or EC (or EdDSA); it is checked against the certificate.
         *
         * @param certificateChain the PEM file with the server certificate first, then its intermediate CAs
         * @param privateKey the PEM file with the private key
         * @return this builder
         * @throws java.nio.file.NoSuchFileException if a file does not exist
         * @throws IOException if a file is not PEM, holds no certificate or no PKCS#8 key, or the key does not
         *     match the certificate; the message names the file and the problem
         */
        public Builder pem(Path certificateChain, Path privateKey) throws IOException {
            Objects.requireNonNull(certificateChain, "certificateChain");
            Objects.requireNonNull(privateKey, "privateKey");
            this.keyAndChain = TlsPem.readKeyAndChain(certificateChain, privateKey);
            return this;
        }

        /**
         * Uses the one private key entry, with its certificate chain, of a PKCS#12 file, read now. The key's
         * password must be the file's password (as keytool and openssl make them).
         *
         * @param file the PKCS#12 file
         * @param password the password of the file and the key
         * @return this builder
         * @throws java.nio.file.NoSuchFileException if the file does not exist
         * @throws IOException if the file cannot be read (not PKCS#12, or a wrong password) or holds no or several
         *     private keys; the message names the file
         */
        public Builder pkcs12(Path file, char[] password) throws IOException {
            Objects.requireNonNull(file, "file");
            Objects.requireNonNull(password, "password");
            this.keyAndChain = TlsPem.readPkcs12(file, password);
            return this;
        }

        /**
         * Uses the one private key entry, with its certificate chain, of a loaded key store.
         *
         * @param keyStore the key store
         * @param keyPassword the password of the key entry
         * @return this builder
         * @throws IllegalArgumentException if the store holds no or several private keys, or the password is wrong
         */
        public Builder keyStore(KeyStore keyStore, char[] keyPassword) {
            Objects.requireNonNull(keyStore, "keyStore");
            Objects.requireNonNull(keyPassword, "keyPassword");
            this.keyAndChain = TlsPem.fromKeyStore(keyStore, keyPassword);
            return this;
        }

        /**
         * Sets how long the server waits for the client's next handshake message before it drops the connection
         * (default 10 s). It applies during the handshake only; afterwards reads wait as long as the handler likes.
         *
         * @param timeout the timeout, positive
         * @return this builder
         */
        public Builder handshakeTimeout(Duration timeout) {
            this.handshakeTimeout = TlsHandshakes.checkTimeout(timeout, "handshakeTimeout");
            return this;
        }

        /**
         * Sets the enabled protocol versions (default {@code TLSv1.3} and {@code TLSv1.2}).
         *
         * @param protocols one or both of {@code "TLSv1.3"} and {@code "TLSv1.2"}
         * @return this builder
         * @throws IllegalArgumentException for an empty list or any other version
         */
        public Builder protocols(String... protocols) {
            this.protocols = TlsHandshakes.checkProtocols(protocols);
            return this;
        }

        /**
         * Restricts the host names clients may ask for with SNI (default: any). A client that sends another name
         * fails the handshake with an {@code unrecognized_name} alert; a client that sends none (one that connects
         * to an IP address) is accepted.
         *
         * @param hostNames the exact host names, compared ignoring case
         * @return this builder
         * @throws IllegalArgumentException if a name is not a valid host name
         */
        public Builder serverNames(String... hostNames) {
            Objects.requireNonNull(hostNames, "hostNames");
            for (String name : hostNames) {
                Objects.requireNonNull(name, "hostNames contains null");
                try {
                    new SNIHostName(name);
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("serverNames: not a valid host name: '" + name + "' ("
                            + e.getMessage() + ")", e);
                }
            }
            this.serverNames = Arrays.stream(hostNames).map(n -> n.toLowerCase(Locale.ROOT)).distinct().toList();
            return this;
        }

        /**
         * Builds the configuration.
         *
         * @return the immutable configuration
         * @throws IllegalStateException if no certificate and key were given
         */
        public TlsServerConfig build() {
            if (keyAndChain == null) {
                throw new IllegalStateException("no certificate and private key: call pem, pkcs12 or keyStore");
            }
            try {
                char[] password = "in-memory".toCharArray();
                KeyStore store = KeyStore.getInstance("PKCS12");
                store.load(null, null);
                store.setKeyEntry("server", keyAndChain.key(), password,
                        keyAndChain.chain().toArray(X509Certificate[]::new));
                KeyManagerFactory keys = KeyManagerFactory.getInstance("PKIX");
                keys.init(store, password);
                SSLContext context = SSLContext.getInstance("TLS");
                context.init(keys.getKeyManagers(), null, null);
                return new TlsServerConfig(this, context);
            } catch (GeneralSecurityException | IOException e) {
                throw new IllegalStateException("cannot set up the TLS server context for "
                        + TlsPem.subject(keyAndChain.chain().getFirst()) + ": " + e.getMessage(), e);
            }
        }
    }
}
