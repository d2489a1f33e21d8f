package dev.weft.net;

import static dev.weft.net.MessageTextCodecTest.cmd;
import static dev.weft.net.MessageTextCodecTest.msg;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The JSON form: a strict reader of standard JSON and a writer of standard JSON. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
final class MessageJsonCodecTest {

    static Stream<Arguments> validJson() {
        return Stream.of(
                Arguments.of("{\"command\":\"PING\"}", cmd("PING")),
                Arguments.of(" { \"command\" : \"PING\" , \"parameters\" : { } } ", cmd("PING")),
                Arguments.of("{\r\n\t\"command\":\"PING\",\n\"parameters\":{\"a\" :\"1\"}\n}", cmd("PING", "a", "1")),
                Arguments.of("{\"command\":\"ping\"}", cmd("ping")),
                Arguments.of("{\"server\":null,\"service\":null,\"sent-from-server\":null,\"sent-from-service\":null,"
                        + "\"command\":\"X\"}", cmd("X")),
                Arguments.of("{\"server\":\"\",\"service\":\"\",\"command\":\"X\"}", cmd("X")),
                Arguments.of("{\"service\":\"*\",\"server\":\".\",\"sent-from-service\":\"b:c\",\"command\":\"X\"}",
                        msg("X", ".", "*", "", "b:c")),
                // JSON keeps a server without a service
                Arguments.of("{\"server\":\"srv\",\"command\":\"X\"}", msg("X", "srv", "", "", "")),
                // every escape, a surrogate pair, and raw non-ASCII
                Arguments.of("{\"command\":\"X\",\"parameters\":{\"a\":\"\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u00e9 "
                        + "\\uD83D\\uDE00 \\u20AC é😀\"}}", cmd("X", "a", "\" \\ / \b \f \n \r \t é 😀 € é😀")),
                // a lone surrogate escape is valid JSON grammar and read as that code unit
                Arguments.of("{\"command\":\"X\",\"parameters\":{\"a\":\"\\ud800\"}}", cmd("X", "a", "\ud800")),
                // escapes are decoded once (the original decoded \n a second time into a LF)
                Arguments.of("{\"command\":\"X\",\"parameters\":{\"v\":\"a\\\\nb\"}}", cmd("X", "v", "a\\nb")),
                // numbers as their literal text
                Arguments.of("{\"command\":\"X\",\"parameters\":{\"a\":0,\"b\":-0,\"c\":1.5e10,\"d\":1E-3,"
                        + "\"e\":12345678901234567890,\"f\":-35,\"g\":2.50,\"h\":1e+2}}",
                        cmd("X", "a", "0", "b", "-0", "c", "1.5e10", "d", "1E-3", "e", "12345678901234567890", "f",
                                "-35", "g", "2.50", "h", "1e+2")),
                Arguments.of("{\"command\":\"X\",\"parameters\":{\"t\":true,\"f\":false,\"n\":null}}",
                        cmd("X", "t", "true", "f", "false", "n", "")),
                // a repeated key: the last one wins
                Arguments.of("{\"command\":\"A\",\"command\":\"B\",\"parameters\":{\"a\":\"1\",\"a\":\"2\"}}",
                        cmd("B", "a", "2")),
                // unknown keys are skipped, whatever valid JSON their values are
                Arguments.of("{\"x\":[1,{\"y\":[true,false,null,\"s\\\"]\"]},[]],\"z\":{},\"command\":\"X\","
                        + "\"w\":-1.5e-3}", cmd("X")));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("validJson")
    void parseJson_validJson_givesTheMessage(String json, Message expected) {
        assertThat(Message.parseJson(json)).isEqualTo(expected);
        assertThat(Message.parse(json)).isEqualTo(expected);
        assertThat(Message.parseJson(expected.toJson())).isEqualTo(expected);
    }

    private static Arguments invalid(String json, int position, String reason) {
        return Arguments.of(json, position, reason);
    }

    static Stream<Arguments> invalidJson() {
        String p = "{\"command\":\"X\",\"parameters\":{\"a\":"; // a parameter value starts at 33
        return Stream.of(
                invalid("", 0, "'{' expected, found the end"),
                invalid("PING", 0, "'{' expected, found 'P'"),
                invalid("[{\"command\":\"X\"}]", 0, "'{' expected, found '['"),
                invalid("{\"service\":\"x\"}", 0, "the JSON object has no command"),
                invalid("{\"command\":\"\"}", 11, "command must not be empty"),
                invalid("{\"command\":\"lower case!\"}", 11, "invalid character ' ' in command: lower case!"),
                invalid("{\"command\":\"1X\"}", 11, "command must not start with a digit: 1X"),
                invalid("{\"command\":null}", 11, "command must be a string"),
                invalid("{\"command\":[\"X\"]}", 11, "command must be a string"),
                invalid("{\"command\":\"X\",\"parameters\":{\"bad name\":\"1\"}}", 29,
                        "invalid character ' ' in parameter name: bad name"),
                invalid("{\"command\":\"X\",\"parameters\":{\"\":\"1\"}}", 29, "parameter name must not be empty"),
                invalid("{\"command\":\"X\",\"parameters\":[]}", 28, "parameters must be an object"),
                invalid("{\"command\":\"X\",\"parameters\":null}", 28, "parameters must be an object"),
                invalid("{\"command\":\"X\",\"server\":1}", 24, "server must be a string or null"),
                invalid("{\"command\":\"X\",\"service\":\"a.b\"}", 25, "invalid character '.' in service name: a.b"),
                invalid("{\"command\":\"X\",\"sent-from-server\":\"a:b\"}", 34,
                        "invalid character ':' in sent-from server name: a:b"),
                invalid(p + "\"\\x\"}}", 34, "invalid escape \\x"),
                invalid(p + "\"\\u12\"}}", 34, "\\u needs 4 hex digits"),
                invalid(p + "\"\\u12g4\"}}", 34, "\\u needs 4 hex digits"),
                invalid(p + "\"\\u١٢٣٤\"}}", 34, "\\u needs 4 hex digits"),
                invalid(p + "\"a\tb\"}}", 35, "unescaped control character U+0009 in a string"),
                invalid(p + "\"a\nb\"}}", 35, "unescaped control character U+000A in a string"),
                invalid(p + "\"abc", 33, "unterminated string"),
                invalid(p + "\"abc\\", 33, "unterminated string"),
                invalid(p + "01}}", 34, "',' or '}' expected, found '1'"),
                invalid(p + "+1}}", 33, "a value expected, found '+'"),
                invalid(p + ".5}}", 33, "a value expected, found '.'"),
                invalid(p + "1.}}", 35, "a digit after '.' expected, found '}'"),
                invalid(p + "1e}}", 35, "a digit in the exponent expected"),
                invalid(p + "-}}", 34, "a digit expected, found '}'"),
                invalid(p + "tru}}", 33, "a value expected, found 't'"),
                invalid(p + "nul}}", 33, "a value expected, found 'n'"),
                invalid(p + "True}}", 33, "a value expected, found 'T'"),
                invalid(p + "1,}}", 35, "a string (a parameter name) expected, found '}'"),
                invalid(p + "1 2}}", 35, "',' or '}' expected, found '2'"),
                invalid("{\"command\" \"X\"}", 11, "':' expected, found '\"'"),
                invalid("{\"command\":\"X\"}}", 15, "trailing data after the JSON object"),
                invalid("{\"command\":\"X\"}{}", 15, "trailing data after the JSON object"),
                invalid("{\"command\":\"X\",\"x\":[1,]}", 22, "a value expected, found ']'"),
                invalid("{\"command\":\"X\",\"x\":{\"a\"}}", 23, "':' expected, found '}'"),
                invalid("{\"command\":\"X\",\"x\":[1 2]}", 22, "',' or ']' expected, found '2'"),
                invalid("{\"command\":\"X\",\"x\":" + "[".repeat(300) + "]".repeat(300) + "}", 275,
                        "nested deeper than 256"),
                invalid("{\u000b\"command\":\"X\"}", 1, "a string (a key) expected, found U+000B"),
                invalid("{'command':'X'}", 1, "a string (a key) expected, found '''"));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("invalidJson")
    void parseJson_invalidJson_namesPositionAndReason(String json, int position, String reason) {
        assertThatThrownBy(() -> Message.parseJson(json))
                .isInstanceOfSatisfying(MessageFormatException.class, e -> {
                    assertThat(e.position()).as(e.getMessage()).isEqualTo(position);
                    assertThat(e.reason()).contains(reason);
                    assertThat(e.getMessage()).startsWith("invalid message at " + position + ": ");
                });
    }

    @Test
    void parse_jsonAfterBlanks_positionsCountFromTheWholeInput() {
        assertThatThrownBy(() -> Message.parse("  \t{}  "))
                .isInstanceOfSatisfying(MessageFormatException.class, e -> {
                    assertThat(e.position()).isEqualTo(3);
                    assertThat(e.input()).isEqualTo("  \t{}  ");
                });
    }

    @Test
    void toJson_allParts_writesStandardJsonInKeyOrder() {
        Message message = Message.parse("<a:b c:d/CMD z=;p=\";\";n=-35");

        assertThat(message.toJson()).isEqualTo("{\"sent-from-server\":\"a\",\"sent-from-service\":\"b\","
                + "\"server\":\"c\",\"service\":\"d\",\"command\":\"CMD\",\"parameters\":{\"n\":\"-35\",\"p\":\";\","
                + "\"z\":\"\"}}");
    }

    @Test
    void toJson_onlyCommand_writesOnlyTheCommand() {
        assertThat(Message.builder("PING").build().toJson()).isEqualTo("{\"command\":\"PING\"}");
        assertThat(Message.builder("PING").sentFrom("", "svc").build().toJson())
                .isEqualTo("{\"sent-from-service\":\"svc\",\"command\":\"PING\"}");
    }

    @Test
    void toJson_specialCharacters_areEscapedAsJsonRequires() {
        Message message = Message.builder("X")
                .parameter("a", "q\" b\\ n\n r\r t\t bs\b ff\f nul\u0000 us\u001f del\u007f é € 😀 \u2028 /")
                .parameter("s", "lone \ud800 and \udc00 end")
                .build();

        assertThat(message.toJson()).isEqualTo("{\"command\":\"X\",\"parameters\":{"
                + "\"a\":\"q\\\" b\\\\ n\\n r\\r t\\t bs\\b ff\\f nul\\u0000 us\\u001f del\u007f é € 😀 \u2028 /\","
                + "\"s\":\"lone \\ud800 and \\udc00 end\"}}");
        assertThat(Message.parseJson(message.toJson())).isEqualTo(message);
    }

    @Test
    void toJson_serverWithoutService_keepsTheServer() {
        Message message = Message.builder("X").server("srv").build();

        assertThat(message.toJson()).isEqualTo("{\"server\":\"srv\",\"command\":\"X\"}");
        assertThat(Message.parse(message.toJson())).isEqualTo(message);
        assertThat(message.toText()).isEqualTo("X");
    }

    @Test
    void parseJson_longInvalidInput_truncatesTheInput() {
        String json = "{\"command\":\"X\",\"parameters\":{\"a\":\"" + "x".repeat(1_000) + "\"}";

        assertThatThrownBy(() -> Message.parseJson(json))
                .isInstanceOfSatisfying(MessageFormatException.class, e -> {
                    assertThat(e.position()).isEqualTo(json.length());
                    assertThat(e.input()).hasSize(MessageFormatException.MAX_INPUT + 1);
                });
    }
}
