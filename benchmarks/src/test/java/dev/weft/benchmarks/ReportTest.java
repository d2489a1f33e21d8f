package dev.weft.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60) // runs git and jcmd
final class ReportTest {

    @TempDir
    Path dir;

    private Path csv(String... rows) throws Exception {
        Path f = dir.resolve("r" + System.nanoTime() + ".csv");
        Files.writeString(f, Report.HEADER + "\n" + String.join("\n", rows) + "\n");
        return f;
    }

    @Test
    void ratios_areTurnedSoThatAboveOneMeansWeftIsBetter() throws Exception {
        List<Report.Row> rows = Report.read(csv(
                "echo 100,weft,server CPU per request,us,lower,20,18,25,5,nio",
                "echo 100,nio,server CPU per request,us,lower,10,9,11,5,nio",
                "echo 100,weft,throughput,req/s,higher,50000,40000,60000,5,nio",
                "echo 100,nio,throughput,req/s,higher,100000,90000,110000,5,nio",
                "handoff,weft,throughput,ops/ms,higher,300,290,310,3,ArrayBlockingQueue",
                "handoff,ArrayBlockingQueue,throughput,ops/ms,higher,200,190,210,3,ArrayBlockingQueue"));
        List<Report.Comparison> c = Report.compare(rows);
        assertThat(c).extracting(Report.Comparison::ratio).containsExactly(0.5, 0.5, 1.5);
        String md = Report.render(rows, "JDK: test", "quick", "benchmarks/run --quick");
        assertThat(md).contains("| echo 100 | server CPU per request (us, lower is better) | 20.0 | nio | 10.0 | 0.50 ⚠ |")
                .contains("| handoff | throughput (ops/ms, higher is better) | 300 | ArrayBlockingQueue | 200 | 1.50 |")
                .contains("### echo 100").contains("JDK: test");
    }

    @Test
    void commit_namesTheCheckedOutCommit() throws Exception {
        // the tests run in a git checkout (CI clones the repository): the environment block names its commit
        Process p = new ProcessBuilder("git", "rev-parse", "--short=12", "HEAD").redirectErrorStream(true).start();
        String head = new String(p.getInputStream().readAllBytes()).strip();
        assertThat(p.waitFor()).as(head).isZero();

        assertThat(Report.commit()).matches(head + "( with uncommitted changes)?");
        assertThat(Report.environment("test flags")).contains("commit:  " + head);
    }

    @Test
    void ratios_ofMediansAboutZero_areNotShownAsNumbers() throws Exception {
        List<Report.Row> rows = Report.read(csv(
                "rearm,weft,alloc per op,B/op,lower,0.0004,0,0.001,3,stpe",
                "rearm,stpe,alloc per op,B/op,lower,96.5,96,97,3,stpe",
                "select,weft,alloc per op,B/op,lower,0.0006,0,0.001,3,poll",
                "select,poll,alloc per op,B/op,lower,0.0002,0,0.001,3,poll",
                "files,weft,events lost,events,lower,0,0,0,3,jdk",
                "files,jdk,events lost,events,lower,0,0,0,3,jdk"));
        String md = Report.render(rows, "env", "quick", "run");
        assertThat(md).contains("| stpe | 96.5 | weft ≈ 0 |").contains("| poll | 0.000200 | both ≈ 0 |")
                .contains("| jdk | 0.00 | both ≈ 0 |");
    }

    @Test
    void malformedFiles_areRejectedNamingFileAndLine() throws Exception {
        Path noHeader = dir.resolve("bad.csv");
        Files.writeString(noHeader, "x,y\n");
        assertThatThrownBy(() -> Report.read(noHeader)).hasMessageContaining("first line must be the header");
        Path fields = csv("a,b,c");
        assertThatThrownBy(() -> Report.read(fields)).hasMessageContaining(fields + ":2: expected 10 fields, got 3");
        Path better = csv("g,weft,m,u,faster,1,1,1,1,x");
        assertThatThrownBy(() -> Report.read(better)).hasMessageContaining("'better' must be higher or lower");
        Path number = csv("g,weft,m,u,higher,one,1,1,1,x");
        assertThatThrownBy(() -> Report.read(number)).hasMessageContaining(":2: not a number");
    }
}
