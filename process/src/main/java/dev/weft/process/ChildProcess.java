package dev.weft.process;

import dev.weft.net.Connection;
import dev.weft.runtime.CancelledException;
import dev.weft.runtime.Channel;
import dev.weft.runtime.ChannelClosedException;
import dev.weft.runtime.ReceiveChannel;
import dev.weft.runtime.Scope;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running child process owned by a {@link Scope}: its output as channels of lines or as byte streams, its stdin
 * as a sink, its exit as a channel element or a blocking wait. Started by {@link Command#start(Scope)}.
 *
 * <pre>{@code
 * try (Scope scope = Scope.open("build")) {
 *     ChildProcess make = Command.of("make", "-j4").stderr(Redirect.inherit()).start(scope);
 *     for (String line : make.stdoutLines()) {
 *         log.info("make: {}", line);
 *     }
 *     ExitStatus status = make.await();
 * }   // had make still been running, its whole process tree would now be terminated and waited for
 * }</pre>
 *
 * <p><b>Ownership.</b> The process belongs to a task of its scope, named {@code process <pid> <program>}. When
 * the scope is cancelled or closed while the process runs, that task terminates the process and everything it
 * started: SIGTERM to all, up to the {@linkplain Command#terminationGrace(Duration) grace period} (default 5 s) for
 * them to exit, SIGKILL to the survivors and to any process started meanwhile, then it waits for them — so the
 * scope's {@code close()} returns only when the tree is gone. {@link #close()} does the same at once. "Everything it
 * started" is a {@link ProcessHandle#descendants()} snapshot plus every process that inherited the child's
 * {@code WEFT_PROCESS_TREE} environment variable (a unique value weft sets), which finds a background job whose
 * shell has already exited. Such leftovers also keep the task alive after the child itself has exited, so
 * {@code scope.join()} waits for them and cancelling the scope terminates them. The JDK reaps the child; a
 * grandchild whose parent has died is reaped by PID 1 (see {@link ExitStatus} for telling a signal from an exit
 * code).
 *
 * <p><b>Output.</b> Each piped output ({@link Redirect#pipe()}, the default) is read by its own platform thread
 * (see {@link ByteSource} for why, and for the bounded, lossless hand-off). Read it with {@link #stdoutLines()},
 * {@link #stdout()}{@code .input()}, or {@link ByteSource#drain()} it. Like any pipe, output nobody reads
 * eventually blocks the child; and the process's task, after the child has exited, waits until its piped output has
 * been read to the end — so a {@code scope.join()} waits for the output to be consumed, while {@code close()}
 * discards what is left. The last 8 KiB of stderr are always kept ({@link #stderrTail()}).
 *
 * <p><b>Exit.</b> {@link #exit()} delivers the {@link ExitStatus} once (for a {@code select}); {@link #await()} and
 * {@link #waitFor(Duration)} can be called by any number of threads.
 *
 * <p>Thread-safe.
 */
public final class ChildProcess implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ChildProcess.class);
    /** How long the owning task waits for output readers after the process tree is gone, when cancelled. */
    private static final Duration READERS_AFTER_KILL = Duration.ofSeconds(2);
    /** Extra time for the shielded termination beyond the grace period (the KILL and its wait). */
    private static final Duration KILL_ALLOWANCE = Duration.ofSeconds(15);
    /** How often the processes a child left behind are looked for again (they may start others). */
    private static final Duration LEFTOVER_RESCAN = Duration.ofSeconds(1);

    private final Process process;
    private final List<String> command;
    private final String name;
    private final Duration grace;
    /** The value of {@link ProcessTree#COOKIE_VARIABLE} in the child's environment, which its descendants inherit. */
    private final String cookie;
    private final ByteSource stdout;
    private final ByteSource stderr;
    private final boolean stdinPiped;
    private final String stdinDescription;
    private final Channel<ExitStatus> exit;
    private final Channel<Boolean> exited;
    private final AtomicLong signalsSent = new AtomicLong();
    private final Object lock = new Object();
    private volatile ExitStatus status;
    private ByteSink stdin;
    private volatile boolean closing;

    private ChildProcess(Process process, List<String> command, Duration grace, String cookie, boolean stdinPiped,
            String stdinDescription, boolean stdoutPiped, boolean stderrPiped, int maxLineLength) {
        this.process = process;
        this.cookie = cookie;
        this.command = List.copyOf(command);
        this.grace = grace;
        long pid = process.pid();
        String program = programName(command);
        this.name = "process " + pid + " " + program;
        this.stdinPiped = stdinPiped;
        this.stdinDescription = stdinDescription;
        this.stdout = stdoutPiped ? ByteSource.start(name + " stdout", "weft-process-" + pid + "-stdout",
                process::getInputStream, () -> { }, maxLineLength, 0) : null;
        this.stderr = stderrPiped ? ByteSource.start(name + " stderr", "weft-process-" + pid + "-stderr",
                process::getErrorStream, () -> { }, maxLineLength, TailBuffer.DEFAULT_BYTES) : null;
        this.exit = Channel.<ExitStatus>builder().name(name + " exit").capacity(1).build();
        this.exited = Channel.<Boolean>builder().name(name + " exited").build();
    }

    /**
     * Wraps a started process and hands it to a new task of {@code scope}; destroys the process if the scope is
     * closed.
     */
    static ChildProcess adopt(Process process, List<String> command, Duration grace, String cookie,
            boolean stdinPiped, String stdinDescription, boolean stdoutPiped, boolean stderrPiped, int maxLineLength,
            Scope scope) {
        ChildProcess p = new ChildProcess(process, command, grace, cookie, stdinPiped, stdinDescription, stdoutPiped,
                stderrPiped, maxLineLength);
        process.onExit().whenComplete((done, error) -> p.exited(error == null ? done.exitValue() : -1));
        try {
            scope.fork(p.name, p::own);
        } catch (RuntimeException e) {
            p.killNow();
            throw e;
        }
        return p;
    }

    static String describe(Redirect r) {
        return switch (r) {
            case Redirect.Pipe ignored -> "a pipe";
            case Redirect.Inherit ignored -> "inherited";
            case Redirect.Discard ignored -> "discarded";
            case Redirect.OfFile f -> "the file " + f.path();
        };
    }

    static String programName(List<String> command) {
        String first = command.getFirst();
        int slash = first.lastIndexOf('/');
        return slash >= 0 ? first.substring(slash + 1) : first;
    }

    /**
     * Returns the child's process id.
     *
     * @return the pid
     */
    public long pid() {
        return process.pid();
    }

    /**
     * Returns the command line the process was started with.
     *
     * @return the argv
     */
    public List<String> command() {
        return command;
    }

    /**
     * Returns a handle of the process, for {@link ProcessHandle#descendants()} or {@link ProcessHandle#info()}.
     *
     * @return the process handle
     */
    public ProcessHandle toHandle() {
        return process.toHandle();
    }

    /**
     * Returns whether the process is still running.
     *
     * @return true until it has exited
     */
    public boolean isAlive() {
        return status == null;
    }

    /**
     * Returns the child's stdout.
     *
     * @return the stdout source
     * @throws IllegalStateException if stdout was not redirected to a pipe
     */
    public ByteSource stdout() {
        if (stdout == null) {
            throw new IllegalStateException("stdout of " + name + " is not a pipe (it was redirected elsewhere)");
        }
        return stdout;
    }

    /**
     * Returns the child's stderr.
     *
     * @return the stderr source
     * @throws IllegalStateException if stderr was not redirected to a pipe
     */
    public ByteSource stderr() {
        if (stderr == null) {
            throw new IllegalStateException("stderr of " + name + " is not a pipe (it was redirected elsewhere)");
        }
        return stderr;
    }

    /**
     * Returns the child's stdout lines: {@code stdout().lines()}.
     *
     * @return the channel of stdout lines
     * @throws IllegalStateException if stdout is not a pipe or is already read as bytes
     */
    public ReceiveChannel<String> stdoutLines() {
        return stdout().lines();
    }

    /**
     * Returns the child's stderr lines: {@code stderr().lines()}.
     *
     * @return the channel of stderr lines
     * @throws IllegalStateException if stderr is not a pipe or is already read as bytes
     */
    public ReceiveChannel<String> stderrLines() {
        return stderr().lines();
    }

    /**
     * Returns the last lines the child wrote to stderr (at most 20 lines within the last 8 KiB), whichever way
     * stderr is read.
     *
     * @return the stderr tail; empty if stderr is not a pipe or nothing was written
     */
    public String stderrTail() {
        return stderr == null ? "" : stderr.tail().orElse("");
    }

    /**
     * Returns the child's stdin as a sink; the first call starts its writer thread. Close it to let the child read
     * end of file.
     *
     * @return the stdin sink; the same one on every call
     * @throws IllegalStateException if stdin was not redirected from a pipe
     */
    public ByteSink stdin() {
        synchronized (lock) {
            if (!stdinPiped) {
                throw new IllegalStateException("stdin of " + name + " is not a pipe (it is " + stdinDescription
                        + ")");
            }
            if (stdin == null) {
                stdin = ByteSink.start(name + " stdin", "weft-process-" + pid() + "-stdin", process::getOutputStream,
                        () -> { });
                if (status != null) {
                    stdin.abort();
                }
            }
            return stdin;
        }
    }

    /**
     * Returns the child's stdout and stdin as a line connection, for a message protocol with the child
     * ({@code MessageConnection.over(child.connection())}). Closing the connection closes stdin and stdout (it does
     * not terminate the process).
     *
     * @return a connection named like the process
     * @throws IllegalStateException if stdin or stdout is not a pipe, or stdout is already read as lines
     */
    public Connection connection() {
        return Connection.of(name, stdout().channel(), stdin().channel());
    }

    /**
     * Returns a channel that receives the exit status once, when the process has exited, and is then closed. For a
     * {@code select}; only one receiver gets the element (use {@link #await()} to wait from several threads).
     *
     * @return the exit channel
     */
    public ReceiveChannel<ExitStatus> exit() {
        return exit;
    }

    /**
     * Waits until the process has exited.
     *
     * <p>Blocks the calling thread (a virtual thread unmounts). Cancelling the wait does nothing to the process.
     *
     * @return how the process ended
     * @throws CancelledException if the calling task is cancelled while waiting
     * @throws InterruptedException if the calling thread is interrupted while waiting
     */
    public ExitStatus await() throws InterruptedException {
        try {
            exited.receive();
        } catch (ChannelClosedException e) {
            // closed at exit
        }
        return status;
    }

    /**
     * Waits at most {@code timeout} until the process has exited.
     *
     * <p>Blocks like {@link #await()}. When the time runs out the process keeps running.
     *
     * @param timeout the longest time to wait, positive, on the caller's scope's time source
     * @return how the process ended, or empty if it still runs
     * @throws IllegalArgumentException if the timeout is not positive
     * @throws CancelledException if the calling task is cancelled while waiting
     * @throws InterruptedException if the calling thread is interrupted while waiting
     */
    public Optional<ExitStatus> waitFor(Duration timeout) throws InterruptedException {
        Command.requirePositive(timeout, "timeout");
        try {
            exited.receive(timeout);
        } catch (ChannelClosedException e) {
            // closed at exit
        }
        return Optional.ofNullable(status);
    }

    /**
     * Terminates the process tree (TERM, the grace period, KILL — see the class comment) if the process still runs,
     * waits for it, and closes its streams: unread output is discarded, unwritten stdin dropped. Idempotent.
     *
     * <p>Blocks until the tree is gone, at most the grace period plus about 15 s, even if the caller is cancelled
     * (the wait is shielded; the interrupt flag is restored).
     */
    @Override
    public void close() {
        closing = true;
        try {
            Scope.shielded(grace.plus(KILL_ALLOWANCE), () -> {
                terminate();
                return null;
            });
        } catch (InterruptedException | CancelledException e) {
            LOG.warn("{}: termination did not finish in time", name);
        }
        closeStreams();
    }

    private void terminate() throws InterruptedException {
        if (status == null) {
            ProcessTree.terminate(process.toHandle(), cookie, grace, sig -> signalsSent.accumulateAndGet(1L << sig,
                    (a, b) -> a | b));
            // the tree is gone (or could not be killed); wait for the JDK to report the exit
            waitFor(KILL_ALLOWANCE);
        } else {
            // the child exited; what it started may still run (re-parented, found by the cookie)
            ProcessTree.terminate(process.toHandle(), cookie, grace, sig -> { });
        }
    }

    /** The body of the task that owns the process. */
    private void own() {
        try {
            await();
            // the child exited: nobody can read its stdin any more; wait until its output has been read to the end
            // (or until cancelled)
            ByteSink in;
            synchronized (lock) {
                in = stdin;
            }
            if (in != null) {
                in.abort();
            }
            awaitReaders(null);
            awaitLeftovers();
        } catch (CancelledException | InterruptedException cancelled) {
            try {
                Scope.shielded(grace.plus(KILL_ALLOWANCE), () -> {
                    terminate();
                    return null;
                });
            } catch (InterruptedException | CancelledException e) {
                LOG.warn("{}: termination did not finish in time", name);
            }
            closeStreams();
        }
    }

    /**
     * Waits while processes the child started still run after it exited (a background job, a daemon): the scope owns
     * them too, so its {@code join()} waits for them and its cancellation terminates them.
     */
    private void awaitLeftovers() throws InterruptedException {
        for (;;) {
            List<ProcessHandle> left = ProcessTree.marked(cookie);
            if (left.isEmpty() || closing) {
                return;
            }
            LOG.debug("{} exited; waiting for the processes it started: {}", name, left);
            ProcessTree.awaitAll(left, LEFTOVER_RESCAN);
        }
    }

    private void awaitReaders(Duration timeout) throws InterruptedException {
        for (ByteSource s : new ByteSource[] {stdout, stderr}) {
            if (s == null) {
                continue;
            }
            if (timeout == null) {
                while (!s.awaitEnd(Duration.ofSeconds(1))) {
                    if (closing) {
                        return; // close() closes the streams and waits for the readers itself
                    }
                }
            } else if (!s.awaitEnd(timeout)) {
                LOG.warn("{}: {} still open after the process tree ended (a process outside the tree holds it?);"
                        + " abandoning its reader thread", name, s.name());
            }
        }
    }

    private void closeStreams() {
        ByteSink in;
        synchronized (lock) {
            in = stdin;
        }
        if (in != null) {
            in.abort();
        }
        if (stdout != null) {
            stdout.close();
        }
        if (stderr != null) {
            stderr.close();
        }
        try {
            Scope.shielded(READERS_AFTER_KILL.plusSeconds(1), () -> {
                awaitReaders(READERS_AFTER_KILL);
                return null;
            });
        } catch (InterruptedException | CancelledException e) {
            LOG.debug("{}: stopped waiting for reader threads", name);
        }
    }

    /** Waits a little for the output readers to take what the exited process wrote (for a failure's stderr). */
    void awaitOutput(Duration timeout) throws InterruptedException {
        if (stderr != null) {
            stderr.awaitEnd(timeout);
        }
    }

    /** How the process ended, or "still running"; never blocks. */
    String describeStatus() {
        ExitStatus s = status;
        return s == null ? "still running" : s.describe();
    }

    private void exited(int code) {
        ExitStatus s = statusOf(code, signalsSent.get());
        status = s;
        LOG.debug("{} {}", name, s.describe());
        exit.trySend(s);
        exit.close();
        exited.close();
    }

    /** Interprets the JDK's exit value, knowing which signals weft sent (a bit set of signal numbers). */
    static ExitStatus statusOf(int jdkCode, long signalsSent) {
        int sig = jdkCode - 128;
        if (sig > 0 && sig < 64 && (signalsSent & (1L << sig)) != 0) {
            return new ExitStatus.Signalled(sig);
        }
        return new ExitStatus.Exited(jdkCode);
    }

    private void killNow() {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        closeStreams();
    }

    @Override
    public String toString() {
        ExitStatus s = status;
        return "ChildProcess[" + name + (s == null ? ", running]" : ", " + s.describe() + "]");
    }
}
