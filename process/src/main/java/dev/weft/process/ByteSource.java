package dev.weft.process;

import dev.weft.net.LineFramer;
import dev.weft.runtime.Channel;
import dev.weft.runtime.ChannelClosedException;
import dev.weft.runtime.ReceiveChannel;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A byte stream that blocks in native code — a child's stdout or stderr, a named FIFO — read by a dedicated platform
 * thread and handed to virtual threads through a bounded channel.
 *
 * <pre>{@code
 * for (String line : child.stdout().lines()) {   // or child.stdoutLines()
 *     handle(line);
 * }
 * }</pre>
 *
 * <p><b>Reading.</b> A source is read in one of three ways, chosen by the first call (a second, different choice
 * throws {@link IllegalStateException}):
 * <ul>
 *   <li>{@link #lines()}: a channel of lines, split like a network connection's lines ({@code \n}-terminated, a
 *       trailing {@code \r} dropped, UTF-8). A line longer than the {@linkplain #maxLineLength() limit} (default
 *       1 MiB) is discarded whole without being buffered and counted in {@link #oversizedLines()}; the lines after
 *       it arrive as usual. A last line without a terminator is delivered at end of stream.</li>
 *   <li>{@link #input()} (or {@link #channel()}): the raw bytes as an {@link InputStream}.</li>
 *   <li>{@link #drain()}: read and discard (the {@linkplain #tail() tail} is still kept), so the writer never
 *       blocks.</li>
 * </ul>
 * The channel closes at end of stream, or with the {@link IOException} as its cause if reading fails.
 *
 * <p><b>Back-pressure, not loss.</b> Between the reader thread and the consumer there are at most
 * {@value #CHUNKS} chunks of {@value #CHUNK_SIZE} bytes (or the line channel's 64 lines); when they are full the
 * reader stops reading, the pipe fills, and the writing process blocks in its {@code write}. Nothing is dropped.
 * The reader thread reads the first chunk before any choice is made, then waits for one: a source nobody reads
 * blocks its writer once the pipe and that chunk are full, like the JDK's own process streams.
 *
 * <p><b>Waiting.</b> Consumers wait on a weft channel: a virtual thread unmounts while it waits, and cancelling the
 * wait (an interrupt, the task's scope cancelled) loses no data. Only the reader thread blocks in native code (see
 * {@link PlatformThreads} for why a platform thread).
 *
 * <p>Thread-safe: one consumer of the chosen view; {@link #close()} from any thread.
 */
public final class ByteSource implements AutoCloseable {

    /** The default maximum line length of {@link #lines()}: 1 MiB, like a network connection's. */
    public static final int DEFAULT_MAX_LINE_LENGTH = 1 << 20;
    /** The size of each chunk the reader thread reads. */
    static final int CHUNK_SIZE = 8192;
    /** The capacity, in chunks, of the channel behind {@link #input()}. */
    static final int CHUNKS = 16;
    /** The capacity, in lines, of the channel behind {@link #lines()}. */
    static final int LINE_BUFFER = 64;

    private static final Logger LOG = LoggerFactory.getLogger(ByteSource.class);

    /** Opens the stream on the reader thread (opening a FIFO blocks until a writer opens it). */
    @FunctionalInterface
    interface Opener {
        InputStream open() throws IOException;
    }

    private enum Mode { LINES, BYTES, DRAIN, CLOSED }

    private final String name;
    private final int maxLineLength;
    private final TailBuffer tail;
    private final Runnable unblockOpen;
    private final Channel<String> lines;
    private final Channel<byte[]> chunks;
    private final CountDownLatch chosen = new CountDownLatch(1);
    private final AtomicLong oversized = new AtomicLong();
    private final AtomicLong bytes = new AtomicLong();
    private final Object lock = new Object();
    private Mode mode;
    private InputStream in;
    private boolean opened;
    private volatile boolean closing;
    private ChunkInputStream input;
    private PlatformThreads.Handle thread;

    private ByteSource(String name, int maxLineLength, TailBuffer tail, Runnable unblockOpen) {
        this.name = name;
        this.maxLineLength = maxLineLength;
        this.tail = tail;
        this.unblockOpen = unblockOpen;
        this.lines = Channel.<String>builder().name(name + " lines").capacity(LINE_BUFFER).build();
        this.chunks = Channel.<byte[]>builder().name(name + " bytes").capacity(CHUNKS).build();
    }

    /**
     * Starts reading on a new platform thread.
     *
     * @param name the source's name, such as {@code process 4711 stdout}
     * @param threadName the reader thread's name, {@code weft-...}
     * @param opener opens the stream, on the reader thread
     * @param unblockOpen called by {@link #close()} if the opener is still blocked, to make it return
     * @param maxLineLength the line limit of {@link #lines()}
     * @param tailBytes how many of the last bytes {@link #tail()} keeps, 0 for none
     */
    static ByteSource start(String name, String threadName, Opener opener, Runnable unblockOpen, int maxLineLength,
            int tailBytes) {
        ByteSource s = new ByteSource(name, maxLineLength, tailBytes > 0 ? new TailBuffer(tailBytes) : null,
                unblockOpen);
        s.thread = PlatformThreads.start(threadName, () -> s.run(opener));
        return s;
    }

    /**
     * Returns this source's name, used in errors, logs and channel names.
     *
     * @return the name
     */
    public String name() {
        return name;
    }

    /**
     * Returns the source as a channel of lines (see the class comment). The channel closes at end of stream, or with
     * the {@link IOException} as its cause if reading failed.
     *
     * @return the line channel; the same one on every call
     * @throws IllegalStateException if the source is read as bytes or drained
     */
    public ReceiveChannel<String> lines() {
        choose(Mode.LINES);
        return lines;
    }

    /**
     * Returns the source as an input stream. Its {@code read} waits on a channel, so a virtual thread unmounts while
     * it waits; an interrupt ends the wait with {@link java.io.InterruptedIOException} (the interrupt flag set) and
     * loses no data. Closing the stream closes this source.
     *
     * @return the input stream; the same one on every call
     * @throws IllegalStateException if the source is read as lines or drained
     */
    public InputStream input() {
        synchronized (lock) {
            choose(Mode.BYTES);
            if (input == null) {
                input = new ChunkInputStream(name, chunks, this::close);
            }
            return input;
        }
    }

    /**
     * Returns the source as a readable byte channel over {@link #input()}. As with any
     * {@link java.nio.channels.spi.AbstractInterruptibleChannel}, interrupting a thread blocked in its {@code read}
     * closes the channel.
     *
     * @return a channel reading from {@link #input()}
     * @throws IllegalStateException if the source is read as lines or drained
     */
    public ReadableByteChannel channel() {
        return Channels.newChannel(input());
    }

    /**
     * Reads and discards everything from now on, so the writer never blocks on this stream; the
     * {@linkplain #tail() tail} is still kept. Idempotent.
     *
     * @throws IllegalStateException if the source is read as lines or bytes
     */
    public void drain() {
        choose(Mode.DRAIN);
    }

    private void choose(Mode m) {
        synchronized (lock) {
            if (mode == null) {
                mode = m;
                if (m == Mode.LINES) {
                    chunks.close();
                } else if (m == Mode.BYTES) {
                    lines.close();
                } else {
                    lines.close();
                    chunks.close();
                }
                chosen.countDown();
            } else if (mode != m && mode != Mode.CLOSED) {
                throw new IllegalStateException(name + " is read as " + describe(mode) + "; it cannot also be read as "
                        + describe(m));
            }
        }
    }

    private static String describe(Mode m) {
        return switch (m) {
            case LINES -> "lines()";
            case BYTES -> "input()";
            case DRAIN -> "drain()";
            case CLOSED -> "closed";
        };
    }

    /**
     * Returns how many over-long lines {@link #lines()} has discarded.
     *
     * @return the number of discarded lines
     */
    public long oversizedLines() {
        return oversized.get();
    }

    /**
     * Returns the line limit of {@link #lines()}, in bytes.
     *
     * @return the maximum line length
     */
    public int maxLineLength() {
        return maxLineLength;
    }

    /**
     * Returns how many bytes the reader thread has read so far.
     *
     * @return the byte count
     */
    public long bytesRead() {
        return bytes.get();
    }

    /**
     * Returns the last lines read (at most 20 lines within the last 8 KiB), whatever view is used — for a
     * child's stderr, what goes into a {@link ProcessFailedException}.
     *
     * @return the tail, or empty if this source keeps none
     */
    public Optional<String> tail() {
        return tail == null ? Optional.empty() : Optional.of(tail.text(TailBuffer.DEFAULT_LINES));
    }

    /**
     * Closes the source: the reader thread stops (a wait in {@link #lines()} or {@link #input()} then sees the end),
     * and the underlying stream is closed. Lines and chunks already read stay receivable. Does not wait for the
     * reader thread; idempotent.
     */
    @Override
    public void close() {
        InputStream toClose;
        boolean stillOpening;
        synchronized (lock) {
            if (closing) {
                return;
            }
            closing = true;
            if (mode == null) {
                mode = Mode.CLOSED;
                chosen.countDown();
            }
            toClose = in;
            stillOpening = !opened;
        }
        lines.close();
        chunks.close();
        if (stillOpening) {
            releaseOpen();
        }
        if (toClose != null) {
            try {
                toClose.close();
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

    /** Waits at most {@code timeout} for the reader thread to end; true if it has. */
    boolean awaitEnd(Duration timeout) throws InterruptedException {
        return thread.await(timeout);
    }

    private void run(Opener opener) {
        InputStream stream;
        try {
            stream = opener.open();
        } catch (IOException e) {
            fail(e);
            return;
        }
        synchronized (lock) {
            in = stream;
            opened = true;
            if (closing) {
                closeQuietly(stream);
                return;
            }
        }
        LineFramer framer = LineFramer.of(maxLineLength, new LineFramer.Sink() {
            @Override
            public void line(String line) throws InterruptedException {
                lines.send(line);
            }

            @Override
            public void oversized(long length) {
                if (oversized.incrementAndGet() == 1) {
                    LOG.warn("{}: discarded a line of {} bytes (limit {}); later ones are logged at DEBUG", name,
                            length, maxLineLength);
                } else {
                    LOG.debug("{}: discarded a line of {} bytes (limit {})", name, length, maxLineLength);
                }
            }
        });
        byte[] buf = new byte[CHUNK_SIZE];
        try (stream) {
            int n;
            while ((n = stream.read(buf)) >= 0) {
                if (n == 0) {
                    continue;
                }
                bytes.addAndGet(n);
                if (tail != null) {
                    tail.append(buf, 0, n);
                }
                chosen.await();
                Mode m = mode;
                if (m == Mode.LINES) {
                    framer.feed(buf, 0, n);
                } else if (m == Mode.BYTES) {
                    chunks.send(Arrays.copyOf(buf, n));
                } else if (m == Mode.CLOSED) {
                    return;
                }
            }
            // end of stream: a choice is needed only if there is a partial line to deliver; an empty or fully
            // delivered stream ends now, so an unread source that got no output does not hold anyone up
            synchronized (lock) {
                if (mode == null) {
                    mode = Mode.CLOSED;
                    chosen.countDown();
                }
            }
            if (mode == Mode.LINES) {
                framer.endOfStream();
            }
            lines.close();
            chunks.close();
        } catch (IOException e) {
            if (closing) {
                lines.close();
                chunks.close();
            } else {
                fail(e);
            }
        } catch (ChannelClosedException | InterruptedException e) {
            // closed by close(): the consumer is gone
            lines.close();
            chunks.close();
        }
    }

    private void fail(IOException e) {
        LOG.debug("{}: read failed", name, e);
        lines.close(e);
        chunks.close(e);
    }

    private static void closeQuietly(InputStream s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // closing after a close(): nothing to report
        }
    }

    @Override
    public String toString() {
        return "ByteSource[" + name + "]";
    }
}
