package dev.weft.net;

import static dev.weft.net.NetTestSupport.DEFAULT_WAIT;
import static dev.weft.net.NetTestSupport.anyPort;
import static dev.weft.net.NetTestSupport.awaitBlocked;
import static dev.weft.net.NetTestSupport.awaitCondition;
import static dev.weft.net.NetTestSupport.platformThreads;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.runtime.CancelledException;
import dev.weft.runtime.Channel;
import dev.weft.runtime.ChannelClosedException;
import dev.weft.runtime.OverflowPolicy;
import dev.weft.runtime.Scope;
import dev.weft.runtime.Select;
import dev.weft.runtime.Task;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
final class UdpTest {

    private static final String HOSTS = "dev.weft.net.NetTestSupport#loopbacks";
    /** The loopback network's broadcast address: a broadcast to it never leaves the host. */
    private static final String LOOPBACK_BROADCAST = "127.255.255.255";

    // --- sending and receiving ---

    @ParameterizedTest
    @MethodSource(HOSTS)
    void send_toAnotherEndpoint_deliversPayloadAndSenderAndReplyComesBack(String host) throws Exception {
        try (DatagramEndpoint a = DatagramEndpoint.builder(anyPort(host)).bind();
                DatagramEndpoint b = DatagramEndpoint.builder(anyPort(host)).bind()) {
            assertThat(a.port()).isPositive().isEqualTo(a.localAddress().getPort());
            assertThat(a.localAddress().getAddress()).isEqualTo(InetAddress.getByName(host));
            assertThat(a.name()).isEqualTo("udp " + Addresses.format(a.localAddress()));

            a.send(Datagram.of("hello", b.localAddress()));
            Datagram got = next(b);
            assertThat(got.text()).isEqualTo("hello");
            assertThat(got.address()).isEqualTo(a.localAddress());

            b.send("world".getBytes(StandardCharsets.UTF_8), got.address());
            assertThat(next(a)).isEqualTo(Datagram.of("world", b.localAddress()));
            assertThat(a.receivedDatagrams()).isEqualTo(1);
        }
    }

    @ParameterizedTest
    @MethodSource(HOSTS)
    void send_emptyPayload_arrivesAsEmptyDatagram(String host) throws Exception {
        try (DatagramEndpoint a = DatagramEndpoint.builder(anyPort(host)).bind();
                DatagramEndpoint b = DatagramEndpoint.builder(anyPort(host)).bind()) {
            a.send(new byte[0], b.localAddress());
            assertThat(next(b).length()).isZero();
        }
    }

    @ParameterizedTest
    @MethodSource(HOSTS)
    void send_thousandDatagrams_eachArrivesExactlyOnce(String host) throws Exception {
        int total = 1_000;
        int window = 100; // the sender waits for each window, so the kernel's socket buffer never overflows
        try (DatagramEndpoint sender = DatagramEndpoint.builder(anyPort(host)).bind();
                DatagramEndpoint receiver = DatagramEndpoint.builder(anyPort(host))
                        .socketReceiveBufferSize(1 << 20)
                        .bind()) {
            List<String> got = new ArrayList<>();
            for (int start = 0; start < total; start += window) {
                for (int i = start; i < start + window; i++) {
                    sender.send(Datagram.of("datagram " + i, receiver.localAddress()));
                }
                for (int i = 0; i < window; i++) {
                    got.add(next(receiver).text());
                }
            }
            // loopback may reorder datagrams sent from different CPUs; it neither loses nor duplicates them here
            assertThat(got).containsExactlyInAnyOrderElementsOf(
                    IntStream.range(0, total).mapToObj(i -> "datagram " + i).toList());
            assertThat(receiver.datagrams().tryReceive()).isEmpty();
            assertThat(receiver.droppedDatagrams()).isZero();
            assertThat(receiver.receivedDatagrams()).isEqualTo(total);
        }
    }

