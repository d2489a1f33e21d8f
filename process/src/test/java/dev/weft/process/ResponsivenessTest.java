package dev.weft.process;

import static dev.weft.process.ProcessTestSupport.WAIT;
import static dev.weft.process.ProcessTestSupport.awaitCondition;
import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.runtime.Scope;
import dev.weft.runtime.Task;
import dev.weft.runtime.testing.PinningGuard;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * 100 (and 300) children whose output is read concurrently while a loopback echo server on virtual threads keeps
 * answering. Asserts liveness only (every echo answered within a generous deadline, every line read); prints the echo
 * round-trip latencies and the number of carrier threads, the numbers the reader design is about. The last test
 * does the same with the JDK's process streams read directly on virtual threads, for comparison; it runs last
 * because the carriers it adds stay for a while.
 */
@ExtendWith(PinningGuard.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
final class ResponsivenessTest {

    private static final int CHILDREN = 100;
    /**
     * More blocked readers than the virtual-thread scheduler's maximum pool size (256): read on virtual threads, the
     * JDK's streams would starve every virtual thread (measured outside this test: with 300, only 256 readers ever
     * started and a loopback echo got no answer in 5 s), so only weft's readers are run at this size.
     */
    private static final int MANY_CHILDREN = 300;
    private static final int LINES_EACH = 200;
    private static final int ROUND_TRIPS = 300;
    /** Round trips before the measured ones (connection set-up, JIT), not counted. */
    private static final int WARM_UP = 50;
    /** Each child writes a burst, then blocks reading stdin (so every reader blocks on an idle pipe), then more. */
    private static final String CHILD = "i=0; while [ $i -lt " + (LINES_EACH / 2) + " ]; do echo line $i;"
            + " i=$((i+1)); done; read x; while [ $i -lt " + LINES_EACH + " ]; do echo line $i; i=$((i+1)); done";

    @Test
    @Order(1)
    void hundredChildren_weftReaders_echoServerStaysResponsive() throws Exception {
        weftReaders(CHILDREN);
    }

    @Test
    @Order(2)
    void moreChildrenThanTheCarrierMaximum_weftReaders_echoServerStaysResponsive() throws Exception {
        weftReaders(MANY_CHILDREN);
    }

    private static void weftReaders(int children) throws Exception {
        AtomicInteger lines = new AtomicInteger();
        long[] latencies;
        int carriersBefore = carriers();
        int carriersPeak;
        try (Scope scope = Scope.open("responsiveness")) {
            InetSocketAddress echo = startEcho(scope);
            List<ChildProcess> started = new ArrayList<>();
            for (int i = 0; i < children; i++) {
                ChildProcess c = Command.of("sh", "-c", CHILD).stderr(Redirect.inherit()).start(scope);
                started.add(c);
                scope.fork("consume " + i, () -> {
                    for (String ignored : c.stdoutLines()) {
                        lines.incrementAndGet();
                    }
                });
            }
            // every child has written its first burst and now blocks on stdin: 100 readers wait on idle pipes
            awaitCondition(() -> lines.get() >= children * LINES_EACH / 2, "the first burst of every child");
            carriersPeak = carriers();
            latencies = echoRoundTrips(echo);
            for (ChildProcess c : started) {
                c.stdin().writeLine("go");
            }
            for (ChildProcess c : started) {
                assertThat(c.waitFor(WAIT)).hasValueSatisfying(s -> assertThat(s.isSuccess()).isTrue());
            }
            awaitCondition(() -> lines.get() == children * LINES_EACH, "every line of every child");
            scope.cancel(); // the echo server
        }
        report("weft readers (platform thread per pipe)", children, latencies, carriersBefore, carriersPeak);
        assertThat(lines.get()).isEqualTo(children * LINES_EACH);
        assertThat(latencies).hasSize(ROUND_TRIPS);
    }

    @Test
    @Order(3)
    void hundredChildren_jdkStreamsOnVirtualThreads_forComparison() throws Exception {
        AtomicInteger lines = new AtomicInteger();
        long[] latencies;
        int carriersBefore = carriers();
        int carriersPeak;
        List<Process> processes = new ArrayList<>();
        try (Scope scope = Scope.open("comparison")) {
            InetSocketAddress echo = startEcho(scope);
            for (int i = 0; i < CHILDREN; i++) {
                Process p = new ProcessBuilder("sh", "-c", CHILD).redirectError(ProcessBuilder.Redirect.INHERIT)
                        .start();
                processes.add(p);
                scope.fork("read " + i, () -> {
                    try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(),
                            StandardCharsets.UTF_8))) {
                        while (r.readLine() != null) {
                            lines.incrementAndGet();
                        }
                    }
                });
            }
            awaitCondition(() -> lines.get() >= CHILDREN * LINES_EACH / 2, "the first burst of every child");
            carriersPeak = carriers();
            latencies = echoRoundTrips(echo);
            for (Process p : processes) {
                OutputStream in = p.getOutputStream();
                in.write("go\n".getBytes(StandardCharsets.UTF_8));
                in.close();
            }
            for (Process p : processes) {
                assertThat(p.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
            }
            awaitCondition(() -> lines.get() == CHILDREN * LINES_EACH, "every line of every child");
            scope.cancel();
        } finally {
            processes.forEach(Process::destroyForcibly);
        }
        report("JDK streams read on virtual threads", CHILDREN, latencies, carriersBefore, carriersPeak);
        assertThat(lines.get()).isEqualTo(CHILDREN * LINES_EACH);
    }

    /** A loopback echo server: one virtual thread per connection, in {@code scope}. */
    private static InetSocketAddress startEcho(Scope scope) throws Exception {
        ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        scope.fork("echo accept", () -> {
            try (server) {
                Task<Void> closer = scope.fork("echo closer", () -> {
                    try {
                        new java.util.concurrent.CountDownLatch(1).await();
                    } finally {
                        server.close();
                    }
                });
                while (true) {
                    Socket s;
                    try {
                        s = server.accept();
                    } catch (java.net.SocketException closed) {
                        closer.cancel();
                        return;
                    }
                    scope.fork("echo connection", () -> {
                        try (s) {
                            InputStream in = s.getInputStream();
                            OutputStream out = s.getOutputStream();
                            in.transferTo(out);
                        }
                    });
                }
            }
        });
        return new InetSocketAddress(server.getInetAddress(), server.getLocalPort());
    }

    private static long[] echoRoundTrips(InetSocketAddress echo) throws Exception {
        long[] nanos = new long[ROUND_TRIPS];
        try (Socket s = new Socket()) {
            s.connect(echo, (int) WAIT.toMillis());
            s.setSoTimeout((int) WAIT.toMillis());
            s.setTcpNoDelay(true);
            PrintWriter out = new PrintWriter(s.getOutputStream(), true, StandardCharsets.UTF_8);
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            for (int i = -WARM_UP; i < ROUND_TRIPS; i++) {
                long t0 = System.nanoTime();
                out.println("ping " + i);
                assertThat(in.readLine()).isEqualTo("ping " + i);
                if (i >= 0) {
                    nanos[i] = System.nanoTime() - t0;
                }
            }
        }
        return nanos;
    }

    /** Live carrier threads of the virtual-thread scheduler (platform threads named ForkJoinPool-N-worker-M). */
    private static int carriers() {
        return (int) Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().matches("ForkJoinPool-\\d+-worker-\\d+")).count();
    }

    private static void report(String what, int children, long[] latencies, int carriersBefore, int carriersPeak) {
        long[] sorted = latencies.clone();
        Arrays.sort(sorted);
        System.out.printf("%s: %d children, %d echo round trips while their readers were blocked: p50 %.3f ms,"
                        + " p99 %.3f ms, max %.3f ms; carrier threads before %d, while blocked %d%n", what, children,
                sorted.length, ms(sorted[sorted.length / 2]), ms(sorted[(int) (sorted.length * 0.99)]),
                ms(sorted[sorted.length - 1]), carriersBefore, carriersPeak);
    }

    private static double ms(long nanos) {
        return nanos / 1e6;
    }
}
