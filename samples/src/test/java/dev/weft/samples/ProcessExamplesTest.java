package dev.weft.samples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.runtime.Scope;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
final class ProcessExamplesTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    @Test
    void runWithTimeout_returnsStdout() throws Exception {
        assertThat(ProcessExamples.runWithTimeout("echo one; echo two", WAIT)).isEqualTo("one\ntwo");
    }

    @Test
    void runWithTimeout_failure_carriesStatusAndStderr() {
        assertThatThrownBy(() -> ProcessExamples.runWithTimeout("echo bad >&2; exit 2", WAIT))
                .isInstanceOf(IOException.class).hasMessageContaining("exited with code 2").hasMessageContaining("bad");
    }

    @Test
    void runWithTimeout_tooSlow_timesOutAndTheChildIsGone() throws Exception {
        Path pid = dir.resolve("pid");
        assertThatThrownBy(() -> ProcessExamples.runWithTimeout("echo $$ > " + pid + "; sleep 1000",
                Duration.ofMillis(300))).isInstanceOf(TimeoutException.class);
        long shell = Long.parseLong(Files.readString(pid).trim());
        assertThat(ProcessHandle.of(shell).map(ProcessHandle::isAlive).orElse(false)).isFalse();
    }

    @Test
    void topLines_countsThroughAPipeline() throws Exception {
        Path file = Files.writeString(dir.resolve("fruit"), "apple\npear\napple\nfig\napple\npear\nkiwi\n");
        assertThat(ProcessExamples.topLines(file)).containsExactly("3 apple", "2 pear", "1 kiwi");
    }

    @Test
    void watch_stopsAQuietChild() throws Exception {
        try (Scope scope = Scope.open("watch")) {
            assertThat(ProcessExamples.watch(scope, "echo a; echo b; sleep 1000", Duration.ofMillis(500)))
                    .containsExactly("a", "b");
            assertThat(ProcessExamples.watch(scope, "echo c", WAIT)).containsExactly("c");
        }
    }
}
