package dev.weft.process;

import java.io.IOException;
import java.io.Serial;
import java.util.List;

/**
 * Thrown when a command run with a check ({@link Command#run}, {@link Command#capture}, {@link Pipeline#run})
 * ended other than with exit code 0. It carries the command line, how it ended, and the tail of its stderr (at most
 * the last 20 lines within the last 8 KiB), all also in its message.
 */
public final class ProcessFailedException extends IOException {

    @Serial
    private static final long serialVersionUID = 1L;

    /** The command line; a list of strings. */
    private final transient List<String> command;
    /** How it ended; a record. */
    private final transient ExitStatus status;
    /** The tail of its stderr. */
    private final String stderrTail;

    ProcessFailedException(List<String> command, ExitStatus status, String stderrTail) {
        super(message(command, status, stderrTail));
        this.command = List.copyOf(command);
        this.status = status;
        this.stderrTail = stderrTail;
    }

    private static String message(List<String> command, ExitStatus status, String tail) {
        String m = "command " + Command.quote(command) + " " + status.describe();
        return tail.isEmpty() ? m + " (no stderr captured)" : m + "; stderr ends with:\n" + tail;
    }

    /**
     * Returns the command line that failed.
     *
     * @return the argv
     */
    public List<String> command() {
        return command;
    }

    /**
     * Returns how the process ended.
     *
     * @return the exit status
     */
    public ExitStatus status() {
        return status;
    }

    /**
     * Returns the tail of the process's stderr: at most the last 20 lines within its last 8 KiB; empty if it wrote
     * nothing or stderr was not piped.
     *
     * @return the stderr tail
     */
    public String stderrTail() {
        return stderrTail;
    }
}
