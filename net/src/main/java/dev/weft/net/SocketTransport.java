package dev.weft.net;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketException;
import java.util.concurrent.locks.ReentrantLock;
import javax.net.ssl.SSLSocket;

/**
 * A {@link Transport} over a connected {@link Socket}, read and written through its streams: in weft, an
 * {@link SSLSocket} layered over the {@link java.nio.channels.SocketChannel} of a TCP connection. One thread may
 * read while another writes (the JDK's TLS socket keeps separate read and write locks), and on virtual threads both
 * park rather than pin.
 *
 * <p>Closing is graceful when it can be: {@link #close()} sends TLS {@code close_notify} when no write is in
 * progress. A writer blocked on a peer that does not read holds the TLS record lock, and the JDK's close would wait
 * for it forever; so when a write is in progress, close first closes the underlying socket — which fails the
 * blocked write at once — and then the TLS socket.
 */
final class SocketTransport implements Transport {

    private final Socket socket;
    private final Socket underlying;
    private final InputStream in;
    private final OutputStream out;
    private final SocketAddress local;
    private final SocketAddress remote;
    private final String name;
    private final ReentrantLock writing = new ReentrantLock();
    private volatile boolean closed;

    /**
     * Wraps a connected socket.
     *
     * @param socket the socket to read and write, e.g. a TLS socket
     * @param underlying the socket under it (the same one for a plain socket); closing it aborts everything
     * @param name the description for logs and errors
     */
    SocketTransport(Socket socket, Socket underlying, String name) throws IOException {
        this.socket = socket;
        this.underlying = underlying;
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
        this.local = underlying.getLocalSocketAddress();
        this.remote = underlying.getRemoteSocketAddress();
        this.name = name;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        return in.read(b, off, len);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        writing.lock();
        try {
            if (closed) {
                throw new SocketException("connection " + name + " is closed");
            }
            out.write(b, off, len);
            out.flush();
        } finally {
            writing.unlock();
        }
    }

    /**
     * Closes the sending direction. Over TLS this sends {@code close_notify}: a TLS 1.3 peer reads end of stream
     * and can still answer; a TLS 1.2 peer answers with its own {@code close_notify} and the connection ends.
     */
    @Override
    public void shutdownOutput() throws IOException {
        writing.lock();
        try {
            if (closed) {
                throw new SocketException("connection " + name + " is closed");
            }
            socket.shutdownOutput();
        } finally {
            writing.unlock();
        }
    }

    @Override
    public void close() throws IOException {
        closed = true;
        if (writing.tryLock()) {
            try {
                socket.close(); // graceful: close_notify, then the underlying socket
            } finally {
                writing.unlock();
            }
        } else {
            try {
                underlying.close(); // fails the blocked write and releases the TLS record lock
            } finally {
                socket.close();
            }
        }
    }

    @Override
    public boolean isOpen() {
        return !closed && !socket.isClosed() && !underlying.isClosed();
    }

    @Override
    public SocketAddress localAddress() {
        return local;
    }

    @Override
    public SocketAddress remoteAddress() {
        return remote;
    }

    @Override
    public String describe() {
        return name;
    }

    @Override
    public String toString() {
        return "SocketTransport[" + name + "]";
    }
}
