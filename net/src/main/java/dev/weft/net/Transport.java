package dev.weft.net;

import java.io.IOException;
import java.net.SocketAddress;
import java.util.Optional;

/**
 * A connected byte stream under a {@link Connection}: a TCP or Unix socket channel, or a TLS socket. Reads and
 * writes may run concurrently on two threads (one reader, one writer at a time); close from any thread unblocks
 * both.
 */
interface Transport {

    /** Reads up to {@code len} bytes, blocking until at least one arrives; -1 at end of stream. */
    int read(byte[] b, int off, int len) throws IOException;

    /** Writes all {@code len} bytes, blocking while the send buffer is full. */
    void write(byte[] b, int off, int len) throws IOException;

    void shutdownOutput() throws IOException;

    void close() throws IOException;

    boolean isOpen();

    SocketAddress localAddress();

    SocketAddress remoteAddress();

    /** The peer's credentials, where the OS gives them (a Unix socket); empty by default. */
    default Optional<PeerCredentials> peerCredentials() {
        return Optional.empty();
    }

    /** A short description for logs and errors, e.g. {@code tcp 127.0.0.1:4040}. */
    String describe();
}
