package dev.weft.process;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Splits a byte stream into lines: {@code \n}-terminated, a trailing {@code \r} dropped, decoded as UTF-8
 * (malformed bytes become U+FFFD). A line longer than the maximum is discarded whole — the bytes up to its
 * {@code \n} are skipped without being buffered, so a peer that sends a 2 GiB line costs no memory — and reported
 * with its length; the lines after it arrive as usual.
 *
 * <p>A copy of {@code dev.weft.net.LineFramer} (package-private there), so that child output lines behave exactly
 * like connection lines.
 *
 * <p>Not thread-safe: one reader feeds it.
 */
final class LineFramer {

    /** Receives what the framer finds. */
    interface Sink {
        /** A complete line, without its terminator. */
        void line(String line) throws InterruptedException;

        /** A line that was too long and was discarded; {@code length} counts its bytes without the terminator. */
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
        this.maxLineLength = maxLineLength;
        this.sink = sink;
        this.line = newBuffer();
    }

    /** Feeds bytes; calls the sink for every line they complete. */
    void feed(byte[] b, int off, int len) throws InterruptedException {
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

    /** The stream ended: a last line without a terminator is delivered too, so nothing is lost. */
    void endOfStream() throws InterruptedException {
        if (length > 0 || discarding) {
            endOfLine();
        }
    }

    private byte[] newBuffer() {
        return new byte[(int) Math.min(256L, maxLineLength + 1L)];
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
