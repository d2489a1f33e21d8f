package dev.weft.net;

import java.io.EOFException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.SocketChannel;
import java.security.cert.CertPathBuilderException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The TLS handshakes of clients and servers: a JDK {@link SSLSocket} layered over a connected
 * {@link SocketChannel}'s socket, handshaken eagerly with a socket read timeout that is lifted afterwards, and a
 * failure turned into an {@link SSLHandshakeException} that names the peer and says what went wrong in words.
 *
 * <p>Blocking {@code SSLSocket} I/O on a virtual thread parks the thread (the channel under it is NIO, and the JDK's
 * TLS code uses {@code ReentrantLock}s), so one virtual thread per connection stays cheap.
 */
final class TlsHandshakes {

    private static final Logger LOG = LoggerFactory.getLogger(TlsHandshakes.class);

    static final List<String> DEFAULT_PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");

    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
    private static final Pattern ALERT = Pattern.compile("Received fatal alert: (\\w+)");

    private TlsHandshakes() {
    }

    /** Layers TLS over a connected client channel and completes the handshake. */
    static SocketTransport connect(SocketChannel channel, InetSocketAddress address, TlsClientConfig config)
            throws IOException {
        String where = ChannelTransport.describe(channel.getRemoteAddress());
        String host = config.serverName().orElse(address.getHostString());
        Socket raw = channel.socket();
        SSLSocket ssl = (SSLSocket) config.context().getSocketFactory().createSocket(raw, host, address.getPort(),
                true);
        try {
            SSLParameters parameters = ssl.getSSLParameters();
            parameters.setProtocols(config.protocols().toArray(String[]::new));
            if (config.hostnameVerification()) {
                parameters.setEndpointIdentificationAlgorithm("HTTPS");
            }
            parameters.setServerNames(isIpLiteral(host) ? List.of() : List.of(new SNIHostName(host)));
            ssl.setSSLParameters(parameters);
            ssl.setUseClientMode(true);
        } catch (IllegalArgumentException e) {
            ssl.close();
            throw new SSLHandshakeException("TLS handshake with " + where + " failed: cannot use host name '" + host
                    + "': " + e.getMessage());
        }
        handshake(ssl, where, true, host, config.handshakeTimeout(), config.protocols());
        SSLSession session = ssl.getSession();
        LOG.debug("TLS handshake with {} done: {} {}, server name '{}'", where, session.getProtocol(),
                session.getCipherSuite(), host);
        return new SocketTransport(ssl, raw, "tls " + where.substring(where.indexOf(' ') + 1));
    }

    /** Layers TLS over an accepted channel and completes the handshake. */
    static SocketTransport accept(SocketChannel channel, TlsServerConfig config) throws IOException {
        String where = ChannelTransport.describe(channel.getRemoteAddress());
        Socket raw = channel.socket();
        SSLSocket ssl = (SSLSocket) config.context().getSocketFactory().createSocket(raw, null, true);
        ssl.setUseClientMode(false);
        SSLParameters parameters = ssl.getSSLParameters();
        parameters.setProtocols(config.protocols().toArray(String[]::new));
        parameters.setNeedClientAuth(false);
        if (config.sniMatcher() != null) {
            parameters.setSNIMatchers(List.of(config.sniMatcher()));
        }
        ssl.setSSLParameters(parameters);
        handshake(ssl, where, false, null, config.handshakeTimeout(), config.protocols());
        SSLSession session = ssl.getSession();
        String sni = requestedServerName(session);
        LOG.debug("TLS handshake with {} done: {} {}{}", where, session.getProtocol(), session.getCipherSuite(),
                sni == null ? "" : ", server name '" + sni + "'");
        return new SocketTransport(ssl, raw, "tls " + where.substring(where.indexOf(' ') + 1)
                + (sni == null ? "" : " sni=" + sni));
    }

