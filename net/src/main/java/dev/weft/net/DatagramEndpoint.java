package dev.weft.net;

import dev.weft.runtime.CancelledException;
import dev.weft.runtime.Channel;
import dev.weft.runtime.OverflowPolicy;
import dev.weft.runtime.ReceiveChannel;
import dev.weft.runtime.Scope;
import java.io.IOException;
import java.net.BindException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.SocketOption;
import java.net.StandardSocketOptions;
import java.util.Arrays;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A UDP endpoint: a bound socket that sends datagrams, receives them as a channel, and takes part in broadcast and
 * IPv4/IPv6 multicast.
 *
 * <h2>A UDP receiver in a select</h2>
 * <pre>{@code
 * try (DatagramEndpoint udp = DatagramEndpoint.builder(new InetSocketAddress("::1", 4040))
 *         .maxDatagramSize(1024)
 *         .bind()) {
 *     for (;;) {
 *         Optional<Datagram> next = Select.<Optional<Datagram>>create()
 *                 .onReceive(udp.datagrams(), Optional::of)
 *                 .onTimeout(Duration.ofSeconds(30), Optional::empty)   // loses no datagram, closes nothing
 *                 .select();
 *         if (next.isEmpty()) {
 *             System.out.println("no datagram for 30 seconds");
 *             continue;
 *         }
 *         Datagram d = next.get();
 *         udp.send(Datagram.of("ACK " + d.text(), d.address()));
 *     }
 * }
 * }</pre>
 *
 * <p><b>Receiving.</b> A reader task, in the endpoint's own {@link Scope} (opened by {@link Builder#bind()} and
 * nested in the caller's scope), is the only thread that reads the socket: it parks its virtual thread while no
 * datagram is there (no platform thread per endpoint) and sends each datagram to {@link #datagrams()}. Consumers
 * wait on that channel, so a {@code select} over "next datagram", a timer and other channels can be cancelled or
 * time out without losing a datagram or closing the socket — the JDK closes a socket whose reading thread is
 * interrupted, which is why no consumer ever reads it.
 *
 * <p><b>Overflow.</b> The channel holds up to {@link Builder#receiveBuffer(int)} datagrams (default
 * {@value #DEFAULT_RECEIVE_BUFFER}) that no consumer has taken yet. When it is full, the newest datagram is dropped
 * ({@link OverflowPolicy#DROP_NEWEST}, the default — what the kernel does with a full socket buffer, so UDP's
 * losses stay of one kind) and counted in {@link #droppedDatagrams()}; the first drop is logged at WARN, later ones
 * at DEBUG. {@link OverflowPolicy#DROP_OLDEST} keeps the latest datagrams instead. {@link OverflowPolicy#BLOCK}
 * stops reading until the consumer catches up: the socket buffer fills and the kernel drops, which this endpoint
 * cannot count (Linux shows it in {@code /proc/net/udp}).
 *
 * <p><b>Size limit.</b> Datagrams carry at most {@link Builder#maxDatagramSize(int)} bytes (default
 * {@value #DEFAULT_MAX_DATAGRAM_SIZE}, the largest IPv4 UDP payload). {@link #send(Datagram)} rejects a larger one
 * with {@link IllegalArgumentException}. A larger one that arrives would be cut short by the OS; the reader
 * receives into a buffer one byte longer than the limit, so it notices, drops the datagram, counts it in
 * {@link #oversizedDatagrams()} and logs it — a consumer never sees a truncated datagram.
 *
 * <p><b>Sending</b> happens on the caller's thread and does not wait for the peer (UDP has no back-pressure). An
 * interrupted or cancelled caller does not close the socket: the endpoint uses the JDK's uninterruptible datagram
 * socket (the same NIO implementation as {@link java.nio.channels.DatagramChannel} in blocking mode, without the
 * close-on-interrupt rule).
 *
 * <p><b>Broadcast and multicast.</b> Sending to a broadcast address needs {@link Builder#broadcast(boolean)}; a
 * socket receives broadcasts when bound to the wildcard address ({@code 0.0.0.0} or {@code ::}). A receiver joins
 * a multicast group with {@link #joinGroup(InetAddress, NetworkInterface)} and leaves it by closing the returned
 * {@link Membership}; a sender picks the outgoing interface with {@link Builder#multicastInterface}.
 *
 * <p>Thread-safe: any number of senders, any number of consumers of {@link #datagrams()} (each datagram goes to
 * one). {@link #close()} is idempotent.
 */
public final class DatagramEndpoint implements AutoCloseable {

    /** The default maximum datagram size: 65,507 bytes, the largest UDP payload over IPv4. */
    public static final int DEFAULT_MAX_DATAGRAM_SIZE = 65_507;

    /** The largest maximum datagram size: 65,527 bytes, the largest UDP payload over IPv6 without jumbograms. */
    public static final int MAX_IPV6_DATAGRAM_SIZE = 65_527;

    /** The default capacity of {@link #datagrams()}: 256 datagrams. */
    public static final int DEFAULT_RECEIVE_BUFFER = 256;

    /** The largest capacity of {@link #datagrams()}: 1,048,576 datagrams. */
    public static final int MAX_RECEIVE_BUFFER = 1 << 20;

    private static final Logger LOG = LoggerFactory.getLogger(DatagramEndpoint.class);

    private final DatagramSocket socket;
    private final String name;
    private final InetSocketAddress localAddress;
    private final int maxDatagramSize;
    private final boolean broadcast;
    private final boolean multicastInterfaceSet;
    private final OverflowPolicy overflow;
    private final Channel<Datagram> datagrams;
    private final Scope scope;
    private final AtomicLong received = new AtomicLong();
    private final AtomicLong oversized = new AtomicLong();
    private final AtomicLong dropsLogged = new AtomicLong();
    private final Set<Membership> memberships = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean closed = new AtomicBoolean();

    private DatagramEndpoint(Builder b, DatagramSocket socket) {
        this.socket = socket;
        this.localAddress = (InetSocketAddress) socket.getLocalSocketAddress();
        this.name = "udp " + Addresses.format(localAddress);
        this.maxDatagramSize = b.maxDatagramSize;
        this.broadcast = b.broadcast;
        this.multicastInterfaceSet = b.multicastInterface != null;
        this.overflow = b.overflow;
        this.datagrams = Channel.<Datagram>builder()
                .name(name + " datagrams")
                .capacity(b.receiveBuffer)
                .overflow(b.overflow)
                .onUndelivered(this::dropped)
                .build();
        this.scope = Scope.open(name);
        try {
            scope.fork("reader", this::read);
        } catch (RuntimeException e) {
            scope.close();
            throw e;
        }
    }

    /**
     * Returns a builder for an endpoint bound to {@code address}; port 0 picks a free port, and the wildcard
     * address ({@code 0.0.0.0} or {@code ::}) receives on every interface — needed for broadcast and multicast.
     *
     * @param address a resolved IPv4 or IPv6 socket address
     * @return a new builder
     * @throws IllegalArgumentException if the address is unresolved
     */
    public static Builder builder(InetSocketAddress address) {
        Objects.requireNonNull(address, "address");
        if (address.isUnresolved()) {
            throw new IllegalArgumentException("address must be resolved: " + Addresses.format(address));
        }
        return new Builder(address);
    }

    /**
     * Returns a builder for an endpoint bound to {@code host} and {@code port}.
     *
     * @param host the local address to bind, for example {@link InetAddress#getLoopbackAddress()}
     * @param port the port, from 0 (pick a free one) to 65535
     * @return a new builder
     * @throws IllegalArgumentException if the port is out of range
     */
    public static Builder builder(InetAddress host, int port) {
        Objects.requireNonNull(host, "host");
        if (port < 0 || port > 65_535) {
            throw new IllegalArgumentException("port must be from 0 to 65535: " + port);
        }
        return new Builder(new InetSocketAddress(host, port));
    }

    /**
     * Returns a short name for logs and errors, such as {@code udp [::1]:4040}.
     *
     * @return the name
     */
    public String name() {
        return name;
    }

    /**
     * Returns the address the endpoint is bound to, with the actual port.
     *
     * @return the local address
     */
    public InetSocketAddress localAddress() {
        return localAddress;
    }

    /**
     * Returns the bound port.
     *
     * @return the port, never 0
     */
    public int port() {
        return localAddress.getPort();
    }

    /**
     * Returns the largest payload this endpoint sends or delivers.
     *
     * @return the limit in bytes
     */
    public int maxDatagramSize() {
        return maxDatagramSize;
    }

    /**
     * Sends a datagram to its {@linkplain Datagram#address() address}.
     *
     * <p>Does not wait for the peer: UDP hands the datagram to the kernel, which may drop it. Neither an interrupt
     * nor the cancellation of the calling task closes the socket.
     *
     * @param datagram the payload and the recipient
     * @throws IllegalArgumentException if the payload is larger than {@link #maxDatagramSize()} (the message names
     *     both sizes), or the address is not a resolved IP address with a port
     * @throws SocketException if the endpoint is closed, or the kernel refused the datagram; the message names the
     *     recipient — and {@code SO_BROADCAST} if a broadcast was refused because it is off
     * @throws IOException on any other failure to send
     */
    public void send(Datagram datagram) throws IOException {
        Objects.requireNonNull(datagram, "datagram");
        sendBytes(datagram.sharedPayload(), datagram.address());
    }

    /**
     * Sends {@code payload} to {@code recipient}; see {@link #send(Datagram)}.
     *
     * @param payload the bytes; not copied, and not kept after the call
     * @param recipient a resolved IP socket address with a port
     * @throws IllegalArgumentException if the payload is larger than {@link #maxDatagramSize()}, or the recipient
     *     is not a resolved IP address with a port
     * @throws SocketException if the endpoint is closed or the kernel refused the datagram
     * @throws IOException on any other failure to send
     */
    public void send(byte[] payload, SocketAddress recipient) throws IOException {
        Objects.requireNonNull(payload, "payload");
        Objects.requireNonNull(recipient, "recipient");
        sendBytes(payload, recipient);
    }

    private void sendBytes(byte[] payload, SocketAddress recipient) throws IOException {
        InetSocketAddress target = checkRecipient(recipient);
        if (payload.length > maxDatagramSize) {
            throw new IllegalArgumentException("datagram of " + payload.length + " bytes to udp "
                    + Addresses.format(target) + " exceeds the maximum datagram size of " + maxDatagramSize
                    + " bytes of " + name);
        }
        if (closed.get()) {
            throw new SocketException(name + " is closed");
        }
        try {
            socket.send(new DatagramPacket(payload, payload.length, target));
        } catch (IOException e) {
            if (!isOpen()) {
                throw new SocketException(name + " is closed");
            }
            throw sendFailed(e, payload.length, target);
        }
    }

    private static InetSocketAddress checkRecipient(SocketAddress recipient) {
        if (!(recipient instanceof InetSocketAddress inet)) {
            throw new IllegalArgumentException("a UDP endpoint sends only to IP socket addresses: " + recipient);
        }
        if (inet.isUnresolved()) {
            throw new IllegalArgumentException("recipient must be resolved: " + Addresses.format(inet));
        }
        if (inet.getPort() == 0) {
            throw new IllegalArgumentException("recipient must have a port (not 0): " + Addresses.format(inet));
        }
        return inet;
    }

    private SocketException sendFailed(IOException e, int length, InetSocketAddress target) {
        String hint = "";
        String message = String.valueOf(e.getMessage());
        InetAddress to = target.getAddress();
        if (!broadcast && to instanceof Inet4Address && message.contains("Permission denied")) {
            // Linux answers EACCES to a send to a broadcast address without SO_BROADCAST
            hint = " (if it is a broadcast address: sending to one needs SO_BROADCAST,"
                    + " DatagramEndpoint.builder(...).broadcast(true))";
        } else if (to.isMulticastAddress() && !multicastInterfaceSet && message.contains("unreachable")) {
            hint = " (no route to the multicast group: choose the outgoing interface with"
                    + " DatagramEndpoint.builder(...).multicastInterface(...))";
        }
        SocketException named = new SocketException(name + ": send of " + length + " bytes to udp "
                + Addresses.format(target) + " failed: " + message + hint);
        named.initCause(e);
        return named;
    }

    /**
     * Returns the channel of received datagrams, fed by the endpoint's reader task; see the class documentation
     * for its capacity and overflow policy. It closes when the endpoint closes (datagrams already in it can still
     * be received) or, with the I/O error as its cause, if reading fails.
     *
     * @return the channel; the same one on every call
     */
    public ReceiveChannel<Datagram> datagrams() {
        return datagrams;
    }

    /**
     * Joins a multicast group on a network interface, so that datagrams sent to the group and this endpoint's
     * port arrive on {@link #datagrams()}. The endpoint should be bound to the wildcard address (or the group's
     * address) to receive them.
     *
     * <p>On Linux the loopback interface {@code lo} carries IPv4 multicast even without its {@code MULTICAST}
     * flag; IPv6 multicast on {@code lo} needs that flag (without it the kernel has no {@code ff00::/8} route
     * there, and sending fails with "Network is unreachable").
     *
     * @param group an IPv4 or IPv6 multicast address, such as {@code 239.255.0.1} or {@code ff02::1234}
     * @param networkInterface the interface to join on, for example {@code NetworkInterface.getByName("lo")}
     * @return the membership; closing it leaves the group
     * @throws IllegalArgumentException if {@code group} is not a multicast address
     * @throws SocketException if the endpoint is closed, already a member of the group on that interface, or the
     *     kernel refused the join; the message names the group and the interface
     */
    public Membership joinGroup(InetAddress group, NetworkInterface networkInterface) throws IOException {
        Objects.requireNonNull(group, "group");
        Objects.requireNonNull(networkInterface, "networkInterface");
        if (!group.isMulticastAddress()) {
            throw new IllegalArgumentException("group must be a multicast address: " + format(group));
        }
        String what = "multicast group " + format(group) + " on " + networkInterface.getName();
        if (closed.get()) {
            throw new SocketException(name + " is closed: cannot join " + what);
        }
        try {
            socket.joinGroup(new InetSocketAddress(group, 0), networkInterface);
        } catch (IOException e) {
            SocketException named = new SocketException(name + ": join " + what + " failed: " + e.getMessage());
            named.initCause(e);
            throw named;
        }
        Membership m = new Membership(group, networkInterface, what);
        memberships.add(m);
        LOG.info("{} joined {}", name, what);
        return m;
    }

    /**
     * Returns how many received datagrams the channel dropped because it was full (see the class documentation).
     *
     * @return the number of dropped datagrams
     */
    public long droppedDatagrams() {
        return datagrams.droppedCount();
    }

    /**
     * Returns how many received datagrams were dropped for being larger than {@link #maxDatagramSize()}.
     *
     * @return the number of oversized datagrams
     */
    public long oversizedDatagrams() {
        return oversized.get();
    }

    /**
     * Returns how many datagrams within the size limit the reader has taken from the socket, including any that
     * the full channel then dropped.
     *
     * @return the number of datagrams received
     */
    public long receivedDatagrams() {
        return received.get();
    }

    /**
     * Returns true until the endpoint is closed — by {@link #close()}, or by the cancellation of the task or scope
     * it was bound in.
     *
     * @return whether the socket is open
     */
    public boolean isOpen() {
        return !closed.get() && !socket.isClosed();
    }

    /**
     * Closes the socket (leaving every multicast group), stops the reader task and waits for it to end, and closes
     * {@link #datagrams()}: consumers waiting on it see it closed once they have taken what it still holds.
     * Idempotent; throws nothing.
     */
    @Override
    public void close() {
        boolean first = closed.compareAndSet(false, true);
        for (Membership m : memberships) {
            m.valid.set(false);
        }
        memberships.clear();
        socket.close();
        scope.close();
        datagrams.close();
        if (first) {
            LOG.debug("{} closed", name);
        }
    }

    @Override
    public String toString() {
        return "DatagramEndpoint[" + name + (isOpen() ? "]" : ", closed]");
    }

    private void read() {
        byte[] buffer = new byte[maxDatagramSize + 1];
        DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
        try {
            for (;;) {
                packet.setLength(buffer.length);
                socket.receive(packet);
                int length = packet.getLength();
                if (length > maxDatagramSize) {
                    oversized(packet.getSocketAddress());
                    continue;
                }
                received.incrementAndGet();
                datagrams.send(new Datagram(Arrays.copyOf(buffer, length), packet.getSocketAddress()));
            }
        } catch (IOException e) {
            if (closed.get() || scope.isCancelled()) {
                // close(), or the scope the endpoint was bound in was cancelled (its interrupt closed the socket)
                endedByScope();
            } else {
                LOG.warn("{}: receive failed; no more datagrams will arrive: {}", name, e.toString());
                SocketException named = new SocketException(name + ": receive failed: " + e.getMessage());
                named.initCause(e);
                datagrams.close(named);
            }
        } catch (InterruptedException | CancelledException e) {
            endedByScope();
        } catch (RuntimeException e) {
            LOG.warn("{}: reader failed; no more datagrams will arrive", name, e);
            datagrams.close(e);
        }
    }

    /** Formats an address without reverse DNS, IPv6 compressed: {@code 239.255.0.1}, {@code ff02::1234}. */
    private static String format(InetAddress address) {
        return address instanceof Inet6Address ? Addresses.compress(address.getAddress()) : address.getHostAddress();
    }

    /** The reader was stopped by close() or by the cancellation of the scope the endpoint was bound in. */
    private void endedByScope() {
        if (closed.compareAndSet(false, true)) {
            LOG.debug("{} closed: the scope it was bound in was cancelled", name);
        }
        socket.close();
        datagrams.close();
    }

    private void oversized(SocketAddress sender) {
        long n = oversized.incrementAndGet();
        String from = sender instanceof InetSocketAddress inet ? "udp " + Addresses.format(inet)
                : String.valueOf(sender);
        if (n == 1) {
            LOG.warn("{}: dropped a datagram of more than {} bytes (the limit) from {}; later ones are logged at DEBUG",
                    name, maxDatagramSize, from);
        } else {
            LOG.debug("{}: dropped a datagram of more than {} bytes (the limit) from {} ({} so far)", name,
                    maxDatagramSize, from, n);
        }
    }

    private void dropped(Datagram d) {
        if (dropsLogged.getAndIncrement() == 0) {
            LOG.warn("{}: the receive buffer of {} datagrams is full; dropped {} ({}); later drops are logged at"
                    + " DEBUG", name, datagrams.capacity(), d, overflow);
        } else {
            LOG.debug("{}: the receive buffer is full; dropped {} ({})", name, d, overflow);
        }
    }

    /**
     * A multicast group membership of a {@link DatagramEndpoint}; closing it leaves the group.
     *
     * <p>Thread-safe; {@link #close()} is idempotent. Closing the endpoint ends every membership.
     */
    public final class Membership implements AutoCloseable {
        private final InetAddress group;
        private final NetworkInterface networkInterface;
        private final String description;
        private final AtomicBoolean valid = new AtomicBoolean(true);

        private Membership(InetAddress group, NetworkInterface networkInterface, String description) {
            this.group = group;
            this.networkInterface = networkInterface;
            this.description = description;
        }

        /**
         * Returns the multicast group.
         *
         * @return the group address
         */
        public InetAddress group() {
            return group;
        }

        /**
         * Returns the interface the group was joined on.
         *
         * @return the network interface
         */
        public NetworkInterface networkInterface() {
            return networkInterface;
        }

        /**
         * Returns true until the group is left or the endpoint closed.
         *
         * @return whether datagrams to the group still arrive
         */
        public boolean isValid() {
            return valid.get();
        }

        /**
         * Leaves the group: datagrams sent to it after this returns no longer arrive. Idempotent; a failure to
         * leave is logged at WARN, not thrown (the membership ends when the endpoint closes in any case).
         */
        @Override
        public void close() {
            if (!valid.compareAndSet(true, false)) {
                return;
            }
            memberships.remove(this);
            if (closed.get()) {
                return;
            }
            try {
                socket.leaveGroup(new InetSocketAddress(group, 0), networkInterface);
                LOG.info("{} left {}", name, description);
            } catch (IOException e) {
                if (isOpen()) {
                    LOG.warn("{}: leaving {} failed: {}", name, description, e.toString());
                }
            }
        }

        @Override
        public String toString() {
            return "Membership[" + name + ", " + description + (isValid() ? "]" : ", left]");
        }
    }

    /**
     * Builds and binds a {@link DatagramEndpoint}. Not thread-safe; the endpoint it binds is.
     */
    public static final class Builder {
        private final InetSocketAddress address;
        private int maxDatagramSize = DEFAULT_MAX_DATAGRAM_SIZE;
        private int receiveBuffer = DEFAULT_RECEIVE_BUFFER;
        private OverflowPolicy overflow = OverflowPolicy.DROP_NEWEST;
        private boolean broadcast;
        private boolean reuseAddress;
        private int socketReceiveBufferSize;
        private int socketSendBufferSize;
        private NetworkInterface multicastInterface;
        private boolean multicastLoopback = true;
        private int multicastTimeToLive = -1;

        private Builder(InetSocketAddress address) {
            this.address = address;
        }

        /**
         * Sets the largest payload the endpoint sends or delivers (default
         * {@value DatagramEndpoint#DEFAULT_MAX_DATAGRAM_SIZE} bytes); a message protocol might use 1024. More than
         * {@value DatagramEndpoint#DEFAULT_MAX_DATAGRAM_SIZE} needs an IPv6 bind address.
         *
         * @param bytes the limit, from 1 to {@value DatagramEndpoint#MAX_IPV6_DATAGRAM_SIZE}
         * @return this builder
         */
        public Builder maxDatagramSize(int bytes) {
            if (bytes < 1 || bytes > MAX_IPV6_DATAGRAM_SIZE) {
                throw new IllegalArgumentException("maxDatagramSize must be from 1 to " + MAX_IPV6_DATAGRAM_SIZE
                        + ": " + bytes);
            }
            this.maxDatagramSize = bytes;
            return this;
        }

        /**
         * Sets how many received datagrams {@link DatagramEndpoint#datagrams()} holds for its consumers (default
         * {@value DatagramEndpoint#DEFAULT_RECEIVE_BUFFER}). This is the endpoint's queue, counted in datagrams; the
         * kernel's socket buffer, in bytes, is {@link #socketReceiveBufferSize(int)}.
         *
         * @param datagrams the capacity, from 1 to {@value DatagramEndpoint#MAX_RECEIVE_BUFFER}
         * @return this builder
         */
        public Builder receiveBuffer(int datagrams) {
            if (datagrams < 1 || datagrams > MAX_RECEIVE_BUFFER) {
                throw new IllegalArgumentException("receiveBuffer must be from 1 to " + MAX_RECEIVE_BUFFER
                        + " datagrams: " + datagrams);
            }
            this.receiveBuffer = datagrams;
            return this;
        }

        /**
         * Sets what happens to a received datagram when {@link DatagramEndpoint#datagrams()} is full (default
         * {@link OverflowPolicy#DROP_NEWEST}; see the class documentation).
         *
         * @param policy {@code DROP_NEWEST}, {@code DROP_OLDEST} or {@code BLOCK}
         * @return this builder
         * @throws IllegalArgumentException for {@link OverflowPolicy#REJECT}, which has no caller to reject to
         */
        public Builder overflow(OverflowPolicy policy) {
            Objects.requireNonNull(policy, "policy");
            if (policy == OverflowPolicy.REJECT) {
                throw new IllegalArgumentException("overflow policy REJECT does not apply to received datagrams"
                        + " (there is no sender to reject); use DROP_NEWEST, DROP_OLDEST or BLOCK");
            }
            this.overflow = policy;
            return this;
        }

        /**
         * Sets {@code SO_BROADCAST}, which sending to a broadcast address needs (default off).
         *
         * @param on whether the endpoint may send broadcasts
         * @return this builder
         */
        public Builder broadcast(boolean on) {
            this.broadcast = on;
            return this;
        }

        /**
         * Sets {@code SO_REUSEADDR} (default off), so several sockets — typically multicast receivers in different
         * processes — can bind the same port when all of them set it.
         *
         * @param on whether to allow sharing the address
         * @return this builder
         */
        public Builder reuseAddress(boolean on) {
            this.reuseAddress = on;
            return this;
        }

        /**
         * Sets {@code SO_RCVBUF}, the kernel's receive buffer in bytes (default: the OS's; Linux caps it at
         * {@code net.core.rmem_max}).
         *
         * @param bytes the size, positive
         * @return this builder
         */
        public Builder socketReceiveBufferSize(int bytes) {
            if (bytes <= 0) {
                throw new IllegalArgumentException("socketReceiveBufferSize must be positive: " + bytes);
            }
            this.socketReceiveBufferSize = bytes;
            return this;
        }

        /**
         * Sets {@code SO_SNDBUF}, the kernel's send buffer in bytes (default: the OS's).
         *
         * @param bytes the size, positive
         * @return this builder
         */
        public Builder socketSendBufferSize(int bytes) {
            if (bytes <= 0) {
                throw new IllegalArgumentException("socketSendBufferSize must be positive: " + bytes);
            }
            this.socketSendBufferSize = bytes;
            return this;
        }

        /**
         * Sets {@code IP_MULTICAST_IF}, the interface multicast datagrams are sent on (default: chosen by the
         * routing table).
         *
         * @param networkInterface the interface, for example {@code NetworkInterface.getByName("lo")}
         * @return this builder
         */
        public Builder multicastInterface(NetworkInterface networkInterface) {
            this.multicastInterface = Objects.requireNonNull(networkInterface, "networkInterface");
            return this;
        }

        /**
         * Sets {@code IP_MULTICAST_LOOP}: whether multicast datagrams this endpoint sends are also delivered to
         * group members on this host (default on).
         *
         * @param on whether to loop multicast back locally
         * @return this builder
         */
        public Builder multicastLoopback(boolean on) {
            this.multicastLoopback = on;
            return this;
        }

        /**
         * Sets {@code IP_MULTICAST_TTL}, the hop limit of multicast datagrams (default: the OS's, 1); 0 keeps them
         * on this host.
         *
         * @param hops the limit, from 0 to 255
         * @return this builder
         */
        public Builder multicastTimeToLive(int hops) {
            if (hops < 0 || hops > 255) {
                throw new IllegalArgumentException("multicastTimeToLive must be from 0 to 255: " + hops);
            }
            this.multicastTimeToLive = hops;
            return this;
        }

        /**
         * Binds the socket and starts the reader task in a new scope nested in the caller's scope (if the caller
         * runs in a task). Cancelling the caller's task or scope closes the endpoint; otherwise it stays open until
         * {@link DatagramEndpoint#close()}.
         *
         * @return the bound endpoint
         * @throws IllegalArgumentException if the maximum datagram size is over
         *     {@value DatagramEndpoint#DEFAULT_MAX_DATAGRAM_SIZE} bytes for an IPv4 address
         * @throws BindException if the address is in use or not local; the message names it
         * @throws SocketException if a socket option was refused; the message names the option and the value
         * @throws IOException on any other failure to bind
         */
        public DatagramEndpoint bind() throws IOException {
            String where = "udp " + Addresses.format(address);
            if (address.getAddress() instanceof Inet4Address && maxDatagramSize > DEFAULT_MAX_DATAGRAM_SIZE) {
                throw new IllegalArgumentException("maxDatagramSize " + maxDatagramSize + " of " + where
                        + " exceeds the largest IPv4 UDP payload of " + DEFAULT_MAX_DATAGRAM_SIZE
                        + " bytes; bind an IPv6 address for larger datagrams");
            }
            // the uninterruptible socket of java.net.DatagramSocket (DatagramChannel's implementation in blocking
            // mode): an interrupted sender does not close it, as an interrupted DatagramChannel would
            DatagramSocket socket = new DatagramSocket((SocketAddress) null);
            try {
                set(socket, where, StandardSocketOptions.SO_BROADCAST, broadcast);
                set(socket, where, StandardSocketOptions.SO_REUSEADDR, reuseAddress);
                if (socketReceiveBufferSize > 0) {
                    set(socket, where, StandardSocketOptions.SO_RCVBUF, socketReceiveBufferSize);
                }
                if (socketSendBufferSize > 0) {
                    set(socket, where, StandardSocketOptions.SO_SNDBUF, socketSendBufferSize);
                }
                if (multicastInterface != null) {
                    set(socket, where, StandardSocketOptions.IP_MULTICAST_IF, multicastInterface);
                }
                set(socket, where, StandardSocketOptions.IP_MULTICAST_LOOP, multicastLoopback);
                if (multicastTimeToLive >= 0) {
                    set(socket, where, StandardSocketOptions.IP_MULTICAST_TTL, multicastTimeToLive);
                }
                try {
                    socket.bind(address);
                } catch (IOException e) {
                    BindException named = new BindException("bind " + where + " failed: " + e.getMessage());
                    named.initCause(e);
                    throw named;
                }
                DatagramEndpoint endpoint = new DatagramEndpoint(this, socket);
                LOG.debug("{} bound (max datagram {} bytes, receive buffer {} datagrams, {})", endpoint.name,
                        maxDatagramSize, receiveBuffer, overflow);
                return endpoint;
            } catch (IOException | RuntimeException e) {
                socket.close();
                throw e;
            }
        }

        private static <T> void set(DatagramSocket socket, String where, SocketOption<T> option, T value)
                throws SocketException {
            try {
                socket.setOption(option, value);
            } catch (IOException | UnsupportedOperationException e) {
                SocketException named = new SocketException(where + ": cannot set " + option.name() + " to "
                        + value + ": " + e.getMessage());
                named.initCause(e);
                throw named;
            }
        }
    }
}
