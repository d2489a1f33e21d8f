package dev.weft.samples;

import dev.weft.runtime.Channel;
import dev.weft.runtime.ReceiveChannel;
import dev.weft.runtime.Received;
import dev.weft.runtime.Select;
import dev.weft.signals.Daemon;
import dev.weft.signals.SignalSubscription;
import dev.weft.signals.Signals;
import dev.weft.signals.StopOutcome;
import dev.weft.signals.UnixSignal;
import java.io.IOException;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * The signals examples of the README, compiled here and exercised by the samples' tests: a daemon main loop that
 * selects over messages, HUP (reload) and TERM (stop); a daemon run by {@link Daemon}; stopping another process.
 */
public final class SignalExamples {

    private SignalExamples() {
    }

    /**
     * Runs a daemon's main loop until TERM arrives or {@code messages} is closed: each message goes to
     * {@code handler}, each HUP to {@code reload}.
     *
     * @param messages the daemon's incoming messages, for example a {@code MessageConnection}'s channel
     * @param handler handles one message
     * @param reload reloads the configuration
     * @throws InterruptedException if interrupted while waiting
     */
    public static void mainLoop(ReceiveChannel<String> messages, Consumer<String> handler, Runnable reload)
            throws InterruptedException {
        // README signals-loop: begin
        try (SignalSubscription hup = Signals.open(UnixSignal.HUP);
             SignalSubscription term = Signals.open(UnixSignal.TERM)) {
            boolean running = true;
            while (running) {
                running = Select.<Boolean>create()
                        .onReceiveOrClosed(messages, received -> switch (received) {
                            case Received.Value<String>(String message) -> {
                                handler.accept(message);
                                yield true;
                            }
                            case Received.Closed<String> closed -> false;   // the message source ended
                        })
                        .onReceive(hup.deliveries(), signal -> {
                            reload.run();                           // signal.count(): HUPs since the last one
                            return true;
                        })
                        .onReceive(term.deliveries(), signal -> false)
                        .select();
            }
        }                                       // closed: TERM and HUP are the JVM's again (exit, run hooks)
        // README signals-loop: end
    }

    /**
     * The main method of a daemon whose work runs in a root scope that TERM and INT cancel.
     *
     * @param args ignored
     */
    public static void main(String[] args) {
        // README signals-daemon: begin
        Daemon.runAndExit("agent", Duration.ofSeconds(10), scope -> {
            scope.fork("worker", SignalExamples::work);  // every task of the root scope is cancelled by TERM/INT
            System.out.println("ready");
        });
        // exit status: 0 done, 1 failed, 143 stopped by TERM, 130 by INT, 137 forced (second signal, or cleanup
        // longer than the 10 s grace period)
        // README signals-daemon: end
    }

    /** Stands for a daemon's work: waits until its task is cancelled. */
    private static void work() throws InterruptedException {
        Channel.<String>rendezvous().receive();
    }

    /**
     * Stops another process the way {@code ed-stop} does.
     *
     * @param pid the process
     * @return what happened
     * @throws IOException if it may not be signalled
     * @throws InterruptedException if interrupted while waiting for it to exit
     */
    public static StopOutcome stopOther(long pid) throws IOException, InterruptedException {
        // README signals-stop: begin
        StopOutcome outcome = Signals.stop(pid, Duration.ofSeconds(5));   // INT, wait 5 s, TERM, wait 5 s
        switch (outcome) {
            case EXITED_AFTER_INT, EXITED_AFTER_TERM -> System.out.println(pid + " stopped: " + outcome);
            case STILL_RUNNING -> System.out.println(pid + " ignores INT and TERM");
            case NO_SUCH_PROCESS -> System.out.println("no process " + pid);
        }
        // README signals-stop: end
        return outcome;
    }
}