    @ParameterizedTest
    @MethodSource(HOSTS)
    void send_fromInterruptedThread_sendsAndKeepsTheSocketOpen(String host) throws Exception {
        try (DatagramEndpoint a = DatagramEndpoint.builder(anyPort(host)).bind();
                DatagramEndpoint b = DatagramEndpoint.builder(anyPort(host)).bind()) {
            Thread.currentThread().interrupt();
            try {
                a.send(Datagram.of("sent while interrupted", b.localAddress()));
            } finally {
                assertThat(Thread.interrupted()).as("the interrupt flag is left alone").isTrue();
            }
            assertThat(a.isOpen()).isTrue();
            assertThat(next(b).text()).isEqualTo("sent while interrupted");
            a.send(Datagram.of("and after", b.localAddress()));
            assertThat(next(b).text()).isEqualTo("and after");
        }
    }

    @ParameterizedTest
    @MethodSource(HOSTS)
    void send_fromCancelledTask_keepsTheSocketOpen(String host) throws Exception {
        try (DatagramEndpoint a = DatagramEndpoint.builder(anyPort(host)).bind();
                DatagramEndpoint b = DatagramEndpoint.builder(anyPort(host)).bind();
                Scope scope = Scope.open("test")) {
            Channel<Boolean> go = Channel.rendezvous();
            Task<Void> task = scope.fork("cancelled sender", () -> {
                try {
                    go.receive();
                } catch (CancelledException expected) {
                    a.send(Datagram.of("from a cancelled task", b.localAddress()));
                    throw expected;
                }
            });
            task.cancel();
            assertThatThrownBy(task::join).isInstanceOf(CancelledException.class);
            assertThat(next(b).text()).isEqualTo("from a cancelled task");
            assertThat(a.isOpen()).isTrue();
        }
    }

    // --- select and cancellation (principle 4) ---

    @ParameterizedTest
    @MethodSource(HOSTS)
    void select_cancelledWhileWaiting_losesNothingAndLeavesTheSocketOpen(String host) throws Exception {
        try (DatagramEndpoint receiver = DatagramEndpoint.builder(anyPort(host)).bind();
                DatagramEndpoint sender = DatagramEndpoint.builder(anyPort(host)).bind();
                Scope scope = Scope.open("test")) {
            Channel<String> other = Channel.buffered(1);
            AtomicReference<Thread> selecting = new AtomicReference<>();
            Task<String> consumer = scope.fork("consumer", () -> {
                selecting.set(Thread.currentThread());
                return Select.<String>create()
                        .onReceive(receiver.datagrams(), Datagram::text)
                        .onReceive(other, s -> "other " + s)
                        .onTimeout(Duration.ofMinutes(5), () -> "timeout")
                        .select();
            });
            awaitCondition(() -> selecting.get() != null, "the consumer to start");
            awaitBlocked(selecting.get());
            consumer.cancel();
            assertThatThrownBy(consumer::join).isInstanceOf(CancelledException.class);

            assertThat(receiver.isOpen()).isTrue();
            sender.send(Datagram.of("after the cancelled select", receiver.localAddress()));
            assertThat(next(receiver).text()).isEqualTo("after the cancelled select");
            receiver.send(Datagram.of("the receiver still sends", sender.localAddress()));
            assertThat(next(sender).text()).isEqualTo("the receiver still sends");
        }
    }

