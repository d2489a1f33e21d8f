package dev.weft.signals;

import java.io.IOException;

/**
 * Thrown when a signal is sent to a process that does not exist (kill(2) failed with {@code ESRCH}): it has ended, or
 * the pid was never used. {@link Signals#stop(long, java.time.Duration)} reports it as
 * {@link StopOutcome#NO_SUCH_PROCESS} instead. Immutable once thrown.
 */
public final class NoSuchProcessException extends IOException {

    private static final long serialVersionUID = 1L;

    /** The pid that named no process. */
    private final long pid;

    NoSuchProcessException(long pid) {
        super("no such process: pid " + pid + " (ESRCH)");
        this.pid = pid;
    }

    /**
     * Returns the pid that named no process.
     *
     * @return the pid
     */
    public long pid() {
        return pid;
    }
}
