package dev.weft.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import java.util.Random;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.RepetitionInfo;
import org.junit.jupiter.api.Timeout;

/**
 * Generated messages round-trip through the text form and through JSON, and generated junk either parses (to a
 * message that then round-trips) or fails with a {@link MessageFormatException} that points into the input.
 *
 * <p>Each repetition draws its own seed, printed in every failure; set {@code -Dweft.message.seed=N} to replay a
 * failing repetition.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
final class MessageRoundTripTest {

    private static final int REPETITIONS = 20;
    private static final int MESSAGES_PER_REPETITION = 250;

    /** The characters values are drawn from: every one the format treats specially, blanks, non-ASCII. */
    private static final String[] VALUE_PIECES = {
        ";", "\"", "\\", "\r", "\n", "\t", " ", "=", "<", ":", "/", "{", "}", ",", "\u000b", "\f", "a", "Z", "0", "_",
        "é", "€", "😀", "\u0000", "\u007f", "\\n", "\\r", "\\\"", "\\\\", "\"\"", ";;", "a=b", "  ", "x", "1.5",
    };
    private static final String NAME_FIRST = "abcxyzABCXYZ_";
    private static final String NAME_REST = "abcxyzABCXYZ_0123456789";
    private static final String COMMAND_FIRST = "ABCDEFXYZ_";
    private static final String COMMAND_REST = "ABCDEFXYZ_0123456789";
    private static final String SERVICE_CHARS = "abcXYZ019_-";
    private static final String[] SPECIALS = {".", "*", "?"};

    private static long seed() {
        return Long.getLong("weft.message.seed", ThreadLocalRandom.current().nextLong());
    }

    private static String word(Random random, String first, String rest, int maxLength) {
        int length = 1 + random.nextInt(maxLength);
        StringBuilder out = new StringBuilder(length).append(first.charAt(random.nextInt(first.length())));
        for (int i = 1; i < length; i++) {
            out.append(rest.charAt(random.nextInt(rest.length())));
        }
        return out.toString();
    }

    private static String value(Random random) {
        return switch (random.nextInt(10)) {
            case 0 -> "";
            case 1 -> word(random, NAME_REST, NAME_REST, 8) + "\\"; // ends with a backslash
            case 2 -> ";" + word(random, NAME_REST, NAME_REST, 4) + "\\"; // quoted and ends with a backslash
            default -> {
                int pieces = random.nextInt(12);
                StringBuilder out = new StringBuilder();
                for (int i = 0; i < pieces; i++) {
                    out.append(VALUE_PIECES[random.nextInt(VALUE_PIECES.length)]);
                }
                yield out.toString();
            }
        };
    }

    private static String serviceName(Random random) {
        return random.nextInt(6) == 0
                ? SPECIALS[random.nextInt(SPECIALS.length)]
                : word(random, SERVICE_CHARS, SERVICE_CHARS, 10);
    }

    private static Message message(Random random) {
        Message.Builder builder = Message.builder(word(random, COMMAND_FIRST, COMMAND_REST, 12));
        if (random.nextBoolean()) {
            builder.service(serviceName(random));
        }
        if (random.nextInt(3) == 0) {
            builder.server(serviceName(random));
        }
        if (random.nextInt(3) == 0) {
            String fromServer = random.nextInt(4) == 0 ? "" : serviceName(random);
            String fromService = switch (random.nextInt(4)) {
                case 0 -> "";
                case 1 -> word(random, SERVICE_CHARS, SERVICE_CHARS + ":", 10); // may contain ':'
                default -> serviceName(random);
            };
            builder.sentFrom(fromServer, fromService);
        }
        int parameters = random.nextInt(6);
        for (int i = 0; i < parameters; i++) {
            builder.parameter(word(random, NAME_FIRST, NAME_REST, 10), value(random));
        }
        return builder.build();
    }

    @RepeatedTest(REPETITIONS)
    void parse_generatedMessages_roundTripThroughTextAndJson(RepetitionInfo repetition) {
        long seed = seed();
        Random random = new Random(seed);
        for (int i = 0; i < MESSAGES_PER_REPETITION; i++) {
            try {
                roundTrip(message(random), seed, repetition.getCurrentRepetition(), i);
            } catch (RuntimeException e) {
                throw new AssertionError("seed " + seed + " (repetition " + repetition.getCurrentRepetition()
                        + "), message " + i + ": " + e, e);
            }
        }
    }

    private static void roundTrip(Message message, long seed, int repetition, int i) {
        // a server without a service is not written in the text form
        Message asText = message.service().isPresent() ? message : message.toBuilder().server("").build();
        String text = message.toText();
        String json = message.toJson();
        String where = "seed " + seed + " (repetition " + repetition + "), message " + i + ": "
                + MessageFormatException.display(text);

        assertThat(text).as(where).doesNotContain("\n", "\r");
        assertThat(Message.parse(text)).as(where).isEqualTo(asText);
        assertThat(Message.parse(" \t" + text + "\r\n")).as(where + " with blanks around").isEqualTo(asText);
        assertThat(Message.parseJson(json)).as(where + " as JSON " + json).isEqualTo(message);
        assertThat(Message.parse(json)).as(where + " as JSON " + json).isEqualTo(message);
        assertThat(Message.parse(text).toText()).as(where).isEqualTo(text);
    }

    private static final String[] JUNK_PIECES = {
        "<", ">", ":", "/", " ", "=", ";", "\"", "\\", "PING", "a", "1", "srv", "*", ".", "?", "-", "\t", "\r", "é",
        "{", "}", "[", "]", ",", "\"command\"", "\"X\"", "\"parameters\"", "null", "true", "-1.5e3", "\\u00e9",
    };

    @RepeatedTest(REPETITIONS)
    void parse_generatedJunk_parsesOrFailsWithAPositionInTheInput(RepetitionInfo repetition) {
        long seed = seed();
        Random random = new Random(seed);
        for (int i = 0; i < MESSAGES_PER_REPETITION; i++) {
            int pieces = random.nextInt(16);
            StringBuilder junk = new StringBuilder();
            for (int k = 0; k < pieces; k++) {
                junk.append(JUNK_PIECES[random.nextInt(JUNK_PIECES.length)]);
            }
            String input = junk.toString();
            String where = "seed " + seed + " (repetition " + repetition.getCurrentRepetition() + "), input " + i
                    + ": " + MessageFormatException.display(input);
            Message parsed;
            try {
                parsed = Message.parse(input);
            } catch (MessageFormatException e) {
                assertThat(e.position()).as(where + " -> " + e.getMessage()).isBetween(0, input.length());
                assertThat(e.reason()).as(where).isNotBlank();
                continue;
            } catch (RuntimeException e) {
                throw new AssertionError(where + " threw " + e, e);
            }
            Message asText = parsed.service().isPresent() ? parsed : parsed.toBuilder().server("").build();
            assertThatCode(() -> assertThat(Message.parse(parsed.toText())).isEqualTo(asText)).as(where)
                    .doesNotThrowAnyException();
            assertThat(Message.parseJson(parsed.toJson())).as(where).isEqualTo(parsed);
        }
    }
}
