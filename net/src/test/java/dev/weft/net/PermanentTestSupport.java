package dev.weft.net;

import dev.weft.runtime.ChannelClosedException;
import dev.weft.runtime.ReceiveChannel;
import dev.weft.runtime.Scope;
import dev.weft.runtime.Task;
import dev.weft.runtime.VirtualClock;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * Helpers for the permanent-connection tests: a real backend on a loopback address that can be killed and restarted
 * on the same port, and a reader of a connection's events that waits (in real time, with a deadline) for the next
 * event of a kind.
 */
final class PermanentTestSupport {

    /** How long a test waits for an event before it fails; only reached on failure. */
    static final Duration WAIT = Duration.ofSeconds(20);

    private PermanentTestSupport() {
    }

    /**
     * Advances {@code clock} by {@code d} once the wait that {@code d} is meant to end has registered its timer —
     * which must be the earliest pending one. Without this the test could advance between the moment a task computes
     * its timeout and the moment it parks, and the task would then wait {@code d} longer than meant.
     */
    static void advanceToTimer(VirtualClock clock, Duration d) {
        Instant at = clock.now().plus(d);
        NetTestSupport.awaitCondition(() -> clock.nextTimer().filter(at::equals).isPresent(), WAIT,
                "a timer at " + at + " (next: " + clock.nextTimer() + ")");
        clock.advance(d);
    }

    /** Waits until {@code clock} has at least {@code n} pending timers (each a task waiting with a timeout). */
    static void awaitTimers(VirtualClock clock, int n) {
        NetTestSupport.awaitCondition(() -> clock.pendingTimers() >= n, WAIT, n + " pending timers (now "
                + clock.pendingTimers() + ")");
    }

    /**
     * A line backend: records every line it receives, answers {@code ALIVE} with {@code ABSOLUTELY} (unless muted),
     * {@code REGISTER} with {@code READY}, and {@code echo X} with {@code X}. Runs in a scope of its own on the system
     * clock, with its own accept loop so that {@link #kill()} can close the listening socket for good (and wait for
     * the accept loop to end) before it closes the connections, as a killed process's sockets go.
     */
    static final class Backend implements AutoCloseable {
        final String host;
        volatile int port;
        final List<String> received = new CopyOnWriteArrayList<>();
        final Set<Connection> open = ConcurrentHashMap.newKeySet();
        final AtomicInteger accepted = new AtomicInteger();
        volatile boolean muted;
        private Scope scope;
        private ServerSocketChannel server;
        private Task<Void> acceptLoop;

        private Backend(String host) {
            this.host = host;
        }

        /** Starts a backend on {@code host:port} (port 0: any). */
        static Backend start(String host, int port) throws IOException {
            Backend b = new Backend(host);
            b.listen(port);
            return b;
        }

        private void listen(int onPort) throws IOException {
            ServerSocketChannel s = ServerSocketChannel.open();
            try {
                s.setOption(StandardSocketOptions.SO_REUSEADDR, true);
                s.bind(new InetSocketAddress(host, onPort), 1024);
            } catch (IOException e) {
                s.close();
                throw e;
            }
            server = s;
            port = ((InetSocketAddress) s.getLocalAddress()).getPort();
            scope = Scope.open("backend " + host);
            Scope owner = scope;
            acceptLoop = scope.fork("accept", () -> {
                try {
                    for (;;) {
                        SocketChannel channel = s.accept();
                        Connection c = new StreamConnection(new ChannelTransport(channel),
                                ConnectionSettings.builder().build());
                        open.add(c);
                        accepted.incrementAndGet();
                        owner.fork("serve", () -> serve(c));
                    }
                } catch (IOException closed) {
                    // kill(): the listening socket is closed
                }
            });
        }

        private void serve(Connection c) throws IOException, InterruptedException {
            try {
                for (String line : c.lines()) {
                    received.add(line);
                    if (line.equals("ALIVE") && !muted) {
                        c.send("ABSOLUTELY");
                    } else if (line.startsWith("REGISTER")) {
                        c.send("READY");
                    } else if (line.startsWith("echo ")) {
                        c.send(line.substring(5));
                    }
                }
            } finally {
                open.remove(c);
                c.close();
            }
        }

        InetSocketAddress address() {
            return new InetSocketAddress(host, port);
        }

        /** Closes the listening socket, then every connection, like a killed process. */
        void kill() {
            try {
                server.close();
                acceptLoop.join(WAIT); // once accept has returned, the socket is closed in the kernel too
            } catch (IOException | InterruptedException | java.util.concurrent.TimeoutException
                    | RuntimeException e) {
                throw new AssertionError("could not stop the accept loop of " + host, e);
            }
            for (Connection c : open) {
                c.close();
            }
            scope.close();
        }

        /** Listens again on the same address and port. */
        void restart() throws IOException {
            listen(port);
        }

        /**
         * Closes the open connections but goes on listening (the peer restarted its sessions); waits first until
         * the handler of at least one accepted connection runs.
         */
        void dropConnections() {
            NetTestSupport.awaitCondition(() -> !open.isEmpty(), WAIT, host + " to serve a connection");
            for (Connection c : open) {
                c.close();
            }
        }

        /** Waits until the backend has received {@code line}. */
        void awaitLine(String line) {
            NetTestSupport.awaitCondition(() -> received.contains(line), WAIT, host + " to receive " + line);
        }

        @Override
        public void close() {
            kill();
        }
    }

    /** Reads a permanent connection's events in order, remembering what it skipped for failure messages. */
    static final class Events {
        private final ReceiveChannel<PermanentEvent> channel;
        final List<PermanentEvent> seen = new ArrayList<>();

        Events(PermanentConnection c) {
            this.channel = c.events();
        }

        /** Waits for the next event of {@code type} matching {@code match}, skipping others. */
        <T extends PermanentEvent> T await(Class<T> type, Predicate<? super T> match, String what)
                throws InterruptedException {
            long deadline = System.nanoTime() + WAIT.toNanos();
            for (;;) {
                long left = deadline - System.nanoTime();
                Optional<PermanentEvent> e;
                try {
                    e = left <= 0 ? Optional.empty() : channel.receive(Duration.ofNanos(left));
                } catch (ChannelClosedException closed) {
                    throw new AssertionError("events ended while waiting for " + what + "; seen: " + tail());
                }
                if (e.isEmpty()) {
                    throw new AssertionError("no " + what + " within " + WAIT + "; seen: " + tail());
                }
                seen.add(e.get());
                if (type.isInstance(e.get()) && match.test(type.cast(e.get()))) {
                    return type.cast(e.get());
                }
            }
        }

        /** Waits for the next event of {@code type}. */
        <T extends PermanentEvent> T await(Class<T> type) throws InterruptedException {
            return await(type, x -> true, type.getSimpleName());
        }

        /** Waits for the state change into {@code to}. */
        PermanentEvent.StateChanged awaitState(ConnectionState to) throws InterruptedException {
            return await(PermanentEvent.StateChanged.class, s -> s.to() == to, "state " + to);
        }

        /** The events seen since the last call to {@link #mark()}. */
        List<PermanentEvent> since(int mark) {
            return List.copyOf(seen.subList(mark, seen.size()));
        }

        int mark() {
            return seen.size();
        }

        private String tail() {
            return seen.subList(Math.max(0, seen.size() - 15), seen.size()).toString();
        }
    }
}
