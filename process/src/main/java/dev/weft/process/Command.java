package dev.weft.process;

import dev.weft.runtime.Scope;
import dev.weft.runtime.Task;
import dev.weft.runtime.TaskFailedException;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;

/**
 * A command to run as a child process: its argv, working directory, environment changes and the redirection of its
 * three standard streams. Immutable: each setter returns a new command, so a command can be kept and started many
 * times.
 *
 * <pre>{@code
 * // run with a timeout; fails with ProcessFailedException (exit status, stderr tail) unless it exits with 0
 * String version = Command.of("git", "describe", "--tags").directory(repo).capture(Duration.ofSeconds(10)).stdout();
 *
 * // a long-running child owned by a scope
 * try (Scope scope = Scope.open("tail")) {
 *     ChildProcess tail = Command.of("tail", "-F", log.toString()).start(scope);
 *     for (String line : tail.stdoutLines()) { ... }
 * }
 * }</pre>
 *
 * <p>Defaults: stdin, stdout and stderr are {@linkplain Redirect#pipe() pipes}; the environment is this JVM's;
 * the working directory is this JVM's; termination grace 5 s; lines up to 1 MiB. Whatever the environment, weft adds
 * {@code WEFT_PROCESS_TREE=<unique id>}, by which it finds the child's descendants when it terminates the tree
 * (see {@link ChildProcess}).
 *
 * <p>Thread-safe (immutable).
 */
public final class Command {

    /** The default grace period between SIGTERM and SIGKILL when a child's process tree is terminated: 5 s. */
    public static final Duration DEFAULT_TERMINATION_GRACE = Duration.ofSeconds(5);
    /** The most stdout {@link #capture(Duration)} keeps: 16 MiB; more fails the capture. */
    public static final int CAPTURE_LIMIT = 16 << 20;

    private static final Pattern SAFE = Pattern.compile("[A-Za-z0-9_./=:,+@%-]+");

    private final List<String> argv;
    private final Path directory;
    private final boolean clearEnv;
    private final List<String[]> envChanges;
    private final Redirect stdin;
    private final Redirect stdout;
    private final Redirect stderr;
    private final Duration grace;
    private final int maxLineLength;

    private Command(List<String> argv, Path directory, boolean clearEnv, List<String[]> envChanges, Redirect stdin,
            Redirect stdout, Redirect stderr, Duration grace, int maxLineLength) {
        this.argv = argv;
        this.directory = directory;
        this.clearEnv = clearEnv;
        this.envChanges = envChanges;
        this.stdin = stdin;
        this.stdout = stdout;
        this.stderr = stderr;
        this.grace = grace;
        this.maxLineLength = maxLineLength;
    }

    /**
     * Returns a command with this argv: the program (found on {@code PATH} if it has no {@code /}) and its
     * arguments, passed as they are (no shell; use {@code Command.of("sh", "-c", script)} for one).
     *
     * @param argv the program and its arguments
     * @return the command
     * @throws IllegalArgumentException if argv is empty or the program is blank
     */
    public static Command of(String... argv) {
        Objects.requireNonNull(argv, "argv");
        return of(Arrays.asList(argv));
    }

    /**
     * Returns a command with this argv; see {@link #of(String...)}.
     *
     * @param argv the program and its arguments
     * @return the command
     * @throws IllegalArgumentException if argv is empty or the program is blank
     */
    public static Command of(List<String> argv) {
        Objects.requireNonNull(argv, "argv");
        List<String> copy = new ArrayList<>(argv.size());
        for (int i = 0; i < argv.size(); i++) {
            copy.add(Objects.requireNonNull(argv.get(i), "argv[" + i + "]"));
        }
        if (copy.isEmpty()) {
            throw new IllegalArgumentException("argv must not be empty: it needs at least the program");
        }
        if (copy.getFirst().isBlank()) {
            throw new IllegalArgumentException("program (argv[0]) must not be blank: '" + copy.getFirst() + "'");
        }
        return new Command(List.copyOf(copy), null, false, List.of(), Redirect.pipe(), Redirect.pipe(),
                Redirect.pipe(), DEFAULT_TERMINATION_GRACE, ByteSource.DEFAULT_MAX_LINE_LENGTH);
    }

    /**
     * Returns the argv.
     *
     * @return the program and its arguments
     */
    public List<String> argv() {
        return argv;
    }

    /**
     * Returns the working directory, if one is set.
     *
     * @return the directory, or empty for this JVM's
     */
    public Optional<Path> directory() {
        return Optional.ofNullable(directory);
    }