    @ParameterizedTest
    @MethodSource(HOSTS)
    void select_withTimeoutsAndCancelWhileDatagramsFlow_everyDatagramIsDeliveredOnce(String host) throws Exception {
        int total = 300;
        int window = 50;
        int cancelAfter = 150;
        try (DatagramEndpoint receiver = DatagramEndpoint.builder(anyPort(host)).receiveBuffer(512).bind();
                DatagramEndpoint sender = DatagramEndpoint.builder(anyPort(host)).bind();
                Scope scope = Scope.open("test")) {
            Set<String> selected = ConcurrentHashMap.newKeySet();
            Channel<String> ticks = Channel.buffered(1);
            Task<Void> consumer = scope.fork("consumer", () -> {
                for (;;) {
                    Select.<Boolean>create()
                            .onReceive(receiver.datagrams(), d -> selected.add(d.text()))
                            .onReceive(ticks, t -> false)
                            .onTimeout(Duration.ofMillis(1), () -> false) // times out over and over
                            .select();
                }
            });
            for (int start = 0; start < total; start += window) {
                if (start == cancelAfter) {
                    consumer.cancel();
                    assertThatThrownBy(consumer::join).isInstanceOf(CancelledException.class);
                }
                for (int i = start; i < start + window; i++) {
                    sender.send(Datagram.of("d" + i, receiver.localAddress()));
                }
                long expected = start + window;
                awaitCondition(() -> receiver.receivedDatagrams() == expected, "the reader to take " + expected);
            }
            List<String> rest = new ArrayList<>();
            for (Optional<Datagram> d; (d = receiver.datagrams().tryReceive()).isPresent(); ) {
                rest.add(d.get().text());
            }
            List<String> all = new ArrayList<>(selected);
            all.addAll(rest);
            assertThat(all).containsExactlyInAnyOrderElementsOf(
                    IntStream.range(0, total).mapToObj(i -> "d" + i).toList());
            assertThat(receiver.droppedDatagrams()).isZero();
            assertThat(receiver.isOpen()).isTrue();
        }
    }

    /** The class Javadoc's example, "a UDP receiver in a select", run as written (plus a way to stop it). */
    @ParameterizedTest
    @MethodSource(HOSTS)
    void javadocExample_udpReceiverInASelect_answersEachDatagram(String host) throws Exception {
        try (DatagramEndpoint client = DatagramEndpoint.builder(anyPort(host)).bind();
                // when the scope is cancelled, the receiver ends with CancelledException or, if its endpoint
                // (bound in the cancelled scope) closed first, ChannelClosedException: both are fine here
                Scope scope = Scope.supervisor("example", (task, failure) -> { })) {
            Channel<InetSocketAddress> bound = Channel.buffered(1);
            scope.fork("receiver", () -> {
                try (DatagramEndpoint udp = DatagramEndpoint.builder(new InetSocketAddress(host, 0))
                        .maxDatagramSize(1024)
                        .bind()) {
                    bound.send(udp.localAddress());
                    for (;;) {
                        Optional<Datagram> next = Select.<Optional<Datagram>>create()
                                .onReceive(udp.datagrams(), Optional::of)
                                .onTimeout(Duration.ofSeconds(30), Optional::empty)
                                .select();
                        if (next.isEmpty()) {
                            continue;
                        }
                        Datagram d = next.get();
                        udp.send(Datagram.of("ACK " + d.text(), d.address()));
                    }
                }
            });
            InetSocketAddress server = bound.receive();
            client.send(Datagram.of("PING", server));
            assertThat(next(client)).isEqualTo(Datagram.of("ACK PING", server));
            client.send(Datagram.of("PONG", server));
            assertThat(next(client).text()).isEqualTo("ACK PONG");
            scope.cancel();
        }
    }

    // --- size limit ---

    @ParameterizedTest
    @MethodSource(HOSTS)
    void send_overTheLimit_throwsNamingTheSizeAndTheLimit(String host) throws Exception {
        try (DatagramEndpoint a = DatagramEndpoint.builder(anyPort(host)).maxDatagramSize(1024).bind();
                DatagramEndpoint b = DatagramEndpoint.builder(anyPort(host)).bind()) {
            assertThat(a.maxDatagramSize()).isEqualTo(1024);
            assertThatThrownBy(() -> a.send(new byte[1025], b.localAddress()))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("datagram of 1025 bytes to " + b.name()
                            + " exceeds the maximum datagram size of 1024 bytes of " + a.name());
            a.send(new byte[1024], b.localAddress());
            assertThat(next(b).length()).isEqualTo(1024);
        }
    }

