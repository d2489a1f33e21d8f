package dev.weft.samples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
final class RuntimeDemoTest {

    @Test
    void main_runs_printsEveryStepInOrder() throws Exception {
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream original = System.out;
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            RuntimeDemo.main(new String[0]);
        } finally {
            System.setOut(original);
        }
        List<String> lines = captured.toString(StandardCharsets.UTF_8).lines().toList();
        assertThat(lines.getFirst()).matches("\\[echo] +server on port \\d+ answered \"echo: hello weft\"");
        assertThat(lines).filteredOn(l -> l.startsWith("[select] word: "))
                .containsExactly("[select] word: weft", "[select] word: runs", "[select] word: blocking",
                        "[select] word: code");
        assertThat(lines).contains("[select] producer finished");
        assertThat(lines).anyMatch(l -> l.startsWith("[deadline] scope 'slow' exceeded its deadline"));
        assertThat(lines.getLast()).isEqualTo("done: every task ended with its scope");
    }
}
