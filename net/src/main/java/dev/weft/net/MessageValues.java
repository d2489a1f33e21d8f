package dev.weft.net;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;

/**
 * Typed parameter values of a {@link Message}: the text each type is written as, and what is accepted when read.
 *
 * <p>The parse methods throw an {@link IllegalArgumentException} whose message says what the value should have
 * been ("an integer …"); {@link Message} adds the parameter, the command and the value.
 */
final class MessageValues {

    private static final String INTEGER = "an integer (decimal with an optional sign, or 0x, 0o, 0b)";
    private static final String INTEGER_RANGE = "an integer in the range of a 64-bit signed integer";
    private static final String BOOLEAN = "a boolean (true, yes, on, 1 or false, no, off, 0)";
    private static final String SECONDS = "seconds[.fraction] with an optional sign and at most 9 fraction digits";
    private static final String ADDRESS = "an address ip:port (IPv6 in brackets, no host names)";

    private MessageValues() {}

    // ---- integers --------------------------------------------------------------------------------------------

    static long parseInteger(String value) {
        int length = value.length();
        int i = 0;
        boolean negative = false;
        if (i < length && (value.charAt(i) == '+' || value.charAt(i) == '-')) {
            negative = value.charAt(i) == '-';
            i++;
        }
        int radix = 10;
        if (i + 1 < length && value.charAt(i) == '0') {
            switch (value.charAt(i + 1)) {
                case 'x', 'X' -> radix = 16;
                case 'o', 'O' -> radix = 8;
                case 'b', 'B' -> radix = 2;
                default -> { }
            }
            if (radix != 10) {
                i += 2;
            }
        }
        if (i == length) {
            throw new IllegalArgumentException(INTEGER);
        }
        for (int j = i; j < length; j++) {
            char c = value.charAt(j);
            if (c > 'z' || Character.digit(c, radix) < 0) { // only ASCII digits and letters
                throw new IllegalArgumentException(INTEGER);
            }
        }
        long magnitude;
        try {
            magnitude = Long.parseUnsignedLong(value, i, length, radix);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(INTEGER_RANGE, e);
        }
        if (negative) {
            if (Long.compareUnsigned(magnitude, Long.MIN_VALUE) > 0) {
                throw new IllegalArgumentException(INTEGER_RANGE);
            }
            return -magnitude;
        }
        if (magnitude < 0) {
            throw new IllegalArgumentException(INTEGER_RANGE);
        }
        return magnitude;
    }

    // ---- booleans --------------------------------------------------------------------------------------------

