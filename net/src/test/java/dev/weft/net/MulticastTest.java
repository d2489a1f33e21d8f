package dev.weft.net;

import static dev.weft.net.NetTestSupport.anyPort;
import static dev.weft.net.UdpTest.next;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * IPv4 and IPv6 multicast over the loopback interface {@code lo}. Every sender is pinned to {@code lo}
 * ({@code IP_MULTICAST_IF}) with a hop limit of 0, so no datagram leaves the machine; the IPv6 group is
 * interface-local ({@code ff01::/16}), which never leaves an interface anyway.
 *
 * <p>Linux carries IPv4 multicast on {@code lo} even without its {@code MULTICAST} flag, but IPv6 multicast only
 * with it (otherwise there is no {@code ff00::/8} route on {@code lo} and a send fails with "Network is
 * unreachable"). Tests do not change the machine, so where the kernel refuses that send the IPv6 case is skipped
 * with the kernel's reason; joining and leaving are tested for both families regardless.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
final class MulticastTest {

    /**
     * One family's setup.
     *
     * @param family for test names
     * @param group the multicast group
     * @param wildcard where receivers bind (a receiver bound to a unicast address gets no multicast)
     * @param loopback where senders bind, and the receiver's unicast address
     */
    record Family(String family, String group, String wildcard, String loopback) {
        @Override
        public String toString() {
            return family;
        }

        boolean isIpv6() {
            return family.equals("IPv6");
        }
    }

    static Stream<Family> families() {
        return Stream.of(new Family("IPv4", "239.255.0.1", "0.0.0.0", "127.0.0.1"),
                new Family("IPv6", "ff01::1234", "::", "::1"));
    }

    @ParameterizedTest
    @MethodSource("families")
    void joinGroup_onLoopback_membershipIsValidUntilClosedAndCanBeJoinedAgain(Family f) throws Exception {
        NetworkInterface lo = loopbackInterface();
        InetAddress group = InetAddress.getByName(f.group());
        try (DatagramEndpoint receiver = DatagramEndpoint.builder(anyPort(f.wildcard())).bind()) {
            DatagramEndpoint.Membership membership = receiver.joinGroup(group, lo);
            assertThat(membership.isValid()).isTrue();
            assertThat(membership.group()).isEqualTo(group);
            assertThat(membership.networkInterface()).isEqualTo(lo);

            assertThatThrownBy(() -> receiver.joinGroup(group, lo))
                    .isInstanceOf(SocketException.class)
                    .hasMessageStartingWith(receiver.name() + ": join multicast group " + f.group()
                            + " on lo failed: ");

            membership.close();
            assertThat(membership.isValid()).isFalse();
            membership.close(); // idempotent

            try (DatagramEndpoint.Membership again = receiver.joinGroup(group, lo)) {
                assertThat(again.isValid()).isTrue();
            }
        }
    }

    @ParameterizedTest
    @MethodSource("families")
    void close_endpointWithMembership_endsTheMembership(Family f) throws Exception {
        DatagramEndpoint receiver = DatagramEndpoint.builder(anyPort(f.wildcard())).bind();
        try {
            DatagramEndpoint.Membership membership = receiver.joinGroup(InetAddress.getByName(f.group()),
                    loopbackInterface());
            receiver.close();
            assertThat(membership.isValid()).isFalse();
            membership.close(); // leaving after the endpoint closed is a no-op
            assertThat(membership.toString()).endsWith(", left]");
        } finally {
            receiver.close();
        }
    }

    @ParameterizedTest
    @MethodSource("families")
    void multicast_joinedGroup_receivesAndAfterLeavingOnlyUnicastArrives(Family f) throws Exception {
        NetworkInterface lo = loopbackInterface();
        InetAddress group = InetAddress.getByName(f.group());
        try (DatagramEndpoint receiver = DatagramEndpoint.builder(anyPort(f.wildcard())).bind();
                DatagramEndpoint sender = multicastSender(f, lo)) {
            InetSocketAddress toGroup = new InetSocketAddress(group, receiver.port());
            InetSocketAddress toReceiver = new InetSocketAddress(f.loopback(), receiver.port());
            DatagramEndpoint.Membership membership = receiver.joinGroup(group, lo);

            sendOrSkip(f, sender, Datagram.of("to the group", toGroup));
            Datagram got = next(receiver);
            assertThat(got.text()).isEqualTo("to the group");
            assertThat(got.address()).isEqualTo(sender.localAddress());

            membership.close();
            sender.send(Datagram.of("to the group after leaving", toGroup));
            sender.send(Datagram.of("marker", toReceiver));
            assertThat(next(receiver).text()).isEqualTo("marker");
            sender.send(Datagram.of("second marker", toReceiver));
            assertThat(next(receiver).text()).isEqualTo("second marker");
            assertThat(receiver.datagrams().tryReceive()).isEmpty();
        }
    }

    @ParameterizedTest
    @MethodSource("families")
    void multicast_twoReceiversSharingThePortWithReuseAddress_bothReceive(Family f) throws Exception {
        NetworkInterface lo = loopbackInterface();
        InetAddress group = InetAddress.getByName(f.group());
        try (DatagramEndpoint first = DatagramEndpoint.builder(anyPort(f.wildcard())).reuseAddress(true).bind();
                DatagramEndpoint second = DatagramEndpoint.builder(
                        new InetSocketAddress(f.wildcard(), first.port())).reuseAddress(true).bind();
                DatagramEndpoint sender = multicastSender(f, lo)) {
            assertThat(second.port()).isEqualTo(first.port());
            first.joinGroup(group, lo);
            second.joinGroup(group, lo);

            sendOrSkip(f, sender, Datagram.of("to both", new InetSocketAddress(group, first.port())));
            assertThat(next(first).text()).isEqualTo("to both");
            assertThat(next(second).text()).isEqualTo("to both");
        }
    }

    @ParameterizedTest
    @MethodSource("families")
    void multicast_groupNobodyJoined_deliversNothing(Family f) throws Exception {
        NetworkInterface lo = loopbackInterface();
        try (DatagramEndpoint receiver = DatagramEndpoint.builder(anyPort(f.wildcard())).bind();
                DatagramEndpoint sender = multicastSender(f, lo)) {
            InetSocketAddress toGroup = new InetSocketAddress(InetAddress.getByName(f.group()), receiver.port());
            sendOrSkip(f, sender, Datagram.of("nobody joined", toGroup));
            sender.send(Datagram.of("marker", new InetSocketAddress(f.loopback(), receiver.port())));
            assertThat(next(receiver).text()).isEqualTo("marker");
            assertThat(receiver.datagrams().tryReceive()).isEmpty();
        }
    }

    /** A sender bound to the loopback address whose multicast goes out on {@code lo} only and never further. */
    private static DatagramEndpoint multicastSender(Family f, NetworkInterface lo) throws Exception {
        return DatagramEndpoint.builder(anyPort(f.loopback()))
                .multicastInterface(lo)
                .multicastLoopback(true)
                .multicastTimeToLive(0)
                .bind();
    }

    /**
     * Sends to a multicast group; skips the test if the kernel refuses IPv6 multicast on {@code lo} (see the class
     * documentation). Any other failure, and every IPv4 failure, fails the test.
     */
    private static void sendOrSkip(Family f, DatagramEndpoint sender, Datagram datagram) throws Exception {
        try {
            sender.send(datagram);
        } catch (SocketException e) {
            assumeFalse(f.isIpv6() && e.getMessage().contains("Network is unreachable"),
                    () -> "the kernel refuses IPv6 multicast on lo here (" + e.getMessage() + "): lo lacks the"
                            + " MULTICAST flag, so there is no ff00::/8 route on it; tests do not change the machine");
            throw e;
        }
    }

    private static NetworkInterface loopbackInterface() throws SocketException {
        NetworkInterface lo = NetworkInterface.getByName("lo");
        assumeTrue(lo != null, "no network interface named lo (these tests use the Linux loopback interface)");
        return lo;
    }
}
