package dev.weft.samples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@code weft stop} on shells that ignore SIGINT, or both SIGINT and SIGTERM. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
final class StopCommandTest {

    private static Process shell(String script) throws Exception {
        Process p = new ProcessBuilder("/bin/sh", "-c", script + "; echo ready; while :; do read x; done")
                .redirectErrorStream(true).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        assertThat(out.readLine()).isEqualTo("ready"); // the traps are set
        return p;
    }

    @Test
    void stop_ignoresIntThenDiesOfTerm_exitsZero_andIgnoresBoth_exitsTwo() throws Exception {
        Weft weft = new Weft(List.of(new StopCommand(Duration.ofSeconds(30))));
        Process ignoresInt = shell("trap '' INT");
        try {
            CliRun run = CliRun.inProcess(weft, "stop", "--timeout", "300ms", String.valueOf(ignoresInt.pid()));
            assertThat(run.status()).as(run.err()).isZero();
            assertThat(run.out()).contains("ended after SIGTERM (it outlived SIGINT for 300ms)");
        } finally {
            ignoresInt.destroyForcibly();
        }
        Weft impatient = new Weft(List.of(new StopCommand(Duration.ofMillis(300))));
        Process ignoresBoth = shell("trap '' INT TERM");
        try {
            CliRun run = CliRun.inProcess(impatient, "stop", "--timeout", "300ms", String.valueOf(ignoresBoth.pid()));
            assertThat(run.status()).isEqualTo(2);
            assertThat(run.err()).contains("is still running after SIGINT and SIGTERM");
            assertThat(ignoresBoth.isAlive()).isTrue();
        } finally {
            ignoresBoth.destroyForcibly();
            ignoresBoth.waitFor(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void stop_badPids_areUsageErrors() {
        for (String pid : List.of("0", "-5", "99999999999", String.valueOf(ProcessHandle.current().pid()))) {
            CliRun run = CliRun.inProcess(Weft.standard(), "stop", pid);
            assertThat(run.status()).as(pid).isEqualTo(2);
        }
    }
}