    /** The spellings of advgetopt's {@code is_true}/{@code is_false}, which the C++ family uses, ignoring case. */
    static boolean parseBoolean(String value) {
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "true", "yes", "on", "1" -> true;
            case "false", "no", "off", "0" -> false;
            default -> throw new IllegalArgumentException(BOOLEAN);
        };
    }

    // ---- seconds.nanoseconds ---------------------------------------------------------------------------------

    static Duration parseDuration(String value) {
        long nanos = fraction(value);
        try {
            return Duration.ofSeconds(wholeSeconds(value), nanos);
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("a duration in range", e);
        }
    }

    static Instant parseInstant(String value) {
        long nanos = fraction(value);
        try {
            return Instant.ofEpochSecond(wholeSeconds(value), nanos);
        } catch (DateTimeException | ArithmeticException e) {
            throw new IllegalArgumentException("a timestamp between " + Instant.MIN + " and " + Instant.MAX, e);
        }
    }

    /** The signed nanoseconds of the fraction of {@code value}, after checking its whole syntax. */
    private static long fraction(String value) {
        int length = value.length();
        int i = 0;
        if (i < length && (value.charAt(i) == '+' || value.charAt(i) == '-')) {
            i++;
        }
        int digits = i;
        while (i < length && isDigit(value.charAt(i))) {
            i++;
        }
        if (i == digits) {
            throw new IllegalArgumentException(SECONDS);
        }
        if (i == length) {
            return 0;
        }
        if (value.charAt(i) != '.') {
            throw new IllegalArgumentException(SECONDS);
        }
        int fraction = ++i;
        long nanos = 0;
        while (i < length && isDigit(value.charAt(i))) {
            nanos = nanos * 10 + (value.charAt(i) - '0');
            i++;
        }
        int count = i - fraction;
        if (i != length || count == 0 || count > 9) {
            throw new IllegalArgumentException(SECONDS);
        }
        for (int k = count; k < 9; k++) {
            nanos *= 10;
        }
        return value.charAt(0) == '-' ? -nanos : nanos;
    }

    /** The signed whole seconds of a value whose syntax {@link #fraction} checked. */
    private static long wholeSeconds(String value) {
        int dot = value.indexOf('.');
        try {
            return Long.parseLong(value, 0, dot < 0 ? value.length() : dot, 10);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("seconds in the range of a 64-bit signed integer", e);
        }
    }

    /**
     * Seconds and nanoseconds ({@code 0 <= nanos < 1e9}, as {@link Duration} and {@link Instant} keep them) as
     * {@code seconds.nanoseconds} with trailing zeros dropped, and no fraction when there are no nanoseconds:
     * {@code 1.5}, {@code 60}, {@code -0.25}.
     */
    static String formatSeconds(long seconds, int nanos) {
        if (nanos == 0) {
            return Long.toString(seconds);
        }
        StringBuilder out = new StringBuilder(32);
        if (seconds < 0) {
            // -2 s + 0.75 s is written -1.25
            out.append('-').append(-(seconds + 1));
            nanos = 1_000_000_000 - nanos;
        } else {
            out.append(seconds);
        }
        out.append('.');
        int digits = 9;
        while (nanos % 10 == 0) {
            nanos /= 10;
            digits--;
        }
        String fraction = Integer.toString(nanos);
        out.repeat('0', digits - fraction.length()).append(fraction);
        return out.toString();
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    // ---- addresses -------------------------------------------------------------------------------------------

    /** {@code a.b.c.d:port} or {@code [ipv6]:port}; only literal addresses, so nothing is ever looked up. */
    static InetSocketAddress parseAddress(String value) {
        int colon = value.lastIndexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException(ADDRESS + " (no port)");
        }
        int port = parsePort(value, colon + 1);
        InetAddress address;
        if (value.startsWith("[")) {
            if (colon < 2 || value.charAt(colon - 1) != ']') {
                throw new IllegalArgumentException(ADDRESS);
            }
            String literal = value.substring(1, colon - 1);
            if (literal.indexOf(':') < 0 || literal.indexOf('[') >= 0 || literal.indexOf(']') >= 0) {
                throw new IllegalArgumentException(ADDRESS + " (not an IPv6 address in brackets)");
            }
            try {
                address = Inet6Address.ofLiteral(literal);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(ADDRESS + " (not an IPv6 address in brackets)", e);
            }
        } else {
            if (value.indexOf(':') != colon) {
                throw new IllegalArgumentException(ADDRESS + " (an IPv6 address must be in brackets)");
            }
            address = parseIpv4(value, colon);
        }
        return new InetSocketAddress(address, port);
    }

    private static int parsePort(String value, int from) {
        int length = value.length();
        if (from == length || length - from > 5) {
            throw new IllegalArgumentException(ADDRESS + " (port 0-65535)");
        }
        int port = 0;
        for (int i = from; i < length; i++) {
            char c = value.charAt(i);
            if (!isDigit(c)) {
                throw new IllegalArgumentException(ADDRESS + " (port 0-65535)");
            }
            port = port * 10 + (c - '0');
        }
        if (port > 65_535) {
            throw new IllegalArgumentException(ADDRESS + " (port 0-65535)");
        }
        return port;
    }

    /** Exactly four decimal parts 0-255 without leading zeros (no octal, hex or short forms). */
    private static Inet4Address parseIpv4(String value, int end) {
        byte[] bytes = new byte[4];
        int part = 0;
        int i = 0;
        while (true) {
            int start = i;
            int number = 0;
            while (i < end && isDigit(value.charAt(i)) && i - start < 3) {
                number = number * 10 + (value.charAt(i) - '0');
                i++;
            }
            boolean leadingZero = i - start > 1 && value.charAt(start) == '0';
            if (i == start || number > 255 || leadingZero) {
                throw new IllegalArgumentException(ADDRESS + " (not an IPv4 address)");
            }
            bytes[part++] = (byte) number;
            if (part == 4) {
                if (i != end) {
                    throw new IllegalArgumentException(ADDRESS + " (not an IPv4 address)");
                }
                break;
            }
            if (i == end || value.charAt(i) != '.') {
                throw new IllegalArgumentException(ADDRESS + " (not an IPv4 address)");
            }
            i++;
        }
        try {
            return (Inet4Address) InetAddress.getByAddress(bytes);
        } catch (UnknownHostException e) {
            throw new AssertionError("4 bytes are an IPv4 address", e);
        }
    }

    /** {@code 1.2.3.4:80} or {@code [2001:db8::1]:80} (RFC 5952 text, with the numeric scope if there is one). */
    static String formatAddress(InetSocketAddress address) {
        InetAddress ip = address.getAddress();
        if (ip == null || address.isUnresolved()) {
            throw new IllegalArgumentException("address must be resolved to an IP address: " + address);
        }
        if (ip instanceof Inet6Address ipv6) {
            StringBuilder out = new StringBuilder(48).append('[');
            appendIpv6(out, ipv6.getAddress());
            if (ipv6.getScopeId() != 0) {
                out.append('%').append(ipv6.getScopeId()); // numeric: the reader accepts no interface names
            }
            return out.append("]:").append(address.getPort()).toString();
        }
        return ip.getHostAddress() + ":" + address.getPort();
    }

    /** The RFC 5952 form: lower-case hex, the longest run (of at least two) of zero groups as {@code ::}. */
    private static void appendIpv6(StringBuilder out, byte[] bytes) {
        int[] groups = new int[8];
        for (int g = 0; g < 8; g++) {
            groups[g] = ((bytes[2 * g] & 0xff) << 8) | (bytes[2 * g + 1] & 0xff);
        }
        int bestStart = -1;
        int bestLength = 1;
        for (int g = 0; g < 8; ) {
            if (groups[g] != 0) {
                g++;
                continue;
            }
            int start = g;
            while (g < 8 && groups[g] == 0) {
                g++;
            }
            if (g - start > bestLength) {
                bestStart = start;
                bestLength = g - start;
            }
        }
        for (int g = 0; g < 8; g++) {
            if (g == bestStart) {
                out.append("::");
                g += bestLength - 1;
                continue;
            }
            if (g > 0 && g != bestStart + bestLength) {
                out.append(':');
            }
            out.append(Integer.toHexString(groups[g]));
        }
    }
}
