package dev.weft.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.net.MessageDefinition.Parameter;
import dev.weft.net.MessageDefinition.Presence;
import dev.weft.net.MessageDefinition.Type;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
final class MessageDefinitionsTest {

    private static final String LOCK = """
            # The lock service.
            global
                request_id  integer optional

            command LOCK strict   # strict: undeclared parameters are rejected
                object_name string
                pid         integer required
                timeout     timestamp optional
            \towner       optional empty
                debug       forbidden
                wait        duration optional
                try         boolean optional
                reply_to    address optional

            command UNLOCK
                object_name
            """;

    @TempDir
    Path dir;

    private Path write(String name, String text) throws Exception {
        return Files.writeString(dir.resolve(name), text);
    }

    // --- the file format ---

    @Test
    void parse_documentedExample_readsEveryTypeFlagAndHeader() {
        MessageDefinitions defs = MessageDefinitions.parse(LOCK, Path.of("lock.msgdef"));
        assertThat(defs.commands()).containsExactly("LOCK", "UNLOCK");
        MessageDefinition lock = defs.definition("LOCK").orElseThrow();
        assertThat(lock.strict()).isTrue();
        assertThat(lock.parameters().values()).containsExactly(
                new Parameter("debug", Type.STRING, Presence.FORBIDDEN, false),
                new Parameter("object_name", Type.STRING, Presence.REQUIRED, false),
                new Parameter("owner", Type.STRING, Presence.OPTIONAL, true),
                new Parameter("pid", Type.INTEGER, Presence.REQUIRED, false),
                new Parameter("reply_to", Type.ADDRESS, Presence.OPTIONAL, false),
                new Parameter("timeout", Type.TIMESTAMP, Presence.OPTIONAL, false),
                new Parameter("try", Type.BOOLEAN, Presence.OPTIONAL, false),
                new Parameter("wait", Type.DURATION, Presence.OPTIONAL, false));
        assertThat(defs.definition("UNLOCK").orElseThrow().strict()).isFalse();
        assertThat(defs.globals()).containsKeys("request_id", "serial", "cache", "transmission_report");
        assertThat(defs.globals().get("request_id").type()).isEqualTo(Type.INTEGER);
        assertThat(defs.definition("NOPE")).isEmpty();
    }

    @Test
    void toString_writesTheFileFormat_whichReadsBackEqual() {
        MessageDefinitions defs = MessageDefinitions.parse(LOCK, Path.of("lock.msgdef"));
        MessageDefinitions again = MessageDefinitions.parse(defs.toString(), Path.of("again.msgdef"));
        assertThat(again.definitions()).isEqualTo(defs.definitions());
        assertThat(again.globals()).isEqualTo(defs.globals());
    }

    @Test
    void load_directory_readsEveryDefinitionFileInNameOrderAndIgnoresOthers() throws Exception {
        write("b.msgdef", "command B\n    x integer\n");
        write("a.msgdef", "global\n    trace boolean optional\ncommand A\n");
        write("notes.txt", "this is not a definition file");
        Files.createDirectory(dir.resolve("sub.msgdef"));
        MessageDefinitions defs = MessageDefinitions.load(dir);
        assertThat(defs.commands()).containsExactly("A", "B");
        assertThat(defs.globals()).containsKey("trace");
        assertThat(MessageDefinitions.load(dir.resolve("b.msgdef")).commands()).containsExactly("B");
    }

