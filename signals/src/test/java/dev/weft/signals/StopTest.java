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
    /** For a process that ignores INT: the whole wait after INT passes, then TERM kills it well within this. */
    private static final Duration AFTER_TERM = Duration.ofSeconds(3);

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
            // INT's wait has to run out, so it is not long; it is ample for dying of TERM, even on a loaded machine
            assertThat(Signals.stop(child.pid(), AFTER_TERM)).isEqualTo(StopOutcome.EXITED_AFTER_TERM);
            assertThat(child.awaitExit()).isEqualTo(143);
        }
    }

    @Test
    void stop_separateWaits_shortAfterIntThenLongerAfterTerm() throws Exception {
        try (ChildJvm child = ChildJvm.sh("trap '' INT; echo ready; while :; do read x; done")) {
            child.awaitLine("ready");
            assertThat(Signals.stop(child.pid(), Duration.ofMillis(300), GENEROUS))
                    .isEqualTo(StopOutcome.EXITED_AFTER_TERM);
            assertThat(child.awaitExit()).isEqualTo(143);
        }
        assertThatThrownBy(() -> Signals.stop(Integer.MAX_VALUE, GENEROUS, Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("afterTerm must be positive: PT0S");
        assertThatThrownBy(() -> Signals.stop(Integer.MAX_VALUE, Duration.ofSeconds(-2), GENEROUS))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("afterInt must be positive: PT-2S");
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
    void stop_processThatIsNotOurChild_isWaitedFor() throws Exception {
        // the sleep is the shell's child, not ours; as a background command of a non-interactive shell it ignores INT
        try (ChildJvm shell = ChildJvm.sh("sleep 300 & echo $!; wait")) {
            long pid = Long.parseLong(shell.awaitLine(l -> l.matches("\\d+"), "the pid of sleep"));
            assertThat(ProcessHandle.current().children().mapToLong(ProcessHandle::pid)).doesNotContain(pid);
            assertThat(Signals.stop(pid, AFTER_TERM)).isEqualTo(StopOutcome.EXITED_AFTER_TERM);
            assertThat(shell.awaitExit()).as("the shell ends once its sleep has ended").isZero();
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
}
