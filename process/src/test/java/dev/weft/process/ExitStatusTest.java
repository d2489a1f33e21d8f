package dev.weft.process;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

final class ExitStatusTest {

    @Test
    void statusOf_signalWeftSent_isSignalled_otherCodesAreExited() {
        long sentTerm = 1L << ExitStatus.SIGTERM;
        assertThat(ChildProcess.statusOf(143, sentTerm)).isEqualTo(new ExitStatus.Signalled(15));
        assertThat(ChildProcess.statusOf(137, sentTerm)).isEqualTo(new ExitStatus.Exited(137));
        assertThat(ChildProcess.statusOf(143, 0)).isEqualTo(new ExitStatus.Exited(143));
        assertThat(ChildProcess.statusOf(0, sentTerm)).isEqualTo(new ExitStatus.Exited(0));
    }

    @Test
    void describe_codeAndPossibleSignal() {
        assertThat(new ExitStatus.Exited(0).isSuccess()).isTrue();
        assertThat(new ExitStatus.Signalled(9).isSuccess()).isFalse();
        assertThat(new ExitStatus.Signalled(9).code()).isEqualTo(137);
        assertThat(new ExitStatus.Signalled(9).describe()).isEqualTo("killed by signal 9 (SIGKILL)");
        assertThat(new ExitStatus.Exited(3).describe()).isEqualTo("exited with code 3");
        assertThat(new ExitStatus.Exited(128).possibleSignal()).isEmpty();
        assertThat(new ExitStatus.Exited(129).possibleSignal()).contains(1);
        assertThat(new ExitStatus.Exited(192).possibleSignal()).contains(64);
        assertThat(new ExitStatus.Exited(193).possibleSignal()).isEmpty();
    }
}
