package dev.weft.benchmarks.macro;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the macro suite in {@code --smoke} mode (real server and driver processes, tiny sizes) and checks that every
 * group wrote rows in the result format. Timings are never asserted.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class MacroSuiteSmokeTest {

    @Test
    void smokeRunWritesRowsForEveryGroup(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("macro.csv");

        MacroSuite.run(new String[] {"--smoke", "--out", out.toString()});

        List<String> lines = Files.readAllLines(out, StandardCharsets.UTF_8);
        assertThat(lines.get(0)).isEqualTo("group,variant,metric,unit,better,median,min,max,samples,baseline");
        List<String[]> rows = lines.stream().skip(1).map(l -> l.split(",", -1)).toList();
        assertThat(rows).allSatisfy(r -> {
            assertThat(r).hasSize(10);
            assertThat(r[4]).isIn("higher", "lower");
            Double.parseDouble(r[5]);
            assertThat(Integer.parseInt(r[8])).isPositive();
        });
        assertThat(rows).extracting(r -> r[0]).contains("echo 4 connections", "message echo 4 connections",
                "idle connections", "reconnect 3 connections restart after 0 ms", "file events");
        assertThat(rows).filteredOn(r -> r[0].equals("echo 4 connections")).extracting(r -> r[1])
                .contains("weft", "nio-selector", "netty-epoll", "vt-socket", "platform-thread");
        assertThat(rows).filteredOn(r -> r[0].equals("echo 4 connections")).extracting(r -> r[2])
                .contains("server CPU per request", "throughput", "p50 latency", "p99 latency", "p99.9 latency");
        assertThat(rows).filteredOn(r -> r[0].equals("echo 4 connections") && r[2].equals("throughput"))
                .allSatisfy(r -> assertThat(Double.parseDouble(r[5])).isPositive()); // every server echoed
        assertThat(rows).filteredOn(r -> r[0].equals("file events") && r[2].equals("events lost"))
                .allSatisfy(r -> assertThat(Double.parseDouble(r[5])).isZero());
    }

    @Test
    void unknownArgumentsAreRefused(@TempDir Path dir) {
        assertThatThrownBy(() -> MacroSuite.run(new String[] {"--fast"}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--fast");
        assertThatThrownBy(() -> MacroSuite.run(new String[] {"--smoke", "--only", "echo,ftp"}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ftp");
        assertThat(dir).isEmptyDirectory();
    }

    @Test
    void requestLinesAre64Bytes() {
        assertThat(LoadDriver.request(false)).hasSize(LoadDriver.LINE_BYTES);
        assertThat(LoadDriver.request(true)).hasSize(LoadDriver.LINE_BYTES);
        assertThat(new String(LoadDriver.request(true), StandardCharsets.US_ASCII)).startsWith("ECHO data=");
    }
}
