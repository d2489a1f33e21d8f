package dev.weft.net;

import dev.weft.runtime.ReceiveChannel;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.SocketAddress;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * A connected byte stream — TCP, Unix stream socket or TLS — in plain blocking style.
 *
 * <p><b>Reading.</b> A connection is read in one of two ways, chosen by the first call:
 * <ul>
 *   <li>{@link #lines()}: a reader task owned by the connection reads the socket and sends each line to a bounded
 *       channel. The consumer waits on the channel, so it can {@code select} over "next line", a timer and a
 *       signal, and cancelling that wait loses no data and does not close the socket — the JDK closes a socket
 *       whose reading thread is interrupted, which is why only the reader task touches it. Over-long lines are
 *       discarded and counted ({@link #oversizedLines()}); the lines after them still arrive. The channel closes
 *       at end of stream, or with the I/O error as its cause.</li>
 *   <li>{@link #input()}: a raw {@link InputStream} for protocols that are not line-based. Interrupting a thread
 *       blocked in it closes the connection (the JDK's behaviour).</li>
 * </ul>
 *
 * <p><b>Writing.</b> {@link #send(String)} writes one whole line; concurrent senders never interleave. A write
 * blocks while the peer does not read (TCP back-pressure); a connection with a
 * {@linkplain Connector#writeRate write rate} also waits for its budget, without slowing any other connection.
 *
 * <p>Thread-safe: one consumer of {@code lines()} (or one reader of {@code input()}), any number of writers.
 * {@link #close()} is idempotent and unblocks everyone.
 */
public sealed interface Connection extends AutoCloseable permits StreamConnection {

    /** The default maximum line length: 1 MiB. */
    int DEFAULT_MAX_LINE_LENGTH = 1 << 20;

    /**
     * Connects to a TCP address ({@link java.net.InetSocketAddress}) or a Unix socket
     * ({@link java.net.UnixDomainSocketAddress}) with the default options.
     *
     * <p>Blocks until connected; only the calling virtual thread waits. A connect that gets no answer (a
     * blackholed TCP address, a Unix socket whose server does not accept) fails with
     * {@link java.net.SocketTimeoutException} after {@code timeout}.
     *
     * @param address where to connect
     * @param timeout the longest time the connect may take
     * @return the open connection
     * @throws java.net.ConnectException if the peer refused; the message names the address
     * @throws java.net.SocketTimeoutException if the connect timed out
     * @throws IOException on any other failure to connect
     */
    static Connection connect(SocketAddress address, Duration timeout) throws IOException {
        return connector(address).timeout(timeout).connect();
    }

    /**
     * Returns a connector for {@code address}, to set a timeout, socket options, a line limit or a write rate
     * before connecting.
     *
     * @param address a TCP or Unix socket address
     * @return a new connector
     */
    static Connector connector(SocketAddress address) {
        return new Connector(address);
    }

    /**
     * Returns a connection over two byte channels that are not a socket — a pipe pair, a pair of named FIFOs, a
     * child process's output and input — with the default line limit. The connection owns the channels: closing it
     * closes both, and {@link #shutdownOutput()} closes {@code out}.
     *
     * <p>Reads and writes block in the channels' own calls. Give it channels that are fine to block on from a
     * virtual thread (a {@link java.nio.channels.Pipe}'s, or channels bridged to a platform thread, as
     * {@code dev.weft.process} does for FIFOs); a channel that blocks in native code ties up a carrier thread while
     * it waits.
     *
     * @param name the connection's name for logs and errors, such as {@code fifo /run/app.in}
     * @param in the channel to read from
     * @param out the channel to write to; may be the same object as {@code in}
     * @return the open connection
     * @throws IllegalArgumentException if the name is blank
     */
    static Connection of(String name, ReadableByteChannel in, WritableByteChannel out) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(in, "in");
        Objects.requireNonNull(out, "out");
        if (name.isBlank()) {
            throw new IllegalArgumentException("name must not be blank");
        }
        return new StreamConnection(new ByteChannelTransport(name, in, out), ConnectionSettings.builder().build());
    }

    /**
     * Returns a short name for logs and errors, such as {@code tcp [::1]:4040}.
     *
     * @return the name
     */
    String name();

    /**
     * Returns the peer's address.
     *
     * @return the remote address
     */
    SocketAddress remoteAddress();

    /**
     * Returns this end's address.
     *
     * @return the local address
     */
    SocketAddress localAddress();

    /**
     * Returns who is at the other end of a Unix stream connection: the peer's user and group ids as the kernel
     * recorded them when the connection was made ({@code SO_PEERCRED}). The JDK does not report the peer's pid, so
     * {@link PeerCredentials#pid()} is empty here (a {@link UnixSeqpacketConnection} has it). Empty for TCP and TLS
     * connections, which carry no credentials.
     *
     * <pre>{@code
     * StreamServer.builder(UnixDomainSocketAddress.of(path)).start(scope, c -> {
     *     long uid = c.peerCredentials().orElseThrow().uid().orElseThrow();
     *     if (uid != 0) {
     *         c.send("ERROR only root may connect");
     *         return;
     *     }
     *     serve(c);
     * });
     * }</pre>
     *
     * @return the peer's credentials, or empty where the transport has none
     */
    Optional<PeerCredentials> peerCredentials();

    /**
     * Returns the incoming lines, read by the connection's reader task (started by the first call). The channel
     * closes when the peer closes the stream (a last line without a terminator is still delivered), or with the
     * {@link IOException} as its cause when reading fails (a reset, for example; a half line received before a
     * reset is not delivered: a line counts only with its terminator or at an orderly end of stream).
     *
     * @return the channel of lines; the same one on every call
     * @throws IllegalStateException if {@link #input()} was called first
     */
    ReceiveChannel<String> lines();

    /**
     * Returns the raw input stream.
     *
     * @return the input stream; the same one on every call
     * @throws IllegalStateException if {@link #lines()} was called first
     */
    InputStream input();

    /**
     * Returns a raw output stream that writes through this connection's write lock and rate limit.
     *
     * @return the output stream
     */
    OutputStream output();

    /**
     * Sends one line: the text, UTF-8 encoded, and {@code \n}. Concurrent senders never interleave.
     *
     * <p>Blocks while the peer does not read and while the write rate budget is spent. If the calling task is
     * cancelled while it waits for its rate budget, nothing was written; if it is interrupted inside the socket
     * write, the JDK closes the connection.
     *
     * @param line the line, without line terminators
     * @throws IllegalArgumentException if the line contains {@code \n} or {@code \r}
     * @throws IOException if writing fails or the connection is closed
     * @throws InterruptedException if interrupted while waiting for the write rate budget
     */
    void send(String line) throws IOException, InterruptedException;

    /**
     * Writes bytes as they are, under the same write lock and rate limit as {@link #send(String)}.
     *
     * @param bytes the bytes
     * @throws IOException if writing fails or the connection is closed
     * @throws InterruptedException if interrupted while waiting for the write rate budget
     */
    void write(byte[] bytes) throws IOException, InterruptedException;

    /**
     * Returns how many over-long lines {@link #lines()} has discarded.
     *
     * @return the number of discarded lines
     */
    long oversizedLines();

    /**
     * Closes the sending direction (a TCP half-close): the peer reads end of stream, and can still answer.
     *
     * @throws IOException if the connection is closed
     */
    void shutdownOutput() throws IOException;

    /**
     * Returns whether the connection is open.
     *
     * @return false once it was closed, by either side's {@code close} or by an interrupt
     */
    boolean isOpen();

    /** Closes the connection and stops its reader task; idempotent. */
    @Override
    void close();
}
