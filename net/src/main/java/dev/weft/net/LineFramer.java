package dev.weft.net;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Splits a byte stream into lines: {@code \n}-terminated, a trailing {@code \r} dropped, decoded as UTF-8
 * (malformed bytes become U+FFFD). A line longer than the maximum is discarded whole — the bytes up to its
 * {@code \n} are skipped without being buffered, so a peer that sends a 2 GiB line costs no memory — and reported
 * with its length; the lines after it arrive as usual.
 *
 * <p>Connections use it for {@link Connection#lines()}; other byte sources that want the same line behaviour (a
 * child process's output, a pipe) use it directly:
 *
 * <pre>{@code
 * LineFramer framer = LineFramer.of(Connection.DEFAULT_MAX_LINE_LENGTH, new LineFramer.Sink() {
 *     public void line(String line) throws InterruptedException { lines.send(line); }
 *     public void oversized(long length) { discarded.increment(); }
 * });
 * for (int n; (n = in.read(buffer)) > 0; ) {
 *     framer.feed(buffer, 0, n);
 * }
 * framer.endOfStream();
 * }</pre>
 *
 * <p>Not thread-safe: one reader feeds it.
 */
public final class LineFramer {

    /** Receives what the framer finds, on the thread that feeds it. */
    public interface Sink {
        /**
         * Receives a complete line, without its terminator.
         *
         * @param line the line
         * @throws InterruptedException if interrupted while handing it on
         */
        void line(String line) throws InterruptedException;

        /**
         * Learns of a line that was too long and was discarded.
         *
         * @param length its length in bytes, without the terminator
         * @throws InterruptedException if interrupted while handing it on
         */
        void oversized(long length) throws InterruptedException;
    }

    private final int maxLineLength;
    private final Sink sink;
    private byte[] line;
    private int length;
    private boolean discarding;
    private long discarded;
    private boolean discardedEndsWithCr;

    LineFramer(int maxLineLength, Sink sink) {
        if (maxLineLength < 1) {
            throw new IllegalArgumentException("maxLineLength must be positive: " + maxLineLength);
        }
        this.maxLineLength = maxLineLength;
        this.sink = sink;
        this.line = newBuffer();
    }

    /**
     * Returns a framer with a maximum line length (bytes, without the terminator).
     *
     * @param maxLineLength the longest line delivered, positive
     * @param sink receives the lines and the reports of over-long ones
     * @return a new framer
     * @throws IllegalArgumentException if {@code maxLineLength} is not positive
     */
    public static LineFramer of(int maxLineLength, Sink sink) {
        return new LineFramer(maxLineLength, java.util.Objects.requireNonNull(sink, "sink"));
    }

    /**
     * Feeds bytes; calls the sink for every line they complete.
     *
     * @param b the bytes
     * @param off where they start
     * @param len how many
     * @throws InterruptedException if the sink was interrupted
     */
    public void feed(byte[] b, int off, int len) throws InterruptedException {
        int end = off + len;
        int start = off;
        for (int i = off; i < end; i++) {
            if (b[i] == '\n') {
                append(b, start, i - start);
                endOfLine();
                start = i + 1;
            }
        }
        append(b, start, end - start);
    }

    /**
     * Ends the stream: a last line without a terminator is delivered too, so nothing is lost.
     *
     * @throws InterruptedException if the sink was interrupted
     */
    public void endOfStream() throws InterruptedException {
        if (length > 0 || discarding) {
            endOfLine();
        }
    }

    private byte[] newBuffer() {
        return new byte[(int) Math.min(256L, maxLineLength + 1L)];
    }

    /** How many bytes of an unterminated line are pending (0 if none; the length so far of one being discarded). */
    long pendingBytes() {
        return discarding ? discarded : length;
    }

    /** The size of the line buffer now: never more than the limit plus one byte (for a {@code \r}). */
    int bufferCapacity() {
        return line.length;
    }

    private void append(byte[] b, int off, int len) {
        if (len == 0) {
            return;
        }
        if (discarding) {
            discarded += len;
            discardedEndsWithCr = b[off + len - 1] == '\r';
            return;
        }
        // the limit counts the line without its "\r\n"; allow one byte over for a "\r" that may come before "\n"
        if ((long) length + len > (long) maxLineLength + 1) {
            discarding = true;
            discarded = (long) length + len;
            discardedEndsWithCr = b[off + len - 1] == '\r';
            length = 0;
            if (line.length > 4096) {
                line = newBuffer();
            }
            return;
        }
        if (length + len > line.length) {
            // never more than the limit (plus the "\r"), however the line arrives
            int capacity = (int) Math.min(Math.max(line.length * 2L, length + len), (long) maxLineLength + 1);
            line = Arrays.copyOf(line, capacity);
        }
        System.arraycopy(b, off, line, length, len);
        length += len;
    }

    private void endOfLine() throws InterruptedException {
        if (discarding) {
            long n = discardedEndsWithCr ? discarded - 1 : discarded;
            discarding = false;
            discarded = 0;
            discardedEndsWithCr = false;
            sink.oversized(n);
            return;
        }
        int n = length;
        if (n > 0 && line[n - 1] == '\r') {
            n--;
        }
        length = 0;
        if (n > maxLineLength) {
            sink.oversized(n);
            return;
        }
        String s = new String(line, 0, n, StandardCharsets.UTF_8);
        if (line.length > 64 * 1024) {
            line = newBuffer(); // do not keep a large buffer after one large line
        }
        sink.line(s);
    }
}
