package dev.weft.benchmarks.micro;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.net.Message;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs {@link MicroSuite} {@code --smoke} (every benchmark once, in-process) into a temp file and checks the CSV's
 * shape: the header, well-formed rows, and a weft row and a baseline row in every group. Timings are not checked.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class MicroSuiteSmokeTest {

    @TempDir
    Path dir;

    @Test
    void smokeRunWritesWeftAndBaselineRowsForEveryGroup() throws Exception {
        Path out = dir.resolve("results/micro.csv");
        MicroSuite.run(new String[] {"--smoke", "--out", out.toString()});

        List<String> lines = Files.readAllLines(out, StandardCharsets.UTF_8);
        assertThat(lines.getFirst()).isEqualTo(MicroSuite.HEADER);
        Map<String, Set<String>> variants = new LinkedHashMap<>();
        Map<String, String> baselines = new LinkedHashMap<>();
        Set<String> metrics = new TreeSet<>();
        for (String line : lines.subList(1, lines.size())) {
            String[] f = line.split(",", -1);
            assertThat(f).as(line).hasSize(10);
            assertThat(f[4]).as(line).isIn("higher", "lower");
            double median = Double.parseDouble(f[5]);
            double min = Double.parseDouble(f[6]);
            double max = Double.parseDouble(f[7]);
            assertThat(min).as(line).isLessThanOrEqualTo(median);
            assertThat(median).as(line).isLessThanOrEqualTo(max);
            assertThat(Integer.parseInt(f[8])).as(line).isPositive();
            variants.computeIfAbsent(f[0], g -> new TreeSet<>()).add(f[1]);
            String previous = baselines.putIfAbsent(f[0], f[9]);
            assertThat(previous == null || previous.equals(f[9])).as("one baseline per group: " + line).isTrue();
            metrics.add(f[2] + " " + f[3]);
        }
        assertThat(variants.keySet()).contains(
                "channel handoff buffered 1->1", "channel handoff buffered 2->1", "channel handoff buffered 1->2",
                "channel handoff rendezvous ping-pong", "select 4 sources one ready", "timer schedule+cancel",
                "timer re-arm (idle timeout)", "timers 10k due at once", "message parse 64 B from String",
                "message parse 64 B from UTF-8 bytes", "message format 64 B");
        List<String> missing = new ArrayList<>();
        variants.forEach((group, who) -> {
            if (!who.contains("weft")) {
                missing.add(group + ": no weft row");
            }
            if (!who.contains(baselines.get(group))) {
                missing.add(group + ": no baseline row " + baselines.get(group));
            }
        });
        assertThat(missing).isEmpty();
        assertThat(metrics).contains("throughput ops/ms", "alloc per op B/op", "time per message ns",
                "throughput MB/s", "p99 lateness ms");
    }

    @Test
    void handWrittenParserAgreesWithWeftOnTheSampleMessages() {
        for (int size : new int[] {64, 1024, 65536}) {
            String text = MiniMessage.sample(size);
            assertThat(text.length()).as("size %d", size).isBetween(size - 16, size);
            assertThat(text).contains("\\\"");
            Message weft = Message.parse(text);
            MiniMessage mini = MiniMessage.parse(text);
            assertThat(mini.parameters()).isEqualTo(weft.parameters());
            assertThat(mini.command()).isEqualTo(weft.command());
            assertThat(mini.service()).isEqualTo(weft.service().orElseThrow());
            assertThat(mini.fromService()).isEqualTo(weft.sentFromService().orElseThrow());
            assertThat(Message.parse(mini.format())).isEqualTo(weft);
            assertThat(WeftInternals.format(weft)).isEqualTo(text);
        }
    }

    @Test
    void badArgumentsAreRefused() {
        assertThatThrownBy(() -> MicroSuite.run(new String[] {"--smoke"}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--out");
        assertThatThrownBy(() -> MicroSuite.run(new String[] {"--fast", "--out", "x.csv"}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--fast");
        assertThatThrownBy(() -> MicroSuite.run(new String[] {"--out"}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--out needs a value");
        assertThatThrownBy(() -> MiniMessage.sample(8))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("8");
        assertThatThrownBy(() -> TimerLateness.run(Schedulers.WEFT, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("count");
    }
}
