package dev.weft.fs.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

final class WatchOptionsTest {

    @Test
    void defaults_areNonRecursiveUnfilteredAuto() {
        WatchOptions o = WatchOptions.defaults();
        assertThat(o.recursive()).isFalse();
        assertThat(o.existing()).isFalse();
        assertThat(o.includes()).isEmpty();
        assertThat(o.followSymlinks()).isFalse();
        assertThat(o.coalesce()).isZero();
        assertThat(o.backend()).isEqualTo(WatchBackend.AUTO);
        assertThat(o.bufferCapacity()).isEqualTo(WatchOptions.DEFAULT_BUFFER);
    }

    @Test
    void builder_badValues_failNamingTheParameterAndValue() {
        WatchOptions.Builder b = WatchOptions.builder();
        assertThatThrownBy(() -> b.coalesce(Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("coalesce must not be negative: PT-1S");
        assertThatThrownBy(() -> b.pollInterval(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("pollInterval must be positive: PT0S");
        assertThatThrownBy(() -> b.bufferCapacity(0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("bufferCapacity must be between 1 and 1048576: 0");
        assertThatThrownBy(() -> b.include(""))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("include glob must not be empty");
        assertThatThrownBy(() -> b.exclude("[a"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("exclude glob is malformed: [a");
        assertThatThrownBy(() -> b.include((String) null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> b.backend(null)).isInstanceOf(NullPointerException.class).hasMessage("backend");
    }

    @Test
    void build_copiesTheGlobs() {
        WatchOptions.Builder b = WatchOptions.builder().include("*.log");
        WatchOptions first = b.build();
        b.include("*.txt");
        assertThat(first.includes()).containsExactly("*.log");
        assertThatThrownBy(() -> first.includes().add("x")).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void matcher_globWithoutSlashMatchesTheNameWithSlashTheRelativePath() {
        var m = WatchOptions.matcher(java.util.List.of("*.log", "conf/*.yml"));
        assertThat(m.matches(Path.of("a/b/x.log"))).isTrue();
        assertThat(m.matches(Path.of("conf/app.yml"))).isTrue();
        assertThat(m.matches(Path.of("other/app.yml"))).isFalse();
        assertThat(m.matches(Path.of("x.txt"))).isFalse();
    }
}