    @ParameterizedTest
    @MethodSource(HOSTS)
    void send_defaultLimit_isTheLargestIpv4Payload(String host) throws Exception {
        try (DatagramEndpoint a = DatagramEndpoint.builder(anyPort(host)).bind();
                DatagramEndpoint b = DatagramEndpoint.builder(anyPort(host)).bind()) {
            assertThat(a.maxDatagramSize()).isEqualTo(DatagramEndpoint.DEFAULT_MAX_DATAGRAM_SIZE).isEqualTo(65_507);
            assertThatThrownBy(() -> a.send(new byte[65_508], b.localAddress()))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("65508 bytes")
                    .hasMessageContaining("65507 bytes");
            byte[] largest = new byte[65_507];
            largest[65_506] = 42;
            a.send(largest, b.localAddress());
            Datagram got = next(b);
            assertThat(got.length()).isEqualTo(65_507);
            assertThat(got.buffer().get(65_506)).isEqualTo((byte) 42);
        }
    }

    @Test
    void send_ipv6LimitAboveIpv4Payload_carriesTheLargestIpv6Payload() throws Exception {
        try (DatagramEndpoint a = DatagramEndpoint.builder(anyPort("::1"))
                        .maxDatagramSize(DatagramEndpoint.MAX_IPV6_DATAGRAM_SIZE).bind();
                DatagramEndpoint b = DatagramEndpoint.builder(anyPort("::1"))
                        .maxDatagramSize(DatagramEndpoint.MAX_IPV6_DATAGRAM_SIZE).bind()) {
            a.send(new byte[65_527], b.localAddress());
            assertThat(next(b).length()).isEqualTo(65_527);
        }
    }

    @ParameterizedTest
    @MethodSource(HOSTS)
    void receive_oversizedDatagram_isCountedAndDroppedAndTheNextOneArrives(String host) throws Exception {
        try (DatagramEndpoint receiver = DatagramEndpoint.builder(anyPort(host)).maxDatagramSize(1024).bind();
                DatagramChannel raw = DatagramChannel.open()) {
            raw.bind(anyPort(host));
            raw.send(ByteBuffer.wrap(new byte[1025]), receiver.localAddress());
            raw.send(ByteBuffer.wrap(new byte[4000]), receiver.localAddress());
            awaitCondition(() -> receiver.oversizedDatagrams() == 2, "two oversized datagrams to be counted");
            byte[] exactlyTheLimit = new byte[1024];
            exactlyTheLimit[1023] = 7;
            raw.send(ByteBuffer.wrap(exactlyTheLimit), receiver.localAddress());
            raw.send(ByteBuffer.wrap("next".getBytes(StandardCharsets.UTF_8)), receiver.localAddress());

            List<Datagram> got = List.of(next(receiver), next(receiver));
            assertThat(got).extracting(Datagram::length).containsExactlyInAnyOrder(1024, 4);
            assertThat(got).filteredOn(d -> d.length() == 1024).first()
                    .satisfies(d -> assertThat(d.payload()).isEqualTo(exactlyTheLimit));
            assertThat(receiver.datagrams().tryReceive()).isEmpty();
            assertThat(receiver.oversizedDatagrams()).isEqualTo(2);
            assertThat(receiver.receivedDatagrams()).isEqualTo(2);
        }
    }

    // --- overflow of the receive channel ---

    static Stream<Arguments> hostsAndDropPolicies() {
        return NetTestSupport.loopbacks().flatMap(host -> Stream.of(
                Arguments.of(host, OverflowPolicy.DROP_NEWEST), Arguments.of(host, OverflowPolicy.DROP_OLDEST)));
    }