    /**
     * Returns a copy that runs in {@code directory}; it must exist when the command starts.
     *
     * @param directory the working directory
     * @return the new command
     */
    public Command directory(Path directory) {
        Objects.requireNonNull(directory, "directory");
        return new Command(argv, directory, clearEnv, envChanges, stdin, stdout, stderr, grace, maxLineLength);
    }

    /**
     * Returns a copy that sets an environment variable.
     *
     * @param name the variable's name: not empty, without {@code =} or NUL
     * @param value its value, without NUL
     * @return the new command
     * @throws IllegalArgumentException if the name or value is not valid
     */
    public Command env(String name, String value) {
        checkEnvName(name);
        Objects.requireNonNull(value, "value");
        if (value.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("value of environment variable " + name + " must not contain NUL");
        }
        return withEnvChange(new String[] {name, value});
    }

    /**
     * Returns a copy that removes an environment variable from the inherited environment.
     *
     * @param name the variable's name
     * @return the new command
     * @throws IllegalArgumentException if the name is not valid
     */
    public Command removeEnv(String name) {
        checkEnvName(name);
        return withEnvChange(new String[] {name, null});
    }

    /**
     * Returns a copy that starts from an empty environment (the variables set with {@link #env} are kept).
     *
     * @return the new command
     */
    public Command clearEnv() {
        return new Command(argv, directory, true, envChanges, stdin, stdout, stderr, grace, maxLineLength);
    }

    private Command withEnvChange(String[] change) {
        List<String[]> changes = new ArrayList<>(envChanges);
        changes.add(change);
        return new Command(argv, directory, clearEnv, List.copyOf(changes), stdin, stdout, stderr, grace,
                maxLineLength);
    }

    private static void checkEnvName(String name) {
        Objects.requireNonNull(name, "name");
        if (name.isEmpty() || name.indexOf('=') >= 0 || name.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("environment variable name must be non-empty, without '=' or NUL: '"
                    + name + "'");
        }
    }

    /**
     * Returns a copy whose stdin comes from {@code redirect}.
     *
     * @param redirect pipe (default), inherit, discard or a file to read
     * @return the new command
     */
    public Command stdin(Redirect redirect) {
        Objects.requireNonNull(redirect, "redirect");
        return new Command(argv, directory, clearEnv, envChanges, redirect, stdout, stderr, grace, maxLineLength);
    }

    /**
     * Returns a copy whose stdout goes to {@code redirect}.
     *
     * @param redirect pipe (default), inherit, discard or a file
     * @return the new command
     */
    public Command stdout(Redirect redirect) {
        Objects.requireNonNull(redirect, "redirect");
        return new Command(argv, directory, clearEnv, envChanges, stdin, redirect, stderr, grace, maxLineLength);
    }

    /**
     * Returns a copy whose stderr goes to {@code redirect}.
     *
     * @param redirect pipe (default), inherit, discard or a file
     * @return the new command
     */
    public Command stderr(Redirect redirect) {
        Objects.requireNonNull(redirect, "redirect");
        return new Command(argv, directory, clearEnv, envChanges, stdin, stdout, redirect, grace, maxLineLength);
    }

    /**
     * Returns a copy with another grace period between SIGTERM and SIGKILL when the process tree is terminated.
     *
     * @param grace zero (KILL at once) or positive
     * @return the new command
     * @throws IllegalArgumentException if grace is negative
     */
    public Command terminationGrace(Duration grace) {
        Objects.requireNonNull(grace, "grace");
        if (grace.isNegative()) {
            throw new IllegalArgumentException("grace must not be negative: " + grace);
        }
        return new Command(argv, directory, clearEnv, envChanges, stdin, stdout, stderr, grace, maxLineLength);
    }

    /**
     * Returns a copy with another limit for output lines ({@link ByteSource#lines()}).
     *
     * @param bytes the longest line, positive
     * @return the new command
     * @throws IllegalArgumentException if not positive
     */
    public Command maxLineLength(int bytes) {
        if (bytes <= 0) {
            throw new IllegalArgumentException("maxLineLength must be positive: " + bytes);
        }
        return new Command(argv, directory, clearEnv, envChanges, stdin, stdout, stderr, grace, bytes);
    }

    /**
     * Returns the grace period between SIGTERM and SIGKILL.
     *
     * @return the grace period
     */
    public Duration terminationGrace() {
        return grace;
    }

