package dev.weft.signals;

import dev.weft.runtime.CancelledException;
import dev.weft.runtime.Scope;
import dev.weft.runtime.TaskFailedException;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a daemon's main body in a root scope that TERM and INT stop gracefully.
 *
 * <pre>{@code
 * public static void main(String[] args) {
 *     Daemon.runAndExit("echo", Duration.ofSeconds(10), scope -> {
 *         StreamServer.builder(new InetSocketAddress("::1", 4040)).start(scope, connection -> {
 *             for (String line : connection.lines()) {
 *                 connection.send(line);
 *             }
 *         });
 *         // the server runs in the root scope until TERM or INT cancels it
 *     });
 * }
 * }</pre>
 *
 * <p><b>What happens.</b> The body runs as task {@code main} of a root scope. While it runs, TERM and INT are
 * {@linkplain Signals#open(UnixSignal...) received} by weft instead of the JVM:
 * <ol>
 *   <li>the first TERM or INT cancels the root scope — every blocking weft call in it throws
 *       {@link CancelledException}, so the body and its tasks unwind through their {@code finally} blocks and
 *       {@link Scope#shielded(Duration, Scope.ShieldedBody) shielded} cleanup;</li>
 *   <li>if every task has ended within the grace period, {@link #run} returns {@link DaemonExit.Stopped} (status
 *       128 + the signal's number: 143 for TERM, 130 for INT);</li>
 *   <li>a second TERM or INT during the cleanup, or the end of the grace period, halts the process at once with
 *       {@link #FORCED_EXIT_STATUS} (137), without running shutdown hooks — what the operator's next step,
 *       {@code kill -KILL}, would have done.</li>
 * </ol>
 * Without a signal, {@link #run} returns {@link DaemonExit.Completed} (status 0) when the body and every task it
 * forked in the root scope have ended, or {@link DaemonExit.Failed} (status 1) when one failed. The mapping is on
 * {@link DaemonExit}. When {@link #run} returns, weft's TERM and INT subscription is closed, so the JVM's own handlers
 * (shutdown hooks, exit) are back.
 *
 * <p>Thread-safe; several daemons may run in one JVM, and each is stopped by the same signal.
 */
public final class Daemon {

    /** The exit status of a forced stop: 137, as for a process killed with KILL (128 + 9). */
    public static final int FORCED_EXIT_STATUS = 137;

    private static final Logger LOG = LoggerFactory.getLogger(Daemon.class);

    private Daemon() {
    }

    /**
     * The main body of a daemon.
     */
    @FunctionalInterface
    public interface Body {
        /**
         * Runs the daemon until it is done or its scope is cancelled.
         *
         * @param scope the root scope, to fork the daemon's tasks into
         * @throws Exception anything; it ends the daemon as {@link DaemonExit.Failed}
         */
        void run(Scope scope) throws Exception;
    }

    /**
     * Runs a daemon body until it ends or a TERM or INT stops it, and says how it ended; see the class comment.
     *
     * <p>Blocks the calling thread until every task of the root scope has ended. If the caller is interrupted, the
     * root scope is cancelled and closed (waiting for its tasks) and {@link InterruptedException} is thrown.
     *
     * @param name the daemon's name, used for the root scope and in logs
     * @param grace how long the cleanup after the first signal may take, positive
     * @param body the daemon's main body
     * @return how the daemon ended; never returns after a forced stop, which halts the process
     * @throws IllegalArgumentException if {@code grace} is not positive, or TERM or INT cannot be received (the JVM
     *     runs with {@code -Xrs})
     * @throws InterruptedException if the calling thread is interrupted while waiting
     */
    public static DaemonExit run(String name, Duration grace, Body body) throws InterruptedException {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(grace, "grace");
        Objects.requireNonNull(body, "body");
        if (grace.isNegative() || grace.isZero()) {
            throw new IllegalArgumentException("grace must be positive: " + grace);
        }
        AtomicReference<UnixSignal> stoppedBy = new AtomicReference<>();
        Throwable failure = null;
        try (SignalSubscription stops = Signals.open(UnixSignal.TERM, UnixSignal.INT);
             Scope watch = Scope.open("weft-daemon-" + name)) {
            Scope root = Scope.open(name);
            watch.fork("signals", () -> watch(name, grace, stops, root, stoppedBy));
            try {
                root.fork("main", () -> body.run(root));
                root.join();
            } catch (InterruptedException e) {
                root.cancel();
                throw e;
            } catch (RuntimeException | Error e) {
                failure = e;
            } finally {
                try {
                    root.close();
                } catch (RuntimeException | Error e) {
                    if (failure == null) {
                        failure = e;
                    } else if (failure != e) {
                        failure.addSuppressed(e);
                    }
                }
            }
            if (failure instanceof TaskFailedException tf && tf.getCause() != null) {
                failure = tf.getCause();
            }
            UnixSignal signal = stoppedBy.get();
            if (signal != null) {
                Optional<Throwable> cleanupFailure = failure instanceof CancelledException
                        || failure instanceof InterruptedException ? Optional.empty() : Optional.ofNullable(failure);
                cleanupFailure.ifPresent(f -> LOG.warn("daemon '{}': a task failed during the shutdown", name, f));
                LOG.info("daemon '{}' stopped by {}", name, signal);
                return new DaemonExit.Stopped(signal, cleanupFailure);
            }
        }
        if (failure != null) {
            return new DaemonExit.Failed(failure);
        }
        return new DaemonExit.Completed();
    }

    /**
     * Runs a daemon body as {@link #run} does and then exits the JVM with the status of the outcome
     * ({@link System#exit}, which runs the shutdown hooks); meant to be the last line of {@code main}.
     *
     * <p>Blocks until the daemon has ended; never returns. A failure is logged (ERROR) before exiting.
     *
     * @param name the daemon's name
     * @param grace how long the cleanup after the first signal may take, positive
     * @param body the daemon's main body
     * @throws IllegalArgumentException if {@code grace} is not positive or TERM or INT cannot be received
     */
    public static void runAndExit(String name, Duration grace, Body body) {
        DaemonExit exit;
        try {
            exit = run(name, grace, body);
        } catch (InterruptedException e) {
            exit = new DaemonExit.Failed(e);
        }
        if (exit instanceof DaemonExit.Failed(Throwable failure)) {
            LOG.error("daemon '{}' failed", name, failure);
        }
        System.exit(exit.status());
    }

    /** The watcher task: the first signal cancels the root scope, a second one or the end of the grace halts. */
    private static void watch(String name, Duration grace, SignalSubscription stops, Scope root,
                              AtomicReference<UnixSignal> stoppedBy) throws InterruptedException {
        SignalDelivery first = stops.deliveries().receive();
        stoppedBy.compareAndSet(null, first.signal());
        LOG.info("daemon '{}' received {}: stopping, cleanup may take up to {}", name, first.signal(), grace);
        root.cancel();
        if (first.count() > 1) {
            halt(name, first.signal() + " arrived again during the shutdown");
        }
        Optional<SignalDelivery> second = stops.deliveries().receive(grace);
        if (second.isPresent()) {
            halt(name, second.get().signal() + " arrived during the shutdown");
        } else {
            halt(name, "the cleanup did not finish within " + grace);
        }
    }

    private static void halt(String name, String why) {
        LOG.error("daemon '{}' forced to exit with status {}: {}", name, FORCED_EXIT_STATUS, why);
        System.out.flush();
        System.err.flush();
        Runtime.getRuntime().halt(FORCED_EXIT_STATUS);
    }
}
