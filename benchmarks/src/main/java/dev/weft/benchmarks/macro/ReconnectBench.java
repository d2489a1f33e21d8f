package dev.weft.benchmarks.macro;

import dev.failsafe.RetryPolicy;
import dev.weft.net.Backoff;
import dev.weft.net.ConnectionState;
import dev.weft.net.PermanentConnection;
import dev.weft.net.PermanentEvent;
import dev.weft.runtime.Scope;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The reconnect client process: {@code ReconnectBench weft|grpc|lettuce PORT N}. Opens N
 * {@link PermanentConnection}s (line mode) to a weft echo server with the given backoff policy, prints
 * {@code READY} once all are READY, then waits for the line {@code up} on stdin (the suite sends it as soon as the
 * restarted server listens again). Each connection, on its own virtual thread, waits until it has seen its loss and
 * is READY again, then sends a line and waits for its echo. Prints {@code DONE <ms>}: from {@code up} to the last
 * connection's round trip.
 *
 * <p>Policies: weft's defaults (no {@code backoff} call); {@link Backoff#grpc()} (1 s × 1.6, ±20 %, cap 120 s);
 * Lettuce's {@code Delay.exponential()} (powers of two in ms from 1 ms, cap 30 s, no jitter) as a Failsafe
 * {@link RetryPolicy}. weft runs every policy the same way (attempt 0 immediate, then the policy's delays).
 */
public final class ReconnectBench {

    private ReconnectBench() {
    }

    static RetryPolicy<?> policy(String name) {
        return switch (name) {
            case "weft" -> Backoff.standard();
            case "grpc" -> Backoff.grpc();
            case "lettuce" -> RetryPolicy.builder()
                    .withBackoff(Duration.ofMillis(1), Duration.ofSeconds(30), 2.0)
                    .withMaxRetries(-1)
                    .build();
            default -> throw new IllegalArgumentException("unknown policy: " + name + " (weft|grpc|lettuce)");
        };
    }

    /**
     * Runs the client.
     *
     * @param args {@code weft|grpc|lettuce PORT N}
     * @throws Exception if the connections do not come up
     */
    public static void main(String[] args) throws Exception {
        String policyName = args[0];
        int port = Integer.parseInt(args[1]);
        int n = Integer.parseInt(args[2]);
        BufferedReader stdin = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        CountDownLatch ready = new CountDownLatch(n);
        CountDownLatch recovered = new CountDownLatch(n);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        try (Scope scope = Scope.open("reconnect")) {
            List<PermanentConnection> conns = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                PermanentConnection.Builder b = PermanentConnection
                        .builder(List.of(new InetSocketAddress("127.0.0.1", port)))
                        .name("c" + i)
                        .mode(PermanentConnection.Mode.LINES);
                if (!policyName.equals("weft")) {
                    b.backoff(policy(policyName)); // "weft" keeps the builder's default, whatever it is
                }
                PermanentConnection c = b.open(scope);
                conns.add(c);
                scope.fork("watch c" + i, () -> {
                    try {
                        watch(c, ready);
                    } catch (Exception | Error e) {
                        failure.compareAndSet(null, e); // release the main thread at once, with the cause
                        for (long k = ready.getCount(); k > 0; k--) {
                            ready.countDown();
                        }
                        for (long k = recovered.getCount(); k > 0; k--) {
                            recovered.countDown();
                        }
                        return null;
                    }
                    recovered.countDown();
                    return null;
                });
            }
            if (!ready.await(60, TimeUnit.SECONDS)) {
                throw new IllegalStateException(ready.getCount() + " of " + n + " connections not READY in 60 s");
            }
            checkFailure(failure);
            System.out.println("READY");
            System.out.flush();
            String line = stdin.readLine();
            if (!"up".equals(line)) {
                throw new IllegalStateException("expected 'up' on stdin, got " + line);
            }
            long t0 = System.nanoTime();
            if (!recovered.await(120, TimeUnit.SECONDS)) {
                throw new IllegalStateException(recovered.getCount() + " of " + n + " not recovered in 120 s");
            }
            checkFailure(failure);
            System.out.println("DONE " + (System.nanoTime() - t0) / 1e6);
            System.out.flush();
            conns.forEach(PermanentConnection::close);
            scope.cancel();
        }
    }

    private static void checkFailure(AtomicReference<Throwable> failure) {
        Throwable t = failure.get();
        if (t != null) {
            throw new IllegalStateException("a connection's watcher failed: " + t, t);
        }
    }

    /** Waits for READY, a loss, READY again, then one round trip. */
    private static void watch(PermanentConnection c, CountDownLatch ready) throws Exception {
        boolean wasReady = false;
        boolean lost = false;
        boolean back = false;
        for (PermanentEvent e : c.events()) {
            if (e instanceof PermanentEvent.StateChanged s) {
                if (s.to() == ConnectionState.READY) {
                    if (!wasReady) {
                        wasReady = true;
                        ready.countDown();
                    } else if (lost) {
                        back = true;
                        break;
                    }
                } else if (wasReady && s.from() == ConnectionState.READY) {
                    lost = true;
                }
            }
        }
        if (!back) {
            throw new IllegalStateException("connection " + c.name() + " closed before it was READY again");
        }
        c.send("ping " + c.name());
        c.lines().receive();
    }

}