    /**
     * Starts the command as a child process owned by {@code scope} (see {@link ChildProcess} for what that means).
     *
     * @param scope the scope that owns the process; it must be open
     * @return the running child
     * @throws NoSuchFileException if the working directory or the stdin file does not exist
     * @throws NotDirectoryException if the working directory is not a directory
     * @throws IOException if the program cannot be started (the JDK's message names it and the OS error)
     * @throws IllegalStateException if the scope is closed (the process is then killed at once)
     */
    public ChildProcess start(Scope scope) throws IOException {
        Objects.requireNonNull(scope, "scope");
        String cookie = ProcessTree.newCookie();
        Process p = toProcessBuilder(cookie).start();
        return ChildProcess.adopt(p, argv, grace, cookie, stdin instanceof Redirect.Pipe,
                ChildProcess.describe(stdin), stdout instanceof Redirect.Pipe, stderr instanceof Redirect.Pipe,
                maxLineLength, scope);
    }

    /** The JDK builder for this command, with its paths checked and the process tree's cookie in its environment. */
    ProcessBuilder toProcessBuilder(String cookie) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(argv);
        if (directory != null) {
            if (!Files.exists(directory)) {
                throw new NoSuchFileException(directory.toString(), null, "working directory of " + quote(argv)
                        + " does not exist");
            }
            if (!Files.isDirectory(directory)) {
                throw new NotDirectoryException(directory + " (working directory of " + quote(argv) + ")");
            }
            pb.directory(directory.toFile());
        }
        Map<String, String> env = pb.environment();
        if (clearEnv) {
            env.clear();
        }
        for (String[] change : envChanges) {
            if (change[1] == null) {
                env.remove(change[0]);
            } else {
                env.put(change[0], change[1]);
            }
        }
        env.put(ProcessTree.COOKIE_VARIABLE, cookie);
        pb.redirectInput(switch (stdin) {
            case Redirect.Pipe ignored -> ProcessBuilder.Redirect.PIPE;
            case Redirect.Inherit ignored -> ProcessBuilder.Redirect.INHERIT;
            case Redirect.Discard ignored -> ProcessBuilder.Redirect.from(new File("/dev/null"));
            case Redirect.OfFile f -> {
                if (!Files.exists(f.path())) {
                    throw new NoSuchFileException(f.path().toString(), null, "stdin of " + quote(argv)
                            + " does not exist");
                }
                yield ProcessBuilder.Redirect.from(f.path().toFile());
            }
        });
        pb.redirectOutput(output(stdout));
        pb.redirectError(output(stderr));
        return pb;
    }

    private static ProcessBuilder.Redirect output(Redirect r) {
        return switch (r) {
            case Redirect.Pipe ignored -> ProcessBuilder.Redirect.PIPE;
            case Redirect.Inherit ignored -> ProcessBuilder.Redirect.INHERIT;
            case Redirect.Discard ignored -> ProcessBuilder.Redirect.DISCARD;
            case Redirect.OfFile f -> f.append() ? ProcessBuilder.Redirect.appendTo(f.path().toFile())
                    : ProcessBuilder.Redirect.to(f.path().toFile());
        };
    }

    Redirect stdinRedirect() {
        return stdin;
    }

    Redirect stdoutRedirect() {
        return stdout;
    }

    Redirect stderrRedirect() {
        return stderr;
    }

    int maxLineLength() {
        return maxLineLength;
    }

    /**
     * Runs the command to its end, with a check: output it would pipe is read and discarded (stderr's tail kept for
     * the failure), and piped stdin reads end of file at once. The process belongs to a scope nested in the
     * caller's, so cancelling the caller terminates the process tree.
     *
     * <p>Blocks until the process has exited or {@code timeout} has passed; then its process tree is terminated and
     * waited for.
     *
     * @param timeout the longest the command may run, positive
     * @return the exit status, always a success
     * @throws ProcessFailedException if it exited with a non-zero code or was killed
     * @throws TimeoutException if it ran longer than {@code timeout} (its process tree was terminated)
     * @throws IOException if it cannot be started
     * @throws InterruptedException if the calling thread is interrupted (the process tree is terminated)
     * @throws dev.weft.runtime.CancelledException if the calling task is cancelled (the tree is terminated)
     */
    public ExitStatus run(Duration timeout) throws IOException, InterruptedException, TimeoutException {
        requirePositive(timeout, "timeout");
        Command c = stdin instanceof Redirect.Pipe ? stdin(Redirect.discard()) : this;
        try (Scope scope = Scope.open("run " + ChildProcess.programName(argv))) {
            ChildProcess p = c.start(scope);
            if (stdout instanceof Redirect.Pipe) {
                p.stdout().drain();
            }
            if (stderr instanceof Redirect.Pipe) {
                p.stderr().drain();
            }
            ExitStatus status = p.waitFor(timeout).orElse(null);
            if (status == null) {
                p.close();
                throw timedOut(p, timeout);
            }
            check(p, status);
            return status;
        }
    }

    /**
     * Runs the command to its end and returns its stdout (decoded as UTF-8), with a check like {@link #run}. Stdout
     * must be a pipe; it may hold up to {@value #CAPTURE_LIMIT} bytes.
     *
     * <p>Blocks until the process has exited and its stdout is read, or {@code timeout} has passed; then its process
     * tree is terminated and waited for.
     *
     * @param timeout the longest the command may run, positive
     * @return the exit status, stdout and the stderr tail
     * @throws ProcessFailedException if it exited with a non-zero code or was killed
     * @throws TimeoutException if it ran longer than {@code timeout} (its process tree was terminated)
     * @throws IOException if it cannot be started, or wrote more than {@value #CAPTURE_LIMIT} bytes to stdout
     * @throws IllegalStateException if stdout is not a pipe
     * @throws InterruptedException if the calling thread is interrupted (the process tree is terminated)
     */
    public Output capture(Duration timeout) throws IOException, InterruptedException, TimeoutException {
        requirePositive(timeout, "timeout");
        if (!(stdout instanceof Redirect.Pipe)) {
            throw new IllegalStateException("capture needs stdout to be a pipe, not " + stdout);
        }
        Command c = stdin instanceof Redirect.Pipe ? stdin(Redirect.discard()) : this;
        try (Scope scope = Scope.open("capture " + ChildProcess.programName(argv))) {
            ChildProcess p = c.start(scope);
            if (stderr instanceof Redirect.Pipe) {
                p.stderr().drain();
            }
            InputStream in = p.stdout().input();
            Task<byte[]> out = scope.fork("stdout", () -> readAll(in, p));
            byte[] bytes;
            try {
                bytes = out.join(timeout);
            } catch (TimeoutException e) {
                p.close();
                throw timedOut(p, timeout);
            } catch (TaskFailedException e) {
                if (e.getCause() instanceof IOException io) {
                    throw io; // over the capture limit, or reading failed; the scope's close kills the process
                }
                throw e;
            }
            ExitStatus status = p.await();
            check(p, status);
            p.awaitOutput(Duration.ofSeconds(2)); // the stderr reader may still be taking the last lines
            return new Output(status, new String(bytes, StandardCharsets.UTF_8), p.stderrTail());
        }
    }

    private static byte[] readAll(InputStream in, ChildProcess p) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        int n;
        while ((n = in.read(buf)) >= 0) {
            if (out.size() + n > CAPTURE_LIMIT) {
                throw new IOException("stdout of " + quote(p.command()) + " is longer than the capture limit of "
                        + CAPTURE_LIMIT + " bytes");
            }
            out.write(buf, 0, n);
        }
        return out.toByteArray();
    }

    static void check(ChildProcess p, ExitStatus status) throws InterruptedException,
            ProcessFailedException {
        if (!status.isSuccess()) {
            p.awaitOutput(Duration.ofSeconds(2));
            throw new ProcessFailedException(p.command(), status, p.stderrTail());
        }
    }

    static TimeoutException timedOut(ChildProcess p, Duration timeout) {
        String tail = p.stderrTail();
        return new TimeoutException("command " + quote(p.command()) + " did not end within " + timeout
                + "; its process tree was terminated (" + p.describeStatus() + ")"
                + (tail.isEmpty() ? "" : "; stderr ends with:\n" + tail));
    }

    static void requirePositive(Duration d, String name) {
        Objects.requireNonNull(d, name);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " must be positive: " + d);
        }
    }

    /** The argv as a shell would show it: words with special characters in single quotes. */
    static String quote(List<String> argv) {
        StringBuilder b = new StringBuilder();
        for (String a : argv) {
            if (!b.isEmpty()) {
                b.append(' ');
            }
            b.append(SAFE.matcher(a).matches() ? a : "'" + a.replace("'", "'\\''") + "'");
        }
        return b.toString();
    }

    @Override
    public String toString() {
        return "Command[" + quote(argv) + "]";
    }

    /**
     * What {@link #capture(Duration)} returns. Immutable.
     *
     * @param status how the process ended (always a success)
     * @param stdout everything it wrote to stdout, decoded as UTF-8
     * @param stderrTail the last lines it wrote to stderr (at most 20 within the last 8 KiB); empty if stderr was
     *     not piped
     */
    public record Output(ExitStatus status, String stdout, String stderrTail) {
        /**
         * Checks the components.
         *
         * @param status the status
         * @param stdout the stdout text
         * @param stderrTail the stderr tail
         */
        public Output {
            Objects.requireNonNull(status, "status");
            Objects.requireNonNull(stdout, "stdout");
            Objects.requireNonNull(stderrTail, "stderrTail");
        }
    }
}
