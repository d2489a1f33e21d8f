package dev.weft.process;

import dev.weft.runtime.CancelledException;
import dev.weft.runtime.ReceiveChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A running {@link Pipeline}: one {@link ChildProcess} per stage, the first stage's stdin and the last stage's
 * stdout. Each stage is owned by the scope the pipeline was started in.
 *
 * <p>Thread-safe.
 */
public final class ChildPipeline implements AutoCloseable {

    private final List<ChildProcess> stages;

    ChildPipeline(List<ChildProcess> stages) {
        this.stages = List.copyOf(stages);
    }

    /**
     * Returns the stages, in order.
     *
     * @return the child processes
     */
    public List<ChildProcess> stages() {
        return stages;
    }

    /**
     * Returns the first stage.
     *
     * @return the first child process
     */
    public ChildProcess first() {
        return stages.getFirst();
    }

    /**
     * Returns the last stage.
     *
     * @return the last child process
     */
    public ChildProcess last() {
        return stages.getLast();
    }

    /**
     * Returns the first stage's stdin.
     *
     * @return the stdin sink
     * @throws IllegalStateException if the first stage's stdin is not a pipe
     */
    public ByteSink stdin() {
        return first().stdin();
    }

    /**
     * Returns the last stage's stdout.
     *
     * @return the stdout source
     * @throws IllegalStateException if the last stage's stdout is not a pipe
     */
    public ByteSource stdout() {
        return last().stdout();
    }

    /**
     * Returns the last stage's stdout lines.
     *
     * @return the channel of lines
     * @throws IllegalStateException if the last stage's stdout is not a pipe, or is read as bytes
     */
    public ReceiveChannel<String> stdoutLines() {
        return last().stdoutLines();
    }

    /**
     * Waits until every stage has exited.
     *
     * <p>Blocks; cancelling the wait does nothing to the processes.
     *
     * @return the exit status of every stage, in order
     * @throws CancelledException if the calling task is cancelled while waiting
     * @throws InterruptedException if the calling thread is interrupted while waiting
     */
    public List<ExitStatus> await() throws InterruptedException {
        List<ExitStatus> statuses = new ArrayList<>();
        for (ChildProcess c : stages) {
            statuses.add(c.await());
        }
        return List.copyOf(statuses);
    }

    /**
     * Waits at most {@code timeout} until every stage has exited.
     *
     * @param timeout the longest time to wait, positive
     * @return the exit status of every stage, or empty if one still runs
     * @throws CancelledException if the calling task is cancelled while waiting
     * @throws InterruptedException if the calling thread is interrupted while waiting
     */
    public Optional<List<ExitStatus>> waitFor(Duration timeout) throws InterruptedException {
        Command.requirePositive(timeout, "timeout");
        long deadline = System.nanoTime() + timeout.toNanos();
        List<ExitStatus> statuses = new ArrayList<>();
        for (ChildProcess c : stages) {
            long left = deadline - System.nanoTime();
            Optional<ExitStatus> s = c.waitFor(Duration.ofNanos(Math.max(1, left)));
            if (s.isEmpty()) {
                return Optional.empty();
            }
            statuses.add(s.get());
        }
        return Optional.of(List.copyOf(statuses));
    }

    /**
     * Terminates every stage that still runs ({@link ChildProcess#close()}), from the first to the last, and waits
     * for them. Idempotent.
     */
    @Override
    public void close() {
        for (ChildProcess c : stages) {
            c.close();
        }
    }

    @Override
    public String toString() {
        return "ChildPipeline" + stages;
    }
}
