package dev.weft.net;

import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * The text form of a {@link Message}: the parser, the writer and the name rules.
 *
 * <p>The parser scans the input by index, in one pass, without regular expressions; a value is copied with
 * {@link String#substring} unless it contains an escape, and only then through a {@link StringBuilder}. Every
 * error names its position in the original input (before the trim of blanks).
 */
final class MessageText {

    private MessageText() {}

    // ---- names -----------------------------------------------------------------------------------------------

    static boolean isBlank(char c) {
        // what the original trims (iswspace in the C locale): space, TAB, LF, VT, FF, CR
        return c == ' ' || (c >= '\t' && c <= '\r');
    }

    /** A blank that the writer writes as it is: space, TAB, VT, FF (not LF and CR, which it escapes). */
    private static boolean isRawBlank(char c) {
        return isBlank(c) && c != '\n' && c != '\r';
    }

    private static boolean isLetter(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    static boolean isNameChar(char c) {
        return isLetter(c) || isDigit(c) || c == '_';
    }

    private static boolean isServiceChar(char c) {
        return isLetter(c) || isDigit(c) || c == '_' || c == '-';
    }

    private static boolean isSpecial(char c) {
        return c == '.' || c == '*' || c == '?';
    }

    /**
     * Why {@code text[from, to)} is not a server or service name, or {@code null} if it is one (or empty).
     * {@code colons} allows {@code :} (a sent-from service).
     */
    static @Nullable String serviceNameProblem(String what, String text, int from, int to, boolean colons,
            int[] where) {
        if (to - from == 1 && isSpecial(text.charAt(from))) {
            return null;
        }
        for (int i = from; i < to; i++) {
            char c = text.charAt(i);
            if (!isServiceChar(c) && !(colons && c == ':')) {
                where[0] = i;
                return "invalid character " + describe(c) + " in " + what + " name: " + text.substring(from, to);
            }
        }
        return null;
    }

    static String checkServiceName(String what, String name, boolean colons) {
        String problem = serviceNameProblem(what, name, 0, name.length(), colons, new int[1]);
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
        return name;
    }

    static String checkParameterName(String name) {
        if (name.isEmpty()) {
            throw new IllegalArgumentException("parameter name must not be empty");
        }
        if (isDigit(name.charAt(0))) {
            throw new IllegalArgumentException("parameter name must not start with a digit: " + name);
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (!isNameChar(c)) {
                throw new IllegalArgumentException(
                        "invalid character " + describe(c) + " in parameter name: " + name);
            }
        }
        return name;
    }

    static void checkBuiltCommand(String command) {
        if (command.isEmpty()) {
            throw new IllegalArgumentException("command must not be empty");
        }
        if (isDigit(command.charAt(0))) {
            throw new IllegalArgumentException("command must not start with a digit: " + command);
        }
        for (int i = 0; i < command.length(); i++) {
            char c = command.charAt(i);
            if (!((c >= 'A' && c <= 'Z') || isDigit(c) || c == '_')) {
                throw new IllegalArgumentException("invalid character " + describe(c)
                        + " in command (only A-Z, 0-9 and _): " + command);
            }
        }
    }

    /** A character for an error message: {@code 'x'}, or {@code U+0009} for control characters. */
    static String describe(char c) {
        return c < 0x20 || c == 0x7f || Character.isSurrogate(c) ? String.format("U+%04X", (int) c) : "'" + c + "'";
    }

    // ---- writer ----------------------------------------------------------------------------------------------

    static String format(Message message) {
        StringBuilder out = new StringBuilder(64);
        String fromServer = message.rawSentFromServer();
        String fromService = message.rawSentFromService();
        if (!fromServer.isEmpty() || !fromService.isEmpty()) {
            out.append('<').append(fromServer).append(':').append(fromService).append(' ');
        }
        String service = message.rawService();
        if (!service.isEmpty()) {
            if (!message.rawServer().isEmpty()) {
                out.append(message.rawServer()).append(':');
            }
            out.append(service).append('/');
        }
        out.append(message.command());
        char separator = ' ';
        for (Map.Entry<String, String> parameter : message.parameters().entrySet()) {
            out.append(separator).append(parameter.getKey()).append('=');
            appendValue(out, parameter.getValue());
            separator = ';';
        }
        return out.toString();
    }

    private static void appendValue(StringBuilder out, String value) {
        int length = value.length();
        // blanks at either end are quoted so that they survive the trim of the line; LF and CR need not be, as
        // they are written as escapes (the original writes "multi\nline\r" unquoted too)
        boolean quoted = length > 0
                && (value.charAt(0) == '"' || isRawBlank(value.charAt(0)) || isRawBlank(value.charAt(length - 1))
                        || value.indexOf(';') >= 0);
        if (quoted) {
            out.append('"');
        }
        for (int i = 0; i < length; i++) {
            char c = value.charAt(i);
            switch (c) {
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '"' -> out.append(quoted ? "\\\"" : "\"");
                default -> out.append(c);
            }
        }
        if (quoted) {
            out.append('"');
        }
    }

    // ---- parser ----------------------------------------------------------------------------------------------

    static Message parse(String input) {
        int start = 0;
        int end = input.length();
        while (start < end && isBlank(input.charAt(start))) {
            start++;
        }
        while (end > start && isBlank(input.charAt(end - 1))) {
            end--;
        }
        if (start == end) {
            throw new MessageFormatException(input, 0, "message is empty or blank");
        }
        if (input.charAt(start) == '{') {
            return MessageJson.parse(input, start, end);
        }
        return new MessageText.Parser(input, end).parse(start);
    }

    /** One parse of one input; positions are indexes into the original input. */
    private static final class Parser {
        private final String input;
        private final int end;
        private final int[] where = new int[1];
        /** The value {@link #scanValue} read last. */
        private String scanned = "";

        Parser(String input, int end) {
            this.input = input;
            this.end = end;
        }

        private MessageFormatException error(int position, String reason) {
            return new MessageFormatException(input, position, reason);
        }

        Message parse(int start) {
            int i = start;
            String fromServer = "";
            String fromService = "";
            if (input.charAt(i) == '<') {
                int colon = i + 1;
                while (colon < end && input.charAt(colon) != ':') {
                    if (input.charAt(colon) == ' ') {
                        throw error(colon, "space in the sent-from server (expected '<server:service ')");
                    }
                    colon++;
                }
                if (colon == end) {
                    throw error(colon, "the message has only a sent-from prefix (expected '<server:service ' "
                            + "and a command)");
                }
                int space = colon + 1;
                while (space < end && input.charAt(space) != ' ') {
                    space++;
                }
                if (space == end) {
                    throw error(space, "the message has only a sent-from prefix (expected '<server:service ' "
                            + "and a command)");
                }
                fromServer = serviceName("sent-from server", i + 1, colon, false);
                fromService = serviceName("sent-from service", colon + 1, space, true);
                i = space + 1;
            }

            // destination and command, up to the first space
            int part = i;
            int serverStart = -1;
            int serverEnd = -1;
            int serviceStart = -1;
            int serviceEnd = -1;
            while (i < end) {
                char c = input.charAt(i);
                if (c == ' ') {
                    break;
                }
                if (c == ':') {
                    if (serviceStart >= 0) {
                        throw error(i, "unexpected ':' after the service name (expected [server:]service/COMMAND)");
                    }
                    if (serverStart >= 0) {
                        throw error(i, "a second server name (expected [server:]service/COMMAND)");
                    }
                    if (i == part) {
                        throw error(i, "empty server name before ':'");
                    }
                    serverStart = part;
                    serverEnd = i;
                    part = i + 1;
                } else if (c == '/') {
                    if (serviceStart >= 0) {
                        throw error(i, "a second service name (expected [server:]service/COMMAND)");
                    }
                    if (i == part) {
                        throw error(i, "empty service name before '/'");
                    }
                    serviceStart = part;
                    serviceEnd = i;
                    part = i + 1;
                }
                i++;
            }
            if (i == part) {
                throw error(i, "command expected");
            }
            String server = serverStart < 0 ? "" : serviceName("server", serverStart, serverEnd, false);
            String service = serviceStart < 0 ? "" : serviceName("service", serviceStart, serviceEnd, false);
            String command = command(part, i);

            TreeMap<String, String> parameters = new TreeMap<>();
            if (i < end) {
                parameters(i + 1, parameters); // input[i] is the space after the command
            }
            return new Message(command, server, service, fromServer, fromService, parameters);
        }

        private String serviceName(String what, int from, int to, boolean colons) {
            String problem = serviceNameProblem(what, input, from, to, colons, where);
            if (problem != null) {
                throw error(where[0], problem);
            }
            return input.substring(from, to);
        }

        private String command(int from, int to) {
            if (isDigit(input.charAt(from))) {
                throw error(from, "command must not start with a digit: " + input.substring(from, to));
            }
            for (int i = from; i < to; i++) {
                char c = input.charAt(i);
                if (!isNameChar(c)) {
                    throw error(i, "invalid character " + describe(c) + " in command: " + input.substring(from, to));
                }
            }
            return input.substring(from, to);
        }

        private void parameters(int start, TreeMap<String, String> parameters) {
            // names and values in wire order; weft's formatter writes the names sorted, so the map is usually built
            // in one pass (TreeMap.putAll of a sorted map) instead of a tree insert per parameter (profiled: tree
            // inserts were ~20 % of a 1 KiB parse)
            String[] pairs = new String[8];
            int n = 0;
            boolean sorted = true;
            int i = start;
            while (i < end) {
                // the name, up to '='
                int nameStart = i;
                while (i < end && isNameChar(input.charAt(i))) {
                    i++;
                }
                if (i == end || input.charAt(i) != '=') {
                    throw nameError(nameStart, i);
                }
                if (i == nameStart) {
                    throw error(i, "parameter name must not be empty");
                }
                if (isDigit(input.charAt(nameStart))) {
                    throw error(nameStart, "parameter name must not start with a digit: "
                            + input.substring(nameStart, i));
                }
                String name = input.substring(nameStart, i);
                i++; // '='
                String value;
                if (i < end && input.charAt(i) == '"') {
                    int open = i;
                    i = scanValue(i + 1, true);
                    if (i >= end) {
                        throw error(open, "unterminated quoted value of parameter " + name);
                    }
                    value = scanned;
                    i++; // the closing quote
                    if (i < end && input.charAt(i) != ';') {
                        throw error(i, "quoted value of parameter " + name + " must be followed by ';' or the end, "
                                + "not " + describe(input.charAt(i)));
                    }
                } else {
                    i = scanValue(i, false);
                    value = scanned;
                }
                if (n == pairs.length) {
                    pairs = Arrays.copyOf(pairs, n * 2);
                }
                if (sorted && n > 0 && pairs[n - 2].compareTo(name) >= 0) {
                    sorted = false; // out of order, or repeated
                }
                pairs[n++] = name;
                pairs[n++] = value;
                i++; // the ';' (or past the end)
            }
            if (sorted) {
                parameters.putAll(new SortedPairs(pairs, n));
            } else {
                for (int k = 0; k < n; k += 2) {
                    parameters.put(pairs[k], pairs[k + 1]); // a repeated name: the last one wins
                }
            }
        }

        /**
         * Reads a value from {@code from} up to its terminator — the closing {@code "} of a quoted value, or
         * {@code ;} or the end of an unquoted one — resolving escapes, into {@link #scanned}; returns the index of
         * the terminator ({@code end} if there is none). A value without escapes is one substring, no copying.
         */
        private int scanValue(int from, boolean quoted) {
            // String.indexOf is vectorized: find the terminator, then only the backslashes before it, instead of
            // looking at every character (profiled: a per-character loop was 60 % of a 1 KiB parse)
            char terminator = quoted ? '"' : ';';
            int t = terminatorFrom(terminator, from);
            int i = from;
            int valueStart = from;
            StringBuilder unescaped = null;
            for (;;) {
                int b = input.indexOf('\\', i, t);
                if (b < 0 || b + 1 >= end) {
                    break; // no escape before the terminator (a backslash last in the input is itself)
                }
                char escaped = escape(input.charAt(b + 1), quoted);
                if (escaped == 0) {
                    i = b + 1; // not an escape: the backslash is itself, the next character is read as usual
                    continue;
                }
                if (unescaped == null) {
                    unescaped = new StringBuilder(t - valueStart + 16);
                }
                unescaped.append(input, valueStart, b).append(escaped);
                i = b + 2;
                valueStart = i;
                if (t < i) {
                    t = terminatorFrom(terminator, i); // the terminator found was escaped (\" in a quoted value)
                }
            }
            scanned = unescaped == null ? input.substring(valueStart, t) : unescaped.append(input, valueStart, t)
                    .toString();
            return t;
        }

        /** The index of the first {@code terminator} at or after {@code from}, or {@code end}. */
        private int terminatorFrom(char terminator, int from) {
            int t = input.indexOf(terminator, from, end);
            return t < 0 ? end : t;
        }

        /** The error for a name at {@code [nameStart, i)} that is not followed by '='. */
        private MessageFormatException nameError(int nameStart, int i) {
            if (i == end || input.charAt(i) == ';') {
                if (i == nameStart) {
                    return error(i, "parameter name must not be empty");
                }
                return error(i, "parameter " + input.substring(nameStart, i) + " has no '=' and value");
            }
            int tokenEnd = i;
            while (tokenEnd < end && input.charAt(tokenEnd) != '=' && input.charAt(tokenEnd) != ';') {
                tokenEnd++;
            }
            char c = input.charAt(i);
            String token = input.substring(nameStart, tokenEnd);
            if (i == nameStart) {
                return error(i, "parameter name must start with a letter or '_', not " + describe(c) + ": " + token);
            }
            return error(i, "invalid character " + describe(c) + " in parameter name: " + token);
        }

        /** The character that backslash + {@code c} stands for, or 0 if it is not an escape. */
        private static char escape(char c, boolean quoted) {
            return switch (c) {
                case '\\' -> '\\';
                case 'n' -> '\n';
                case 'r' -> '\r';
                case '"' -> quoted ? '"' : 0;
                default -> 0;
            };
        }
    }

    /**
     * Names and values already in ascending name order, as a {@link SortedMap} for {@link TreeMap#putAll}, which
     * then builds its tree in one linear pass. Only what {@code putAll} uses is implemented; the iterator hands out
     * itself as the entry (the tree copies key and value at once).
     */
    private static final class SortedPairs extends AbstractMap<String, String> implements SortedMap<String, String> {
        private final String[] pairs;
        private final int length;

        SortedPairs(String[] pairs, int length) {
            this.pairs = pairs;
            this.length = length;
        }

        @Override
        public int size() {
            return length / 2;
        }

        @Override
        public @Nullable Comparator<? super String> comparator() {
            return null; // natural order, like the parser's TreeMap
        }

        @Override
        public Set<Map.Entry<String, String>> entrySet() {
            return new AbstractSet<>() {
                @Override
                public Iterator<Map.Entry<String, String>> iterator() {
                    return new Cursor();
                }

                @Override
                public int size() {
                    return length / 2;
                }
            };
        }

        @Override
        public SortedMap<String, String> subMap(String fromKey, String toKey) {
            throw new UnsupportedOperationException();
        }

        @Override
        public SortedMap<String, String> headMap(String toKey) {
            throw new UnsupportedOperationException();
        }

        @Override
        public SortedMap<String, String> tailMap(String fromKey) {
            throw new UnsupportedOperationException();
        }

        @Override
        public String firstKey() {
            throw new UnsupportedOperationException();
        }

        @Override
        public String lastKey() {
            throw new UnsupportedOperationException();
        }

        /** The iterator, and the entry it is at. */
        private final class Cursor implements Iterator<Map.Entry<String, String>>, Map.Entry<String, String> {
            private int at = -2;

            @Override
            public boolean hasNext() {
                return at + 2 < length;
            }

            @Override
            public Map.Entry<String, String> next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                at += 2;
                return this;
            }

            @Override
            public String getKey() {
                return pairs[at];
            }

            @Override
            public String getValue() {
                return pairs[at + 1];
            }

            @Override
            public String setValue(String value) {
                throw new UnsupportedOperationException();
            }
        }
    }
}
