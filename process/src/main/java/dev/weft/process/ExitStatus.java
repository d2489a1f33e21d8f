package dev.weft.process;

import java.util.Optional;

/**
 * How a child process ended: it {@linkplain Exited exited} with a code, or it was {@linkplain Signalled killed by a
 * signal} that weft sent. Instances are immutable.
 *
 * <p><b>Exit code or signal?</b> On Linux the JDK reports a child killed by signal {@code n} as exit code
 * {@code 128 + n} — the same number a child that calls {@code exit(128 + n)} reports (and the same a shell reports
 * for its own child killed by {@code n}). The JDK does not expose the raw wait status, so the two cannot be told
 * apart in general. weft reports {@link Signalled} only when it can know: the process was terminated by weft (its
 * scope ended, {@link ChildProcess#close()}), weft sent that signal, and the code is {@code 128 +} that signal.
 * Every other code is {@link Exited}; {@link Exited#possibleSignal()} names the signal a code above 128 may stand
 * for.
 */
public sealed interface ExitStatus permits ExitStatus.Exited, ExitStatus.Signalled {

    /** The signal number of SIGTERM on Linux. */
    int SIGTERM = 15;
    /** The signal number of SIGKILL on Linux. */
    int SIGKILL = 9;

    /**
     * Returns the exit value as the JDK reports it ({@link Process#exitValue()}): the exit code, or {@code 128 +}
     * the signal.
     *
     * @return the exit value
     */
    int code();

    /**
     * Returns whether the process exited with code 0.
     *
     * @return true for success
     */
    default boolean isSuccess() {
        return this instanceof Exited e && e.code() == 0;
    }

    /**
     * Returns a short description for messages: {@code exited with code 3}, {@code killed by signal 9 (SIGKILL)}.
     *
     * @return the description
     */
    String describe();

    /**
     * The process exited (as far as weft can tell; see the interface comment).
     *
     * @param code the exit code, 0 to 255
     */
    record Exited(int code) implements ExitStatus {
        /**
         * Returns the signal a code above 128 may stand for (a shell's {@code 128 + n} convention), or empty.
         *
         * @return the possible signal
         */
        public Optional<Integer> possibleSignal() {
            return code > 128 && code <= 128 + 64 ? Optional.of(code - 128) : Optional.empty();
        }

        @Override
        public String describe() {
            return "exited with code " + code;
        }
    }

    /**
     * The process was killed by a signal that weft sent it.
     *
     * @param signal the signal number ({@value ExitStatus#SIGTERM} or {@value ExitStatus#SIGKILL})
     */
    record Signalled(int signal) implements ExitStatus {
        @Override
        public int code() {
            return 128 + signal;
        }

        @Override
        public String describe() {
            return "killed by signal " + signal + switch (signal) {
                case SIGTERM -> " (SIGTERM)";
                case SIGKILL -> " (SIGKILL)";
                default -> "";
            };
        }
    }
}
