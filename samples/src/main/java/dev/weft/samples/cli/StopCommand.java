package dev.weft.samples.cli;

import dev.weft.signals.Signals;
import dev.weft.signals.StopOutcome;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Set;

/** {@code weft stop}: the seeds' {@code ed-stop} — INT, wait, TERM, wait 10 s, report. */
final class StopCommand implements Subcommand {

    static final Duration AFTER_TERM = Duration.ofSeconds(10);

    private final Duration afterTerm;

    /** The command as the tool runs it: 10 s after SIGTERM. */
    StopCommand() {
        this(AFTER_TERM);
    }

    /** With another wait after SIGTERM (tests). */
    StopCommand(Duration afterTerm) {
        this.afterTerm = afterTerm;
    }

    @Override
    public String name() {
        return "stop";
    }

    @Override
    public String summary() {
        return "stop a process politely: INT, wait, then TERM";
    }

    @Override
    public String usage() {
        return """
                usage: weft stop [--timeout 60s] PID

                Sends SIGINT to PID and waits up to the timeout for it to end; if it has not, sends SIGTERM and
                waits 10 s more. Never sends SIGKILL.
                  --timeout D  how long to wait after SIGINT (default 60s)
                Exit status: 0 the process is gone, 1 it was not running or could not be signalled,
                2 it is still running (or a usage error).
                """;
    }

    @Override
    public CommandLine.Spec spec() {
        return CommandLine.Spec.of(Set.of(), Set.of("--timeout"));
    }

    @Override
    public int run(CommandLine line, PrintStream out, PrintStream err) throws Exception {
        Duration timeout = line.duration("--timeout", Duration.ofSeconds(60));
        String text = line.onePositional("PID");
        long pid;
        try {
            pid = Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw new UsageException("stop: PID must be a number, not '" + text + "'");
        }
        if (pid <= 0 || pid > Integer.MAX_VALUE) {
            throw new UsageException("stop: PID must be a positive process id, not " + pid);
        }
        if (pid == ProcessHandle.current().pid()) {
            throw new UsageException("stop: " + pid + " is this weft process itself");
        }
        StopOutcome outcome;
        try {
            outcome = Signals.stop(pid, timeout, afterTerm);
        } catch (IOException e) {
            throw new CommandFailedException("cannot signal process " + pid + ": " + e.getMessage(), e);
        }
        return switch (outcome) {
            case EXITED_AFTER_INT -> {
                out.println("process " + pid + " ended after SIGINT");
                yield 0;
            }
            case EXITED_AFTER_TERM -> {
                out.println("process " + pid + " ended after SIGTERM (it outlived SIGINT for "
                        + CommandLine.format(timeout) + ")");
                yield 0;
            }
            case NO_SUCH_PROCESS -> throw new CommandFailedException("process " + pid + " is not running");
            case STILL_RUNNING -> {
                err.println("weft stop: process " + pid + " is still running after SIGINT and SIGTERM");
                yield 2;
            }
        };
    }
}
