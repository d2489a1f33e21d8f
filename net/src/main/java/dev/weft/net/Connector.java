package dev.weft.net;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketTimeoutException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Objects;

/**
 * Connects a {@link Connection}: the address plus a connect timeout, socket options, a maximum line length and an
 * optional write rate. Obtained from {@link Connection#connector(SocketAddress)}. Not thread-safe; the connection
 * it makes is.
 */
public final class Connector {

    private final SocketAddress address;
    private Duration timeout = Duration.ofSeconds(10);
    private SocketOptions options = SocketOptions.defaults();
    private final ConnectionSettings.Builder settings = ConnectionSettings.builder();

    Connector(SocketAddress address) {
        Objects.requireNonNull(address, "address");
        if (!(address instanceof InetSocketAddress) && !(address instanceof UnixDomainSocketAddress)) {
            throw new IllegalArgumentException("address must be an InetSocketAddress or a UnixDomainSocketAddress: "
                    + address.getClass().getName());
        }
        this.address = address;
    }

    /**
     * Sets how long a TCP connect may take before it fails with {@link SocketTimeoutException} (default 10 s — a
     * loopback or LAN peer answers in microseconds; anything slower is a dead or blackholed address).
     *
     * @param timeout the connect timeout, positive
     * @return this connector
     */
    public Connector timeout(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive: " + timeout);
        }
        this.timeout = timeout;
        return this;
    }

    /**
     * Sets the socket options (default {@link SocketOptions#defaults()}).
     *
     * @param options the options
     * @return this connector
     */
    public Connector options(SocketOptions options) {
        this.options = Objects.requireNonNull(options, "options");
        return this;
    }

    /**
     * Sets the longest line {@link Connection#lines()} accepts, in bytes without the terminator (default 1 MiB).
     *
     * @param bytes the limit, positive
     * @return this connector
     */
    public Connector maxLineLength(int bytes) {
        settings.maxLineLength(bytes);
        return this;
    }

    /**
     * Limits writes to {@code bytes} per {@code interval} (default: unlimited). A writer over its budget waits;
     * other connections are not affected.
     *
     * @param bytes bytes allowed per interval, positive
     * @param interval the interval, positive
     * @return this connector
     */
    public Connector writeRate(long bytes, Duration interval) {
        settings.writeRate(bytes, interval);
        return this;
    }

    /**
     * Connects.
     *
     * <p>Blocks until connected; on a virtual thread only that thread waits. Cancelling the calling task aborts
     * the connect.
     *
     * @return the open connection; close it when done
     * @throws ConnectException if the peer refused (the message names the address)
     * @throws SocketTimeoutException if a TCP connect timed out
     * @throws IOException on any other failure
     */
    public Connection connect() throws IOException {
        SocketChannel channel = open(address, timeout, options);
        try {
            return new StreamConnection(new ChannelTransport(channel), settings.build());
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    static SocketChannel open(SocketAddress address, Duration timeout, SocketOptions options) throws IOException {
        String where = ChannelTransport.describe(address);
        if (address instanceof UnixDomainSocketAddress unix) {
            SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
            try {
                channel.connect(unix);
                options.applyTo(channel, false);
                return channel;
            } catch (IOException e) {
                channel.close();
                throw withContext(e, "connect to " + where + " failed");
            }
        }
        InetSocketAddress inet = (InetSocketAddress) address;
        if (inet.isUnresolved()) {
            inet = new InetSocketAddress(inet.getHostString(), inet.getPort());
            if (inet.isUnresolved()) {
                throw new java.net.UnknownHostException("cannot resolve " + inet.getHostString());
            }
        }
        SocketChannel channel = SocketChannel.open();
        try {
            options.applyTo(channel, true);
            long millis = Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis()));
            channel.socket().connect(inet, (int) millis);
            return channel;
        } catch (SocketTimeoutException e) {
            channel.close();
            SocketTimeoutException t = new SocketTimeoutException("connect to " + where + " timed out after "
                    + timeout);
            t.initCause(e);
            throw t;
        } catch (ConnectException e) {
            channel.close();
            ConnectException c = new ConnectException("connect to " + where + " failed: " + e.getMessage());
            c.initCause(e);
            throw c;
        } catch (IOException e) {
            channel.close();
            throw withContext(e, "connect to " + where + " failed");
        } catch (RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    private static IOException withContext(IOException e, String message) {
        return new IOException(message + ": " + e, e);
    }
}
