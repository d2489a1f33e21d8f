package dev.weft.signals;

import dev.weft.runtime.Channel;
import dev.weft.runtime.Scope;
import java.io.IOException;
import java.time.Duration;

/** Main classes run in child JVMs by the tests; each prints "ready" once it is ready to be signalled. */
final class ChildMains {

    private ChildMains() {
    }

    private static void hook() {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> System.out.println("hook ran"), "test-hook"));
    }

    /** Waits for stdin to end: keeps the child alive until it is signalled. */
    private static void blockOnStdin() throws IOException {
        while (System.in.read() >= 0) {
            // nothing: the test never writes
        }
    }

    /** Subscribes to INT, receives one, closes the subscription and waits: the next INT is the JVM's again. */
    static final class Restore {
        public static void main(String[] args) throws Exception {
            hook();
            SignalSubscription ints = Signals.open(UnixSignal.INT);
            System.out.println("ready");
            SignalDelivery d = ints.deliveries().receive();
            System.out.println("received " + d.signal());
            ints.close();
            System.out.println("closed");
            blockOnStdin();
        }
    }

    /** Sends a signal (arguments: pid, name) and prints what happened; exits 3 if sending failed. */
    static final class Send {
        public static void main(String[] args) {
            try {
                Signals.send(Long.parseLong(args[0]), UnixSignal.of(args[1]));
                System.out.println("sent");
            } catch (IOException e) {
                System.out.println("failed: " + e.getClass().getSimpleName() + ": " + e.getMessage());
                System.exit(3);
            }
        }
    }

    /**
     * Tries to open a subscription for each argument (a signal name, or several joined by commas) and prints what
     * happened, then which signals have weft's handler installed.
     */
    static final class TryOpen {
        public static void main(String[] args) {
            for (String arg : args) {
                java.util.List<UnixSignal> signals = java.util.Arrays.stream(arg.split(",")).map(UnixSignal::of)
                        .toList();
                try (SignalSubscription s = Signals.open(signals)) {
                    System.out.println("opened " + s.signals());
                } catch (IllegalArgumentException e) {
                    System.out.println("refused: " + e.getMessage());
                }
            }
            System.out.println("installed: " + SignalHandlers.installed());
        }
    }

    /**
     * A daemon whose body waits to be cancelled. Arguments: the grace period in milliseconds, and how the cleanup
     * behaves: "quick" (prints "cleanup done"), "stuck" (blocks, shielded, far longer than any grace), "return"
     * (the body returns at once), "fail" (the body throws).
     */
    static final class DaemonMain {
        public static void main(String[] args) {
            hook();
            Duration grace = Duration.ofMillis(Long.parseLong(args[0]));
            String mode = args[1];
            Daemon.runAndExit("test-daemon", grace, scope -> {
                switch (mode) {
                    case "return" -> {
                        System.out.println("ready");
                        return;
                    }
                    case "fail" -> {
                        System.out.println("ready");
                        throw new IOException("the body failed on purpose");
                    }
                    default -> { }
                }
                Channel<String> never = Channel.rendezvous();
                try {
                    System.out.println("ready");
                    never.receive();
                } finally {
                    if (mode.equals("stuck")) {
                        Scope.shielded(Duration.ofMinutes(5), () -> {
                            System.out.println("cleaning");
                            return never.receive();
                        });
                    }
                    System.out.println("cleanup done");
                }
            });
        }
    }
}
