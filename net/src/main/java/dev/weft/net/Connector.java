package dev.weft.net;

import dev.weft.runtime.Scope;
import dev.weft.runtime.TimeSource;
import dev.weft.runtime.Timers;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketTimeoutException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;

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
    private TlsClientConfig tls;

    Connector(SocketAddress address) {
        Objects.requireNonNull(address, "address");
        if (!(address instanceof InetSocketAddress) && !(address instanceof UnixDomainSocketAddress)) {
            throw new IllegalArgumentException("address must be an InetSocketAddress or a UnixDomainSocketAddress: "
                    + address.getClass().getName());
        }
        this.address = address;
    }

    /**
     * Sets how long a connect may take before it fails with {@link SocketTimeoutException} (default 10 s — a
     * loopback or LAN peer answers in microseconds; anything slower is a dead or blackholed address, or a Unix
     * socket server whose backlog is full).
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
     * Connects with TLS over TCP (default: plain TCP). {@link #connect()} then also completes the TLS handshake
     * before it returns, and fails with an {@link javax.net.ssl.SSLHandshakeException} that names the peer and the
     * reason when the handshake fails.
     *
     * @param tls the client TLS configuration, for example {@link TlsClientConfig#defaults()}
     * @return this connector
     * @throws IllegalArgumentException if the address is a Unix socket
     */
    public Connector tls(TlsClientConfig tls) {
        Objects.requireNonNull(tls, "tls");
        if (!(address instanceof InetSocketAddress)) {
            throw new IllegalArgumentException("TLS needs a TCP address: " + ChannelTransport.describe(address));
        }
        this.tls = tls;
        return this;
    }

    /**
     * Connects.
     *
     * <p>Blocks until connected; on a virtual thread only that thread waits. Cancelling the calling task aborts
     * the connect.
     *
     * <p>The connection belongs to the scope of the calling task: its reader task runs in a scope nested there, so
     * when that scope ends the connection is closed with it. Connect on the task that will use the connection (or
     * in a scope that lives as long), not in a short-lived helper task whose end would close it.
     *
     * @return the open connection; close it when done
     * @throws ConnectException if the peer refused (the message names the address)
     * @throws SocketTimeoutException if the connect timed out
     * @throws javax.net.ssl.SSLHandshakeException with {@link #tls}, if the handshake failed or timed out
     * @throws IOException on any other failure
     */
    public Connection connect() throws IOException {
        SocketChannel channel = open(address, timeout, options);
        try {
            Transport transport = tls == null ? new ChannelTransport(channel)
                    : TlsHandshakes.connect(channel, (InetSocketAddress) address, tls);
            return new StreamConnection(transport, settings.build());
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
                connectUnix(channel, unix, timeout, where);
                options.applyTo(channel, false);
                return channel;
            } catch (ConnectException e) {
                channel.close();
                ConnectException c = new ConnectException("connect to " + where + " failed: " + e.getMessage());
                c.initCause(e);
                throw c;
            } catch (SocketTimeoutException | ClosedByInterruptException e) {
                channel.close();
                throw e;
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
            throw timedOut(where, timeout, e);
        } catch (ConnectException e) {
            channel.close();
            ConnectException c = new ConnectException("connect to " + where + " failed: " + e.getMessage());
            c.initCause(e);
            throw c;
        } catch (ClosedByInterruptException e) {
            channel.close();
            throw e; // the caller was cancelled: kept as it is, so the task counts as cancelled, not failed
        } catch (IOException e) {
            channel.close();
            throw withContext(e, "connect to " + where + " failed");
        } catch (RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    /**
     * Connects a Unix socket within {@code timeout}. On a platform thread a connect to a server whose backlog is full
     * blocks until the server accepts (on a virtual thread it fails at once with "Resource temporarily
     * unavailable"), so a watchdog task closes the channel when the timeout passes.
     */
    static void connectUnix(SocketChannel channel, UnixDomainSocketAddress unix, Duration timeout,
            String where) throws IOException {
        AtomicInteger state = new AtomicInteger(); // 0 connecting, 1 connected, 2 timed out
        try (Scope watchdog = Scope.builder().name("connect " + where).timeSource(TimeSource.system()).open()) {
            watchdog.fork("timeout", () -> {
                Timers.sleep(timeout);
                if (state.compareAndSet(0, 2)) {
                    channel.close();
                }
            });
            try {
                channel.connect(unix);
            } catch (AsynchronousCloseException e) {
                if (state.get() == 2 && !(e instanceof ClosedByInterruptException)) {
                    throw timedOut(where, timeout, e);
                }
                throw e;
            }
            if (!state.compareAndSet(0, 1)) {
                throw timedOut(where, timeout, null);
            }
            watchdog.cancel();
        }
    }

    private static SocketTimeoutException timedOut(String where, Duration timeout, Throwable cause) {
        SocketTimeoutException t = new SocketTimeoutException("connect to " + where + " timed out after " + timeout);
        if (cause != null) {
            t.initCause(cause);
        }
        return t;
    }

    private static IOException withContext(IOException e, String message) {
        return new IOException(message + ": " + e, e);
    }
}
