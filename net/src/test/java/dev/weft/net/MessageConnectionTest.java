package dev.weft.net;

import static dev.weft.net.MessageTestSupport.WAIT;
import static dev.weft.net.MessageTestSupport.connectRaw;
import static dev.weft.net.MessageTestSupport.drain;
import static dev.weft.net.MessageTestSupport.next;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.runtime.ChannelClosedException;
import dev.weft.runtime.Scope;
import dev.weft.runtime.testing.PinningGuard;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

@ExtendWith(PinningGuard.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
final class MessageConnectionTest {

    private static final String TRANSPORTS = "dev.weft.net.MessageTestSupport#transports";
    private static final String LOOPBACKS = "dev.weft.net.MessageTestSupport#loopbacks";

    @TempDir
    Path dir;

    // --- streams ---

    @ParameterizedTest
    @MethodSource(TRANSPORTS)
    void send_overStream_peerReceivesEqualMessagesBothWays(String transport) throws Exception {
        try (MessageTestSupport.Peers peers = new MessageTestSupport.Peers(transport, dir);
                MessageConnection client = MessageTestSupport.connect(peers.server())) {
            MessageConnection served = peers.accept();
            Message tricky = Message.builder("PING")
                    .sentFrom("host", "client")
                    .service("lock")
                    .parameter("msg", "a; \"quoted\" \\ line1\nline2\r\t é ")
                    .parameter("empty", "")
                    .build();
            client.send(tricky);
            assertThat(next(served)).isEqualTo(tricky);
            Message reply = tricky.replyTo("PONG").parameter("n", 42).build();
            served.send(reply);
            Message got = next(client);
            assertThat(got).isEqualTo(reply);
            assertThat(got.service()).contains("client");
            assertThat(got.integer("n")).isEqualTo(42);
        }
    }

    @ParameterizedTest
    @MethodSource(TRANSPORTS)
    void messages_garbageLinesBetweenValidOnes_skipsAndCountsThemAndKeepsTheConnection(String transport)
            throws Exception {
        try (MessageTestSupport.Peers peers = new MessageTestSupport.Peers(transport, dir);
                Connection raw = connectRaw(peers.server())) {
            MessageConnection served = peers.accept();
            List<String> lines = List.of("PING n=1", "this is not a message", "", "PING n=2", "<srv PING",
                    "PING a=\"unterminated", "   ", "{\"command\":\"PING\",\"parameters\":{\"n\":3}}", "PING 1a=3",
                    "{not json", "PING n=4");
            for (String line : lines) {
                raw.send(line);
            }
            for (int n = 1; n <= 4; n++) {
                Message m = next(served);
                assertThat(m.command()).isEqualTo("PING");
                assertThat(m.integer("n")).isEqualTo(n);
            }
            assertThat(served.invalidMessages()).isEqualTo(5);
            assertThat(served.isOpen()).isTrue();
            raw.send("AFTER");
            assertThat(next(served).command()).isEqualTo("AFTER");
            // without a dispatcher, garbage is not answered
            assertThat(raw.lines().tryReceive()).isEmpty();
        }
    }

    @ParameterizedTest
    @MethodSource(TRANSPORTS)
    void messages_peerClosesMidMessage_theCutOffMessageIsDropped(String transport) throws Exception {
        try (MessageTestSupport.Peers peers = new MessageTestSupport.Peers(transport, dir)) {
            try (Connection raw = connectRaw(peers.server())) {
                raw.write("PAY amount=10\nPAY amount=10".getBytes(StandardCharsets.UTF_8)); // "...00" never came
            }
            MessageConnection served = peers.accept();
            Message first = next(served);
            assertThat(first.require("amount")).isEqualTo("10");
            assertThatThrownBy(() -> served.messages().receive(Duration.ofSeconds(10)))
                    .as("the channel ends without the cut-off message").isInstanceOf(ChannelClosedException.class);
        }
    }

    @ParameterizedTest
    @MethodSource(TRANSPORTS)
    void send_fromManyTasksAtOnce_linesNeverInterleave(String transport) throws Exception {
        int senders = 8;
        int each = 150;
        String filler = "x".repeat(3000) + ";\"\\\n";
        try (MessageTestSupport.Peers peers = new MessageTestSupport.Peers(transport, dir);
                MessageConnection client = MessageTestSupport.connect(peers.server())) {
            MessageConnection served = peers.accept();
            try (Scope scope = Scope.open("senders")) {
                for (int s = 0; s < senders; s++) {
                    int sender = s;
                    scope.fork("sender-" + s, () -> {
                        for (int i = 0; i < each; i++) {
                            client.send(Message.builder("DATA").parameter("sender", sender).parameter("i", i)
                                    .parameter("filler", filler).build());
                        }
                    });
                }
                Set<String> seen = new HashSet<>();
                for (int n = 0; n < senders * each; n++) {
                    Message m = next(served);
                    assertThat(m.require("filler")).isEqualTo(filler);
                    assertThat(seen.add(m.require("sender") + "/" + m.require("i"))).as("duplicate %s", m).isTrue();
                }
                scope.join();
                assertThat(seen).hasSize(senders * each);
            }
            assertThat(served.invalidMessages()).isZero();
        }
    }

    @ParameterizedTest
    @MethodSource(TRANSPORTS)
    void messages_peerCloses_channelEndsWithoutCauseAfterTheLastMessage(String transport) throws Exception {
        try (MessageTestSupport.Peers peers = new MessageTestSupport.Peers(transport, dir);
                MessageConnection client = MessageTestSupport.connect(peers.server())) {
            MessageConnection served = peers.accept();
            served.send(Message.builder("BYE").build());
            served.close();
            List<Message> rest = drain(client);
            assertThat(rest).extracting(Message::command).containsExactly("BYE");
            assertThat(client.isOpen()).isFalse();
            assertThatThrownBy(() -> client.messages().receive())
                    .isInstanceOf(ChannelClosedException.class)
                    .hasNoCause();
        }
    }

    @ParameterizedTest
    @MethodSource(TRANSPORTS)
    void messages_overlongLine_isDiscardedAndCountedAndTheNextArrives(String transport) throws Exception {
        try (MessageTestSupport.Peers peers = new MessageTestSupport.Peers(transport, dir);
                MessageConnection client = MessageConnection.over(Connection.connector(peers.server()
                        .localAddress()).maxLineLength(100).timeout(WAIT).connect())) {
            MessageConnection served = peers.accept();
            served.send(Message.builder("BIG").parameter("v", "y".repeat(500)).build());
            served.send(Message.builder("SMALL").build());
            assertThat(next(client).command()).isEqualTo("SMALL");
            assertThat(client.oversizedMessages()).isEqualTo(1);
            assertThat(client.invalidMessages()).isZero();
            assertThat(client.isOpen()).isTrue();
        }
    }

    @ParameterizedTest
    @MethodSource(TRANSPORTS)
    void close_isIdempotentAndSendAfterwardsFails(String transport) throws Exception {
        try (MessageTestSupport.Peers peers = new MessageTestSupport.Peers(transport, dir)) {
            MessageConnection client = MessageTestSupport.connect(peers.server());
            client.close();
            client.close();
            assertThat(client.isOpen()).isFalse();
            assertThat(client.toString()).endsWith(", closed]");
            assertThatThrownBy(() -> client.send(Message.builder("PING").build()))
                    .isInstanceOf(java.io.IOException.class)
                    .hasMessageContaining(client.name());
        }
    }

    @ParameterizedTest
    @MethodSource(LOOPBACKS)
    void over_connectionReadThroughInput_isRefused(String host) throws Exception {
        try (MessageTestSupport.Peers peers = new MessageTestSupport.Peers(host, dir);
                Connection raw = connectRaw(peers.server())) {
            raw.input();
            assertThatThrownBy(() -> MessageConnection.over(raw))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("input()");
        }
    }

    @ParameterizedTest
    @MethodSource(LOOPBACKS)
    void builder_badArguments_areRefusedNamingTheValue(String host) throws Exception {
        try (MessageTestSupport.Peers peers = new MessageTestSupport.Peers(host, dir);
                Connection raw = connectRaw(peers.server());
                DatagramEndpoint udp = DatagramEndpoint.builder(new InetSocketAddress(host, 0))
                        .maxDatagramSize(2000).bind()) {
            assertThatThrownBy(() -> MessageConnection.builder(raw).buffer(0))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(": 0");
            MessageConnection.DatagramBuilder b = MessageConnection.builder(udp);
            assertThatThrownBy(() -> b.maxMessageSize(2001))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("2000 bytes").hasMessageContaining("2001");
            assertThatThrownBy(() -> b.secretCode(""))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("secretCode");
            assertThatThrownBy(() -> b.peer(new InetSocketAddress(host, 0)))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining(Addresses.format(new InetSocketAddress(host, 0)));
        }
    }

    @ParameterizedTest
    @MethodSource(LOOPBACKS)
    void send_toAnAddressOnAStream_isRefused(String host) throws Exception {
        try (MessageTestSupport.Peers peers = new MessageTestSupport.Peers(host, dir);
                MessageConnection client = MessageTestSupport.connect(peers.server())) {
            assertThatThrownBy(() -> client.send(Message.builder("PING").build(),
                    new InetSocketAddress(host, 9)))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("stream connection");
        }
    }

    // --- datagrams ---

    private static DatagramEndpoint bind(String host) throws Exception {
        return DatagramEndpoint.builder(new InetSocketAddress(host, 0)).bind();
    }

    @ParameterizedTest
    @MethodSource(LOOPBACKS)
    void datagram_messagesBothWays_replyGoesToTheSender(String host) throws Exception {
        try (DatagramEndpoint serverUdp = bind(host);
                MessageConnection server = MessageConnection.builder(serverUdp).build();
                MessageConnection client = MessageConnection.builder(bind(host))
                        .peer(serverUdp.localAddress()).build()) {
            Message ping = Message.builder("PING").parameter("msg", "hello; world").build();
            client.send(ping);
            Message got = next(server);
            assertThat(got).isEqualTo(ping);
            server.reply(got, got.replyTo("PONG").build());
            assertThat(next(client).command()).isEqualTo("PONG");
        }
    }

    @ParameterizedTest
    @MethodSource(LOOPBACKS)
    void datagram_sendOverOneKibibyte_isRefusedWithTheSizesAndTheConnection(String host) throws Exception {
        try (DatagramEndpoint serverUdp = bind(host);
                MessageConnection server = MessageConnection.builder(serverUdp).build();
                MessageConnection client = MessageConnection.builder(bind(host))
                        .peer(serverUdp.localAddress()).build()) {
            Message big = Message.builder("BIG").parameter("v", "z".repeat(1100)).build();
            int size = big.toText().getBytes(StandardCharsets.UTF_8).length;
            assertThatThrownBy(() -> client.send(big))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("message BIG of " + size + " bytes")
                    .hasMessageContaining("maximum message size of 1024 bytes")
                    .hasMessageContaining(client.name());
            Message fits = Message.builder("FITS").parameter("v", "z".repeat(1024 - "FITS v=".length())).build();
            assertThat(fits.toText()).hasSize(1024);
            client.send(fits);
            assertThat(next(server)).isEqualTo(fits);
        }
    }

    @ParameterizedTest
    @MethodSource(LOOPBACKS)
    void datagram_receivedOverTheLimit_isDroppedAndCounted(String host) throws Exception {
        try (DatagramEndpoint serverUdp = bind(host);
                MessageConnection server = MessageConnection.builder(serverUdp).build();
                DatagramEndpoint raw = bind(host)) {
            raw.send(Datagram.of("BIG v=" + "q".repeat(2000), serverUdp.localAddress()));
            raw.send(Datagram.of("SMALL", serverUdp.localAddress()));
            assertThat(next(server).command()).isEqualTo("SMALL");
            assertThat(server.oversizedMessages()).isEqualTo(1);
        }
    }

    @ParameterizedTest
    @MethodSource(LOOPBACKS)
    void datagram_largerLimit_carriesLargerMessages(String host) throws Exception {
        try (DatagramEndpoint serverUdp = bind(host);
                MessageConnection server = MessageConnection.builder(serverUdp).maxMessageSize(4096).build();
                MessageConnection client = MessageConnection.builder(bind(host)).maxMessageSize(4096)
                        .peer(serverUdp.localAddress()).build()) {
            Message big = Message.builder("BIG").parameter("v", "z".repeat(3000)).build();
            client.send(big);
            assertThat(next(server)).isEqualTo(big);
            assertThat(server.oversizedMessages()).isZero();
        }
    }

    @ParameterizedTest
    @MethodSource(LOOPBACKS)
    void datagram_secretCode_dropsAndCountsMessagesWithoutTheRightOne(String host) throws Exception {
        try (DatagramEndpoint serverUdp = bind(host);
                MessageConnection server = MessageConnection.builder(serverUdp).secretCode("s3cret").build();
                DatagramEndpoint raw = bind(host);
                MessageConnection good = MessageConnection.builder(bind(host)).secretCode("s3cret")
                        .peer(serverUdp.localAddress()).build();
                MessageConnection wrong = MessageConnection.builder(bind(host)).secretCode("guess")
                        .peer(serverUdp.localAddress()).build()) {
            raw.send(Datagram.of("STOP", serverUdp.localAddress()));
            wrong.send(Message.builder("STOP").build());
            raw.send(Datagram.of("STOP secret_code=", serverUdp.localAddress()));
            good.send(Message.builder("LOG_ROTATE").parameter("x", 1).build());
            Message got = next(server);
            assertThat(got.command()).isEqualTo("LOG_ROTATE");
            assertThat(got.parameters()).containsOnlyKeys("x"); // the secret is not handed on
            assertThat(server.rejectedMessages()).isEqualTo(3);
            assertThat(server.messages().tryReceive()).isEmpty();
        }
    }

    @ParameterizedTest
    @MethodSource(LOOPBACKS)
    void datagram_invalidDatagram_isSkippedAndCounted(String host) throws Exception {
        try (DatagramEndpoint serverUdp = bind(host);
                MessageConnection server = MessageConnection.builder(serverUdp).build();
                DatagramEndpoint raw = bind(host)) {
            raw.send(Datagram.of("PING a", serverUdp.localAddress()));
            raw.send(Datagram.of("PING a=1", serverUdp.localAddress()));
            assertThat(next(server).require("a")).isEqualTo("1");
            assertThat(server.invalidMessages()).isEqualTo(1);
        }
    }

    @ParameterizedTest
    @MethodSource(LOOPBACKS)
    void datagram_sendWithoutPeer_isRefused(String host) throws Exception {
        try (MessageConnection server = MessageConnection.builder(bind(host)).build()) {
            assertThatThrownBy(() -> server.send(Message.builder("PING").build()))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("no peer");
            assertThatThrownBy(() -> server.reply(Message.builder("PING").build(), Message.builder("PONG").build()))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("no longer knows");
        }
    }

    @ParameterizedTest
    @MethodSource(LOOPBACKS)
    void datagram_close_closesTheEndpointAndEndsMessages(String host) throws Exception {
        DatagramEndpoint udp = bind(host);
        MessageConnection c = MessageConnection.builder(udp).build();
        c.close();
        c.close();
        assertThat(udp.isOpen()).isFalse();
        assertThat(c.isOpen()).isFalse();
        assertThat(drain(c)).isEmpty();
    }

    // --- Unix datagrams ---

    private UnixDatagramEndpoint bindUnix(String name, int maxDatagramSize) throws Exception {
        return UnixDatagramEndpoint.builder(java.net.UnixDomainSocketAddress.of(dir.resolve(name)))
                .maxDatagramSize(maxDatagramSize).bind();
    }

    @Test
    void unixDatagram_messagesBothWaysAndSecretCode_replyGoesToTheSender() throws Exception {
        try (UnixDatagramEndpoint serverUnix = bindUnix("server.dgram", UnixDatagramEndpoint.DEFAULT_MAX_DATAGRAM_SIZE);
                MessageConnection server = MessageConnection.builder(serverUnix).secretCode("k").build();
                MessageConnection client = MessageConnection.builder(bindUnix("client.dgram",
                        UnixDatagramEndpoint.DEFAULT_MAX_DATAGRAM_SIZE)).secretCode("k")
                        .peer(serverUnix.localAddress()).build();
                UnixDatagramEndpoint raw = bindUnix("raw.dgram", UnixDatagramEndpoint.DEFAULT_MAX_DATAGRAM_SIZE)) {
            raw.send(Datagram.of("STOP", serverUnix.localAddress()));
            Message ping = Message.builder("PING").parameter("v", "x".repeat(5000)).build();
            client.send(ping);
            Message got = next(server);
            assertThat(got).isEqualTo(ping);
            assertThat(server.rejectedMessages()).isEqualTo(1);
            server.reply(got, got.replyTo("PONG").build());
            assertThat(next(client).command()).isEqualTo("PONG");
        }
    }

    @Test
    void unixDatagram_defaultLimitIs64KiB_largerIsRefusedOnSendAndDroppedOnReceive() throws Exception {
        int big = 128 * 1024;
        try (UnixDatagramEndpoint serverUnix = bindUnix("server.dgram", big);
                MessageConnection server = MessageConnection.builder(serverUnix).build();
                MessageConnection client = MessageConnection.builder(bindUnix("client.dgram", big))
                        .peer(serverUnix.localAddress()).build();
                UnixDatagramEndpoint raw = bindUnix("raw.dgram", big)) {
            Message tooBig = Message.builder("BIG").parameter("v", "z".repeat(70_000)).build();
            assertThatThrownBy(() -> client.send(tooBig))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("maximum message size of 65536 bytes");
            raw.send(Datagram.of(tooBig.toText(), serverUnix.localAddress()));
            raw.send(Datagram.of("SMALL", serverUnix.localAddress()));
            assertThat(next(server).command()).isEqualTo("SMALL");
            assertThat(server.oversizedMessages()).isEqualTo(1);
            assertThatThrownBy(() -> MessageConnection.builder(raw).peer(new InetSocketAddress("127.0.0.1", 4041)))
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }
}
