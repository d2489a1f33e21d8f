package dev.weft.process;

import static dev.weft.process.ProcessTestSupport.WAIT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.runtime.Scope;
import dev.weft.runtime.Task;
import dev.weft.runtime.testing.PinningGuard;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(PinningGuard.class)
@Timeout(value = 300, unit = TimeUnit.SECONDS)
final class PipelineTest {

    private static final long GIB = 1L << 30;
    private static final long HEAP_BOUND = 64L << 20;

    @TempDir
    Path dir;

    @Test
    void threeStages_outputOfLast_statusOfEach() throws Exception {
        try (Scope scope = Scope.open("test")) {
            ChildPipeline p = Pipeline.of(Command.of("printf", "b\\na\\nc\\n"), Command.of("sort"),
                    Command.of("head", "-n", "2")).start(scope);
            assertThat(p.stdoutLines().stream().toList()).containsExactly("a", "b");
            assertThat(p.await()).allMatch(ExitStatus::isSuccess).hasSize(3);
            assertThat(p.stages()).hasSize(3);
        }
    }

    @Test
    void failingStage_isReportedPerStage_andRunChecksEveryStage() throws Exception {
        try (Scope scope = Scope.open("test")) {
            ChildPipeline p = Pipeline.of(Command.of("sh", "-c", "echo x; echo broken >&2; exit 3"),
                    Command.of("cat")).start(scope);
            assertThat(p.stdoutLines().stream().toList()).containsExactly("x");
            assertThat(p.await()).containsExactly(new ExitStatus.Exited(3), new ExitStatus.Exited(0));
            assertThat(p.first().stderrTail()).isEqualTo("broken");
        }
        assertThatThrownBy(() -> Pipeline.of(Command.of("sh", "-c", "echo broken >&2; exit 3"), Command.of("cat"))
                .run(WAIT)).isInstanceOfSatisfying(ProcessFailedException.class, e -> {
                    assertThat(e.command()).containsExactly("sh", "-c", "echo broken >&2; exit 3");
                    assertThat(e.stderrTail()).isEqualTo("broken");
                });
        assertThat(Pipeline.of(Command.of("echo", "hi"), Command.of("cat")).run(WAIT)).hasSize(2);
    }

    @Test
    void stdinOfFirstStage_feedsThePipeline() throws Exception {
        try (Scope scope = Scope.open("test")) {
            ChildPipeline p = Pipeline.of(Command.of("tr", "a-z", "A-Z"), Command.of("rev")).start(scope);
            p.stdin().writeLine("hello");
            p.stdin().close();
            assertThat(p.stdoutLines().stream().toList()).containsExactly("OLLEH");
        }
    }

    @Test
    void badStages_areRefused() {
        assertThatThrownBy(() -> Pipeline.of()).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("a pipeline needs at least one stage");
        assertThatThrownBy(() -> Pipeline.of(Command.of("echo").stdout(Redirect.discard()), Command.of("cat")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("stage 0 (echo) must write stdout to the next stage");
        assertThatThrownBy(() -> Pipeline.of(Command.of("echo"), Command.of("cat").stdin(Redirect.inherit())))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("stage 1 (cat) must read stdin from the previous stage");
    }

    @Test
    void scopeClose_terminatesEveryStage() throws Exception {
        ChildPipeline p;
        try (Scope scope = Scope.open("test")) {
            p = Pipeline.of(Command.of("sleep", "1000"), Command.of("cat")).start(scope);
        }
        assertThat(p.stages()).noneMatch(ChildProcess::isAlive);
        assertThat(p.first().await()).isEqualTo(new ExitStatus.Signalled(ExitStatus.SIGTERM));
    }

    @Test
    void oneGibThroughCatCat_heapStaysBounded() throws Exception {
        long start = usedAfterGc();
        long max = start;
        long received = 0;
        try (Scope scope = Scope.open("gib")) {
            ChildPipeline p = Pipeline.of(Command.of("cat"), Command.of("cat")).start(scope);
            Task<Void> writer = scope.fork("writer", () -> {
                byte[] block = new byte[64 * 1024];
                for (long sent = 0; sent < GIB; sent += block.length) {
                    p.stdin().write(block);
                }
                p.stdin().close();
            });
            InputStream out = p.stdout().input();
            byte[] buf = new byte[64 * 1024];
            long nextSample = 0;
            int n;
            while ((n = out.read(buf)) >= 0) {
                received += n;
                if (received >= nextSample) {
                    max = Math.max(max, usedAfterGc());
                    nextSample += 128L << 20;
                }
            }
            writer.join();
            assertThat(p.await()).allMatch(ExitStatus::isSuccess);
        }
        System.out.printf("1 GiB through cat | cat: heap used after GC at start %d MiB, max sampled %d MiB%n",
                start >> 20, max >> 20);
        assertThat(received).isEqualTo(GIB);
        assertThat(max - start).isLessThan(HEAP_BOUND);
    }

    /** Heap in use after a full GC (java.lang.management is not readable from this module's tests). */
    private static long usedAfterGc() {
        System.gc();
        Runtime rt = Runtime.getRuntime();
        return rt.totalMemory() - rt.freeMemory();
    }

    @Test
    void pipelineToString_showsStages() {
        assertThat(Pipeline.of(Command.of("a", "x y"), Command.of("b")).toString())
                .isEqualTo("Pipeline[a 'x y' | b]");
        assertThat(Pipeline.of(List.of(Command.of("a"))).stages()).hasSize(1);
    }
}
