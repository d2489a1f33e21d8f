package dev.weft.samples.cli;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Path;

/**
 * Where a command connects or listens: {@code tcp://host:port}, {@code tls://host:port}, {@code udp://host:port},
 * {@code unix:/path}, or a bare {@code host:port} (TCP). IPv6 literals go in brackets: {@code tcp://[::1]:4040}.
 *
 * @param scheme tcp, tls, udp or unix
 * @param host the host as written (for TLS server name checks); the path for unix
 * @param port the port; 0 for unix
 */
record Target(String scheme, String host, int port) {

    /**
     * Parses {@code text}; {@code what} names the option in errors.
     *
     * @throws UsageException naming the option and what is wrong with the text
     */
    static Target parse(String what, String text) throws UsageException {
        if (text.startsWith("unix:")) {
            String path = text.substring("unix:".length());
            if (path.startsWith("//")) {
                path = path.substring(2);
            }
            if (path.isEmpty()) {
                throw new UsageException(what + ": unix: needs a path, as in unix:/run/weft.sock");
            }
            return new Target("unix", path, 0);
        }
        String scheme = "tcp";
        String rest = text;
        int sep = text.indexOf("://");
        if (sep >= 0) {
            scheme = text.substring(0, sep);
            rest = text.substring(sep + 3);
            if (!scheme.equals("tcp") && !scheme.equals("tls") && !scheme.equals("udp")) {
                throw new UsageException(what + ": unknown scheme '" + scheme + "' in '" + text
                        + "' (use tcp://, tls://, udp:// or unix:)");
            }
        }
        int colon = rest.lastIndexOf(':');
        if (colon <= 0 || colon == rest.length() - 1) {
            throw new UsageException(what + ": '" + text + "' needs host:port");
        }
        String host = rest.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        } else if (host.contains(":")) {
            throw new UsageException(what + ": put an IPv6 address in brackets: [" + host + "]"
                    + rest.substring(colon));
        }
        int port;
        try {
            port = Integer.parseInt(rest.substring(colon + 1));
        } catch (NumberFormatException e) {
            port = -1;
        }
        if (port < 0 || port > 65_535) {
            throw new UsageException(what + ": bad port '" + rest.substring(colon + 1) + "' in '" + text + "'");
        }
        return new Target(scheme, host, port);
    }

    /** The socket address: resolved for IP schemes (blocking on DNS), the socket file for unix. */
    SocketAddress address() {
        return scheme.equals("unix") ? UnixDomainSocketAddress.of(Path.of(host)) : new InetSocketAddress(host, port);
    }

    @Override
    public String toString() {
        return scheme.equals("unix") ? "unix:" + host
                : scheme + "://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }
}
