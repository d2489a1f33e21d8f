package dev.weft.process;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The last bytes of a stream (a ring of {@link #capacity} bytes), for the stderr tail of a failed command. Holds at
 * most its capacity whatever the stream's length; {@link #text} decodes what it holds and keeps at most the last
 * {@code maxLines} lines.
 *
 * <p>Thread-safe: one writer and any number of readers (all methods are synchronized; the critical sections are
 * short array copies, never blocking calls).
 */
final class TailBuffer {

    /** The default size of a stderr tail: the last 8 KiB. */
    static final int DEFAULT_BYTES = 8 * 1024;
    /** The default number of stderr lines shown in a failure. */
    static final int DEFAULT_LINES = 20;

    private final byte[] ring;
    private long total;

    TailBuffer(int capacity) {
        this.ring = new byte[capacity];
    }

    int capacity() {
        return ring.length;
    }

    synchronized void append(byte[] b, int off, int len) {
        if (len >= ring.length) {
            total += len - ring.length; // only the last ring.length bytes are kept, but all of them count
            off += len - ring.length;
            len = ring.length;
        }
        int pos = (int) (total % ring.length);
        int first = Math.min(len, ring.length - pos);
        System.arraycopy(b, off, ring, pos, first);
        System.arraycopy(b, off + first, ring, 0, len - first);
        total += len;
    }

    /** How many bytes went through, in all. */
    synchronized long total() {
        return total;
    }

    /** The held bytes as text: at most the last {@code maxLines} lines, without a trailing newline. */
    String text(int maxLines) {
        byte[] held;
        synchronized (this) {
            int n = (int) Math.min(total, ring.length);
            held = new byte[n];
            int start = (int) ((total - n) % ring.length);
            int first = Math.min(n, ring.length - start);
            System.arraycopy(ring, start, held, 0, first);
            System.arraycopy(ring, 0, held, first, n - first);
        }
        String s = new String(held, StandardCharsets.UTF_8);
        if (s.endsWith("\n")) {
            s = s.substring(0, s.length() - 1);
        }
        String[] lines = s.split("\n", -1);
        int from = Math.max(0, lines.length - maxLines);
        if (from == 0 && total > ring.length && lines.length > 1) {
            from = 1; // the first held line may be the end of a longer one
        }
        return String.join("\n", Arrays.asList(lines).subList(from, lines.length));
    }
}
