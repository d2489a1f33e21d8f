package dev.weft.signals;

import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * A Unix signal, with its name and its number on Linux (x86-64 and AArch64 share these numbers).
 *
 * <pre>{@code
 * UnixSignal hup = UnixSignal.of("SIGHUP");     // or "HUP", "hup", "1"
 * int number = UnixSignal.TERM.number();        // 15
 * }</pre>
 *
 * <p>Which of these a weft program may {@linkplain Signals#open(UnixSignal...) receive} is listed on
 * {@link Signals}; any of them may be {@linkplain Signals#send(long, UnixSignal) sent}. Immutable and thread-safe.
 */
public enum UnixSignal {
    /** Hangup (1): by convention, "reload the configuration" or "reopen the log files" for a daemon. */
    HUP(1),
    /** Interrupt from the keyboard (2, Ctrl-C). */
    INT(2),
    /** Quit from the keyboard (3, Ctrl-\); the JVM prints a thread dump. */
    QUIT(3),
    /** Illegal instruction (4). */
    ILL(4),
    /** Trace or breakpoint trap (5). */
    TRAP(5),
    /** Abort (6). */
    ABRT(6),
    /** Bus error, such as touching a truncated memory-mapped file (7). */
    BUS(7),
    /** Arithmetic error (8). */
    FPE(8),
    /** Kill (9): cannot be caught, blocked or ignored. */
    KILL(9),
    /** User-defined signal 1 (10). */
    USR1(10),
    /** Invalid memory reference (11). */
    SEGV(11),
    /** User-defined signal 2 (12). */
    USR2(12),
    /** Write to a pipe with no reader (13). */
    PIPE(13),
    /** Timer signal from alarm(2) (14). */
    ALRM(14),
    /** Termination request (15): the polite "please stop" of kill(1), systemd and Kubernetes. */
    TERM(15),
    /** A child process stopped or ended (17). */
    CHLD(17),
    /** Continue if stopped (18). */
    CONT(18),
    /** Stop the process (19): cannot be caught, blocked or ignored. */
    STOP(19),
    /** Stop typed at the terminal (20, Ctrl-Z). */
    TSTP(20),
    /** Terminal input for a background process (21). */
    TTIN(21),
    /** Terminal output for a background process (22). */
    TTOU(22),
    /** Urgent condition on a socket (23). */
    URG(23),
    /** CPU time limit exceeded (24). */
    XCPU(24),
    /** File size limit exceeded (25). */
    XFSZ(25),
    /** Virtual alarm clock (26). */
    VTALRM(26),
    /** Profiling timer expired (27). */
    PROF(27),
    /** Window resize (28). */
    WINCH(28),
    /** I/O now possible (29). */
    IO(29),
    /** Power failure (30). */
    PWR(30),
    /** Bad system call (31). */
    SYS(31);

    private final int number;

    UnixSignal(int number) {
        this.number = number;
    }

    /**
     * Returns the signal's number on Linux.
     *
     * @return the number, from 1 to 31
     */
    public int number() {
        return number;
    }

    /**
     * Returns the conventional name with the {@code SIG} prefix, as in {@code SIGTERM}.
     *
     * @return the full name
     */
    public String fullName() {
        return "SIG" + name();
    }

    /**
     * Returns the exit status a shell reports for a process this signal ended: 128 plus the number.
     *
     * @return {@code 128 + number()}
     */
    public int exitStatus() {
        return 128 + number;
    }

    /**
     * Returns the signal with this Linux number.
     *
     * @param number the signal number
     * @return the signal, or empty if no signal of this type has that number (0, real-time signals, 16)
     */
    public static Optional<UnixSignal> ofNumber(int number) {
        for (UnixSignal s : values()) {
            if (s.number == number) {
                return Optional.of(s);
            }
        }
        return Optional.empty();
    }

    /**
     * Returns the signal named by {@code text}: a name with or without the {@code SIG} prefix in any case
     * ({@code TERM}, {@code SIGTERM}, {@code term}) or a decimal number ({@code 15}).
     *
     * @param text the name or number
     * @return the signal
     * @throws IllegalArgumentException if {@code text} names no signal of this type
     */
    public static UnixSignal of(String text) {
        Objects.requireNonNull(text, "text");
        String t = text.strip().toUpperCase(Locale.ROOT);
        if (!t.isEmpty() && t.chars().allMatch(c -> c >= '0' && c <= '9')) {
            try {
                int n = Integer.parseInt(t);
                return ofNumber(n).orElseThrow(() -> new IllegalArgumentException(
                        "signal number is not a known signal: " + text));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("signal number is out of range: " + text, e);
            }
        }
        String name = t.startsWith("SIG") ? t.substring(3) : t;
        for (UnixSignal s : values()) {
            if (s.name().equals(name)) {
                return s;
            }
        }
        throw new IllegalArgumentException("text names no known signal: '" + text + "'");
    }
}
