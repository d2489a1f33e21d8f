package dev.weft.process;

import static dev.weft.process.ProcessTestSupport.WAIT;
import static dev.weft.process.ProcessTestSupport.alive;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.runtime.testing.PinningGuard;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(PinningGuard.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
final class CommandTest {

    @TempDir
    Path dir;

    @Test
    void run_exitZero_returnsSuccess() throws Exception {
        ExitStatus status = Command.of("sh", "-c", "echo out; echo err >&2; exit 0").run(WAIT);
        assertThat(status).isEqualTo(new ExitStatus.Exited(0));
        assertThat(status.isSuccess()).isTrue();
    }

    @Test
    void run_nonZeroExit_throwsWithCommandStatusAndStderrTail() {
        StringBuilder script = new StringBuilder();
        for (int i = 1; i <= 30; i++) {
            script.append("echo err").append(i).append(" >&2; ");
        }
        script.append("exit 3");
        assertThatThrownBy(() -> Command.of("sh", "-c", script.toString()).run(WAIT))
                .isInstanceOfSatisfying(ProcessFailedException.class, e -> {
                    assertThat(e.status()).isEqualTo(new ExitStatus.Exited(3));
                    assertThat(e.command()).containsExactly("sh", "-c", script.toString());
                    assertThat(e.stderrTail().lines().toList()).hasSize(20).startsWith("err11").endsWith("err30");
                    assertThat(e.getMessage()).contains("exited with code 3").contains("err30").startsWith(
                            "command sh -c 'echo err1");
                });
    }

    @Test
    void run_childKillsItselfWithSignal_reportsCodeWithPossibleSignal() {
        assertThatThrownBy(() -> Command.of("sh", "-c", "echo dying >&2; kill -KILL $$").run(WAIT))
                .isInstanceOfSatisfying(ProcessFailedException.class, e -> {
                    // the JDK reports 128 + 9; weft did not send the signal, so it cannot tell it from exit(137)
                    assertThat(e.status()).isEqualTo(new ExitStatus.Exited(137));
                    assertThat(((ExitStatus.Exited) e.status()).possibleSignal()).contains(9);
                    assertThat(e.stderrTail()).isEqualTo("dying");
                });
    }

    @Test
    void capture_returnsStdoutAndStderrTail() throws Exception {
        Command.Output out = Command.of("sh", "-c", "printf 'a\\nb\\n'; echo warn >&2").capture(WAIT);
        assertThat(out.stdout()).isEqualTo("a\nb\n");
        assertThat(out.stderrTail()).isEqualTo("warn");
        assertThat(out.status().isSuccess()).isTrue();
    }

    @Test
    void capture_largeOutput_isComplete() throws Exception {
        Command.Output out = Command.of("sh", "-c", "seq 1 200000").capture(WAIT);
        List<String> lines = out.stdout().lines().toList();
        assertThat(lines).hasSize(200_000);
        assertThat(lines.getLast()).isEqualTo("200000");
    }

    @Test
    void capture_timeout_terminatesTheTreeAndThrows() throws Exception {
        Path pidFile = dir.resolve("pid");
        Command sleeper = Command.of("sh", "-c", "sleep 1000 & echo $! > " + pidFile + "; echo started >&2; wait")
                .terminationGrace(Duration.ofSeconds(2));
        assertThatThrownBy(() -> sleeper.capture(Duration.ofMillis(500)))
                .isInstanceOf(TimeoutException.class)
                .hasMessageContaining("did not end within PT0.5S")
                .hasMessageContaining("its process tree was terminated");
        long grandchild = Long.parseLong(Files.readString(pidFile).trim());
        assertThat(alive(grandchild)).isFalse();
    }

    @Test
    void environmentAndDirectory_areApplied() throws Exception {
        Path work = Files.createDirectory(dir.resolve("work"));
        Command.Output out = Command.of("sh", "-c", "echo \"$WEFT_A\"; echo \"${HOME-unset}\"; pwd")
                .env("WEFT_A", "value a").removeEnv("HOME").directory(work).capture(WAIT);
        assertThat(out.stdout().lines().toList()).containsExactly("value a", "unset", work.toRealPath().toString());
        Command.Output cleared = Command.of("/usr/bin/env").clearEnv().env("ONLY", "1").capture(WAIT);
        assertThat(cleared.stdout().lines().filter(l -> !l.startsWith(ProcessTree.COOKIE_VARIABLE + "=")))
                .containsExactly("ONLY=1");
    }

    @Test
    void redirects_fileInAndOut_appendAndDiscard() throws Exception {
        Path in = Files.writeString(dir.resolve("in.txt"), "from file\n");
        Path out = dir.resolve("out.txt");
        Command.of("cat").stdin(Redirect.file(in)).stdout(Redirect.file(out)).run(WAIT);
        Command.of("echo", "second").stdout(Redirect.append(out)).run(WAIT);
        assertThat(Files.readString(out)).isEqualTo("from file\nsecond\n");
        Command.Output empty = Command.of("cat").stdin(Redirect.discard()).capture(WAIT);
        assertThat(empty.stdout()).isEmpty();
        Command.of("sh", "-c", "echo gone; echo gone >&2").stdout(Redirect.discard()).stderr(Redirect.discard())
                .run(WAIT);
    }

    @Test
    void badInput_isRefusedWithClearErrors() {
        assertThatThrownBy(() -> Command.of()).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("argv must not be empty");
        assertThatThrownBy(() -> Command.of(" ", "x")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("program (argv[0]) must not be blank");
        List<String> withNull = new ArrayList<>(List.of("echo"));
        withNull.add(null);
        assertThatThrownBy(() -> Command.of(withNull)).isInstanceOf(NullPointerException.class)
                .hasMessageContaining("argv[1]");
        Command echo = Command.of("echo");
        assertThatThrownBy(() -> echo.run(Duration.ofSeconds(-1))).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("timeout must be positive: PT-1S");
        assertThatThrownBy(() -> echo.env("A=B", "x")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'A=B'");
        assertThatThrownBy(() -> echo.terminationGrace(Duration.ofMillis(-5)))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("grace must not be negative: PT-0.005S");
        assertThatThrownBy(() -> echo.maxLineLength(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("maxLineLength must be positive: 0");
        assertThatThrownBy(() -> echo.directory(dir.resolve("missing")).run(WAIT))
                .isInstanceOf(NoSuchFileException.class).hasMessageContaining("working directory");
        assertThatThrownBy(() -> echo.directory(Files.writeString(dir.resolve("f"), "")).run(WAIT))
                .isInstanceOf(NotDirectoryException.class);
        assertThatThrownBy(() -> Command.of("cat").stdin(Redirect.file(dir.resolve("nope"))).run(WAIT))
                .isInstanceOf(NoSuchFileException.class).hasMessageContaining("stdin");
        assertThatThrownBy(() -> Command.of("/nonexistent/program").run(WAIT))
                .isInstanceOf(IOException.class).hasMessageContaining("/nonexistent/program");
        assertThatThrownBy(() -> echo.stdout(Redirect.discard()).capture(WAIT))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("capture needs stdout");
    }

    @Test
    void capture_overTheLimit_failsWithIOException() {
        assertThatThrownBy(() -> Command.of("head", "-c", String.valueOf(Command.CAPTURE_LIMIT + 1), "/dev/zero")
                .capture(WAIT)).isInstanceOf(IOException.class).isNotInstanceOf(ProcessFailedException.class)
                .hasMessageContaining("longer than the capture limit of " + Command.CAPTURE_LIMIT + " bytes");
    }
}
