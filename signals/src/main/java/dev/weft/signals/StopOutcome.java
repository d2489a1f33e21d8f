package dev.weft.signals;

/**
 * What {@link Signals#stop(long, java.time.Duration)} achieved. Immutable and thread-safe.
 */
public enum StopOutcome {
    /** The process ended within the timeout after INT. */
    EXITED_AFTER_INT,
    /** The process outlived INT's timeout and ended within the timeout after TERM. */
    EXITED_AFTER_TERM,
    /** The process is still running after INT and TERM and both timeouts. */
    STILL_RUNNING,
    /** There was no process with that pid to begin with. */
    NO_SUCH_PROCESS
}
