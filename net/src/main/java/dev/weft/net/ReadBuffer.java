package dev.weft.net;

/**
 * The read buffer of a connection's reader task, sized to what the peer sends. A reader spends most of its life
 * parked inside {@code read}, holding its buffer: a fixed 8 KiB buffer was half the heap of an idle connection
 * ({@code benchmarks/}, idle connections). So the buffer starts small, doubles after every read that fills it (a
 * bulk sender reaches {@link #MAX} in a few reads), and drops back to {@link #MIN} after a read that would have fit
 * there (a request/response or idle connection waits with 512 bytes).
 *
 * <p>The bytes of one read must be consumed before {@link #adapt} is called: it may replace the array.
 * Not thread-safe: one reader owns it.
 */
final class ReadBuffer {

    /** The size of a new buffer, and of the buffer after a small read. */
    static final int MIN = 512;

    /** The largest size it grows to. */
    static final int MAX = 64 * 1024;

    private byte[] bytes = new byte[MIN];

    /**
     * Returns the array to read into next.
     *
     * @return the array
     */
    byte[] bytes() {
        return bytes;
    }

    /**
     * Sizes the buffer for the next read after one that returned {@code n} bytes.
     *
     * @param n the byte count the last read returned
     */
    void adapt(int n) {
        if (n >= bytes.length) {
            if (bytes.length < MAX) {
                bytes = new byte[Math.min(MAX, bytes.length * 2)];
            }
        } else if (n < MIN && bytes.length > MIN) {
            bytes = new byte[MIN];
        }
    }
}
