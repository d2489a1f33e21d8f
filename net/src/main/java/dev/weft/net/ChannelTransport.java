package dev.weft.net;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.Optional;
import jdk.net.ExtendedSocketOptions;
import jdk.net.UnixDomainPrincipal;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A {@link Transport} over a blocking {@link SocketChannel}: TCP or a Unix stream socket. */
final class ChannelTransport implements Transport {

    private static final Logger LOG = LoggerFactory.getLogger(ChannelTransport.class);

    private final SocketChannel channel;
    private final SocketAddress local;
    private final SocketAddress remote;
    /** What SO_PEERCRED said when the connection was made (Unix sockets only); null for TCP or if it failed. */
    private final @Nullable UnixDomainPrincipal principal;
    /** The ids looked up from {@link #principal} on first use (a read of /etc/passwd and /etc/group). */
    private volatile @Nullable Optional<PeerCredentials> credentials;

    ChannelTransport(SocketChannel channel) throws IOException {
        this.channel = channel;
        this.local = channel.getLocalAddress();
        this.remote = channel.getRemoteAddress();
        this.principal = remote instanceof UnixDomainSocketAddress ? principal(channel, remote) : null;
    }

    private static @Nullable UnixDomainPrincipal principal(SocketChannel channel, SocketAddress remote) {
        try {
            return channel.getOption(ExtendedSocketOptions.SO_PEERCRED);
        } catch (IOException | UnsupportedOperationException e) {
            LOG.debug("no peer credentials for unix {}: {}", remote, e.toString());
            return null;
        }
    }

    @Override
    public Optional<PeerCredentials> peerCredentials() {
        Optional<PeerCredentials> known = credentials;
        if (known == null) {
            known = principal == null ? Optional.empty() : Optional.of(PeerCredentials.of(principal));
            credentials = known;
        }
        return known;
    }

    SocketChannel channel() {
        return channel;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        return channel.read(ByteBuffer.wrap(b, off, len));
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        ByteBuffer buf = ByteBuffer.wrap(b, off, len);
        while (buf.hasRemaining()) {
            channel.write(buf);
        }
    }

    @Override
    public void shutdownOutput() throws IOException {
        channel.shutdownOutput();
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }

    @Override
    public boolean isOpen() {
        return channel.isOpen();
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
        return describe(remote);
    }

    static String describe(SocketAddress address) {
        return switch (address) {
            case InetSocketAddress inet -> "tcp " + Addresses.format(inet);
            case UnixDomainSocketAddress unix -> "unix " + (unix.getPath().toString().isEmpty() ? "(unnamed)"
                    : unix.getPath());
            case null -> "(unknown)";
            default -> address.toString();
        };
    }
}
