package dev.weft.net;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * Formatting of socket addresses for logs, errors and user-facing output, the way weft writes them everywhere: IPv6
 * compressed (RFC 5952) and in brackets, no reverse DNS, no leading {@code /}. Thread-safe (stateless).
 */
public final class Addresses {

    private Addresses() {
    }

    /**
     * Formats a socket address as {@code 127.0.0.1:4040}, {@code [::1]:4040}, or {@code host:4040} when it is
     * unresolved.
     *
     * @param a the address
     * @return the text
     */
    public static String format(InetSocketAddress a) {
        if (a.isUnresolved()) {
            return a.getHostString() + ":" + a.getPort();
        }
        InetAddress address = a.getAddress();
        if (address instanceof Inet6Address) {
            return "[" + compress(address.getAddress()) + "]:" + a.getPort();
        }
        return address.getHostAddress() + ":" + a.getPort();
    }

    /**
     * Formats 16 address bytes the RFC 5952 way: lowercase hex groups without leading zeros, and the longest run of
     * two or more zero groups (the first, on a tie) as {@code ::} — {@code ::1}, not {@code 0:0:0:0:0:0:0:1}.
     */
    static String compress(byte[] ipv6) {
        int[] groups = new int[8];
        for (int i = 0; i < 8; i++) {
            groups[i] = ((ipv6[2 * i] & 0xff) << 8) | (ipv6[2 * i + 1] & 0xff);
        }
        int bestStart = -1;
        int bestLength = 1;
        for (int i = 0; i < 8; ) {
            if (groups[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && groups[j] == 0) {
                j++;
            }
            if (j - i > bestLength) {
                bestStart = i;
                bestLength = j - i;
            }
            i = j;
        }
        StringBuilder sb = new StringBuilder(39);
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                sb.append("::");
                i += bestLength - 1;
                continue;
            }
            if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
                sb.append(':');
            }
            sb.append(Integer.toHexString(groups[i]));
        }
        return sb.toString();
    }
}
