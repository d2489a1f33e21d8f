package dev.weft.net;

import java.io.IOException;
import java.net.Socket;
import java.net.SocketException;
import java.net.StandardSocketOptions;
import java.nio.channels.NetworkChannel;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import jdk.net.ExtendedSocketOptions;

/**
 * The socket options of a stream connection, in one place: {@code TCP_NODELAY}, keepalive with idle, interval and
 * count, {@code SO_LINGER}, buffer sizes and {@code SO_REUSEADDR}. Options that do not apply to a transport (TCP
 * options on a Unix socket) are skipped.
 *
 * <p>Defaults: no-delay on (message protocols send small lines and want them out now); keepalive off (the OS
 * default of two hours would detect nothing useful; turn it on with explicit timings, or use an application
 * heartbeat); linger unset (close returns at once and the kernel sends what is left); buffer sizes from the OS;
 * reuse-address on for servers (restart without waiting for TIME_WAIT).
 *
 * <p>Immutable and thread-safe.
 */
public final class SocketOptions {

    private static final SocketOptions DEFAULTS = builder().build();
    private static final int MAX_KEEPALIVE_SECONDS = 32_767;
    private static final int MAX_KEEPALIVE_COUNT = 127;
    private static final int MAX_LINGER_SECONDS = 65_535;

    private final boolean tcpNoDelay;
    private final KeepAlive keepAlive;
    private final Duration linger;
    private final int receiveBufferSize;
    private final int sendBufferSize;
    private final boolean reuseAddress;

    private SocketOptions(Builder b) {
        this.tcpNoDelay = b.tcpNoDelay;
        this.keepAlive = b.keepAlive;
        this.linger = b.linger;
        this.receiveBufferSize = b.receiveBufferSize;
        this.sendBufferSize = b.sendBufferSize;
        this.reuseAddress = b.reuseAddress;
    }

    /**
     * Returns the default options (see the class documentation).
     *
     * @return the defaults
     */
    public static SocketOptions defaults() {
        return DEFAULTS;
    }

    /**
     * Returns a builder starting from the defaults.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Keepalive timings: probes start after {@code idle} without traffic, repeat every {@code interval}, and the
     * peer is declared dead after {@code count} unanswered probes — so a dead peer is noticed after
     * {@code idle + interval × count}.
     *
     * @param idle time without traffic before the first probe, whole seconds from 1s to 32767s
     * @param interval time between probes, whole seconds from 1s to 32767s
     * @param count unanswered probes before the connection is dropped, from 1 to 127
     */
    public record KeepAlive(Duration idle, Duration interval, int count) {
        /** Checks the timings. */
        public KeepAlive {
            Objects.requireNonNull(idle, "idle");
            Objects.requireNonNull(interval, "interval");
            // the kernel takes whole seconds (Linux: at most 32767) and at most 127 probes
            if (idle.toSeconds() < 1 || idle.toSeconds() > MAX_KEEPALIVE_SECONDS || idle.getNano() != 0) {
                throw new IllegalArgumentException("keepalive idle must be whole seconds from 1s to "
                        + MAX_KEEPALIVE_SECONDS + "s: " + idle);
            }
            if (interval.toSeconds() < 1 || interval.toSeconds() > MAX_KEEPALIVE_SECONDS || interval.getNano() != 0) {
                throw new IllegalArgumentException("keepalive interval must be whole seconds from 1s to "
                        + MAX_KEEPALIVE_SECONDS + "s: " + interval);
            }
            if (count < 1 || count > MAX_KEEPALIVE_COUNT) {
                throw new IllegalArgumentException("keepalive count must be from 1 to " + MAX_KEEPALIVE_COUNT + ": "
                        + count);
            }
        }
    }

    /**
     * Returns whether {@code TCP_NODELAY} is set.
     *
     * @return true if Nagle's algorithm is off
     */
    public boolean tcpNoDelay() {
        return tcpNoDelay;
    }

    /**
     * Returns the keepalive timings.
     *
     * @return the timings, or empty when keepalive is off
     */
    public Optional<KeepAlive> keepAlive() {
        return Optional.ofNullable(keepAlive);
    }

    /**
     * Returns the {@code SO_LINGER} time: zero means close resets the connection at once (RST).
     *
     * @return the linger time, or empty when linger is off (the OS default)
     */
    public Optional<Duration> linger() {
        return Optional.ofNullable(linger);
    }

    /**
     * Returns the {@code SO_RCVBUF} size.
     *
     * @return the size in bytes, or 0 for the OS default
     */
    public int receiveBufferSize() {
        return receiveBufferSize;
    }

    /**
     * Returns the {@code SO_SNDBUF} size.
     *
     * @return the size in bytes, or 0 for the OS default
     */
    public int sendBufferSize() {
        return sendBufferSize;
    }

    /**
     * Returns whether {@code SO_REUSEADDR} is set on listening sockets.
     *
     * @return whether a server may bind while old connections linger in TIME_WAIT
     */
    public boolean reuseAddress() {
        return reuseAddress;
    }

