package dev.weft.samples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 120, unit = TimeUnit.SECONDS)
final class DemoCommandTest {

    @Test
    void demo_runsEveryStepAndExitsZero() {
        CliRun run = CliRun.inProcess(Weft.standard(), "demo");
        assertThat(run.status()).as(run.err()).isZero();
        assertThat(run.out()).contains(
                "== 1. select over a channel and a ticker", "word: virtual threads", "tick",
                "== 2. a switchboard with two services", "clock -> caller: <demo:clock demo:caller/TIME_IS now=",
                "registered services: [caller, clock]",
                "== 3. a permanent connection survives a backend restart", "got back 'hello'",
                "connection lost; backoff", "READY again after", "got back 'still here'",
                "== 4. a recursive file watch", "CREATED a/b/c/", " a/b/c/hello.txt",
                "== 5. a child process pipeline", "1 loom", "2 weft", "stage statuses:",
                "done in");
        CliRun extra = CliRun.inProcess(Weft.standard(), "demo", "now");
        assertThat(extra.status()).isEqualTo(2);
    }
}
