package dev.weft.net;

import dev.weft.runtime.CancelledException;
import dev.weft.runtime.Channel;
import dev.weft.runtime.ReceiveChannel;
import dev.weft.runtime.Scope;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.SocketAddress;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one {@link Connection} implementation: a transport, a write lock with an optional rate limiter, and — once
 * {@link #lines()} is called — a reader task in the connection's own scope feeding a bounded channel.
 */
final class StreamConnection implements Connection {

    private static final Logger LOG = LoggerFactory.getLogger(StreamConnection.class);

    private final Transport transport;
    private final String name;
    private final ConnectionSettings settings;
    private final ReentrantLock writeLock = new ReentrantLock();
    private final WriteRateLimiter limiter;
    private final Scope scope;
    private final Object modeLock = new Object();
    private final AtomicLong oversized = new AtomicLong();
    private Channel<String> lines;
    private InputStream input;
    private volatile boolean closing;
    /** Set for a message connection: a last line the peer did not terminate is a truncated message, not a line. */
    private volatile boolean dropUnterminatedLastLine;

    StreamConnection(Transport transport, ConnectionSettings settings) {
        this.transport = transport;
        this.name = transport.describe();
        this.settings = settings;
        this.limiter = settings.newLimiter();
        this.scope = Scope.open("connection " + name);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public SocketAddress remoteAddress() {
        return transport.remoteAddress();
    }

    @Override
    public SocketAddress localAddress() {
        return transport.localAddress();
    }

    @Override
    public Optional<PeerCredentials> peerCredentials() {
        return transport.peerCredentials();
    }

    @Override
    public ReceiveChannel<String> lines() {
        synchronized (modeLock) {
            if (input != null) {
                throw new IllegalStateException("connection " + name + " is read through input(); lines() is not"
                        + " available");
            }
            if (lines == null) {
                lines = Channel.<String>builder().name(name + " lines").capacity(settings.lineBuffer()).build();
                Channel<String> out = lines;
                if (closing) {
                    out.close(); // closed before anyone read: no lines, and no reader to start in a closed scope
                } else {
                    scope.fork("reader", () -> readLines(out));
                }
            }
            return lines;
        }
    }

    /**
     * The lines for a {@link MessageConnection}: like {@link #lines()}, except that a last line without its
     * terminator when the peer closes is dropped and logged — a message cut off by a disconnect (a value that lost
     * digits, say) must not be taken for the message that was meant.
     */
    ReceiveChannel<String> messageLines() {
        dropUnterminatedLastLine = true;
        return lines();
    }

    private void readLines(Channel<String> out) {
        LineFramer framer = new LineFramer(settings.maxLineLength(), new LineFramer.Sink() {
            @Override
            public void line(String line) throws InterruptedException {
                out.send(line);
            }

            @Override
            public void oversized(long length) {
                long n = oversized.incrementAndGet();
                if (n == 1) {
                    LOG.warn("connection {}: discarded a line of {} bytes (limit {}); later ones are logged at DEBUG",
                            name, length, settings.maxLineLength());
                } else {
                    LOG.debug("connection {}: discarded a line of {} bytes (limit {})", name, length,
                            settings.maxLineLength());
                }
            }
        });
        ReadBuffer buffer = new ReadBuffer();
        try {
            for (;;) {
                byte[] buf = buffer.bytes();
                int n = transport.read(buf, 0, buf.length);
                if (n < 0) {
                    break;
                }
                framer.feed(buf, 0, n);
                buffer.adapt(n);
            }
            if (dropUnterminatedLastLine && framer.pendingBytes() > 0) {
                LOG.warn("connection {}: the peer closed in the middle of a message; dropped its {} bytes", name,
                        framer.pendingBytes());
            } else {
                framer.endOfStream();
            }
            out.close();
        } catch (IOException e) {
            if (closing) {
                out.close();
            } else {
                LOG.debug("connection {}: read failed", name, e);
                out.close(e);
            }
        } catch (InterruptedException | CancelledException e) {
            out.close();
        }
    }

    @Override
    public InputStream input() {
        synchronized (modeLock) {
            if (lines != null) {
                throw new IllegalStateException("connection " + name + " is read through lines(); input() is not"
                        + " available");
            }
            if (input == null) {
                input = new InputStream() {
                    @Override
                    public int read() throws IOException {
                        byte[] one = new byte[1];
                        int n = read(one, 0, 1);
                        return n < 0 ? -1 : one[0] & 0xff;
                    }

                    @Override
                    public int read(byte[] b, int off, int len) throws IOException {
                        java.util.Objects.checkFromIndexSize(off, len, b.length);
                        if (len == 0) {
                            return 0;
                        }
                        return transport.read(b, off, len);
                    }

                    @Override
                    public void close() {
                        StreamConnection.this.close();
                    }
                };
            }
            return input;
        }
    }

    @Override
    public OutputStream output() {
        return new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                java.util.Objects.checkFromIndexSize(off, len, b.length);
                try {
                    writeBytes(b, off, len);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("interrupted while waiting to write to " + name);
                }
            }

            @Override
            public void close() {
                StreamConnection.this.close();
            }
        };
    }

    @Override
    public void send(String line) throws IOException, InterruptedException {
        java.util.Objects.requireNonNull(line, "line");
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '\n' || c == '\r') {
                throw new IllegalArgumentException("line must not contain a line terminator (at index " + i
                        + " of a line of " + line.length() + " characters)");
            }
        }
        byte[] bytes = (line + "\n").getBytes(StandardCharsets.UTF_8);
        writeBytes(bytes, 0, bytes.length);
    }

    @Override
    public void write(byte[] bytes) throws IOException, InterruptedException {
        java.util.Objects.requireNonNull(bytes, "bytes");
        writeBytes(bytes, 0, bytes.length);
    }

    private void writeBytes(byte[] b, int off, int len) throws IOException, InterruptedException {
        writeLock.lockInterruptibly();
        try {
            if (limiter != null) {
                limiter.acquire(len);
            }
            if (!transport.isOpen()) {
                throw new SocketException("connection " + name + " is closed");
            }
            try {
                transport.write(b, off, len);
            } catch (IOException e) {
                // a bare "Broken pipe" or "Connection reset" does not say which connection; typed failures (a close,
                // an interrupt, a TLS error) are kept as they are
                if (e.getClass() != IOException.class && e.getClass() != SocketException.class) {
                    throw e;
                }
                SocketException named = new SocketException("write to " + name + " failed: " + e.getMessage());
                named.initCause(e);
                throw named;
            }
        } finally {
            writeLock.unlock();
        }
    }

    /** The transport under this connection (for tests and for options that need the channel). */
    Transport transport() {
        return transport;
    }

    @Override
    public long oversizedLines() {
        return oversized.get();
    }

    @Override
    public void shutdownOutput() throws IOException {
        transport.shutdownOutput();
    }

    @Override
    public boolean isOpen() {
        return transport.isOpen();
    }

    @Override
    public void close() {
        synchronized (modeLock) { // so lines() either starts its reader before this, or sees the close
            closing = true;
        }
        try {
            transport.close();
        } catch (IOException e) {
            LOG.debug("connection {}: close failed", name, e);
        }
        scope.close();
    }

    @Override
    public String toString() {
        return "Connection[" + name + (isOpen() ? "]" : ", closed]");
    }
}
