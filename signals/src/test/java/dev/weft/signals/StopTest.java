package dev.weft.signals;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@link Signals#stop} against real child processes that honour or ignore INT and TERM. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
final class StopTest {

    private static final Duration GENEROUS = Duration.ofSeconds(30);

    @Test
    void stop_processThatEndsOnInt_exitsAfterInt() throws Exception {
        try (ChildJvm child = ChildJvm.sh("echo ready; while :; do read x; done")) {
            child.awaitLine("ready");
            assertThat(Signals.stop(child.pid(), GENEROUS)).isEqualTo(StopOutcome.EXITED_AFTER_INT);
            assertThat(child.awaitExit()).isEqualTo(130);
        }
    }

    @Test
    void stop_processThatIgnoresInt_exitsAfterTerm() throws Exception {
        try (ChildJvm child = ChildJvm.sh("trap '' INT; echo ready; while :; do read x; done")) {
            child.awaitLine("ready");
            // INT's wait has to run out: it is short, so that the test is quick; TERM's is generous
            assertThat(stop(child.pid(), Duration.ofMillis(300))).isEqualTo(StopOutcome.EXITED_AFTER_TERM);
            assertThat(child.awaitExit()).isEqualTo(143);
        }
    }

    @Test
    void stop_processThatIgnoresIntAndTerm_isStillRunning() throws Exception {
        try (ChildJvm child = ChildJvm.sh("trap '' INT TERM; echo ready; while :; do read x; done")) {
            child.awaitLine("ready");
            assertThat(Signals.stop(child.pid(), Duration.ofMillis(300))).isEqualTo(StopOutcome.STILL_RUNNING);
            assertThat(child.process().isAlive()).isTrue();
        }
    }

    @Test
    void stop_childJvm_runsItsShutdownHooks() throws Exception {
        try (ChildJvm child = ChildJvm.java(ChildMains.Restore.class, java.util.List.of())) {
            child.awaitLine("ready");
            // the child's own subscription takes the first INT; after it closes, stop's INT is the JVM's default
            Signals.send(child.pid(), UnixSignal.INT);
            child.awaitLine("closed");
            assertThat(Signals.stop(child.pid(), GENEROUS)).isEqualTo(StopOutcome.EXITED_AFTER_INT);
            assertThat(child.awaitExit()).isEqualTo(130);
            assertThat(child.lines()).contains("hook ran");
        }
    }

    @Test
    void stop_noSuchProcess_saysSo() throws Exception {
        assertThat(Signals.stop(Integer.MAX_VALUE, GENEROUS)).isEqualTo(StopOutcome.NO_SUCH_PROCESS);
    }

    @Test
    void stop_badArguments_throw() {
        assertThatThrownBy(() -> Signals.stop(0, GENEROUS)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("pid must be a positive int: 0");
        assertThatThrownBy(() -> Signals.stop(Integer.MAX_VALUE, Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("timeout must be positive: PT0S");
        assertThatThrownBy(() -> Signals.stop(Integer.MAX_VALUE, Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("timeout must be positive: PT-1S");
        assertThatThrownBy(() -> Signals.stop(Integer.MAX_VALUE, null)).isInstanceOf(NullPointerException.class);
        long self = ProcessHandle.current().pid();
        assertThatThrownBy(() -> Signals.stop(self, GENEROUS)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("pid must not be this JVM's own: " + self);
    }

    private static StopOutcome stop(long pid, Duration intWait) throws Exception {
        // Signals.stop uses one timeout for both waits; a process that ignores INT costs one full wait
        return Signals.stop(pid, intWait);
    }
}
