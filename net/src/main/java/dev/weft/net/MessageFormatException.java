package dev.weft.net;

import java.io.Serial;
import java.util.Objects;

/**
 * A text that is not a valid {@link Message}: thrown by {@link Message#parse(String)} and
 * {@link Message#parseJson(String)}, with the position in the input where the problem is, what is wrong, and the
 * input itself (truncated to {@value #MAX_INPUT} characters).
 *
 * <p>The message reads like {@code invalid message at 5: parameter name must not start with a digit: 1a (input:
 * "PING 1a=3")}; control characters of the input are shown escaped there, {@link #input()} returns them as they
 * are.
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class MessageFormatException extends IllegalArgumentException {

    @Serial
    private static final long serialVersionUID = 1L;

    /** How many characters of the input an exception keeps. */
    static final int MAX_INPUT = 200;

    /** The 0-based index in the input where the problem is. */
    private final int position;
    /** What is wrong. */
    private final String reason;
    /** The (possibly truncated) input. */
    private final String input;

    MessageFormatException(String input, int position, String reason) {
        String truncated = truncate(Objects.requireNonNull(input, "input"));
        super("invalid message at " + position + ": " + Objects.requireNonNull(reason, "reason") + " (input: "
                + display(truncated) + ")");
        this.position = position;
        this.reason = reason;
        this.input = truncated;
    }

    /**
     * The 0-based index in the input where the problem is.
     *
     * @return the position of the problem
     */
    public int position() {
        return position;
    }

    /**
     * What is wrong, without the position and the input, e.g. {@code unterminated quoted value of parameter a}.
     *
     * @return the reason
     */
    public String reason() {
        return reason;
    }

    /**
     * The input that failed to parse, truncated to {@value #MAX_INPUT} characters (then ending with {@code …}).
     *
     * @return the (possibly truncated) input
     */
    public String input() {
        return input;
    }

    private static String truncate(String input) {
        return input.length() <= MAX_INPUT ? input : input.substring(0, MAX_INPUT) + "…";
    }

    /** The input in double quotes, with control characters, quotes and backslashes escaped, for a log line. */
    static String display(CharSequence text) {
        StringBuilder out = new StringBuilder(text.length() + 2).append('"');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                default -> {
                    if (c < 0x20 || c == 0x7f) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"').toString();
    }
}
