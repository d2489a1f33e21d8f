package dev.weft.samples.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.security.GeneralSecurityException;
import java.security.cert.Certificate;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * {@code weft check-certificate}: how long until a TLS server's certificate expires. It reads the certificate
 * whatever its trust (an expired or self-signed certificate is exactly what it must report), and sends no data.
 */
final class CheckCertificateCommand implements Subcommand {

    private final Clock clock;

    CheckCertificateCommand(Clock clock) {
        this.clock = clock;
    }

    @Override
    public String name() {
        return "check-certificate";
    }

    @Override
    public String summary() {
        return "days until a TLS server's certificate expires";
    }

    @Override
    public String usage() {
        return """
                usage: weft check-certificate [--info] [--limit 14d] [--timeout 10s] HOST[:PORT]

                Connects with TLS (port 443 by default), reads the server's certificate and prints the days until
                it expires. Trust is not checked: an untrusted or expired certificate is reported, not refused.
                  --info       also print subject, issuer, validity and the names the certificate is for
                  --limit D    exit 1 when less than D remains (default 14d)
                  --timeout D  connect and handshake timeout (default 10s)
                Exit status: 0 at least the limit remains, 1 less remains or the certificate cannot be read,
                2 usage error.
                """;
    }

    @Override
    public CommandLine.Spec spec() {
        return CommandLine.Spec.of(Set.of("--info"), Set.of("--limit", "--timeout"));
    }

    @Override
    public int run(CommandLine line, PrintStream out, PrintStream err) throws Exception {
        Duration limit = line.duration("--limit", Duration.ofDays(14));
        Duration timeout = line.duration("--timeout", Duration.ofSeconds(10));
        String where = line.onePositional("HOST[:PORT]");
        Target target = Target.parse("check-certificate", withPort(where, 443));
        X509Certificate certificate = fetch(target, timeout);
        Instant now = clock.instant();
        Instant notAfter = certificate.getNotAfter().toInstant();
        Duration left = Duration.between(now, notAfter);
        if (line.flag("--info")) {
            out.println("subject:    " + certificate.getSubjectX500Principal().getName());
            out.println("issuer:     " + certificate.getIssuerX500Principal().getName());
            out.println("not before: " + certificate.getNotBefore().toInstant());
            out.println("not after:  " + notAfter);
            out.println("names:      " + String.join(", ", names(certificate)));
        }
        if (left.isNegative()) {
            out.println(target.host() + ":" + target.port() + ": certificate EXPIRED " + (-left.toDays())
                    + " days ago (" + notAfter + ")");
            return 1;
        }
        out.println(target.host() + ":" + target.port() + ": certificate expires in " + left.toDays() + " days ("
                + notAfter + ")");
        if (left.compareTo(limit) < 0) {
            err.println("weft check-certificate: less than " + limit.toDays() + " days left");
            return 1;
        }
        return 0;
    }

    /** {@code where} with {@code port} added when it has none: {@code host}, {@code [::1]} and a bare IPv6 literal. */
    static String withPort(String where, int port) {
        long colons = where.chars().filter(c -> c == ':').count();
        if (where.startsWith("[")) {
            return where.contains("]:") ? where : where + ":" + port;
        }
        if (colons > 1) {
            return "[" + where + "]:" + port;
        }
        return colons == 1 ? where : where + ":" + port;
    }

    private static X509Certificate fetch(Target target, Duration timeout) throws CommandFailedException {
        List<X509Certificate> seen = new ArrayList<>();
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, new TrustManager[] {new Recorder(seen)}, null);
            InetSocketAddress address = (InetSocketAddress) target.address();
            if (address.isUnresolved()) {
                throw new CommandFailedException("cannot resolve " + target.host());
            }
            try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket()) {
                int millis = (int) Math.min(Integer.MAX_VALUE, timeout.toMillis());
                socket.connect(address, millis);
                socket.setSoTimeout(millis);
                SSLParameters parameters = socket.getSSLParameters();
                if (!target.host().contains(":") && !target.host().chars().allMatch(c -> c == '.'
                        || Character.isDigit(c))) {
                    parameters.setServerNames(List.of(new SNIHostName(target.host())));
                }
                socket.setSSLParameters(parameters);
                socket.startHandshake();
                Certificate[] chain = socket.getSession().getPeerCertificates();
                if (chain.length > 0 && chain[0] instanceof X509Certificate x509) {
                    return x509;
                }
            }
        } catch (SocketTimeoutException e) {
            throw new CommandFailedException("no TLS answer from " + target + " within "
                    + CommandLine.format(timeout), e);
        } catch (SSLException e) {
            if (!seen.isEmpty()) {
                return seen.getFirst(); // the handshake failed after the certificate arrived: it is still readable
            }
            throw new CommandFailedException("TLS handshake with " + target + " failed: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new CommandFailedException("cannot connect to " + target + ": " + e.getMessage(), e);
        } catch (GeneralSecurityException e) {
            throw new CommandFailedException("TLS is not available: " + e.getMessage(), e);
        }
        if (!seen.isEmpty()) {
            return seen.getFirst();
        }
        throw new CommandFailedException(target + " sent no X.509 certificate");
    }

    private static List<String> names(X509Certificate certificate) {
        List<String> names = new ArrayList<>();
        try {
            Collection<List<?>> alternatives = certificate.getSubjectAlternativeNames();
            if (alternatives != null) {
                for (List<?> entry : alternatives) {
                    if (entry.size() >= 2) {
                        names.add(String.valueOf(entry.get(1)));
                    }
                }
            }
        } catch (CertificateParsingException e) {
            names.add("(unreadable subject alternative names: " + e.getMessage() + ")");
        }
        return names.isEmpty() ? List.of("(none)") : names;
    }

    /** Accepts any chain, keeping it: this command reports certificates, it does not trust them. */
    private static final class Recorder implements X509TrustManager {
        private final List<X509Certificate> seen;

        Recorder(List<X509Certificate> seen) {
            this.seen = seen;
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
            throw new UnsupportedOperationException("a client check never runs in a client");
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
            if (chain.length > 0) {
                seen.add(chain[0]);
            }
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
