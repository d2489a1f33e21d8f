package dev.weft.signals;

import java.util.Objects;
import java.util.Optional;

/**
 * How a {@link Daemon} ended, and the exit status that says so. Instances are immutable.
 *
 * <table>
 *   <caption>Exit statuses</caption>
 *   <tr><th>status</th><th>outcome</th></tr>
 *   <tr><td>0</td><td>{@link Completed}: the body returned and every task of the root scope ended</td></tr>
 *   <tr><td>1</td><td>{@link Failed}: the body or a task of the root scope failed, with no stop signal</td></tr>
 *   <tr><td>128 + N</td><td>{@link Stopped}: signal N (TERM: 143, INT: 130) stopped it and the cleanup finished
 *       within the grace period</td></tr>
 *   <tr><td>137</td><td>{@link Daemon#FORCED_EXIT_STATUS forced}: a second TERM or INT arrived during the cleanup,
 *       or the grace period passed; the process is halted and {@link Daemon#run} never returns</td></tr>
 * </table>
 */
public sealed interface DaemonExit permits DaemonExit.Completed, DaemonExit.Failed, DaemonExit.Stopped {

    /**
     * Returns the process exit status that reports this outcome.
     *
     * @return the status, from 0 to 255
     */
    int status();

    /** The body returned and every task of the root scope ended, without a stop signal: status 0. */
    record Completed() implements DaemonExit {
        @Override
        public int status() {
            return 0;
        }
    }

    /**
     * The body or another task of the root scope failed, without a stop signal: status 1.
     *
     * @param failure what it failed with
     */
    record Failed(Throwable failure) implements DaemonExit {
        /** Checks the failure is not null. */
        public Failed {
            Objects.requireNonNull(failure, "failure");
        }

        @Override
        public int status() {
            return 1;
        }
    }

    /**
     * A signal stopped the daemon and the root scope ended within the grace period: status 128 + the signal's number.
     *
     * @param signal the signal that started the shutdown
     * @param failure a failure other than the cancellation itself that a task ended with during the cleanup; logged,
     *     and it does not change the status
     */
    record Stopped(UnixSignal signal, Optional<Throwable> failure) implements DaemonExit {
        /** Checks the components are not null. */
        public Stopped {
            Objects.requireNonNull(signal, "signal");
            Objects.requireNonNull(failure, "failure");
        }

        @Override
        public int status() {
            return signal.exitStatus();
        }
    }
}