    private static void handshake(SSLSocket ssl, String where, boolean client, String host, Duration timeout,
            List<String> protocols) throws IOException {
        try {
            ssl.setSoTimeout((int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis())));
            ssl.startHandshake();
            ssl.setSoTimeout(0);
        } catch (IOException | RuntimeException e) {
            closeQuietly(ssl);
            if (isInterrupt(e)) {
                InterruptedIOException interrupted = new InterruptedIOException("TLS handshake with " + where
                        + " interrupted");
                interrupted.initCause(e);
                throw interrupted;
            }
            SSLHandshakeException failure = new SSLHandshakeException("TLS handshake with " + where + " failed: "
                    + reason(e, client, host, timeout, protocols));
            failure.initCause(e);
            throw failure;
        }
    }

    /** Describes a handshake failure in words; the JDK's own message follows in parentheses when it adds detail. */
    static String reason(Throwable failure, boolean client, String host, Duration timeout, List<String> protocols) {
        List<Throwable> chain = causes(failure);
        String detail = detail(chain);
        String peer = client ? "server" : "client";
        if (has(chain, SocketTimeoutException.class)) {
            return "handshake timed out: the " + peer + " sent nothing for " + timeout;
        }
        for (Throwable t : chain) {
            String m = Objects.requireNonNullElse(t.getMessage(), "");
            if (t instanceof CertificateException
                    && (m.startsWith("No subject alternative") || m.startsWith("No name matching"))) {
                return "certificate does not match host name '" + host + "' (" + m + ")";
            }
        }
        if (has(chain, CertificateExpiredException.class) || has(chain, CertificateNotYetValidException.class)
                || validatorReason(chain, CertPathValidatorException.BasicReason.EXPIRED)
                || validatorReason(chain, CertPathValidatorException.BasicReason.NOT_YET_VALID)) {
            return peer + " certificate is outside its validity period (" + detail + ")";
        }
        if (has(chain, CertPathBuilderException.class) || has(chain, CertPathValidatorException.class)) {
            return peer + " certificate is not trusted (" + detail + ")";
        }
        for (Throwable t : chain) {
            String m = Objects.requireNonNullElse(t.getMessage(), "");
            var alert = ALERT.matcher(m);
            if (alert.find()) {
                return switch (alert.group(1)) {
                    case "protocol_version" -> "the " + peer + " accepts none of the offered protocols " + protocols;
                    case "unrecognized_name" -> "the server does not serve host name '" + host + "' (SNI)";
                    case "certificate_unknown", "bad_certificate", "unknown_ca", "certificate_expired",
                         "certificate_revoked", "unsupported_certificate" ->
                            "the " + peer + " rejected our certificate (alert " + alert.group(1) + ")";
                    case "handshake_failure", "insufficient_security" ->
                            "the " + peer + " found no acceptable parameters (alert " + alert.group(1) + ")";
                    default -> "the " + peer + " aborted the handshake (alert " + alert.group(1) + ")";
                };
            }
            if (m.contains("Unsupported or unrecognized SSL message")) {
                return client ? "the server did not answer with TLS (a plaintext port?)"
                        : "the client did not start a TLS handshake (a plaintext client?)";
            }
            if (m.contains("No appropriate protocol") || m.contains("not enabled or supported")
                    || m.contains("are not accepted by server preferences")) {
                return client ? "no common protocol (offered " + protocols + ")"
                        : "the client offered no common protocol (this server accepts " + protocols + ")";
            }
            if (m.contains("no cipher suites in common")) {
                return "no common cipher suite";
            }
            if (m.contains("Unrecognized server name indication")) {
                return "the client asked for a host name this server does not serve (SNI)";
            }
            if (m.contains("Remote host terminated the handshake") || t instanceof EOFException) {
                return "the " + peer + " closed the connection during the handshake";
            }
            if (m.contains("Broken pipe") || m.contains("Connection reset")) {
                return "the " + peer + " closed the connection during the handshake (" + m + ")";
            }
        }
        if (has(chain, SocketException.class)) {
            return "the connection broke during the handshake (" + detail + ")";
        }
        return detail;
    }

    static List<String> checkProtocols(String... protocols) {
        Objects.requireNonNull(protocols, "protocols");
        if (protocols.length == 0) {
            throw new IllegalArgumentException("protocols must not be empty; use TLSv1.3 and/or TLSv1.2");
        }
        Set<String> checked = new LinkedHashSet<>();
        for (String p : protocols) {
            Objects.requireNonNull(p, "protocols contains null");
            if (!DEFAULT_PROTOCOLS.contains(p)) {
                throw new IllegalArgumentException("protocols must be TLSv1.3 and/or TLSv1.2: " + p);
            }
            checked.add(p);
        }
        return List.copyOf(checked);
    }

    static Duration checkTimeout(Duration timeout, String what) {
        Objects.requireNonNull(timeout, what);
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException(what + " must be positive: " + timeout);
        }
        return timeout;
    }

    /** Whether a host string is an IPv4 or IPv6 literal (never sent as SNI). */
    static boolean isIpLiteral(String host) {
        return host.indexOf(':') >= 0 || IPV4.matcher(host).matches();
    }

    private static String requestedServerName(SSLSession session) {
        if (session instanceof ExtendedSSLSession extended) {
            for (SNIServerName name : extended.getRequestedServerNames()) {
                if (name instanceof SNIHostName hostName) {
                    return hostName.getAsciiName();
                }
            }
        }
        return null;
    }

    private static boolean isInterrupt(Throwable e) {
        if (Thread.currentThread().isInterrupted()) {
            return true;
        }
        for (Throwable t : causes(e)) {
            if (t instanceof ClosedByInterruptException
                    || (t instanceof InterruptedIOException && !(t instanceof SocketTimeoutException))) {
                return true;
            }
        }
        return false;
    }

    private static List<Throwable> causes(Throwable failure) {
        List<Throwable> chain = new ArrayList<>();
        for (Throwable t = failure; t != null && !chain.contains(t); t = t.getCause()) {
            chain.add(t);
        }
        return chain;
    }

    private static boolean has(List<Throwable> chain, Class<? extends Throwable> type) {
        return chain.stream().anyMatch(type::isInstance);
    }

    private static boolean validatorReason(List<Throwable> chain, CertPathValidatorException.Reason reason) {
        return chain.stream().anyMatch(t -> t instanceof CertPathValidatorException v && v.getReason() == reason);
    }

    /** The most specific message in the chain: the deepest one that is not just a wrapped exception's toString. */
    private static String detail(List<Throwable> chain) {
        for (int i = chain.size() - 1; i >= 0; i--) {
            String m = chain.get(i).getMessage();
            if (m != null && !m.isBlank()) {
                return m;
            }
        }
        return chain.getFirst().toString();
    }

    private static void closeQuietly(SSLSocket ssl) {
        try {
            ssl.close();
        } catch (IOException e) {
            LOG.trace("closing a TLS socket after a failed handshake failed", e);
        }
    }
}
