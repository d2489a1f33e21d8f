package dev.weft.net;

import java.io.IOException;
import java.io.Serial;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;

/**
 * A {@link Transport} over two byte channels, one for each direction: a pipe pair, a named FIFO pair, or any other
 * stream that is not a socket ({@link Connection#of}). Both local and remote address are a {@link Named} address
 * carrying the connection's name.
 */
final class ByteChannelTransport implements Transport {

    private final String name;
    private final ReadableByteChannel in;
    private final WritableByteChannel out;
    private final Named address;

    ByteChannelTransport(String name, ReadableByteChannel in, WritableByteChannel out) {
        this.name = name;
        this.in = in;
        this.out = out;
        this.address = new Named(name);
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        int n;
        do {
            n = in.read(ByteBuffer.wrap(b, off, len));
        } while (n == 0); // a blocking channel returns at least one byte; be safe with one that does not
        return n;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        ByteBuffer buf = ByteBuffer.wrap(b, off, len);
        while (buf.hasRemaining()) {
            out.write(buf);
        }
    }

    @Override
    public void shutdownOutput() throws IOException {
        out.close();
    }

    @Override
    public void close() throws IOException {
        try {
            out.close();
        } finally {
            in.close();
        }
    }

    @Override
    public boolean isOpen() {
        return in.isOpen() || out.isOpen();
    }

    @Override
    public SocketAddress localAddress() {
        return address;
    }

    @Override
    public SocketAddress remoteAddress() {
        return address;
    }

    @Override
    public String describe() {
        return name;
    }

    /** The address of a connection over byte channels: just its name. */
    static final class Named extends SocketAddress {
        @Serial
        private static final long serialVersionUID = 1L;

        private final String name;

        Named(String name) {
            this.name = name;
        }

        @Override
        public String toString() {
            return name;
        }
    }
}
