package dev.weft.net;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

/** A {@link Transport} over a blocking {@link SocketChannel}: TCP or a Unix stream socket. */
final class ChannelTransport implements Transport {

    private final SocketChannel channel;
    private final SocketAddress local;
    private final SocketAddress remote;

    ChannelTransport(SocketChannel channel) throws IOException {
        this.channel = channel;
        this.local = channel.getLocalAddress();
        this.remote = channel.getRemoteAddress();
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