    @ParameterizedTest
    @MethodSource("hostsAndDropPolicies")
    void receive_channelFull_dropsAndCountsWhatDidNotFit(String host, OverflowPolicy policy) throws Exception {
        try (DatagramEndpoint receiver = DatagramEndpoint.builder(anyPort(host))
                        .receiveBuffer(4)
                        .overflow(policy)
                        .bind();
                DatagramEndpoint sender = DatagramEndpoint.builder(anyPort(host)).bind()) {
            for (int i = 0; i < 20; i++) {
                sender.send(Datagram.of("d" + i, receiver.localAddress()));
            }
            awaitCondition(() -> receiver.receivedDatagrams() == 20, "the reader to take all 20 datagrams");
            assertThat(receiver.droppedDatagrams()).isEqualTo(16);
            List<String> kept = List.of(next(receiver).text(), next(receiver).text(), next(receiver).text(),
                    next(receiver).text());
            assertThat(kept).doesNotHaveDuplicates().allMatch(s -> s.matches("d\\d+"));
            assertThat(receiver.datagrams().tryReceive()).isEmpty();

            // the endpoint goes on receiving once there is room again
            sender.send(Datagram.of("after the overflow", receiver.localAddress()));
            assertThat(next(receiver).text()).isEqualTo("after the overflow");
        }
    }

    @Test
    void receive_defaults_bufferOf256AndDropNewest() throws Exception {
        try (DatagramEndpoint endpoint = DatagramEndpoint.builder(anyPort("127.0.0.1")).bind()) {
            assertThat(DatagramEndpoint.DEFAULT_RECEIVE_BUFFER).isEqualTo(256);
            Channel<Datagram> channel = (Channel<Datagram>) endpoint.datagrams();
            assertThat(channel.capacity()).isEqualTo(256);
            assertThat(channel.overflow()).isEqualTo(OverflowPolicy.DROP_NEWEST);
        }
    }

    // --- broadcast ---

    /** Broadcast is IPv4-only; the receiver is a wildcard IPv4 socket or a dual-stack IPv6 one. */
    @ParameterizedTest
    @ValueSource(strings = {"0.0.0.0", "::"})
    void broadcast_toTheLoopbackBroadcastAddress_reachesAWildcardReceiver(String wildcard) throws Exception {
        try (DatagramEndpoint receiver = DatagramEndpoint.builder(anyPort(wildcard)).bind();
                DatagramEndpoint sender = DatagramEndpoint.builder(anyPort("127.0.0.1")).broadcast(true).bind()) {
            sender.send(Datagram.of("to everyone", new InetSocketAddress(LOOPBACK_BROADCAST, receiver.port())));
            Datagram got = next(receiver);
            assertThat(got.text()).isEqualTo("to everyone");
            assertThat(got.address()).isEqualTo(sender.localAddress());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"127.0.0.1", "::"})
    void broadcast_off_sendToBroadcastAddressFailsNamingSoBroadcast(String senderHost) throws Exception {
        try (DatagramEndpoint receiver = DatagramEndpoint.builder(anyPort("0.0.0.0")).bind();
                DatagramEndpoint sender = DatagramEndpoint.builder(anyPort(senderHost)).bind()) {
            InetSocketAddress everyone = new InetSocketAddress(LOOPBACK_BROADCAST, receiver.port());
            assertThatThrownBy(() -> sender.send(Datagram.of("to everyone", everyone)))
                    .isInstanceOf(SocketException.class)
                    .hasMessageContaining(sender.name() + ": send of 11 bytes to udp " + LOOPBACK_BROADCAST + ":"
                            + receiver.port() + " failed")
                    .hasMessageContaining("SO_BROADCAST")
                    .hasMessageContaining("broadcast(true)");
            assertThat(sender.isOpen()).isTrue();
        }
    }

    // --- threads, close and scopes ---

