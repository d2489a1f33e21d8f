package dev.weft.samples;

import dev.weft.process.ChildPipeline;
import dev.weft.process.ChildProcess;
import dev.weft.process.Command;
import dev.weft.process.ExitStatus;
import dev.weft.process.Pipeline;
import dev.weft.runtime.Received;
import dev.weft.runtime.Scope;
import dev.weft.runtime.Select;
import dev.weft.runtime.Task;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeoutException;

/**
 * The child-process examples of the README, compiled here and exercised by the samples' tests: a command run with a
 * timeout inside a scope, a pipeline with the status of every stage, and a child's output lines watched in a select
 * with a timer.
 */
public final class ProcessExamples {

    private ProcessExamples() {
    }

    /**
     * Runs a shell script with a timeout inside a scope and returns its stdout.
     *
     * @param script the {@code sh -c} script
     * @param timeout the longest it may run
     * @return its stdout lines, joined with {@code \n}
     * @throws TimeoutException if it ran longer (its process tree is terminated when the scope closes)
     * @throws IOException if it failed (the message has its exit status and stderr tail) or cannot start
     * @throws InterruptedException if interrupted
     */
    public static String runWithTimeout(String script, Duration timeout)
            throws IOException, InterruptedException, TimeoutException {
        // README process: begin
        try (Scope scope = Scope.open("job")) {
            ChildProcess child = Command.of("sh", "-c", script)
                    .terminationGrace(Duration.ofSeconds(2))       // on close: TERM, 2 s, then KILL
                    .start(scope);                                 // the scope owns it and its process tree
            child.stderr().drain();                                // read stderr, keep its tail for errors
            Task<String> output = scope.fork("stdout", () -> String.join("\n", child.stdoutLines()));
            Optional<ExitStatus> status = child.waitFor(timeout);
            if (status.isEmpty()) {                                // still running: closing the scope kills it
                throw new TimeoutException("'" + script + "' ran longer than " + timeout);
            }
            if (!status.get().isSuccess()) {
                throw new IOException("'" + script + "' " + status.get().describe() + ": " + child.stderrTail());
            }
            return output.join();
        }
        // README process: end
    }

    /**
     * Returns the three most frequent lines of a file with their counts, through {@code sort | uniq -c | sort -rn |
     * head -n 3}.
     *
     * @param file the file
     * @return up to three lines like {@code 4 apple}
     * @throws IOException if a stage failed or cannot start
     * @throws InterruptedException if interrupted
     */
    public static List<String> topLines(Path file) throws IOException, InterruptedException {
        // README pipeline: begin
        try (Scope scope = Scope.open("top")) {
            ChildPipeline pipeline = Pipeline.of(
                    Command.of("sort", file.toString()),
                    Command.of("uniq", "-c"),
                    Command.of("sort", "-rn"),
                    Command.of("head", "-n", "3")).start(scope);
            List<String> top = pipeline.stdoutLines().stream().map(String::strip).toList();
            List<ExitStatus> statuses = pipeline.await();          // one per stage, like bash's PIPESTATUS
            if (!statuses.stream().allMatch(ExitStatus::isSuccess)) {
                throw new IOException("pipeline failed: " + statuses);
            }
            return top;
        }
        // README pipeline: end
    }

    /**
     * Watches a child's output lines and stops the child once it has been quiet for {@code quiet}.
     *
     * @param scope the scope that owns the child
     * @param script the {@code sh -c} script
     * @param quiet how long the child may write nothing
     * @return the lines it wrote
     * @throws IOException if it cannot start
     * @throws InterruptedException if interrupted
     */
    public static List<String> watch(Scope scope, String script, Duration quiet)
            throws IOException, InterruptedException {
        // README watch: begin
        ChildProcess child = Command.of("sh", "-c", script).start(scope);
        List<String> lines = new ArrayList<>();
        boolean done = false;
        while (!done) {
            done = Select.<Boolean>create()
                    .onReceiveOrClosed(child.stdoutLines(), received -> switch (received) {
                        case Received.Value<String>(String line) -> {
                            lines.add(line);
                            yield false;                           // keep watching
                        }
                        case Received.Closed<String> end -> true;  // the child closed its stdout
                    })
                    .onTimeout(quiet, () -> {                      // quiet for too long
                        child.close();                             // TERM its process tree, grace, KILL
                        return true;
                    })
                    .select();
        }
        // README watch: end
        return lines;
    }
}
