package dev.weft.samples.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

final class CommandLineTest {

    private static final CommandLine.Spec SPEC = new CommandLine.Spec(Set.of("--reply"),
            Set.of("--host", "--param", "--timeout"), Map.of("-p", "--param"));

    @Test
    void parse_optionsFlagsAliasesAndPositionals() throws Exception {
        CommandLine line = CommandLine.parse("send", List.of("--host", "tcp://x:1", "-p", "a=1", "--reply",
                "--param=b=2", "CMD", "--", "--not-an-option"), SPEC);
        assertThat(line.value("--host")).hasValue("tcp://x:1");
        assertThat(line.flag("--reply")).isTrue();
        assertThat(line.flag("--help")).isFalse();
        assertThat(line.pairs("--param")).containsExactly(Map.entry("a", "1"), Map.entry("b", "2"));
        assertThat(line.positional()).containsExactly("CMD", "--not-an-option");
    }

    @Test
    void parse_badInput_namesWhatIsWrong() {
        assertThatThrownBy(() -> CommandLine.parse("send", List.of("--bogus"), SPEC))
                .isInstanceOf(UsageException.class).hasMessage("send: unknown option --bogus (see weft send --help)");
        assertThatThrownBy(() -> CommandLine.parse("send", List.of("--host"), SPEC))
                .isInstanceOf(UsageException.class).hasMessage("send: option --host needs a value");
        assertThatThrownBy(() -> CommandLine.parse("send", List.of("--reply=yes"), SPEC))
                .isInstanceOf(UsageException.class).hasMessageContaining("--reply takes no value");
        assertThatThrownBy(() -> CommandLine.parse("send", List.of("-p", "novalue"), SPEC).pairs("--param"))
                .isInstanceOf(UsageException.class).hasMessage("send: --param takes name=value, not 'novalue'");
        assertThatThrownBy(() -> CommandLine.parse("send", List.of("A", "B"), SPEC).onePositional("message"))
                .isInstanceOf(UsageException.class).hasMessage("send: expected one message, got 2: A B");
    }

    @Test
    void durations_unitsAndIso_andBadOnesRejected() throws Exception {
        assertThat(CommandLine.parseDuration("t", "250ms")).isEqualTo(Duration.ofMillis(250));
        assertThat(CommandLine.parseDuration("t", "5s")).isEqualTo(Duration.ofSeconds(5));
        assertThat(CommandLine.parseDuration("t", "2m")).isEqualTo(Duration.ofMinutes(2));
        assertThat(CommandLine.parseDuration("t", "14d")).isEqualTo(Duration.ofDays(14));
        assertThat(CommandLine.parseDuration("t", "PT1.5S")).isEqualTo(Duration.ofMillis(1500));
        for (String bad : List.of("", "5", "s", "5x", "-5s", "0s", "PT-1S", "P", "99999999999999s")) {
            assertThatThrownBy(() -> CommandLine.parseDuration("--timeout", bad)).as(bad)
                    .isInstanceOf(UsageException.class).hasMessageStartingWith("--timeout: ");
        }
        assertThat(CommandLine.format(Duration.ofMillis(300))).isEqualTo("300ms");
        assertThat(CommandLine.format(Duration.ofSeconds(5))).isEqualTo("5s");
        assertThat(CommandLine.format(Duration.ofDays(14))).isEqualTo("14d");
    }

    @Test
    void targets_everySchemeAndBadOnes() throws Exception {
        assertThat(Target.parse("h", "tcp://[::1]:4040")).isEqualTo(new Target("tcp", "::1", 4040));
        assertThat(Target.parse("h", "udp://127.0.0.1:4041")).isEqualTo(new Target("udp", "127.0.0.1", 4041));
        assertThat(Target.parse("h", "tls://example.com:443").toString()).isEqualTo("tls://example.com:443");
        assertThat(Target.parse("h", "example.com:80")).isEqualTo(new Target("tcp", "example.com", 80));
        assertThat(Target.parse("h", "unix:/run/x.sock")).isEqualTo(new Target("unix", "/run/x.sock", 0));
        assertThat(Target.parse("h", "[::1]:7").toString()).isEqualTo("tcp://[::1]:7");
        assertThatThrownBy(() -> Target.parse("--host", "ftp://x:1")).hasMessageContaining("unknown scheme 'ftp'");
        assertThatThrownBy(() -> Target.parse("--host", "tcp://x")).hasMessageContaining("needs host:port");
        assertThatThrownBy(() -> Target.parse("--host", "tcp://x:99999")).hasMessageContaining("bad port '99999'");
        assertThatThrownBy(() -> Target.parse("--host", "::1:80")).hasMessageContaining("in brackets");
        assertThatThrownBy(() -> Target.parse("--host", "unix:")).hasMessageContaining("needs a path");
        assertThat(CheckCertificateCommand.withPort("example.com", 443)).isEqualTo("example.com:443");
        assertThat(CheckCertificateCommand.withPort("example.com:8443", 443)).isEqualTo("example.com:8443");
        assertThat(CheckCertificateCommand.withPort("::1", 443)).isEqualTo("[::1]:443");
        assertThat(CheckCertificateCommand.withPort("[::1]", 443)).isEqualTo("[::1]:443");
    }
}