    /** Applies the options to a connected or bound channel; TCP-only options are skipped for other families. */
    void applyTo(NetworkChannel channel, boolean tcp) throws IOException {
        if (tcp) {
            channel.setOption(StandardSocketOptions.TCP_NODELAY, tcpNoDelay);
            if (keepAlive != null) {
                channel.setOption(StandardSocketOptions.SO_KEEPALIVE, true);
                try {
                    channel.setOption(ExtendedSocketOptions.TCP_KEEPIDLE, (int) keepAlive.idle().toSeconds());
                    channel.setOption(ExtendedSocketOptions.TCP_KEEPINTERVAL,
                            (int) keepAlive.interval().toSeconds());
                    channel.setOption(ExtendedSocketOptions.TCP_KEEPCOUNT, keepAlive.count());
                } catch (IOException | UnsupportedOperationException e) {
                    throw new SocketException("cannot set keepalive timings " + keepAlive + ": " + e.getMessage());
                }
            }
            if (linger != null) {
                channel.setOption(StandardSocketOptions.SO_LINGER, (int) linger.toSeconds());
            }
        }
        if (receiveBufferSize > 0) {
            channel.setOption(StandardSocketOptions.SO_RCVBUF, receiveBufferSize);
        }
        if (sendBufferSize > 0) {
            channel.setOption(StandardSocketOptions.SO_SNDBUF, sendBufferSize);
        }
    }

    /** Applies the options to a connected socket (TLS connections are sockets). */
    void applyTo(Socket socket) throws SocketException {
        socket.setTcpNoDelay(tcpNoDelay);
        if (keepAlive != null) {
            socket.setKeepAlive(true);
            try {
                socket.setOption(ExtendedSocketOptions.TCP_KEEPIDLE, (int) keepAlive.idle().toSeconds());
                socket.setOption(ExtendedSocketOptions.TCP_KEEPINTERVAL, (int) keepAlive.interval().toSeconds());
                socket.setOption(ExtendedSocketOptions.TCP_KEEPCOUNT, keepAlive.count());
            } catch (IOException | UnsupportedOperationException e) {
                throw new SocketException("cannot set keepalive timings " + keepAlive + ": " + e.getMessage());
            }
        }
        if (linger != null) {
            socket.setSoLinger(true, (int) linger.toSeconds());
        }
        if (receiveBufferSize > 0) {
            socket.setReceiveBufferSize(receiveBufferSize);
        }
        if (sendBufferSize > 0) {
            socket.setSendBufferSize(sendBufferSize);
        }
    }

    @Override
    public String toString() {
        return "SocketOptions[tcpNoDelay=" + tcpNoDelay + ", keepAlive=" + keepAlive + ", linger=" + linger
                + ", rcvbuf=" + receiveBufferSize + ", sndbuf=" + sendBufferSize + ", reuseAddress=" + reuseAddress
                + "]";
    }

    /** Builds {@link SocketOptions}. Not thread-safe. */
    public static final class Builder {
        private boolean tcpNoDelay = true;
        private KeepAlive keepAlive;
        private Duration linger;
        private int receiveBufferSize;
        private int sendBufferSize;
        private boolean reuseAddress = true;

        private Builder() {
        }

        /**
         * Sets {@code TCP_NODELAY} (default on).
         *
         * @param on whether to send small writes at once
         * @return this builder
         */
        public Builder tcpNoDelay(boolean on) {
            this.tcpNoDelay = on;
            return this;
        }

        /**
         * Turns keepalive on with the given timings (default off).
         *
         * @param idle time without traffic before the first probe
         * @param interval time between probes
         * @param count unanswered probes before the connection is dropped
         * @return this builder
         */
        public Builder keepAlive(Duration idle, Duration interval, int count) {
            this.keepAlive = new KeepAlive(idle, interval, count);
            return this;
        }

        /**
         * Turns keepalive off (the default).
         *
         * @return this builder
         */
        public Builder noKeepAlive() {
            this.keepAlive = null;
            return this;
        }

        /**
         * Sets {@code SO_LINGER} (default off): close waits up to this long for unsent data; zero resets the
         * connection at once.
         *
         * @param linger the linger time, whole seconds from 0 to 65535
         * @return this builder
         */
        public Builder linger(Duration linger) {
            Objects.requireNonNull(linger, "linger");
            // a fraction would be truncated, and 0.5s turned into 0 would reset connections instead of lingering
            if (linger.isNegative() || linger.getNano() != 0 || linger.toSeconds() > MAX_LINGER_SECONDS) {
                throw new IllegalArgumentException("linger must be whole seconds from 0s to " + MAX_LINGER_SECONDS
                        + "s: " + linger);
            }
            this.linger = linger;
            return this;
        }

        /**
         * Turns {@code SO_LINGER} off (the default).
         *
         * @return this builder
         */
        public Builder noLinger() {
            this.linger = null;
            return this;
        }

        /**
         * Sets {@code SO_RCVBUF} (default: the OS's).
         *
         * @param bytes the size, positive
         * @return this builder
         */
        public Builder receiveBufferSize(int bytes) {
            if (bytes <= 0) {
                throw new IllegalArgumentException("receiveBufferSize must be positive: " + bytes);
            }
            this.receiveBufferSize = bytes;
            return this;
        }

        /**
         * Sets {@code SO_SNDBUF} (default: the OS's).
         *
         * @param bytes the size, positive
         * @return this builder
         */
        public Builder sendBufferSize(int bytes) {
            if (bytes <= 0) {
                throw new IllegalArgumentException("sendBufferSize must be positive: " + bytes);
            }
            this.sendBufferSize = bytes;
            return this;
        }

        /**
         * Sets {@code SO_REUSEADDR} on listening sockets (default on).
         *
         * @param on whether to allow binding while old connections are in TIME_WAIT
         * @return this builder
         */
        public Builder reuseAddress(boolean on) {
            this.reuseAddress = on;
            return this;
        }

        /**
         * Builds the options.
         *
         * @return the immutable options
         */
        public SocketOptions build() {
            return new SocketOptions(this);
        }
    }
}