    @ParameterizedTest
    @MethodSource(HOSTS)
    void bind_fiftyIdleEndpoints_startsNoPlatformThreadPerEndpoint(String host) throws Exception {
        List<DatagramEndpoint> endpoints = new ArrayList<>();
        try (DatagramEndpoint sender = DatagramEndpoint.builder(anyPort(host)).bind();
                DatagramEndpoint warmUp = DatagramEndpoint.builder(anyPort(host)).bind()) {
            sender.send(Datagram.of("warm up", warmUp.localAddress())); // starts the JDK's I/O pollers, if any
            next(warmUp);
            int before = platformThreads();
            for (int i = 0; i < 50; i++) {
                DatagramEndpoint e = DatagramEndpoint.builder(anyPort(host)).bind();
                endpoints.add(e);
                sender.send(Datagram.of("ping " + i, e.localAddress()));
                assertThat(next(e).text()).isEqualTo("ping " + i); // its reader runs, and waits again
            }
            assertThat(platformThreads() - before).as("platform threads started by 50 endpoints").isLessThan(3);
        } finally {
            endpoints.forEach(DatagramEndpoint::close);
        }
    }

    @ParameterizedTest
    @MethodSource(HOSTS)
    void close_whileConsumerWaits_unblocksItAndClosesTheChannel(String host) throws Exception {
        try (Scope scope = Scope.supervisor("test", (task, failure) -> { })) {
            DatagramEndpoint endpoint = DatagramEndpoint.builder(anyPort(host)).bind();
            AtomicReference<Thread> waiting = new AtomicReference<>();
            Task<Datagram> consumer = scope.fork("consumer", () -> {
                waiting.set(Thread.currentThread());
                return endpoint.datagrams().receive();
            });
            awaitCondition(() -> waiting.get() != null, "the consumer to start");
            awaitBlocked(waiting.get());
            endpoint.close();
            assertThatThrownBy(consumer::join).isInstanceOf(ChannelClosedException.class);
            assertThat(endpoint.datagrams().isClosedForReceive()).isTrue();
            assertThat(endpoint.isOpen()).isFalse();
            assertThat(endpoint).hasToString("DatagramEndpoint[" + endpoint.name() + ", closed]");
            endpoint.close(); // idempotent
        }
    }

    @ParameterizedTest
    @MethodSource(HOSTS)
    void close_datagramsAlreadyQueued_canStillBeReceived(String host) throws Exception {
        try (DatagramEndpoint sender = DatagramEndpoint.builder(anyPort(host)).bind()) {
            DatagramEndpoint receiver = DatagramEndpoint.builder(anyPort(host)).bind();
            sender.send(Datagram.of("queued", receiver.localAddress()));
            awaitCondition(() -> receiver.receivedDatagrams() == 1, "the reader to take the datagram");
            receiver.close();
            assertThat(receiver.datagrams().receive().text()).isEqualTo("queued");
            assertThatThrownBy(() -> receiver.datagrams().receive()).isInstanceOf(ChannelClosedException.class)
                    .hasNoCause();
        }
    }

    @ParameterizedTest
    @MethodSource(HOSTS)
    void send_afterClose_throwsNamingTheEndpoint(String host) throws Exception {
        DatagramEndpoint endpoint = DatagramEndpoint.builder(anyPort(host)).bind();
        InetSocketAddress somewhere = new InetSocketAddress(host, 9);
        endpoint.close();
        assertThatThrownBy(() -> endpoint.send(Datagram.of("late", somewhere)))
                .isInstanceOf(SocketException.class)
                .hasMessage(endpoint.name() + " is closed");
        assertThatThrownBy(() -> endpoint.joinGroup(InetAddress.getByName("239.255.0.1"),
                        anyInterface()))
                .isInstanceOf(SocketException.class)
                .hasMessageStartingWith(endpoint.name() + " is closed: cannot join multicast group 239.255.0.1");
    }

