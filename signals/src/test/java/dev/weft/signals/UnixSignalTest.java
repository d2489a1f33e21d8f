package dev.weft.signals;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

final class UnixSignalTest {

    @Test
    void numbers_areLinuxNumbers() {
        assertThat(UnixSignal.HUP.number()).isEqualTo(1);
        assertThat(UnixSignal.INT.number()).isEqualTo(2);
        assertThat(UnixSignal.KILL.number()).isEqualTo(9);
        assertThat(UnixSignal.USR1.number()).isEqualTo(10);
        assertThat(UnixSignal.USR2.number()).isEqualTo(12);
        assertThat(UnixSignal.TERM.number()).isEqualTo(15);
        assertThat(UnixSignal.CHLD.number()).isEqualTo(17);
        assertThat(UnixSignal.STOP.number()).isEqualTo(19);
        assertThat(UnixSignal.WINCH.number()).isEqualTo(28);
        assertThat(UnixSignal.SYS.number()).isEqualTo(31);
        assertThat(Arrays.stream(UnixSignal.values()).mapToInt(UnixSignal::number)).doesNotHaveDuplicates();
    }

    @ParameterizedTest
    @EnumSource(UnixSignal.class)
    void of_acceptsNameFullNameLowerCaseAndNumber(UnixSignal s) {
        assertThat(UnixSignal.of(s.name())).isSameAs(s);
        assertThat(UnixSignal.of(s.fullName())).isSameAs(s);
        assertThat(UnixSignal.of(s.fullName().toLowerCase(java.util.Locale.ROOT))).isSameAs(s);
        assertThat(UnixSignal.of(Integer.toString(s.number()))).isSameAs(s);
        assertThat(UnixSignal.ofNumber(s.number())).contains(s);
    }

    @Test
    void exitStatus_is128PlusNumber() {
        assertThat(UnixSignal.TERM.exitStatus()).isEqualTo(143);
        assertThat(UnixSignal.INT.exitStatus()).isEqualTo(130);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "SIG", "TERMINATE", "0", "16", "32", "99999999999", "-15", "SIGTERM2"})
    void of_unknown_throwsNamingTheText(String text) {
        assertThatThrownBy(() -> UnixSignal.of(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(text);
    }

    @Test
    void of_null_throws() {
        assertThatThrownBy(() -> UnixSignal.of(null)).isInstanceOf(NullPointerException.class).hasMessage("text");
    }

    @Test
    void ofNumber_unknown_isEmpty() {
        assertThat(UnixSignal.ofNumber(0)).isEmpty();
        assertThat(UnixSignal.ofNumber(16)).isEmpty();
        assertThat(UnixSignal.ofNumber(34)).isEmpty();
    }

    @Test
    void delivery_rejectsBadComponents() {
        Instant t = Instant.parse("2026-01-01T00:00:00Z");
        assertThatThrownBy(() -> new SignalDelivery(UnixSignal.HUP, 0, t, t))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("count must be at least 1: 0");
        assertThatThrownBy(() -> new SignalDelivery(UnixSignal.HUP, 1, t, t.minusSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("lastArrival");
        assertThat(new SignalDelivery(UnixSignal.HUP, 1, t, t).plusOne(t.plusSeconds(1)))
                .isEqualTo(new SignalDelivery(UnixSignal.HUP, 2, t, t.plusSeconds(1)));
    }
}
