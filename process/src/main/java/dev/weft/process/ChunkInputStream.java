package dev.weft.process;

import dev.weft.runtime.ChannelClosedException;
import dev.weft.runtime.ReceiveChannel;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.Objects;

/**
 * An {@link InputStream} over a channel of byte chunks, so that a virtual thread reading a child's output or a FIFO
 * waits on a weft channel (it unmounts; cancelling the wait loses nothing) rather than in native code.
 *
 * <p>Not thread-safe: one reader.
 */
final class ChunkInputStream extends InputStream {

    private static final byte[] EMPTY = new byte[0];

    private final String name;
    private final ReceiveChannel<byte[]> chunks;
    private final Runnable onClose;
    private byte[] chunk = EMPTY;
    private int pos;
    private boolean eof;

    ChunkInputStream(String name, ReceiveChannel<byte[]> chunks, Runnable onClose) {
        this.name = name;
        this.chunks = chunks;
        this.onClose = onClose;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        if (len == 0) {
            return 0;
        }
        while (pos == chunk.length) {
            if (eof) {
                return -1;
            }
            try {
                chunk = chunks.receive();
                pos = 0;
            } catch (ChannelClosedException e) {
                eof = true;
                if (e.getCause() instanceof IOException io) {
                    throw new IOException("reading " + name + " failed: " + io.getMessage(), io);
                }
                return -1;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while reading " + name);
            }
        }
        int n = Math.min(len, chunk.length - pos);
        System.arraycopy(chunk, pos, b, off, n);
        pos += n;
        return n;
    }

    @Override
    public int available() {
        return chunk.length - pos;
    }

    @Override
    public void close() {
        onClose.run();
    }
}