    @ParameterizedTest
    @MethodSource(HOSTS)
    void scope_boundInCancelled_closesTheEndpointAndItsChannel(String host) throws Exception {
        AtomicReference<DatagramEndpoint> bound = new AtomicReference<>();
        try (Scope outer = Scope.open("owner")) {
            Channel<DatagramEndpoint> handOut = Channel.buffered(1);
            Channel<Boolean> never = Channel.rendezvous();
            outer.fork("binder", () -> {
                handOut.send(DatagramEndpoint.builder(anyPort(host)).bind());
                never.receive(); // keeps the task, and so the endpoint's scope, alive until cancelled
            });
            DatagramEndpoint endpoint = handOut.receive();
            bound.set(endpoint);
            assertThat(endpoint.isOpen()).isTrue();
            outer.cancel();
            assertThatThrownBy(() -> endpoint.datagrams().receive(DEFAULT_WAIT))
                    .isInstanceOf(ChannelClosedException.class);
            awaitCondition(() -> !endpoint.isOpen(), "the endpoint to close with its scope");
        }
        bound.get().close(); // still fine
    }

    // --- bad input ---

    @Test
    void builder_badArguments_throwNamingTheValue() throws Exception {
        InetSocketAddress any = anyPort("127.0.0.1");
        assertThatThrownBy(() -> DatagramEndpoint.builder(null)).isInstanceOf(NullPointerException.class)
                .hasMessage("address");
        assertThatThrownBy(() -> DatagramEndpoint.builder(InetSocketAddress.createUnresolved("nowhere.invalid", 53)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("address must be resolved: nowhere.invalid:53");
        assertThatThrownBy(() -> DatagramEndpoint.builder(InetAddress.getLoopbackAddress(), 65_536))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("port must be from 0 to 65535: 65536");
        assertThatThrownBy(() -> DatagramEndpoint.builder(InetAddress.getLoopbackAddress(), -1))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("port must be from 0 to 65535: -1");
        DatagramEndpoint.Builder b = DatagramEndpoint.builder(any);
        assertThatThrownBy(() -> b.maxDatagramSize(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("maxDatagramSize must be from 1 to 65527: 0");
        assertThatThrownBy(() -> b.maxDatagramSize(-5)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("maxDatagramSize must be from 1 to 65527: -5");
        assertThatThrownBy(() -> b.maxDatagramSize(65_528)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("maxDatagramSize must be from 1 to 65527: 65528");
        assertThatThrownBy(() -> b.receiveBuffer(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("receiveBuffer must be from 1 to 1048576 datagrams: 0");
        assertThatThrownBy(() -> b.receiveBuffer(-1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("receiveBuffer must be from 1 to 1048576 datagrams: -1");
        assertThatThrownBy(() -> b.overflow(OverflowPolicy.REJECT)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("overflow policy REJECT does not apply to received datagrams");
        assertThatThrownBy(() -> b.overflow(null)).isInstanceOf(NullPointerException.class).hasMessage("policy");
        assertThatThrownBy(() -> b.socketReceiveBufferSize(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("socketReceiveBufferSize must be positive: 0");
        assertThatThrownBy(() -> b.socketSendBufferSize(-1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("socketSendBufferSize must be positive: -1");
        assertThatThrownBy(() -> b.multicastTimeToLive(256)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("multicastTimeToLive must be from 0 to 255: 256");
        assertThatThrownBy(() -> b.multicastTimeToLive(-1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("multicastTimeToLive must be from 0 to 255: -1");
        assertThatThrownBy(() -> b.multicastInterface(null)).isInstanceOf(NullPointerException.class)
                .hasMessage("networkInterface");
    }

    @Test
    void bind_ipv4WithIpv6SizedLimit_throwsNamingBothSizes() {
        assertThatThrownBy(() -> DatagramEndpoint.builder(anyPort("127.0.0.1")).maxDatagramSize(65_508).bind())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("maxDatagramSize 65508 of udp 127.0.0.1:0 exceeds the largest IPv4 UDP payload of 65507"
                        + " bytes; bind an IPv6 address for larger datagrams");
    }

    @ParameterizedTest
    @MethodSource(HOSTS)
    void bind_addressInUse_throwsBindExceptionNamingIt(String host) throws Exception {
        try (DatagramEndpoint first = DatagramEndpoint.builder(anyPort(host)).bind()) {
            assertThatThrownBy(() -> DatagramEndpoint.builder(first.localAddress()).bind())
                    .isInstanceOf(BindException.class)
                    .hasMessageStartingWith("bind " + first.name() + " failed: ");
        }
    }

    @ParameterizedTest
    @MethodSource(HOSTS)
    void send_badArguments_throwNamingTheValue(String host) throws Exception {
        try (DatagramEndpoint e = DatagramEndpoint.builder(anyPort(host)).bind()) {
            assertThatThrownBy(() -> e.send(null)).isInstanceOf(NullPointerException.class).hasMessage("datagram");
            assertThatThrownBy(() -> e.send(null, e.localAddress())).isInstanceOf(NullPointerException.class)
                    .hasMessage("payload");
            assertThatThrownBy(() -> e.send(new byte[1], null)).isInstanceOf(NullPointerException.class)
                    .hasMessage("recipient");
            assertThatThrownBy(() -> e.send(new byte[1], InetSocketAddress.createUnresolved("nowhere.invalid", 9)))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("recipient must be resolved: nowhere.invalid:9");
            assertThatThrownBy(() -> e.send(new byte[1], new InetSocketAddress(host, 0)))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("recipient must have a port (not 0): "
                            + Addresses.format(new InetSocketAddress(host, 0)));
            assertThatThrownBy(() -> e.send(new byte[1], UnixDomainSocketAddress.of("/tmp/x.sock")))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("a UDP endpoint sends only to IP socket addresses: /tmp/x.sock");
            assertThatThrownBy(() -> e.joinGroup(InetAddress.getByName(host), anyInterface()))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("group must be a multicast address: " + host);
            assertThat(e.isOpen()).isTrue();
        }
    }

    @Test
    void datagram_valueSemantics_copiesAndComparesBytes() {
        InetSocketAddress to = new InetSocketAddress("127.0.0.1", 4040);
        byte[] bytes = {1, 2, 3};
        Datagram d = new Datagram(bytes, to);
        bytes[0] = 9;
        assertThat(d.payload()).containsExactly(1, 2, 3);
        d.payload()[1] = 9;
        assertThat(d.payload()).containsExactly(1, 2, 3);
        assertThat(d).isEqualTo(new Datagram(new byte[] {1, 2, 3}, to)).hasSameHashCodeAs(
                new Datagram(new byte[] {1, 2, 3}, to));
        assertThat(d).isNotEqualTo(new Datagram(new byte[] {1, 2}, to));
        assertThat(d.buffer().isReadOnly()).isTrue();
        assertThat(d).hasToString("Datagram[3 bytes, udp 127.0.0.1:4040]");
        assertThat(Datagram.of("é", to).length()).isEqualTo(2);
        assertThatThrownBy(() -> new Datagram(null, to)).isInstanceOf(NullPointerException.class)
                .hasMessage("payload");
        assertThatThrownBy(() -> new Datagram(new byte[0], null)).isInstanceOf(NullPointerException.class)
                .hasMessage("address");
        assertThatThrownBy(() -> Datagram.of(null, to)).isInstanceOf(NullPointerException.class)
                .hasMessage("text");
    }

    /** Returns some network interface of this machine, for arguments that are checked before it is used. */
    private static NetworkInterface anyInterface() throws SocketException {
        return NetworkInterface.networkInterfaces().findFirst().orElseThrow();
    }

    /** Receives the next datagram of {@code e}, failing the test if none comes within the default wait. */
    static Datagram next(DatagramEndpoint e) throws InterruptedException {
        return e.datagrams().receive(DEFAULT_WAIT)
                .orElseThrow(() -> new AssertionError("no datagram on " + e.name() + " within " + DEFAULT_WAIT));
    }
}
