package dev.weft.net;

import dev.weft.runtime.ChannelClosedException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

/**
 * Shared helpers for the net tests: the loopback addresses every TCP test runs on, a condition poll with a deadline
 * (never a sleep), a port with nothing listening, and a blackholed address.
 */
final class NetTestSupport {

    /** The default deadline for {@link #awaitCondition(BooleanSupplier, String)}. */
    static final Duration DEFAULT_WAIT = Duration.ofSeconds(10);

    private static final long POLL_NANOS = 500_000;

    private NetTestSupport() {
    }

    /** The loopback hosts every TCP test is parameterized over: IPv4 and IPv6. */
    static Stream<String> loopbacks() {
        return Stream.of("127.0.0.1", "::1");
    }

    /** A loopback address with port 0 (the server picks a free port). */
    static InetSocketAddress anyPort(String host) {
        return new InetSocketAddress(host, 0);
    }

    /** The loopback address of {@code host} with {@code port}. */
    static InetSocketAddress at(String host, int port) {
        return new InetSocketAddress(host, port);
    }

    /**
     * Waits until {@code condition} holds, polling it about every half millisecond.
     *
     * @throws AssertionError if it does not hold within {@code timeout}; the message names {@code description}
     */
    static void awaitCondition(BooleanSupplier condition, Duration timeout, String description) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("timed out after " + timeout + " waiting for: " + description);
            }
            if (Thread.currentThread().isInterrupted()) {
                throw new AssertionError("interrupted while waiting for: " + description);
            }
            LockSupport.parkNanos(POLL_NANOS);
        }
    }

    /** {@link #awaitCondition(BooleanSupplier, Duration, String)} with {@link #DEFAULT_WAIT}. */
    static void awaitCondition(BooleanSupplier condition, String description) {
        awaitCondition(condition, DEFAULT_WAIT, description);
    }

    /** Waits until {@code thread} is parked (WAITING or TIMED_WAITING): blocked in a weft wait, a park or I/O. */
    static void awaitBlocked(Thread thread) {
        awaitCondition(() -> {
            Thread.State state = thread.getState();
            if (state == Thread.State.TERMINATED) {
                throw new AssertionError("thread " + thread.getName() + " terminated instead of blocking");
            }
            return state == Thread.State.WAITING || state == Thread.State.TIMED_WAITING;
        }, "thread " + thread.getName() + " to block");
    }

    /** A handler that sends every line back. */
    static final ConnectionHandler ECHO = connection -> {
        for (String line : connection.lines()) {
            connection.send(line);
        }
    };

    /** Receives the next line of {@code c}, failing the test if none comes within {@link #DEFAULT_WAIT}. */
    static String nextLine(Connection c) throws InterruptedException {
        return c.lines().receive(DEFAULT_WAIT)
                .orElseThrow(() -> new AssertionError("no line from " + c.name() + " within " + DEFAULT_WAIT));
    }

    /** What was left on a connection when its lines ended: the lines, and the cause the channel closed with. */
    record End(List<String> lines, Optional<Throwable> cause) {
    }

    /** Receives until the lines channel of {@code c} closes, within {@link #DEFAULT_WAIT}. */
    static End awaitEnd(Connection c) throws InterruptedException {
        List<String> got = new ArrayList<>();
        long deadline = System.nanoTime() + DEFAULT_WAIT.toNanos();
        for (;;) {
            try {
                Optional<String> line = c.lines().receive(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
                if (line.isEmpty()) {
                    throw new AssertionError("the lines of " + c.name() + " did not end within " + DEFAULT_WAIT
                            + "; got " + got);
                }
                got.add(line.get());
            } catch (ChannelClosedException closed) {
                return new End(got, Optional.ofNullable(closed.getCause()));
            }
        }
    }

    /** Returns a loopback address on which nothing listens: a port that was just bound and released. */
    static InetSocketAddress closedPort(String host) throws IOException {
        try (ServerSocketChannel s = ServerSocketChannel.open()) {
            s.bind(anyPort(host));
            return at(host, ((InetSocketAddress) s.getLocalAddress()).getPort());
        }
    }

    /** Counts the live platform threads ({@link Thread#getAllStackTraces()} leaves virtual threads out). */
    static int platformThreads() {
        return (int) Thread.getAllStackTraces().keySet().stream().filter(t -> !t.isVirtual()).count();
    }

    /**
     * A loopback address that drops SYNs: a listening socket with backlog 1 that never accepts, its accept queue
     * filled with connections, so Linux drops every further SYN and a connect to it hangs until its timeout.
     */
    static final class Blackhole implements AutoCloseable {
        private final ServerSocketChannel server;
        private final List<SocketChannel> fillers = new ArrayList<>();
        private final InetSocketAddress address;

        Blackhole(String host) throws IOException {
            server = ServerSocketChannel.open();
            try {
                server.bind(anyPort(host), 1);
                address = at(host, ((InetSocketAddress) server.getLocalAddress()).getPort());
                // Linux queues backlog + 1 connections; fill the queue until a connect gets no answer.
                for (int i = 0; i < 16; i++) {
                    SocketChannel c = SocketChannel.open();
                    c.setOption(StandardSocketOptions.SO_LINGER, 0);
                    try {
                        c.socket().connect(address, 200);
                    } catch (SocketTimeoutException full) {
                        c.close();
                        return;
                    }
                    fillers.add(c);
                }
            } catch (IOException | RuntimeException e) {
                close();
                throw e;
            }
            close();
            throw new IllegalStateException("the accept queue of " + server + " never filled up");
        }

        /** The address that drops SYNs. */
        InetSocketAddress address() {
            return address;
        }

        /** The address as tests print it, e.g. {@code [::1]:4040}. */
        String formatted() {
            return Addresses.format(address);
        }

        @Override
        public void close() throws IOException {
            for (SocketChannel c : fillers) {
                c.close();
            }
            server.close();
        }
    }
}
