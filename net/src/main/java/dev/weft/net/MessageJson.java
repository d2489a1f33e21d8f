package dev.weft.net;

import java.util.Map;
import java.util.TreeMap;

/**
 * The JSON form of a {@link Message}: a strict reader of standard JSON (RFC 8259) for the message object, and the
 * writer.
 *
 * <p>The object has the keys {@code sent-from-server}, {@code sent-from-service}, {@code server},
 * {@code service} (strings; {@code null} or absent for none), {@code command} (a string, required) and
 * {@code parameters} (an object of name to string, number, boolean or null). Numbers are read as their literal
 * text ({@code 3.14159265}, not the original's {@code 3.141593}), {@code true}/{@code false} as those words,
 * {@code null} as the empty string. Unknown keys are skipped (their values must still be valid JSON), as the
 * original does. Names follow the same rules as in the text form, so that every message read from JSON can be
 * written as text; the original checked none. Escapes are decoded once (the original decoded {@code \n} a second
 * time).
 */
final class MessageJson {

    private static final int MAX_DEPTH = 256;

    private MessageJson() {}

    static Message parse(String json) {
        return parse(json, 0, json.length());
    }

    /** Parses {@code input[start, end)}; positions in errors are indexes into {@code input}. */
    static Message parse(String input, int start, int end) {
        return new Reader(input, start, end).message();
    }

    // ---- writer ----------------------------------------------------------------------------------------------

    static String format(Message message) {
        StringBuilder out = new StringBuilder(96).append('{');
        appendField(out, "sent-from-server", message.rawSentFromServer());
        appendField(out, "sent-from-service", message.rawSentFromService());
        appendField(out, "server", message.rawServer());
        appendField(out, "service", message.rawService());
        appendField(out, "command", message.command());
        if (!message.parameters().isEmpty()) {
            out.append(",\"parameters\":{");
            boolean first = true;
            for (Map.Entry<String, String> parameter : message.parameters().entrySet()) {
                if (!first) {
                    out.append(',');
                }
                first = false;
                appendString(out, parameter.getKey());
                out.append(':');
                appendString(out, parameter.getValue());
            }
            out.append('}');
        }
        return out.append('}').toString();
    }

    private static void appendField(StringBuilder out, String key, String value) {
        if (value.isEmpty() && !key.equals("command")) {
            return;
        }
        if (out.length() > 1) {
            out.append(',');
        }
        out.append('"').append(key).append("\":");
        appendString(out, value);
    }

