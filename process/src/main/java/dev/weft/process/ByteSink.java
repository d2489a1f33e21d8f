package dev.weft.process;

import dev.weft.runtime.Channel;
import dev.weft.runtime.ChannelClosedException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A byte stream that blocks in native code — a child's stdin, a named FIFO — written by a dedicated platform thread
 * that virtual threads feed through a bounded channel.
 *
 * <pre>{@code
 * ByteSink in = child.stdin();
 * in.writeLine("hello");
 * in.close();              // the child reads end of file once what was written has gone through
 * }</pre>
 *
 * <p><b>Back-pressure.</b> {@link #write} copies the bytes into chunks of at most 64 KiB and waits while
 * {@value #CHUNKS} chunks are queued; the writer thread blocks while the reading process does not read. So a
 * writer never gets ahead by more than about 1 MiB, and nothing is dropped. A write that is cancelled while it
 * waits (an interrupt, the task's scope cancelled) has queued the chunks before the one it waited for, and none
 * after.
 *
 * <p><b>Errors.</b> When the other end goes away (the child exited: {@code EPIPE}), the writer thread stops and the
 * next {@code write} throws an {@link IOException} whose cause is the thread's failure; bytes queued but not
 * written are lost with the reader that would have read them.
 *
 * <p>Thread-safe: writes from several threads do not interleave within one {@code write} call of up to 64 KiB;
 * {@link #close()} from any thread.
 */
public final class ByteSink implements AutoCloseable {

    /** How many chunks may be queued for the writer thread. */
    static final int CHUNKS = 16;
    /** The largest chunk a write is cut into. */
    static final int MAX_CHUNK = 64 * 1024;

    private static final Logger LOG = LoggerFactory.getLogger(ByteSink.class);

    /** Opens the stream on the writer thread (opening a FIFO blocks until a reader opens it). */
    @FunctionalInterface
    interface Opener {
        OutputStream open() throws IOException;
    }

    private final String name;
    private final Channel<byte[]> chunks;
    private final Runnable unblockOpen;
    private final Object lock = new Object();
    private OutputStream out;
    private boolean opened;
    private volatile boolean aborted;
    private volatile IOException failure;
    private PlatformThreads.Handle thread;

    private ByteSink(String name, Runnable unblockOpen) {
        this.name = name;
        this.unblockOpen = unblockOpen;
        this.chunks = Channel.<byte[]>builder().name(name).capacity(CHUNKS).build();
    }

    /**
     * Starts the writer thread.
     *
     * @param name the sink's name, such as {@code process 4711 stdin}
     * @param threadName the writer thread's name, {@code weft-...}
     * @param opener opens the stream, on the writer thread
     * @param unblockOpen called by {@link #abort()} if the opener is still blocked, to make it return
     */
    static ByteSink start(String name, String threadName, Opener opener, Runnable unblockOpen) {
        ByteSink s = new ByteSink(name, unblockOpen);
        s.thread = PlatformThreads.start(threadName, () -> s.run(opener));
        return s;
    }

    /**
     * Returns this sink's name, used in errors and logs.
     *
     * @return the name
     */
    public String name() {
        return name;
    }

    /**
     * Queues all of {@code bytes} for writing, waiting while the queue is full.
     *
     * @param bytes the bytes; copied, so the caller may reuse the array
     * @throws IOException if the sink is closed or its writer failed (the cause says why)
     * @throws InterruptedException if the calling thread is interrupted while waiting for room
     * @throws dev.weft.runtime.CancelledException if the calling task is cancelled while waiting for room
     */
    public void write(byte[] bytes) throws IOException, InterruptedException {
        Objects.requireNonNull(bytes, "bytes");
        write(bytes, 0, bytes.length);
    }

    /**
     * Queues {@code len} bytes of {@code b} from {@code off} for writing, waiting while the queue is full.
     *
     * @param b the array; the bytes are copied
     * @param off where the bytes start
     * @param len how many bytes
     * @throws IOException if the sink is closed or its writer failed
     * @throws InterruptedException if the calling thread is interrupted while waiting for room
     */
    public void write(byte[] b, int off, int len) throws IOException, InterruptedException {
        Objects.checkFromIndexSize(off, len, b.length);
        if (len == 0) {
            checkOpen();
            return;
        }
        for (int pos = off; pos < off + len; pos += MAX_CHUNK) {
            byte[] chunk = Arrays.copyOfRange(b, pos, Math.min(off + len, pos + MAX_CHUNK));
            try {
                chunks.send(chunk);
            } catch (ChannelClosedException e) {
                throw closed();
            }
        }
    }

    /**
     * Queues {@code text}, UTF-8 encoded, for writing.
     *
     * @param text the text
     * @throws IOException if the sink is closed or its writer failed
     * @throws InterruptedException if the calling thread is interrupted while waiting for room
     */
    public void write(String text) throws IOException, InterruptedException {
        Objects.requireNonNull(text, "text");
        write(text.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Queues one line: {@code line}, UTF-8 encoded, and {@code \n}.
     *
     * @param line the line, without line terminators
     * @throws IllegalArgumentException if the line contains {@code \n} or {@code \r}
     * @throws IOException if the sink is closed or its writer failed
     * @throws InterruptedException if the calling thread is interrupted while waiting for room
     */
    public void writeLine(String line) throws IOException, InterruptedException {
        Objects.requireNonNull(line, "line");
        int bad = Math.max(line.indexOf('\n'), line.indexOf('\r'));
        if (bad >= 0) {
            throw new IllegalArgumentException("line must not contain a line terminator (at index " + bad
                    + " of a line of " + line.length() + " characters)");
        }
        write(line + "\n");
    }

    /**
     * Returns this sink as an output stream ({@code write} as above; an interrupt while waiting for room becomes
     * {@link InterruptedIOException} with the interrupt flag set). Closing the stream closes the sink.
     *
     * @return a new output stream view
     */
    public OutputStream output() {
        return new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                try {
                    ByteSink.this.write(b, off, len);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("interrupted while waiting to write to " + name);
                }
            }

            @Override
            public void close() {
                ByteSink.this.close();
            }
        };
    }

    /**
     * Returns this sink as a writable byte channel (for {@code dev.weft.net.Connection#of}). Its {@code write}
     * queues the whole buffer; closing the channel closes the sink.
     *
     * @return a new channel view
     */
    public WritableByteChannel channel() {
        return new WritableByteChannel() {
            @Override
            public int write(ByteBuffer src) throws IOException {
                if (!isOpen()) {
                    throw new ClosedChannelException();
                }
                int n = src.remaining();
                byte[] b = new byte[n];
                src.get(b);
                try {
                    ByteSink.this.write(b, 0, n);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new InterruptedIOException("interrupted while waiting to write to " + name);
                }
                return n;
            }

            @Override
            public boolean isOpen() {
                return ByteSink.this.isOpen();
            }

            @Override
            public void close() {
                ByteSink.this.close();
            }
        };
    }

    /**
     * Returns whether writes are still accepted.
     *
     * @return false once closed or failed
     */
    public boolean isOpen() {
        return !chunks.isClosedForSend();
    }

    /**
     * Closes the sink: what was queued is still written, then the stream is closed (the reader sees end of file).
     * Does not wait; idempotent.
     */
    @Override
    public void close() {
        chunks.close();
    }

    /** Closes at once: queued bytes are dropped and the stream is closed. Used when the process is terminated. */
    void abort() {
        aborted = true;
        chunks.close();
        OutputStream o;
        boolean stillOpening;
        synchronized (lock) {
            o = out;
            stillOpening = !opened;
        }
        if (stillOpening) {
            releaseOpen();
        }
        if (o != null) {
            try {
                o.close();
            } catch (IOException e) {
                LOG.debug("{}: close failed", name, e);
            }
        }
    }

    /**
     * Makes an opener that blocks (a FIFO waiting for its peer) return, retrying every 10 ms for up to 2 s while the
     * thread has not opened yet: it may not have reached its {@code open} call when the first attempt is made.
     */
    private void releaseOpen() {
        for (int i = 0; i < 200 && thread.isAlive(); i++) {
            synchronized (lock) {
                if (opened) {
                    return;
                }
            }
            unblockOpen.run();
            LockSupport.parkNanos(10_000_000L);
        }
    }

    /** Waits at most {@code timeout} for the writer thread to end; true if it has. */
    boolean awaitEnd(Duration timeout) throws InterruptedException {
        return thread.await(timeout);
    }

    private void checkOpen() throws IOException {
        if (!isOpen()) {
            throw closed();
        }
    }

    private IOException closed() {
        IOException f = failure;
        return f != null ? new IOException("writing to " + name + " failed: " + f.getMessage(), f)
                : new IOException(name + " is closed");
    }

    private void run(Opener opener) {
        OutputStream o;
        try {
            o = opener.open();
        } catch (IOException e) {
            failed(e);
            return;
        }
        synchronized (lock) {
            out = o;
            opened = true;
        }
        try (o) {
            while (!aborted) {
                byte[] chunk;
                try {
                    chunk = chunks.receive();
                } catch (ChannelClosedException end) {
                    break;
                }
                o.write(chunk);
                if (chunks.size() == 0) {
                    o.flush();
                }
            }
        } catch (IOException e) {
            if (!aborted) {
                failed(e);
            }
        } catch (InterruptedException e) {
            chunks.close();
        }
    }

    private void failed(IOException e) {
        LOG.debug("{}: write failed", name, e);
        failure = e;
        chunks.close(e);
    }

    @Override
    public String toString() {
        return "ByteSink[" + name + (isOpen() ? "]" : ", closed]");
    }
}
