package dev.weft.samples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The README's code examples are cut from the samples' sources between {@code // README <name>: begin} and
 * {@code // README <name>: end} markers, so they compile; this test fails when the README and the code drift apart.
 */
final class ReadmeExamplesTest {

    private static final Path ROOT = Path.of(System.getProperty("user.dir")).getParent();
    private static final Pattern BEGIN = Pattern.compile("^( *)// README ([\\w-]+): begin$", Pattern.MULTILINE);

    record Example(Path file, String name, String code) {
    }

    static List<Example> examples() throws IOException {
        List<Example> found = new ArrayList<>();
        try (Stream<Path> files = Files.walk(ROOT.resolve("samples/src/main/java"))) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                String source = Files.readString(file);
                Matcher m = BEGIN.matcher(source);
                while (m.find()) {
                    String indent = m.group(1);
                    String end = indent + "// README " + m.group(2) + ": end";
                    int from = m.end() + 1;
                    int to = source.indexOf(end, from);
                    assertThat(to).as("end marker of README example '%s' in %s", m.group(2), file).isPositive();
                    StringBuilder code = new StringBuilder();
                    source.substring(from, to).lines().forEach(l -> code.append(
                            l.startsWith(indent) ? l.substring(indent.length()) : l.strip()).append('\n'));
                    found.add(new Example(file, m.group(2), code.toString()));
                }
            }
        }
        return found;
    }

    @Test
    void readme_everyMarkedExample_appearsVerbatim() throws IOException {
        List<Example> examples = examples();
        assertThat(examples).extracting(Example::name).contains("select", "echo", "unix", "udp", "messages", "permanent",
                "reload", "process", "pipeline", "watch", "signals-loop", "signals-daemon", "signals-stop");
        String readme = Files.readString(ROOT.resolve("README.md"));
        for (Example e : examples) {
            assertThat(readme).as("README.md shows example '%s' from %s exactly as compiled", e.name(), e.file())
                    .contains("```java\n" + e.code() + "```");
        }
    }
}
