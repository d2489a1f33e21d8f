package dev.weft.process;

import dev.weft.runtime.Scope;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeoutException;

/**
 * Commands connected stdout to stdin — {@code a | b | c} — started together with
 * {@link ProcessBuilder#startPipeline}: the pipes between the stages are the OS's, so the bytes between them never
 * enter this JVM. Immutable.
 *
 * <pre>{@code
 * try (Scope scope = Scope.open("count")) {
 *     ChildPipeline p = Pipeline.of(Command.of("cat", log), Command.of("grep", "ERROR"), Command.of("wc", "-l"))
 *             .start(scope);
 *     String count = p.stdoutLines().receive();
 *     List<ExitStatus> statuses = p.await();          // one per stage
 * }
 * }</pre>
 *
 * <p>The first stage's stdin, the last stage's stdout and every stage's stderr follow each command's redirects;
 * the stdout of every stage but the last, and the stdin of every stage but the first, must be left as pipes.
 *
 * <p>Thread-safe (immutable).
 */
public final class Pipeline {

    private final List<Command> stages;

    private Pipeline(List<Command> stages) {
        this.stages = stages;
    }

    /**
     * Returns a pipeline of these commands, in order.
     *
     * @param stages the commands, at least one
     * @return the pipeline
     * @throws IllegalArgumentException if there are no stages, or an inner stdin or stdout is redirected
     */
    public static Pipeline of(Command... stages) {
        Objects.requireNonNull(stages, "stages");
        return of(Arrays.asList(stages));
    }

    /**
     * Returns a pipeline of these commands, in order; see {@link #of(Command...)}.
     *
     * @param stages the commands, at least one
     * @return the pipeline
     * @throws IllegalArgumentException if there are no stages, or an inner stdin or stdout is redirected
     */
    public static Pipeline of(List<Command> stages) {
        Objects.requireNonNull(stages, "stages");
        if (stages.isEmpty()) {
            throw new IllegalArgumentException("a pipeline needs at least one stage");
        }
        List<Command> copy = new ArrayList<>();
        for (int i = 0; i < stages.size(); i++) {
            Command c = Objects.requireNonNull(stages.get(i), "stages[" + i + "]");
            if (i > 0 && !(c.stdinRedirect() instanceof Redirect.Pipe)) {
                throw new IllegalArgumentException("stage " + i + " (" + Command.quote(c.argv()) + ") must read stdin"
                        + " from the previous stage, but its stdin is " + ChildProcess.describe(c.stdinRedirect()));
            }
            if (i < stages.size() - 1 && !(c.stdoutRedirect() instanceof Redirect.Pipe)) {
                throw new IllegalArgumentException("stage " + i + " (" + Command.quote(c.argv()) + ") must write stdout"
                        + " to the next stage, but its stdout is " + ChildProcess.describe(c.stdoutRedirect()));
            }
            copy.add(c);
        }
        return new Pipeline(List.copyOf(copy));
    }

    /**
     * Returns the stages.
     *
     * @return the commands, in order
     */
    public List<Command> stages() {
        return stages;
    }

    /**
     * Starts every stage, each a {@link ChildProcess} owned by {@code scope}: when the scope ends, each stage's
     * process tree is terminated.
     *
     * @param scope the owning scope
     * @return the running pipeline
     * @throws IOException if a stage cannot be started (the stages already started are destroyed)
     * @throws IllegalStateException if the scope is closed
     */
    public ChildPipeline start(Scope scope) throws IOException {
        Objects.requireNonNull(scope, "scope");
        List<ProcessBuilder> builders = new ArrayList<>();
        List<String> cookies = new ArrayList<>();
        for (Command c : stages) {
            String cookie = ProcessTree.newCookie();
            cookies.add(cookie);
            builders.add(c.toProcessBuilder(cookie));
        }
        List<Process> processes = ProcessBuilder.startPipeline(builders);
        List<ChildProcess> children = new ArrayList<>();
        int last = stages.size() - 1;
        try {
            for (int i = 0; i <= last; i++) {
                Command c = stages.get(i);
                boolean stdinPiped = i == 0 && c.stdinRedirect() instanceof Redirect.Pipe;
                children.add(ChildProcess.adopt(processes.get(i), c.argv(), c.terminationGrace(), cookies.get(i),
                        stdinPiped,
                        i == 0 ? ChildProcess.describe(c.stdinRedirect()) : "the previous stage's stdout",
                        i == last && c.stdoutRedirect() instanceof Redirect.Pipe,
                        c.stderrRedirect() instanceof Redirect.Pipe, c.maxLineLength(), scope));
            }
        } catch (RuntimeException e) {
            for (int i = children.size(); i < processes.size(); i++) {
                processes.get(i).destroyForcibly();
            }
            children.forEach(ChildProcess::close);
            throw e;
        }
        return new ChildPipeline(children);
    }

    /**
     * Runs the pipeline to its end with a check, like {@link Command#run(Duration)}: piped output is read and
     * discarded, piped stdin of the first stage reads end of file. Like a shell's {@code pipefail}, any failing
     * stage fails the pipeline (a stage killed by SIGPIPE because a later one stopped reading counts too).
     *
     * <p>Blocks until every stage has exited or {@code timeout} has passed; then every stage's process tree is
     * terminated.
     *
     * @param timeout the longest the pipeline may run, positive
     * @return the exit status of every stage, all successes
     * @throws ProcessFailedException for the first stage that did not exit with 0
     * @throws TimeoutException if it ran longer than {@code timeout}
     * @throws IOException if a stage cannot be started
     * @throws InterruptedException if the calling thread is interrupted (the stages are terminated)
     */
    public List<ExitStatus> run(Duration timeout) throws IOException, InterruptedException, TimeoutException {
        Command.requirePositive(timeout, "timeout");
        List<Command> adjusted = new ArrayList<>(stages);
        if (adjusted.getFirst().stdinRedirect() instanceof Redirect.Pipe) {
            adjusted.set(0, adjusted.getFirst().stdin(Redirect.discard()));
        }
        try (Scope scope = Scope.open("pipeline")) {
            ChildPipeline p = Pipeline.of(adjusted).start(scope);
            for (ChildProcess c : p.stages()) {
                if (c == p.last() && stages.getLast().stdoutRedirect() instanceof Redirect.Pipe) {
                    c.stdout().drain();
                }
                if (stages.get(p.stages().indexOf(c)).stderrRedirect() instanceof Redirect.Pipe) {
                    c.stderr().drain();
                }
            }
            Optional<List<ExitStatus>> statuses = p.waitFor(timeout);
            if (statuses.isEmpty()) {
                p.close();
                throw Command.timedOut(p.last(), timeout);
            }
            for (int i = 0; i < statuses.get().size(); i++) {
                Command.check(p.stages().get(i), statuses.get().get(i));
            }
            return statuses.get();
        }
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder("Pipeline[");
        for (Command c : stages) {
            b.append(b.length() > 9 ? " | " : "").append(Command.quote(c.argv()));
        }
        return b.append(']').toString();
    }
}