    @Test
    void verify_directoryWithErrors_reportsEveryErrorWithFileAndLine() throws Exception {
        Path one = write("one.msgdef", """
                command LOCK
                    pid integr
                    pid integer
                    name string required optional
                    1bad string
                    gone forbidden empty

                command lock
                    x string
                Command X
                """);
        Path two = write("two.msgdef", """
                    orphan string
                command LOCK
                command UNLOCK whatever
                global extra
                    object_name string integer
                command
                """);
        List<MessageDefinitions.Problem> problems = MessageDefinitions.verify(dir);
        assertThat(problems).extracting(p -> p.file() + ":" + p.line()).containsExactly(
                one + ":2", one + ":4", one + ":5", one + ":6", one + ":8", one + ":10",
                two + ":1", two + ":2", two + ":3", two + ":4", two + ":5", two + ":6");
        assertThat(problems.get(0).toString()).isEqualTo(one + ":2: unknown type or flag \"integr\" of parameter"
                + " pid (types: string, integer, boolean, address, duration, timestamp; flags: required, optional,"
                + " forbidden, empty)");
        assertThat(problems.get(1).message()).isEqualTo("parameter name has conflicting flags required and optional");
        assertThat(problems.get(2).message()).contains("1bad");
        assertThat(problems.get(3).message()).contains("forbidden parameter gone");
        assertThat(problems.get(4).message()).contains("lock");
        assertThat(problems.get(5).message()).contains("\"Command\"");
        assertThat(problems.get(6).message()).contains("before any");
        assertThat(problems.get(7).message()).isEqualTo("command LOCK is already defined at " + one + ":1");
        assertThat(problems.get(8).message()).contains("\"whatever\"");
        assertThat(problems.get(9).message()).contains("\"extra\" after global");
        assertThat(problems.get(10).message()).contains("type \"integer\" of parameter object_name");
        assertThat(problems.get(11).message()).contains("command without a name");
        // the duplicate "pid" on line 3 is not reported: line 2's pid was invalid and not kept
    }

    @Test
    void verify_duplicateParameterAndGlobal_nameTheFirstDefinition() throws Exception {
        Path a = write("a.msgdef", "global\n    g string\ncommand A\n    x string\n    x integer\n");
        Path b = write("b.msgdef", "global\n    g integer\n");
        assertThat(MessageDefinitions.verify(a, b)).extracting(MessageDefinitions.Problem::toString).containsExactly(
                a + ":5: parameter x of A is already defined at line 4",
                b + ":2: global parameter g is already defined at " + a + ":2");
    }

    @Test
    void verify_missingPath_isAProblemOfTheWholeFile() {
        Path nowhere = dir.resolve("nowhere");
        assertThat(MessageDefinitions.verify(nowhere)).containsExactly(
                new MessageDefinitions.Problem(nowhere, 0, "no such file or directory"));
        assertThatThrownBy(() -> MessageDefinitions.load(nowhere)).isInstanceOf(NoSuchFileException.class);
    }

    @Test
    void load_invalidDefinitions_throwsListingEveryProblem() throws Exception {
        Path bad = write("bad.msgdef", "command A\n    x color\n    y size\n");
        assertThatThrownBy(() -> MessageDefinitions.load(dir))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(bad + ":2: unknown type or flag \"color\"")
                .hasMessageContaining(bad + ":3: unknown type or flag \"size\"");
    }

