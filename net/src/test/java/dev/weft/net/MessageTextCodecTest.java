package dev.weft.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The text form, as tables: every example and every rejection of {@code message-format.md}, and the valid (V1-V58)
 * and invalid (I1-I46) inputs observed on the original (eventdispatcher research, sections 1.7 and 1.8). Where the
 * spec deliberately differs from the original, the spec wins and the case says so.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
final class MessageTextCodecTest {

    /** A message as the parser builds it (commands may be lower case), parameters as name, value pairs. */
    static Message msg(String command, String server, String service, String fromServer, String fromService,
            String... parameters) {
        TreeMap<String, String> map = new TreeMap<>();
        for (int i = 0; i < parameters.length; i += 2) {
            map.put(parameters[i], parameters[i + 1]);
        }
        return new Message(command, server, service, fromServer, fromService, map);
    }

    /** A message without destination or sender. */
    static Message cmd(String command, String... parameters) {
        return msg(command, "", "", "", "", parameters);
    }

    private static Arguments valid(String id, String input, Message expected) {
        return Arguments.of(id, input, expected);
    }

    static Stream<Arguments> validInputs() {
        return Stream.of(
                // ---- the examples of message-format.md
                valid("spec PING", "PING", cmd("PING")),
                valid("spec blanks", "  PING  ", cmd("PING")),
                valid("spec CR", "PING\r", cmd("PING")),
                valid("spec trailing ;", "PING a=1;b=2;", cmd("PING", "a", "1", "b", "2")),
                valid("spec empty values", "PING a=;b=", cmd("PING", "a", "", "b", "")),
                valid("spec quoted ;", "PING msg=\"hello; world\"", cmd("PING", "msg", "hello; world")),
                valid("spec quoted escaped quotes", "PING msg=\"say \\\"hi\\\"\"", cmd("PING", "msg", "say \"hi\"")),
                valid("spec \\n", "PING msg=line1\\nline2", cmd("PING", "msg", "line1\nline2")),
                valid("spec \\\\", "PING path=C:\\\\dir", cmd("PING", "path", "C:\\dir")),
                valid("spec service", "communicatord/REGISTER service=lock;version=1",
                        msg("REGISTER", "", "communicatord", "", "", "service", "lock", "version", "1")),
                valid("spec server:service", "monster:lock/LOCK object_name=xyz",
                        msg("LOCK", "monster", "lock", "", "", "object_name", "xyz")),
                valid("spec sent-from", "<monster:lock monster:firewall/BLOCK ip=1.2.3.4",
                        msg("BLOCK", "monster", "firewall", "monster", "lock", "ip", "1.2.3.4")),
                valid("spec empty from server", "<:svc PING", msg("PING", "", "", "", "svc")),
                valid("spec */", "*/PING", msg("PING", "", "*", "", "")),
                valid("spec ./", "./LOG_ROTATE", msg("LOG_ROTATE", "", ".", "", "")),
                valid("spec ?/", "?/PING", msg("PING", "", "?", "", "")),
                valid("spec a=b=c", "PING a=b=c", cmd("PING", "a", "b=c")),
                valid("spec spaces in value", "PING msg=hello world", cmd("PING", "msg", "hello world")),
                valid("spec unquoted \\\" kept", "PING a=\\\"x", cmd("PING", "a", "\\\"x")),
                valid("spec repeated name", "PING a=1;a=2", cmd("PING", "a", "2")),
                valid("names out of order", "PING b=1;a=2;c=3", cmd("PING", "a", "2", "b", "1", "c", "3")),
                valid("repeated name after sorted ones", "PING a=1;b=2;b=3", cmd("PING", "a", "1", "b", "3")),
                valid("repeated name apart", "PING a=1;b=2;a=3", cmd("PING", "a", "3", "b", "2")),
                valid("spec leading _", "PING _a=1", cmd("PING", "_a", "1")),
                valid("spec srv: prefix", "<srv: PING", msg("PING", "", "", "srv", "")),
                valid("spec server without service", "srv:PING", msg("PING", "srv", "", "", "")),
                valid("spec from_service with ':'", "<a:b:c PING", msg("PING", "", "", "a", "b:c")),
                // fix (a): a quoted value that ends with a backslash round-trips
                valid("spec fix (a)", "PING a=\"a;b\\\\\"", cmd("PING", "a", "a;b\\")),
                // fix (b): leading and trailing blanks survive inside quotes
                valid("spec fix (b)", "PING a=\" x \"", cmd("PING", "a", " x ")),

                // ---- V1-V58 of the research (section 1.7)
                valid("V1", "PING", cmd("PING")),
                valid("V2", "  PING  ", cmd("PING")),
                valid("V3", "PING\r", cmd("PING")),
                valid("V4", "\tPING\n", cmd("PING")),
                valid("V5", "ping", cmd("ping")), // the spec accepts [A-Za-z0-9_] commands on input
                valid("V6", "Ping_2", cmd("Ping_2")),
                valid("V7", "PING a=1", cmd("PING", "a", "1")),
                valid("V8", "PING a=1;", cmd("PING", "a", "1")),
                valid("V9", "PING a=1;b=2;c=3", cmd("PING", "a", "1", "b", "2", "c", "3")),
                valid("V10", "PING a=", cmd("PING", "a", "")),
                valid("V11", "PING a=;b=", cmd("PING", "a", "", "b", "")),
                valid("V12", "PING a=1;a=2", cmd("PING", "a", "2")),
                valid("V13", "PING a=b=c", cmd("PING", "a", "b=c")),
                valid("V14", "PING a==1", cmd("PING", "a", "=1")),
                valid("V15", "PING msg=hello world", cmd("PING", "msg", "hello world")),
                valid("V16", "PING msg=\"hello; world\"", cmd("PING", "msg", "hello; world")),
                valid("V17", "PING msg=\"say \\\"hi\\\"\"", cmd("PING", "msg", "say \"hi\"")),
                valid("V18", "PING msg=line1\\nline2", cmd("PING", "msg", "line1\nline2")),
                valid("V19", "PING msg=cr\\rlf\\n", cmd("PING", "msg", "cr\rlf\n")),
                valid("V20", "PING path=C:\\\\dir", cmd("PING", "path", "C:\\dir")),
                valid("V21", "PING a=he said \"x\"", cmd("PING", "a", "he said \"x\"")),
                valid("V22", "PING a=\\\"x", cmd("PING", "a", "\\\"x")),
                valid("V23", "PING a=\"\";b=", cmd("PING", "a", "", "b", "")),
                valid("V24", "PING a=\"x\";b=2", cmd("PING", "a", "x", "b", "2")),
                valid("V25", "PING a=\"x\";", cmd("PING", "a", "x")),
                valid("V26", "PING Name_2=x;_under=y;camelCase=z",
                        cmd("PING", "Name_2", "x", "_under", "y", "camelCase", "z")),
                valid("V27", "communicatord/REGISTER service=snaplock;version=1",
                        msg("REGISTER", "", "communicatord", "", "", "service", "snaplock", "version", "1")),
                valid("V28", "snaplock/LOCK object_name=xyz;pid=1234;timeout=1600000000",
                        msg("LOCK", "", "snaplock", "", "", "object_name", "xyz", "pid", "1234", "timeout",
                                "1600000000")),
                valid("V29", "monster:snaplock/LOCK object_name=xyz",
                        msg("LOCK", "monster", "snaplock", "", "", "object_name", "xyz")),
                valid("V30", "<monster:snaplock monster:firewall/BLOCK ip=1.2.3.4",
                        msg("BLOCK", "monster", "firewall", "monster", "snaplock", "ip", "1.2.3.4")),
                valid("V31", "<srv:svc PING", msg("PING", "", "", "srv", "svc")),
                valid("V32", "<:svc PING", msg("PING", "", "", "", "svc")),
                valid("V33", "<srv: PING", msg("PING", "", "", "srv", "")),
                valid("V34", "<a:b:c PING", msg("PING", "", "", "a", "b:c")),
                valid("V35", "<a:b c:d/E f=g;h=\"i;j\"", msg("E", "c", "d", "a", "b", "f", "g", "h", "i;j")),
                valid("V36", "srv:PING", msg("PING", "srv", "", "", "")),
                valid("V37", "*/PING", msg("PING", "", "*", "", "")),
                valid("V38", "*:*/STATUS", msg("STATUS", "*", "*", "", "")),
                valid("V39", ".:svc/PING", msg("PING", ".", "svc", "", "")),
                valid("V40", "./LOG_ROTATE", msg("LOG_ROTATE", "", ".", "", "")),
                valid("V41", "?/PING", msg("PING", "", "?", "", "")),
                valid("V42", "my-service/PING", msg("PING", "", "my-service", "", "")), // '-' is allowed
                valid("V43", "snap:cluckd/STOP", msg("STOP", "snap", "cluckd", "", "")),
                valid("V44", "PING a=\"a\\\\\\\"b;\"", cmd("PING", "a", "a\\\"b;")),
                valid("V45", "PING a=\"\\\\n\"", cmd("PING", "a", "\\n")),
                valid("V46", "PING v=\\\\\\\\", cmd("PING", "v", "\\\\")),
                valid("V47", "PING msg=mixed \"quote\" and \\n", cmd("PING", "msg", "mixed \"quote\" and \n")),
                valid("V48", "PING a=1\nb=2", cmd("PING", "a", "1\nb=2")),
                valid("V49", "PING a=x ;b=y ", cmd("PING", "a", "x ", "b", "y")),
                valid("V50", "COMMANDS list=ALIVE,HELP,READY,STOP", cmd("COMMANDS", "list", "ALIVE,HELP,READY,STOP")),
                valid("V51", "ABSOLUTELY reply_timestamp=1700000000.123456789;serial=5",
                        cmd("ABSOLUTELY", "reply_timestamp", "1700000000.123456789", "serial", "5")),
                valid("V52", "<monster:communicatord monster:snaplock/READY my_address=192.168.2.1",
                        msg("READY", "monster", "snaplock", "monster", "communicatord", "my_address", "192.168.2.1")),
                valid("V53", "SERVICE_UNAVAILABLE destination_service=snaplock;unsent_command=LOCK",
                        cmd("SERVICE_UNAVAILABLE", "destination_service", "snaplock", "unsent_command", "LOCK")),
                // V54 ["PING"]: the original accepts any command; the spec does not (see invalidInputs)
                valid("V55", "{\"command\":\"PING\"}", cmd("PING")),
                valid("V56", "{\"sent-from-server\":\"a\",\"sent-from-service\":\"b\",\"server\":\"c\","
                        + "\"service\":\"d\",\"command\":\"CMD\",\"parameters\":{\"p\":\";\"}}",
                        msg("CMD", "c", "d", "a", "b", "p", ";")),
                // V57: the spec reads a number as its literal text (the original rounds 3.14159265 to 3.141593)
                valid("V57", "{\"command\":\"FIRE\",\"parameters\":{\"name\":\"Charles\",\"length\":-35,\"ok\":true,"
                        + "\"no\":false,\"nil\":null,\"pi\":3.14159265}}",
                        cmd("FIRE", "name", "Charles", "length", "-35", "ok", "true", "no", "false", "nil", "",
                                "pi", "3.14159265")),
                valid("V58", "{\"command\":\"X\",\"extra\":\"ignored\"}", cmd("X")),
                // I36 and I37: the original rejects them; with fix (a) of the spec they are valid
                valid("I36", "PING a=\"x\\\\\"", cmd("PING", "a", "x\\")),
                valid("I37", "PING a=\"a;b\\\\\"", cmd("PING", "a", "a;b\\")),

                // ---- more corners
                valid("other backslash kept quoted", "PING a=\"\\q\\t\"", cmd("PING", "a", "\\q\\t")),
                valid("backslash at the end", "PING a=x\\", cmd("PING", "a", "x\\")),
                valid("raw TAB", "PING a=x\ty", cmd("PING", "a", "x\ty")),
                valid("non-ASCII value", "PING a=δέλτα €😀", cmd("PING", "a", "δέλτα €😀")),
                valid("< and : in a value", "PING a=<b:c>", cmd("PING", "a", "<b:c>")),
                valid("quote in the middle", "PING a=b\"c;d=e", cmd("PING", "a", "b\"c", "d", "e")),
                valid("blank line around JSON", " \t{\"command\":\"PING\"}\r", cmd("PING")),
                valid("dashes and _ in names", "<srv-1:svc_2 a-b:c_d/X_Y", msg("X_Y", "a-b", "c_d", "srv-1", "svc_2")));
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("validInputs")
    void parse_validInput_givesTheMessage(String id, String input, Message expected) {
        Message parsed = Message.parse(input);

        assertThat(parsed).as(id).isEqualTo(expected);
        assertThat(parsed.command()).isEqualTo(expected.command());
        assertThat(parsed.parameters()).containsExactlyEntriesOf(expected.parameters());
        // what the writer makes of it reads back the same (but a server without a service is not written)
        Message written = parsed.service().isPresent() ? parsed : parsed.toBuilder().server("").build();
        assertThat(Message.parse(parsed.toText())).as("%s re-read from %s", id, parsed.toText()).isEqualTo(written);
    }

    private static Arguments invalid(String id, String input, int position, String reason) {
        return Arguments.of(id, input, position, reason);
    }

    static Stream<Arguments> invalidInputs() {
        return Stream.of(
                // ---- the rejections of message-format.md
                invalid("spec empty", "", 0, "message is empty or blank"),
                invalid("spec blank", " \t\r\n", 0, "message is empty or blank"),
                invalid("spec <srv PING", "<srv PING", 4, "space in the sent-from server"),
                invalid("spec <srv:svc", "<srv:svc", 8, "only a sent-from prefix"),
                invalid("spec :svc/PING", ":svc/PING", 0, "empty server name before ':'"),
                invalid("spec a:b:c/PING", "a:b:c/PING", 3, "a second server name"),
                invalid("spec svc/srv:PING", "svc/srv:PING", 7, "unexpected ':' after the service name"),
                invalid("spec /PING", "/PING", 0, "empty service name before '/'"),
                invalid("spec a/b/PING", "a/b/PING", 3, "a second service name"),
                invalid("spec srv:", "srv:", 4, "command expected"),
                invalid("spec svc/", "svc/", 4, "command expected"),
                invalid("spec PING/", "PING/", 5, "command expected"),
                invalid("spec PING  a=1", "PING  a=1", 5, "parameter name must start with a letter or '_', not ' '"),
                invalid("spec PING a=1;;", "PING a=1;;", 9, "parameter name must not be empty"),
                invalid("spec PING a", "PING a", 6, "parameter a has no '=' and value"),
                invalid("spec PING =1", "PING =1", 5, "parameter name must not be empty"),
                invalid("spec PING 1a=3", "PING 1a=3", 5, "parameter name must not start with a digit: 1a"),
                invalid("spec PING my-param=3", "PING my-param=3", 7,
                        "invalid character '-' in parameter name: my-param"),
                invalid("spec PING a.b=1", "PING a.b=1", 6, "invalid character '.' in parameter name: a.b"),
                invalid("spec PING é=1", "PING é=1", 5, "parameter name must start with a letter or '_', not 'é'"),
                invalid("spec PING a=\"x\"y", "PING a=\"x\"y", 10,
                        "quoted value of parameter a must be followed by ';' or the end, not 'y'"),
                invalid("spec unterminated", "PING a=\"unterminated", 7, "unterminated quoted value of parameter a"),

                // ---- I1-I46 of the research (section 1.8); I36 and I37 are valid by fix (a), see validInputs
                invalid("I1", "", 0, "message is empty or blank"),
                invalid("I2", "   ", 0, "message is empty or blank"),
                invalid("I3", "<srv PING", 4, "space in the sent-from server"),
                invalid("I4", "< PING", 1, "space in the sent-from server"),
                invalid("I5", "<srv:svc", 8, "only a sent-from prefix"),
                invalid("I6", "<srvsvc", 7, "only a sent-from prefix"),
                invalid("I7", "<", 1, "only a sent-from prefix"),
                invalid("I8", "<:", 2, "only a sent-from prefix"),
                invalid("I9", "<:  PING", 3, "command expected"),
                invalid("I10", ":svc/PING", 0, "empty server name before ':'"),
                invalid("I11", ":", 0, "empty server name before ':'"),
                invalid("I12", "a:b:c/PING", 3, "a second server name"),
                invalid("I13", "svc/srv:PING", 7, "unexpected ':' after the service name"),
                invalid("I14", "/PING", 0, "empty service name before '/'"),
                invalid("I15", "/", 0, "empty service name before '/'"),
                invalid("I16", "a/b/PING", 3, "a second service name"),
                invalid("I17", "srv:", 4, "command expected"),
                invalid("I18", "svc/", 4, "command expected"),
                invalid("I19", "PING/", 5, "command expected"),
                invalid("I20", "PING  a=1", 5, "parameter name must start with a letter or '_', not ' '"),
                invalid("I21", "PING a=1; b=2", 9, "parameter name must start with a letter or '_', not ' '"),
                invalid("I22", "PING a=1;;", 9, "parameter name must not be empty"),
                invalid("I23", "PING ;", 5, "parameter name must not be empty"),
                invalid("I24", "PING a", 6, "parameter a has no '=' and value"),
                invalid("I25", "PING a=1;b", 10, "parameter b has no '=' and value"),
                invalid("I26", "PING =1", 5, "parameter name must not be empty"),
                invalid("I27", "PING =", 5, "parameter name must not be empty"),
                invalid("I28", "PING 1a=3", 5, "parameter name must not start with a digit: 1a"),
                invalid("I29", "PING my-param=3", 7, "invalid character '-' in parameter name: my-param"),
                invalid("I30", "PING a.b=1", 6, "invalid character '.' in parameter name: a.b"),
                invalid("I31", "PING é=1", 5, "parameter name must start with a letter or '_', not 'é'"),
                invalid("I32", "PING a=\"x\"y", 10, "must be followed by ';' or the end, not 'y'"),
                invalid("I33", "PING a=\"a\"b\"", 10, "must be followed by ';' or the end, not 'b'"),
                invalid("I34", "PING a=\"unterminated", 7, "unterminated quoted value of parameter a"),
                invalid("I35", "PING a=\"x\\\"", 7, "unterminated quoted value of parameter a"),
                invalid("I38", "{}", 0, "the JSON object has no command"),
                invalid("I39", "{\"command\":\"X\"", 14, "',' or '}' expected, found the end"),
                invalid("I40", "{\"command\":\"X\"} trailing", 16, "trailing data after the JSON object"),
                invalid("I41", "{\"command\":1}", 11, "command must be a string"),
                invalid("I42", "{\"command\":\"X\",\"parameters\":{\"a\":[1]}}", 33,
                        "parameter a must be a string, number, boolean or null, not an array"),
                invalid("I43", "{\"command\":\"X\",\"parameters\":{\"a\":{\"b\":\"c\"}}}", 33,
                        "parameter a must be a string, number, boolean or null, not an object"),
                // I44: the unknown key is skipped (as the original does); then the command is missing
                invalid("I44", "{\"other\":{\"a\":\"b\"}}", 0, "the JSON object has no command"),
                invalid("I45", "{\"command\":\"X\",}", 15, "a string (a key) expected, found '}'"),
                invalid("I46", "{\"command\":\"X\",\"parameters\":{\"a\":1.}}", 35, "a digit after '.' expected"),
                // V54: the original accepts any command; the spec accepts only [A-Za-z0-9_]
                invalid("V54", "[\"PING\"]", 0, "invalid character '[' in command: [\"PING\"]"),

                // ---- names the spec rules out
                invalid("dot in a service", "my.svc/PING", 2, "invalid character '.' in service name: my.svc"),
                invalid("two specials", "**/PING", 0, "invalid character '*' in service name: **"),
                invalid("special and letters", "a:*b/PING", 2, "invalid character '*' in service name: *b"),
                invalid("bad server", "a_b.c:svc/PING", 3, "invalid character '.' in server name: a_b.c"),
                invalid("bad sent-from server", "<a/b:c PING", 2, "invalid character '/' in sent-from server name"),
                invalid("bad sent-from service", "<a:b/c PING", 4, "invalid character '/' in sent-from service"),
                invalid("command with a digit first", "1PING", 0, "command must not start with a digit: 1PING"),
                invalid("command with a dash", "PI-NG a=1", 2, "invalid character '-' in command: PI-NG"),
                invalid("command with non-ASCII", "PINGé", 4, "invalid character 'é' in command"),
                invalid("TAB after the command", "PING\ta=1", 4, "invalid character U+0009 in command"),
                invalid("quoted then garbage", "PING a=\"x\" ;b=1", 10, "not ' '"),
                invalid("CR inside a name", "PING a\r=1", 6, "invalid character U+000D in parameter name"));
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("invalidInputs")
    void parse_invalidInput_namesPositionAndReason(String id, String input, int position, String reason) {
        assertThatThrownBy(() -> Message.parse(input))
                .as(id)
                .isInstanceOfSatisfying(MessageFormatException.class, e -> {
                    assertThat(e.position()).as("%s: %s", id, e.getMessage()).isEqualTo(position);
                    assertThat(e.reason()).as(id).contains(reason);
                    assertThat(e.input()).isEqualTo(input);
                    assertThat(e.getMessage())
                            .startsWith("invalid message at " + position + ": ")
                            .contains(reason)
                            .contains("(input: " + MessageFormatException.display(input) + ")");
                });
    }

    static Stream<Arguments> outputs() {
        return Stream.of(
                // the serializer facts of the research (section 1.4), with the spec's fixes
                Arguments.of(Message.builder("FIRE").parameter("name", "Charles").parameter("length", -35).build(),
                        "FIRE length=-35;name=Charles"),
                Arguments.of(Message.builder("PING").parameter("b", "2").parameter("a", "3").parameter("_a", "0")
                        .parameter("B", "1").build(), "PING B=1;_a=0;a=3;b=2"),
                Arguments.of(Message.builder("PING").parameter("v", "a\"b;c").build(), "PING v=\"a\\\"b;c\""),
                Arguments.of(Message.builder("PING").parameter("v", "\"quoted\"").build(),
                        "PING v=\"\\\"quoted\\\"\""),
                Arguments.of(Message.builder("PING").parameter("v", "mid\"dle").build(), "PING v=mid\"dle"),
                Arguments.of(Message.builder("PING").parameter("v", "multi\nline\r").build(), "PING v=multi\\nline\\r"),
                Arguments.of(Message.builder("PING").parameter("v", "tab\there").build(), "PING v=tab\there"),
                Arguments.of(Message.builder("PING").parameter("cache", "no;reply;ttl=60").build(),
                        "PING cache=\"no;reply;ttl=60\""),
                Arguments.of(Message.builder("PING").parameter("v", "x\\").build(), "PING v=x\\\\"),
                // fix (b): trailing and leading blanks are quoted
                Arguments.of(Message.builder("PING").parameter("v", "x ").build(), "PING v=\"x \""),
                Arguments.of(Message.builder("PING").parameter("v", "x\t").build(), "PING v=\"x\t\""),
                Arguments.of(Message.builder("PING").parameter("v", " x").build(), "PING v=\" x\""),
                Arguments.of(Message.builder("PING").parameter("v", " ").build(), "PING v=\" \""),
                Arguments.of(Message.builder("PING").parameter("v", "\nx\r").build(), "PING v=\\nx\\r"),
                // fix (a): quoted and ending with a backslash
                Arguments.of(Message.builder("PING").parameter("v", "a;b\\").build(), "PING v=\"a;b\\\\\""),
                Arguments.of(Message.builder("PING").sentFrom("", "svc").build(), "<:svc PING"),
                Arguments.of(Message.builder("PING").sentFrom("srv", "").build(), "<srv: PING"),
                Arguments.of(Message.builder("PING").server("srv").build(), "PING"), // no service: no server
                Arguments.of(Message.builder("PING").service("svc").build(), "svc/PING"),
                Arguments.of(Message.builder("BLOCK").sentFrom("monster", "lock").server("monster")
                        .service("firewall").parameter("ip", "1.2.3.4").build(),
                        "<monster:lock monster:firewall/BLOCK ip=1.2.3.4"),
                Arguments.of(Message.builder("PING").parameter("a", "").parameter("b", "").build(), "PING a=;b="),
                Arguments.of(Message.builder("PING").parameter("v", "=<:").build(), "PING v==<:"),
                Arguments.of(Message.builder("PING").parameter("v", "δ😀").build(), "PING v=δ😀"));
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("outputs")
    void toText_message_isTheSpecifiedText(Message message, String text) {
        assertThat(message.toText()).isEqualTo(text);
        assertThat(message.toString()).isEqualTo(text);
        Message reread = Message.parse(text);
        if (message.service().isPresent() || message.server().isEmpty()) {
            assertThat(reread).isEqualTo(message);
        } else {
            assertThat(reread).isEqualTo(message.toBuilder().server("").build());
        }
    }

    @Test
    void parse_manyParametersSortedOrNot_giveTheSameSortedMap() {
        // sorted names take the one-pass build of the map, others a put per parameter: both must give one map
        List<String> names = new java.util.ArrayList<>();
        for (int i = 0; i < 40; i++) {
            names.add(String.format("p%02d", i));
        }
        String sorted = "PING " + String.join(";", names.stream().map(n -> n + "=v" + n).toList());
        List<String> reversed = new java.util.ArrayList<>(names);
        java.util.Collections.reverse(reversed);
        String unsorted = "PING " + String.join(";", reversed.stream().map(n -> n + "=v" + n).toList());

        for (String input : List.of(sorted, unsorted)) {
            java.util.Map<String, String> p = Message.parse(input).parameters();
            assertThat(List.copyOf(p.keySet())).as(input).isEqualTo(names); // iterated in name order
            assertThat(p).hasSize(40).containsEntry("p17", "vp17").doesNotContainKey("p40");
            assertThat(Message.parse(input).toText()).isEqualTo(sorted);
        }
        assertThat(Message.parse(sorted)).isEqualTo(Message.parse(unsorted));
    }

    @Test
    void parse_longInput_truncatesTheInputInTheError() {
        String input = "PING a=\"" + "x".repeat(500);

        assertThatThrownBy(() -> Message.parse(input))
                .isInstanceOfSatisfying(MessageFormatException.class, e -> {
                    assertThat(e.position()).isEqualTo(7);
                    assertThat(e.input()).hasSize(MessageFormatException.MAX_INPUT + 1).endsWith("x…");
                    assertThat(e.getMessage()).hasSizeLessThan(300);
                });
    }

    @Test
    void parse_errorWithControlCharacters_showsThemEscaped() {
        assertThatThrownBy(() -> Message.parse("PING a\u0001=\"x\n"))
                .isInstanceOfSatisfying(MessageFormatException.class, e -> {
                    assertThat(e.reason()).isEqualTo("invalid character U+0001 in parameter name: a\u0001");
                    assertThat(e.getMessage()).contains("(input: \"PING a\\u0001=\\\"x\\n\")");
                });
    }

    @Test
    void parse_valuesWithoutEscapes_areNotCopiedThroughABuilder() {
        // a value that is the whole rest of the input, as substring() gives it
        Message message = Message.parse("PING a=" + "v".repeat(10_000));

        assertThat(message.require("a")).hasSize(10_000);
        assertThat(List.copyOf(message.parameters().keySet())).containsExactly("a");
    }
}
