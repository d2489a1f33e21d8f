package dev.weft.benchmarks.micro;

import dev.weft.net.Message;
import java.util.HashMap;
import java.util.Map;

/**
 * The floor for the codec benchmark: a minimal hand-written parser and writer of the message text format, for the
 * subset the test messages use ({@code <from_server:from_service [server:]service/COMMAND name=value;name="v; \"q\""}).
 * It checks nothing (no name rules, no error positions) and keeps parameters in a {@link HashMap}, where weft
 * validates every part and keeps them sorted; so it is what a parser of this format cannot beat, not a peer with the
 * same guarantees. Immutable value; thread-safe.
 *
 * @param fromServer sent-from server, empty if none
 * @param fromService sent-from service, empty if none
 * @param server destination server, empty if none
 * @param service destination service, empty if none
 * @param command the command
 * @param parameters name to value
 */
record MiniMessage(String fromServer, String fromService, String server, String service, String command,
        Map<String, String> parameters) {

    /** Parses the subset described above; undefined result on other input. */
    static MiniMessage parse(String s) {
        int n = s.length();
        int i = 0;
        String fromServer = "";
        String fromService = "";
        if (n > 0 && s.charAt(0) == '<') {
            int blank = s.indexOf(' ');
            int colon = s.indexOf(':');
            fromServer = s.substring(1, colon);
            fromService = s.substring(colon + 1, blank);
            i = blank + 1;
        }
        int end = s.indexOf(' ', i);
        if (end < 0) {
            end = n;
        }
        String server = "";
        String service = "";
        int slash = s.indexOf('/', i);
        if (slash >= 0 && slash < end) {
            int colon = s.indexOf(':', i);
            if (colon >= 0 && colon < slash) {
                server = s.substring(i, colon);
                service = s.substring(colon + 1, slash);
            } else {
                service = s.substring(i, slash);
            }
            i = slash + 1;
        }
        String command = s.substring(i, end);
        Map<String, String> parameters = new HashMap<>();
        i = end + 1;
        while (i < n) {
            int eq = s.indexOf('=', i);
            String name = s.substring(i, eq);
            i = eq + 1;
            String value;
            if (i < n && s.charAt(i) == '"') {
                int start = ++i;
                boolean escaped = false;
                while (s.charAt(i) != '"') {
                    if (s.charAt(i) == '\\') {
                        escaped = true;
                        i++;
                    }
                    i++;
                }
                value = escaped ? unescape(s, start, i) : s.substring(start, i);
                i++;
            } else {
                int semi = s.indexOf(';', i);
                int stop = semi < 0 ? n : semi;
                value = s.substring(i, stop);
                i = stop;
            }
            parameters.put(name, value);
            i++; // the ';'
        }
        return new MiniMessage(fromServer, fromService, server, service, command, parameters);
    }

    private static String unescape(String s, int from, int to) {
        StringBuilder b = new StringBuilder(to - from);
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (c == '\\') {
                c = s.charAt(++i);
                c = c == 'n' ? '\n' : c == 'r' ? '\r' : c;
            }
            b.append(c);
        }
        return b.toString();
    }

    /** Writes the text form: quotes values with {@code ;} or {@code "}, escapes {@code \ " LF CR} inside. */
    String format() {
        StringBuilder out = new StringBuilder(64);
        if (!fromServer.isEmpty() || !fromService.isEmpty()) {
            out.append('<').append(fromServer).append(':').append(fromService).append(' ');
        }
        if (!service.isEmpty()) {
            if (!server.isEmpty()) {
                out.append(server).append(':');
            }
            out.append(service).append('/');
        }
        out.append(command);
        char separator = ' ';
        for (Map.Entry<String, String> p : parameters.entrySet()) {
            out.append(separator).append(p.getKey()).append('=');
            String v = p.getValue();
            boolean quoted = v.indexOf(';') >= 0 || v.indexOf('"') >= 0;
            if (quoted) {
                out.append('"');
            }
            for (int k = 0; k < v.length(); k++) {
                char c = v.charAt(k);
                switch (c) {
                    case '\\' -> out.append("\\\\");
                    case '"' -> out.append("\\\"");
                    case '\n' -> out.append("\\n");
                    case '\r' -> out.append("\\r");
                    default -> out.append(c);
                }
            }
            if (quoted) {
                out.append('"');
            }
            separator = ';';
        }
        return out.toString();
    }

    /**
     * The test message of about {@code size} characters (ASCII, so as many UTF-8 bytes), in weft's canonical text
     * form: a sender, a destination, a command and parameters, every fourth value (the second in the smallest)
     * quoted with a {@code ;} and an escaped quote inside.
     */
    static String sample(int size) {
        if (size < 32) {
            throw new IllegalArgumentException("size must be at least 32: " + size);
        }
        Message.Builder b = Message.builder("STATUS").sentFrom("alpha", "relay").server("beta").service("board");
        int length = "<alpha:relay beta:board/STATUS".length();
        int valueLength = size <= 64 ? 8 : 40;
        for (int i = 0; length < size - 8; i++) {
            String name = String.format("p%04d", i);
            int room = Math.max(1, Math.min(valueLength, size - length - name.length() - 4));
            StringBuilder v = new StringBuilder(room);
            for (int k = 0; v.length() < room; k++) {
                v.append((char) ('a' + (i + k) % 26));
            }
            if ((i % 4 == 3 || (size <= 64 && i == 1)) && room > 6) {
                v.replace(1, 6, "; \"x\"");
                length += 4; // the quotes and the two escapes
            }
            b.parameter(name, v.toString());
            length += name.length() + v.length() + 2;
        }
        return b.build().toText();
    }
}