    @Test
    void main_exitStatusAndOutput_forValidInvalidAndNoArguments() throws Exception {
        write("ok.msgdef", LOCK);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertThat(run(out, err, dir.toString())).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).startsWith("2 command definitions OK in " + dir);
        Path bad = write("zz.msgdef", "command B\n  x nope\n");
        out.reset();
        assertThat(run(out, err, dir.toString())).isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8))
                .contains(bad + ":2: unknown type or flag \"nope\"")
                .contains("1 problem in message definitions");
        assertThat(out.size()).isZero();
        err.reset();
        assertThat(run(out, err)).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).startsWith("usage: ");
    }

    private static int run(ByteArrayOutputStream out, ByteArrayOutputStream err, String... args) {
        return MessageDefinitions.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    // --- checking messages ---

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            LOCK object_name=x;pid=1                                  |
            LOCK object_name=x;pid=0x1F;owner=;request_id=-3;serial=a |
            LOCK pid=1                                                | parameter object_name is required
            LOCK object_name=;pid=1                                   | parameter object_name must not be empty
            LOCK object_name=x;pid=abc                                | parameter pid of LOCK is not
            LOCK object_name=x;pid=1;debug=1                          | parameter debug is forbidden
            LOCK object_name=x;pid=1;color=red                        | parameter color is not declared for LOCK
            LOCK object_name=x;pid=1;timeout=soon                     | soon
            LOCK object_name=x;pid=1;wait=1.5;timeout=1700000000.25   |
            LOCK object_name=x;pid=1;wait=forever                     | forever
            LOCK object_name=x;pid=1;try=maybe                        | maybe
            LOCK object_name=x;pid=1;try=true                         |
            LOCK object_name=x;pid=1;reply_to=[::1]:4040              |
            LOCK object_name=x;pid=1;reply_to=localhost               | localhost
            LOCK object_name=x;pid=1;request_id=one                   | one
            UNLOCK object_name=x;anything=goes                        |
            UNDEFINED whatever=1                                      |
            """)
    void check_messages_reportWhatIsWrongNamingTheParameter(String text, String problem) {
        MessageDefinitions defs = MessageDefinitions.parse(LOCK, Path.of("lock.msgdef"));
        List<String> problems = defs.check(Message.parse(text));
        if (problem == null) {
            assertThat(problems).isEmpty();
        } else {
            assertThat(problems).singleElement().asString().contains(problem);
        }
    }

    @Test
    void check_severalProblems_areAllReported() {
        MessageDefinitions defs = MessageDefinitions.parse(LOCK, Path.of("lock.msgdef"));
        List<String> problems = defs.check(Message.parse("LOCK pid=x;debug=1;extra=2"));
        assertThat(problems).hasSize(4);
        assertThat(problems.get(0)).isEqualTo("parameter debug is forbidden");
        assertThat(problems.get(1)).isEqualTo("parameter object_name is required");
        assertThat(problems.get(2)).startsWith("parameter pid of LOCK is not").contains("x");
        assertThat(problems.get(3)).isEqualTo("parameter extra is not declared for LOCK");
    }

    @Test
    void check_commandsOwnDeclaration_winsOverTheGlobal() {
        MessageDefinitions defs = MessageDefinitions.builder()
                .global(new Parameter("trace", Type.BOOLEAN, Presence.OPTIONAL, false))
                .define(MessageDefinition.builder("QUIET").forbidden("trace").strict().build())
                .define(MessageDefinition.builder("LOUD").strict().build())
                .build();
        assertThat(defs.check(Message.parse("QUIET trace=true"))).containsExactly("parameter trace is forbidden");
        assertThat(defs.check(Message.parse("LOUD trace=true"))).isEmpty();
        assertThat(defs.check(Message.parse("LOUD trace=perhaps"))).singleElement().asString().contains("perhaps");
        MessageDefinitions noSerial = MessageDefinitions.builder().removeGlobal("serial")
                .define(MessageDefinition.builder("LOUD").strict().build()).build();
        assertThat(noSerial.check(Message.parse("LOUD serial=1"))).containsExactly(
                "parameter serial is not declared for LOUD");
    }

    @Test
    void merge_theOthersDefinitionsWin() {
        MessageDefinitions base = MessageDefinitions.conventions();
        MessageDefinitions mine = MessageDefinitions.builder()
                .define(MessageDefinition.builder("ALIVE").required("serial", Type.INTEGER).build())
                .build();
        MessageDefinitions merged = base.merge(mine);
        assertThat(merged.definition("ALIVE")).contains(mine.definition("ALIVE").orElseThrow());
        assertThat(merged.commands()).containsAll(base.commands());
        assertThat(base.check(Message.parse("ABSOLUTELY serial=1"))).containsExactly(
                "parameter reply_timestamp is required");
    }

    @Test
    void builders_invalidNames_areRefusedNamingThem() {
        assertThatThrownBy(() -> MessageDefinition.builder("lock"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("lock");
        assertThatThrownBy(() -> MessageDefinition.builder("9LIVES"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("9LIVES");
        assertThatThrownBy(() -> new Parameter("my-param", Type.STRING, Presence.OPTIONAL, false))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("my-param");
        assertThatThrownBy(() -> MessageDefinition.builder("A").required("", Type.STRING))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("empty");
    }
}
