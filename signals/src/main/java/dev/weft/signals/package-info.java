/**
 * Unix signals for weft: signals as channels fanned out to every subscriber, a shutdown helper that turns TERM and
 * INT into cancelling a daemon's root scope, and sending signals to processes.
 *
 * <pre>{@code
 * // a daemon: TERM or INT cancels the scope; a second one, or a cleanup longer than 10 s, forces the exit
 * Daemon.runAndExit("agent", Duration.ofSeconds(10), scope -> {
 *     try (SignalSubscription hup = Signals.open(UnixSignal.HUP)) {
 *         for (SignalDelivery reload : hup.deliveries()) {
 *             reloadConfiguration();
 *         }
 *     }
 * });
 *
 * // another process
 * StopOutcome outcome = Signals.stop(pid, Duration.ofSeconds(5));   // INT, wait, TERM, wait
 * }</pre>
 *
 * <p>{@link dev.weft.signals.Signals} lists the signals that cannot be received and why. Sending needs
 * {@code --enable-native-access=dev.weft.signals} (module path) or {@code ALL-UNNAMED} (class path).
 */
@NullMarked
package dev.weft.signals;

import org.jspecify.annotations.NullMarked;
