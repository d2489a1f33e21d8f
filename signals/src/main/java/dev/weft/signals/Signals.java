package dev.weft.signals;

import java.io.IOException;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collection;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Unix signals for weft: receiving signals as channels, and sending signals to processes.
 *
 * <pre>{@code
 * try (SignalSubscription hup = Signals.open(UnixSignal.HUP);
 *      SignalSubscription term = Signals.open(UnixSignal.TERM)) {
 *     for (boolean running = true; running; ) {
 *         running = Select.<Boolean>create()
 *                 .onReceive(hup.deliveries(), d -> { reload(); return true; })
 *                 .onReceive(term.deliveries(), d -> false)
 *                 .select();
 *     }
 * }
 * Signals.send(pid, UnixSignal.USR1);
 * StopOutcome outcome = Signals.stop(pid, Duration.ofSeconds(5));   // INT, wait, TERM, wait
 * }</pre>
 *
 * <p><b>Receiving.</b> The JVM allows one handler per signal ({@code sun.misc.Signal}, module
 * {@code jdk.unsupported}) and runs it on a new platform thread for each arrival. weft installs one handler per signal
 * while at least one {@link SignalSubscription} wants it, fans each arrival out to every subscription without ever
 * blocking (a slow subscriber gets one delivery with a count), and restores the previous handler when the last
 * subscription closes. While a subscription to TERM, INT or HUP is open, the JVM's own handler for it — which runs
 * the shutdown hooks and exits — does not run: the program decides what the signal means (see {@link Daemon}).
 *
 * <p><b>Refused signals.</b> These are refused with an {@link IllegalArgumentException} that says why, checked on
 * JDK 25 (HotSpot, Linux):
 * <ul>
 *   <li>{@code KILL} and {@code STOP} — no process can catch them;</li>
 *   <li>{@code QUIT} — the JVM prints a thread dump on it;</li>
 *   <li>{@code SEGV}, {@code ILL}, {@code FPE} — the JVM handles them itself (it refuses them too);</li>
 *   <li>{@code BUS} — the JVM turns it into an error on a truncated memory-mapped file; the JVM would let a Java
 *       handler replace its own, so weft refuses it;</li>
 *   <li>{@code USR2} — HotSpot suspends and resumes threads with it; refused by weft for the same reason.</li>
 * </ul>
 * A JVM started with {@code -Xrs} (or {@code -XX:+ReduceSignalUsage}) also refuses {@code HUP}, {@code INT} and
 * {@code TERM}; {@link #open(UnixSignal...)} then fails with a message that names {@code -Xrs}. {@code PIPE} and
 * {@code XFSZ}, which the JVM ignores, may be received; while subscribed, every write to a broken pipe delivers one.
 *
 * <p><b>Sending.</b> {@link #send(long, UnixSignal)} calls kill(2) through the FFM API (no shelling out). Linking a
 * native function is a restricted operation: run with {@code --enable-native-access=dev.weft.signals} (module path)
 * or {@code --enable-native-access=ALL-UNNAMED} (class path), or the JVM prints a warning on the first send (and a
 * later JDK will refuse).
 *
 * <p>Thread-safe: every method may be called from any thread.
 */
public final class Signals {

    private Signals() {
    }

    /**
     * Opens a subscription to one or more signals. Each arrival of one of them after this returns is delivered to the
     * subscription's {@linkplain SignalSubscription#deliveries() channel}.
     *
     * @param signals the signals, at least one; duplicates are ignored
     * @return the open subscription; close it to stop receiving
     * @throws IllegalArgumentException if {@code signals} is empty, or a signal cannot be received (a refused
     *     signal, or one the JVM refuses as under {@code -Xrs}); the message names the signal and the reason, and no
     *     handler is changed
     */
    public static SignalSubscription open(UnixSignal... signals) {
        Objects.requireNonNull(signals, "signals");
        return open(Arrays.asList(signals));
    }

    /**
     * Opens a subscription to a collection of signals; see {@link #open(UnixSignal...)}.
     *
     * @param signals the signals, at least one; duplicates are ignored
     * @return the open subscription
     * @throws IllegalArgumentException if {@code signals} is empty or a signal cannot be received
     */
    public static SignalSubscription open(Collection<UnixSignal> signals) {
        Objects.requireNonNull(signals, "signals");
        Set<UnixSignal> set = EnumSet.noneOf(UnixSignal.class);
        for (UnixSignal s : signals) {
            set.add(Objects.requireNonNull(s, "signals contains null"));
        }
        if (set.isEmpty()) {
            throw new IllegalArgumentException("signals must not be empty");
        }
        return SignalHandlers.subscribe(set);
    }

    /**
     * Returns why weft refuses to receive a signal, for the signals listed on this class. A signal without a reason
     * here may still be refused by the JVM (under {@code -Xrs}), which {@link #open(UnixSignal...)} reports.
     *
     * @param signal the signal
     * @return the reason, or empty if weft itself does not refuse it
     */
    public static Optional<String> refusal(UnixSignal signal) {
        Objects.requireNonNull(signal, "signal");
        return SignalHandlers.refusal(signal);
    }

    /**
     * Sends a signal to a process with kill(2). Does not block.
     *
     * @param pid the process id, positive (process groups are not supported)
     * @param signal the signal
     * @throws IllegalArgumentException if {@code pid} is not positive or does not fit a C {@code int}
     * @throws NoSuchProcessException if there is no such process ({@code ESRCH})
     * @throws IOException if the signal may not be sent ({@code EPERM}: "not permitted"), or kill(2) failed otherwise
     */
    public static void send(long pid, UnixSignal signal) throws IOException {
        Objects.requireNonNull(signal, "signal");
        Kill.kill(checkPid(pid), signal.number(), signal.name());
    }

    /**
     * Stops a process politely, like the {@code ed-stop} tool: sends INT and waits up to {@code timeout} for it to
     * end; if it has not, sends TERM and waits up to {@code timeout} again. Never sends KILL.
     *
     * <p>Blocks for up to twice {@code timeout}, waiting for the process to end. Interrupting the caller (or cancelling
     * its weft task) ends the wait with {@link InterruptedException}; the signals already sent stay sent. A process
     * that has ended but not been reaped by its parent (a zombie) still counts as running.
     *
     * @param pid the process id, positive, not this JVM's own
     * @param timeout how long to wait after each signal, positive
     * @return what happened
     * @throws IllegalArgumentException if {@code pid} is not positive, is this JVM's, or {@code timeout} is not
     *     positive
     * @throws IOException if a signal may not be sent ({@code EPERM}) or kill(2) failed otherwise
     * @throws InterruptedException if the caller is interrupted while waiting
     */
    public static StopOutcome stop(long pid, Duration timeout) throws IOException, InterruptedException {
        checkPositive(timeout, "timeout");
        return stop(pid, timeout, timeout);
    }

    /**
     * Stops a process politely as {@link #stop(long, Duration)} does, with a different wait after each signal: up to
     * {@code afterInt} after INT, then up to {@code afterTerm} after TERM ({@code weft stop} waits as long as asked
     * after INT, then 10 s after TERM).
     *
     * <p>Blocks for up to {@code afterInt + afterTerm}; interruption as for {@link #stop(long, Duration)}.
     *
     * @param pid the process id, positive, not this JVM's own
     * @param afterInt how long to wait after INT, positive
     * @param afterTerm how long to wait after TERM, positive
     * @return what happened
     * @throws IllegalArgumentException if {@code pid} is not positive, is this JVM's, or a wait is not positive
     * @throws IOException if a signal may not be sent ({@code EPERM}) or kill(2) failed otherwise
     * @throws InterruptedException if the caller is interrupted while waiting
     */
    public static StopOutcome stop(long pid, Duration afterInt, Duration afterTerm)
            throws IOException, InterruptedException {
        int p = checkPid(pid);
        checkPositive(afterInt, "afterInt");
        checkPositive(afterTerm, "afterTerm");
        if (pid == ProcessHandle.current().pid()) {
            throw new IllegalArgumentException("pid must not be this JVM's own: " + pid);
        }
        Optional<ProcessHandle> handle = ProcessHandle.of(pid);
        try {
            Kill.kill(p, UnixSignal.INT.number(), UnixSignal.INT.name());
        } catch (NoSuchProcessException e) {
            return StopOutcome.NO_SUCH_PROCESS;
        }
        if (handle.isEmpty() || awaitExit(handle.get(), afterInt)) {
            return StopOutcome.EXITED_AFTER_INT;
        }
        try {
            Kill.kill(p, UnixSignal.TERM.number(), UnixSignal.TERM.name());
        } catch (NoSuchProcessException e) {
            return StopOutcome.EXITED_AFTER_INT;
        }
        return awaitExit(handle.get(), afterTerm) ? StopOutcome.EXITED_AFTER_TERM : StopOutcome.STILL_RUNNING;
    }

    private static void checkPositive(Duration d, String name) {
        Objects.requireNonNull(d, name);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " must be positive: " + d);
        }
    }

    private static boolean awaitExit(ProcessHandle handle, Duration timeout) throws InterruptedException {
        if (!handle.isAlive()) {
            return true;
        }
        try {
            handle.onExit().get(timeout.toNanos(), TimeUnit.NANOSECONDS);
            return true;
        } catch (TimeoutException e) {
            return !handle.isAlive();
        } catch (ExecutionException e) {
            throw new IllegalStateException("waiting for pid " + handle.pid() + " to exit failed", e.getCause());
        }
    }

    private static int checkPid(long pid) {
        if (pid <= 0 || pid > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("pid must be a positive int: " + pid);
        }
        return (int) pid;
    }
}
