package dev.weft.net;

import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * The TLS configuration of a client {@link Connection}: which certificates it trusts, the host name it verifies and
 * sends (SNI), the protocol versions and the handshake timeout. Given to {@link Connector#tls(TlsClientConfig)}.
 *
 * <pre>{@code
 * TlsClientConfig tls = TlsClientConfig.builder()
 *         .trustPem(Path.of("/etc/myd/tls/ca.pem"))   // trust only this CA
 *         .build();
 * try (Connection c = Connection.connector(new InetSocketAddress("backend.example", 4443))
 *         .tls(tls)
 *         .connect()) {                               // the handshake is done when connect returns
 *     c.send("HELLO");
 * }
 * }</pre>
 *
 * <p><b>Verification.</b> The server's certificate chain must lead to a trusted certificate — the JDK's default CAs,
 * or only the ones given with {@link Builder#trustPem} or {@link Builder#trustStore} — and the certificate must be
 * valid for the host name (HTTPS rules: a DNS subject alternative name, or an IP address one when connecting to an
 * IP). The host name is the one of the connect address ({@link java.net.InetSocketAddress#getHostString()}) unless
 * {@link Builder#serverName} overrides it — use that when connecting to an address resolved elsewhere. A host name
 * that is not an IP literal is also sent as SNI.
 *
 * <p><b>Failures.</b> {@link Connector#connect()} does the handshake before it returns. If it fails, connect throws
 * an {@link javax.net.ssl.SSLHandshakeException} whose message names the peer and the reason, for example
 * {@code TLS handshake with tcp 127.0.0.1:4443 failed: certificate does not match host name 'wrong.example'} or
 * {@code ...: server certificate is not trusted}; the JDK's exception is its cause. A server that sends nothing
 * for {@link #handshakeTimeout()} (default 10 s) during the handshake fails it the same way.
 *
 * <p><b>Defaults.</b> The JDK's trusted CAs; host name verification on; TLS 1.3 and 1.2 only; the JDK's default
 * cipher suites; no client certificate.
 *
 * <p>Immutable and thread-safe; one configuration can serve any number of connections.
 */
public final class TlsClientConfig {

    private static final TlsClientConfig DEFAULTS = builder().build();

    private final String serverName;
    private final boolean hostnameVerification;
    private final Duration handshakeTimeout;
    private final List<String> protocols;
    private final boolean systemTrust;
    private final SSLContext context;

    private TlsClientConfig(Builder b, SSLContext context) {
        this.serverName = b.serverName;
        this.hostnameVerification = b.hostnameVerification;
        this.handshakeTimeout = b.handshakeTimeout;
        this.protocols = b.protocols;
        this.systemTrust = b.trust == null;
        this.context = context;
    }

    /**
     * Returns the default configuration: the JDK's trusted CAs, host name verification, TLS 1.3 and 1.2.
     *
     * @return the defaults
     */
    public static TlsClientConfig defaults() {
        return DEFAULTS;
    }

    /**
     * Returns a builder starting from the defaults.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Returns the host name to verify and send, when it overrides the connect address's.
     *
     * @return the server name, or empty to use the connect address's host name
     */
    public Optional<String> serverName() {
        return Optional.ofNullable(serverName);
    }

    /**
     * Returns whether the server certificate is checked against the host name.
     *
     * @return true unless turned off
     */
    public boolean hostnameVerification() {
        return hostnameVerification;
    }

    /**
     * Returns how long the client waits for each of the server's handshake messages.
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
     * Returns whether the JDK's default trusted CAs are used (no {@link Builder#trustPem} or
     * {@link Builder#trustStore} was given).
     *
     * @return true for the JDK's trust store
     */
    public boolean usesSystemTrust() {
        return systemTrust;
    }

    SSLContext context() {
        return context;
    }

    @Override
    public String toString() {
        return "TlsClientConfig[trust=" + (systemTrust ? "system" : "custom") + ", serverName=" + serverName
                + ", hostnameVerification=" + hostnameVerification + ", protocols=" + protocols
                + ", handshakeTimeout=" + handshakeTimeout + "]";
    }

    /** Builds a {@link TlsClientConfig}. Not thread-safe. */
    public static final class Builder {
        private KeyStore trust;
        private String serverName;
        private boolean hostnameVerification = true;
        private Duration handshakeTimeout = Duration.ofSeconds(10);
        private List<String> protocols = TlsHandshakes.DEFAULT_PROTOCOLS;

        private Builder() {
        }

        /**
         * Trusts exactly the certificates in a PEM file, read now, instead of the JDK's CAs: CA certificates, or
         * the server's own certificate to pin it.
         *
         * @param caCertificates the PEM file with one or more certificates
         * @return this builder
         * @throws java.nio.file.NoSuchFileException if the file does not exist
         * @throws IOException if the file is not PEM or holds no valid certificate; the message names the file
         */
        public Builder trustPem(Path caCertificates) throws IOException {
            Objects.requireNonNull(caCertificates, "caCertificates");
            List<X509Certificate> certificates = TlsPem.readCertificates(caCertificates);
            try {
                KeyStore store = KeyStore.getInstance("PKCS12");
                store.load(null, null);
                for (int i = 0; i < certificates.size(); i++) {
                    store.setCertificateEntry("ca-" + i, certificates.get(i));
                }
                this.trust = store;
            } catch (GeneralSecurityException e) {
                throw new IOException(caCertificates + ": cannot use the certificates as trust anchors: "
                        + e.getMessage(), e);
            }
            return this;
        }

        /**
         * Trusts exactly the certificate entries of a loaded key store (a JKS or PKCS#12 trust store) instead of
         * the JDK's CAs.
         *
         * @param trustStore the trust store
         * @return this builder
         * @throws IllegalArgumentException if the store holds no certificate entry
         */
        public Builder trustStore(KeyStore trustStore) {
            Objects.requireNonNull(trustStore, "trustStore");
            try {
                long count = 0;
                for (String alias : Collections.list(trustStore.aliases())) {
                    if (trustStore.isCertificateEntry(alias)) {
                        count++;
                    }
                }
                if (count == 0) {
                    throw new IllegalArgumentException("trustStore holds no trusted certificate entry ("
                            + trustStore.size() + " entries in all)");
                }
            } catch (java.security.KeyStoreException e) {
                throw new IllegalArgumentException("trustStore is not loaded: " + e.getMessage(), e);
            }
            this.trust = trustStore;
            return this;
        }

        /**
         * Trusts the JDK's default CAs (the default; undoes {@link #trustPem} and {@link #trustStore}).
         *
         * @return this builder
         */
        public Builder trustSystem() {
            this.trust = null;
            return this;
        }

        /**
         * Sets the host name to verify the certificate against and to send as SNI, instead of the connect
         * address's host name (default: that one).
         *
         * @param hostName a DNS host name, or an IP literal (verified against IP address names, not sent as SNI)
         * @return this builder
         * @throws IllegalArgumentException if it is not a valid host name
         */
        public Builder serverName(String hostName) {
            Objects.requireNonNull(hostName, "hostName");
            if (!TlsHandshakes.isIpLiteral(hostName)) {
                try {
                    new SNIHostName(hostName);
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("serverName is not a valid host name: '" + hostName + "' ("
                            + e.getMessage() + ")", e);
                }
            }
            this.serverName = hostName;
            return this;
        }

        /**
         * Turns host name verification on (the default) or off. Off, any certificate from a trusted CA is accepted
         * for any host — which lets anyone with such a certificate impersonate the server; use only with a trust
         * store that holds nothing but the server's own certificate or a private CA for this one service.
         *
         * @param on whether to verify the host name
         * @return this builder
         */
        public Builder hostnameVerification(boolean on) {
            this.hostnameVerification = on;
            return this;
        }

        /**
         * Sets how long the client waits for the server's next handshake message before it gives up (default
         * 10 s). It applies during the handshake only.
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
         * Builds the configuration.
         *
         * @return the immutable configuration
         * @throws IllegalStateException if the JDK cannot set up a TLS context with the trust store
         */
        public TlsClientConfig build() {
            try {
                TrustManagerFactory trustManagers = TrustManagerFactory.getInstance("PKIX");
                trustManagers.init(trust);
                SSLContext context = SSLContext.getInstance("TLS");
                context.init(null, trustManagers.getTrustManagers(), null);
                return new TlsClientConfig(this, context);
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("cannot set up the TLS client context: " + e.getMessage(), e);
            }
        }
    }
}