    /** A JSON string: {@code "} and {@code \} escaped, control characters and lone surrogates as escapes. */
    static void appendString(StringBuilder out, String value) {
        out.append('"');
        int length = value.length();
        for (int i = 0; i < length; i++) {
            char c = value.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> {
                    if (c < 0x20) {
                        appendUnicodeEscape(out, c);
                    } else if (Character.isHighSurrogate(c) && i + 1 < length
                            && Character.isLowSurrogate(value.charAt(i + 1))) {
                        out.append(c).append(value.charAt(++i));
                    } else if (Character.isSurrogate(c)) {
                        appendUnicodeEscape(out, c); // unpaired: cannot be encoded as UTF-8 otherwise
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }

    private static void appendUnicodeEscape(StringBuilder out, char c) {
        String hex = Integer.toHexString(c);
        out.append("\\u").repeat('0', 4 - hex.length()).append(hex);
    }

    // ---- reader ----------------------------------------------------------------------------------------------

    /** One read of one input, by index, in one pass. */
    private static final class Reader {
        private final String input;
        private final int end;
        private int i;

        Reader(String input, int start, int end) {
            this.input = input;
            this.i = start;
            this.end = end;
        }

        private MessageFormatException error(int position, String reason) {
            return new MessageFormatException(input, position, reason);
        }

        private MessageFormatException unexpected(String expected) {
            if (i >= end) {
                return error(i, "invalid JSON: " + expected + " expected, found the end");
            }
            return error(i, "invalid JSON: " + expected + " expected, found " + MessageText.describe(input.charAt(i)));
        }

        Message message() {
            skipWhitespace();
            int objectStart = i;
            expect('{', "'{'");
            String command = null;
            int commandAt = -1;
            String server = "";
            String service = "";
            String fromServer = "";
            String fromService = "";
            TreeMap<String, String> parameters = new TreeMap<>();
            skipWhitespace();
            if (peek() != '}') {
                while (true) {
                    skipWhitespace();
                    if (peek() != '"') {
                        throw unexpected("a string (a key)");
                    }
                    String key = string();
                    skipWhitespace();
                    expect(':', "':'");
                    skipWhitespace();
                    int valueAt = i;
                    switch (key) {
                        case "command" -> {
                            if (peek() != '"') {
                                throw error(valueAt, "command must be a string");
                            }
                            command = string();
                            commandAt = valueAt;
                        }
                        case "server" -> server = serviceName("server", false);
                        case "service" -> service = serviceName("service", false);
                        case "sent-from-server" -> fromServer = serviceName("sent-from server", false);
                        case "sent-from-service" -> fromService = serviceName("sent-from service", true);
                        case "parameters" -> parameters(parameters);
                        default -> skipValue(1);
                    }
                    skipWhitespace();
                    if (peek() == ',') {
                        i++;
                        continue;
                    }
                    if (peek() == '}') {
                        break;
                    }
                    throw unexpected("',' or '}'");
                }
            }
            i++; // '}'
            skipWhitespace();
            if (i < end) {
                throw error(i, "trailing data after the JSON object");
            }
            if (command == null) {
                throw error(objectStart, "the JSON object has no command");
            }
            checkCommand(command, commandAt);
            return new Message(command, server, service, fromServer, fromService, parameters);
        }

        private void checkCommand(String command, int at) {
            String problem = null;
            if (command.isEmpty()) {
                problem = "command must not be empty";
            } else if (command.charAt(0) >= '0' && command.charAt(0) <= '9') {
                problem = "command must not start with a digit: " + command;
            } else {
                for (int k = 0; k < command.length(); k++) {
                    if (!MessageText.isNameChar(command.charAt(k))) {
                        problem = "invalid character " + MessageText.describe(command.charAt(k)) + " in command: "
                                + command;
                        break;
                    }
                }
            }
            if (problem != null) {
                throw error(at, problem);
            }
        }

        private String serviceName(String what, boolean colons) {
            int at = i;
            if (startsWith("null")) {
                i += 4;
                return "";
            }
            if (peek() != '"') {
                throw error(at, what + " must be a string or null");
            }
            String name = string();
            String problem = MessageText.serviceNameProblem(what, name, 0, name.length(), colons, new int[1]);
            if (problem != null) {
                throw error(at, problem);
            }
            return name;
        }

        private void parameters(TreeMap<String, String> parameters) {
            if (peek() != '{') {
                throw error(i, "parameters must be an object");
            }
            i++;
            skipWhitespace();
            if (peek() == '}') {
                i++;
                return;
            }
            while (true) {
                skipWhitespace();
                if (peek() != '"') {
                    throw unexpected("a string (a parameter name)");
                }
                int nameAt = i;
                String name = string();
                try {
                    MessageText.checkParameterName(name);
                } catch (IllegalArgumentException e) {
                    throw error(nameAt, e.getMessage());
                }
                skipWhitespace();
                expect(':', "':'");
                skipWhitespace();
                int valueAt = i;
                char c = peek();
                String value;
                if (c == '"') {
                    value = string();
                } else if (c == '-' || (c >= '0' && c <= '9')) {
                    value = number();
                } else if (startsWith("true")) {
                    i += 4;
                    value = "true";
                } else if (startsWith("false")) {
                    i += 5;
                    value = "false";
                } else if (startsWith("null")) {
                    i += 4;
                    value = "";
                } else if (c == '[' || c == '{') {
                    throw error(valueAt, "parameter " + name + " must be a string, number, boolean or null, not "
                            + (c == '[' ? "an array" : "an object"));
                } else {
                    throw unexpected("a value");
                }
                parameters.put(name, value); // a repeated name: the last one wins
                skipWhitespace();
                if (peek() == ',') {
                    i++;
                    continue;
                }
                if (peek() == '}') {
                    i++;
                    return;
                }
                throw unexpected("',' or '}'");
            }
        }

        /** Skips any JSON value (of an unknown key), checking that it is valid. */
        private void skipValue(int depth) {
            if (depth > MAX_DEPTH) {
                throw error(i, "invalid JSON: nested deeper than " + MAX_DEPTH);
            }
            char c = peek();
            if (c == '"') {
                string();
            } else if (c == '-' || (c >= '0' && c <= '9')) {
                number();
            } else if (startsWith("true") || startsWith("null")) {
                i += 4;
            } else if (startsWith("false")) {
                i += 5;
            } else if (c == '[' || c == '{') {
                char close = c == '[' ? ']' : '}';
                i++;
                skipWhitespace();
                if (peek() == close) {
                    i++;
                    return;
                }
                while (true) {
                    skipWhitespace();
                    if (c == '{') {
                        if (peek() != '"') {
                            throw unexpected("a string (a key)");
                        }
                        string();
                        skipWhitespace();
                        expect(':', "':'");
                        skipWhitespace();
                    }
                    skipValue(depth + 1);
                    skipWhitespace();
                    if (peek() == ',') {
                        i++;
                        continue;
                    }
                    if (peek() == close) {
                        i++;
                        return;
                    }
                    throw unexpected("',' or '" + close + "'");
                }
            } else {
                throw unexpected("a value");
            }
        }

        /** A string at {@code input[i] == '"'}; copied once, through a builder only when it has escapes. */
        private String string() {
            int open = i;
            i++;
            int runStart = i;
            StringBuilder decoded = null;
            while (true) {
                if (i >= end) {
                    throw error(open, "invalid JSON: unterminated string");
                }
                char c = input.charAt(i);
                if (c == '"') {
                    String result = decoded == null
                            ? input.substring(runStart, i)
                            : decoded.append(input, runStart, i).toString();
                    i++;
                    return result;
                }
                if (c < 0x20) {
                    throw error(i, "invalid JSON: unescaped control character " + MessageText.describe(c)
                            + " in a string");
                }
                if (c != '\\') {
                    i++;
                    continue;
                }
                if (decoded == null) {
                    decoded = new StringBuilder(i - runStart + 16);
                }
                decoded.append(input, runStart, i);
                if (i + 1 >= end) {
                    throw error(open, "invalid JSON: unterminated string");
                }
                char escape = input.charAt(i + 1);
                switch (escape) {
                    case '"', '\\', '/' -> decoded.append(escape);
                    case 'b' -> decoded.append('\b');
                    case 'f' -> decoded.append('\f');
                    case 'n' -> decoded.append('\n');
                    case 'r' -> decoded.append('\r');
                    case 't' -> decoded.append('\t');
                    case 'u' -> {
                        decoded.append(hex4(i + 2));
                        i += 4;
                    }
                    default -> throw error(i, "invalid JSON: invalid escape \\" + escape);
                }
                i += 2;
                runStart = i;
            }
        }

        /** The code unit of the 4 hex digits at {@code from} (a surrogate pair is two such escapes). */
        private char hex4(int from) {
            if (from + 4 > end) {
                throw error(from - 2, "invalid JSON: \\u needs 4 hex digits");
            }
            int value = 0;
            for (int k = from; k < from + 4; k++) {
                char c = input.charAt(k);
                int digit = c > 'f' ? -1 : Character.digit(c, 16);
                if (digit < 0) {
                    throw error(from - 2, "invalid JSON: \\u needs 4 hex digits");
                }
                value = value * 16 + digit;
            }
            return (char) value;
        }

        /** A number (RFC 8259 grammar) as its literal text. */
        private String number() {
            int start = i;
            if (peek() == '-') {
                i++;
            }
            if (peek() == '0') {
                i++;
            } else if (isDigit(peek())) {
                digits();
            } else {
                throw unexpected("a digit");
            }
            if (peek() == '.') {
                i++;
                if (!isDigit(peek())) {
                    throw unexpected("a digit after '.'");
                }
                digits();
            }
            if (peek() == 'e' || peek() == 'E') {
                i++;
                if (peek() == '+' || peek() == '-') {
                    i++;
                }
                if (!isDigit(peek())) {
                    throw unexpected("a digit in the exponent");
                }
                digits();
            }
            return input.substring(start, i);
        }

        private void digits() {
            while (isDigit(peek())) {
                i++;
            }
        }

        private static boolean isDigit(char c) {
            return c >= '0' && c <= '9';
        }

        /** The character at {@code i}, or 0 at the end (0 never starts a valid token). */
        private char peek() {
            return i < end ? input.charAt(i) : 0;
        }

        private boolean startsWith(String literal) {
            return input.startsWith(literal, i) && i + literal.length() <= end;
        }

        private void expect(char c, String what) {
            if (peek() != c) {
                throw unexpected(what);
            }
            i++;
        }

        private void skipWhitespace() {
            while (i < end) {
                char c = input.charAt(i);
                if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
                    return;
                }
                i++;
            }
        }
    }
}
