package dev.weft.net;

import dev.weft.runtime.Channel;
import dev.weft.runtime.Scope;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Stream;

/**
 * Shared helpers for the message tests: the transports every stream test runs over (TCP on 127.0.0.1 and ::1, and
 * a Unix socket), servers that hand each accepted connection to the test or serve it with a dispatcher, and
 * receives with a deadline.
 */
final class MessageTestSupport {

    /** How long a test waits for something that should happen. */
    static final Duration WAIT = Duration.ofSeconds(10);

    private MessageTestSupport() {
    }

    /** The stream transports: TCP over IPv4 and IPv6 loopback, and a Unix socket. */
    static Stream<String> transports() {
        return Stream.of("127.0.0.1", "::1", "unix");
    }

    /** The UDP hosts: IPv4 and IPv6 loopback. */
    static Stream<String> loopbacks() {
        return Stream.of("127.0.0.1", "::1");
    }

    /** Where a server of {@code transport} binds: port 0 on the loopback host, or a socket file in {@code dir}. */
    static SocketAddress bindAddress(String transport, Path dir) {
        return transport.equals("unix") ? UnixDomainSocketAddress.of(dir.resolve("messages.sock"))
                : new InetSocketAddress(transport, 0);
    }

    /** Starts a server on {@code transport} whose connections {@code dispatcher} serves. */
    static StreamServer dispatcherServer(Scope scope, String transport, Path dir, Dispatcher dispatcher)
            throws Exception {
        return StreamServer.builder(bindAddress(transport, dir)).start(scope, connection -> {
            try (MessageConnection messages = MessageConnection.over(connection)) {
                dispatcher.serve(messages);
            }
        });
    }

    /** Connects a raw line connection to {@code server}. */
    static Connection connectRaw(StreamServer server) throws IOException {
        return Connection.connect(server.localAddress(), WAIT);
    }

    /** Connects a message connection to {@code server}. */
    static MessageConnection connect(StreamServer server) throws IOException {
        return MessageConnection.over(connectRaw(server));
    }

    /** Receives the next message, failing the test if none comes within {@link #WAIT}. */
    static Message next(MessageConnection c) throws InterruptedException {
        return c.messages().receive(WAIT)
                .orElseThrow(() -> new AssertionError("no message on " + c.name() + " within " + WAIT));
    }

    /** Receives the next line, parsed, failing the test if none comes within {@link #WAIT}. */
    static Message nextParsed(Connection c) throws InterruptedException {
        return Message.parse(NetTestSupport.nextLine(c));
    }

    /** Receives messages until the channel closes; fails if it does not close within {@link #WAIT}. */
    static List<Message> drain(MessageConnection c) throws InterruptedException {
        List<Message> got = new ArrayList<>();
        long deadline = System.nanoTime() + WAIT.toNanos();
        for (;;) {
            try {
                var m = c.messages().receive(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
                if (m.isEmpty()) {
                    throw new AssertionError("messages of " + c.name() + " did not end within " + WAIT + "; got "
                            + got);
                }
                got.add(m.get());
            } catch (dev.weft.runtime.ChannelClosedException closed) {
                return got;
            }
        }
    }

    /**
     * A server on a transport that hands each accepted connection, as a message connection, to the test; the
     * connection stays open until the test closes it or closes this.
     */
    static final class Peers implements AutoCloseable {
        private final Scope scope;
        private final StreamServer server;
        private final Channel<MessageConnection> accepted = Channel.unbounded();
        private final CountDownLatch release = new CountDownLatch(1);

        Peers(String transport, Path dir) throws Exception {
            this(transport, dir, MessageConnection::over);
        }

        Peers(String transport, Path dir, Wrap wrap) throws Exception {
            scope = Scope.open("peers");
            try {
                server = StreamServer.builder(bindAddress(transport, dir)).start(scope, connection -> {
                    MessageConnection mc = wrap.wrap(connection);
                    try {
                        accepted.send(mc);
                        release.await();
                    } catch (InterruptedException | dev.weft.runtime.CancelledException stopped) {
                        // the test is over
                    } finally {
                        mc.close();
                    }
                });
            } catch (Exception | Error e) {
                scope.close();
                throw e;
            }
        }

        /** Makes the served side's message connection. */
        @FunctionalInterface
        interface Wrap {
            MessageConnection wrap(Connection connection);
        }

        StreamServer server() {
            return server;
        }

        /** The served side of the next connection. */
        MessageConnection accept() throws InterruptedException {
            return accepted.receive(WAIT)
                    .orElseThrow(() -> new AssertionError("no connection accepted within " + WAIT));
        }

        @Override
        public void close() {
            release.countDown();
            scope.close();
        }
    }
}
