package dev.weft.net;

import java.net.Inet6Address;
import java.net.InetSocketAddress;

/** Formatting of socket addresses for logs and errors: IPv6 in brackets, no reverse DNS. */
final class Addresses {

    private Addresses() {
    }

    /** Formats {@code 127.0.0.1:4040}, {@code [::1]:4040}, or {@code host:4040} for an unresolved address. */
    static String format(InetSocketAddress a) {
        if (a.isUnresolved()) {
            return a.getHostString() + ":" + a.getPort();
        }
        String host = a.getAddress().getHostAddress();
        if (a.getAddress() instanceof Inet6Address) {
            int scope = host.indexOf('%');
            return "[" + (scope >= 0 ? host.substring(0, scope) : host) + "]:" + a.getPort();
        }
        return host + ":" + a.getPort();
    }
}
