package dev.weft.net;

import static dev.weft.net.MessageTestSupport.WAIT;
import static dev.weft.net.MessageTestSupport.next;
import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.runtime.Scope;
import dev.weft.runtime.testing.PinningGuard;
import java.net.InetSocketAddress;
import java.nio.file.Path;
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
final class MessageCoverageTest {

    private static final String TRANSPORTS = "dev.weft.net.MessageTestSupport#transports";
    private static final String LOOPBACKS = "dev.weft.net.MessageTestSupport#loopbacks";
    private static final MessageDefinitions DECLARED = MessageDefinitions.parse("""
            command LOCK
                object_name
            command LOCKED
                object_name
            command UNLOCK
                object_name
            command STATUS
            """, Path.of("lock.msgdef"));

    @TempDir
    Path dir;

    @ParameterizedTest
    @MethodSource(TRANSPORTS)
    void coverage_countsPerConnectionAndReportsTheCommandsNeverExercised(String transport) throws Exception {
        MessageCoverage coverage = MessageCoverage.create();
        Dispatcher lockd = Dispatcher.builder()
                .on("LOCK", (message, context) -> context.reply(message.replyTo("LOCKED")
                        .parameter("object_name", message.require("object_name"))))
                .build();
        try (Scope scope = Scope.open("test")) {
            StreamServer server = StreamServer.builder(MessageTestSupport.bindAddress(transport, dir))
                    .start(scope, connection -> {
                        try (MessageConnection c = MessageConnection.builder(connection).name("server")
                                .coverage(coverage).build()) {
                            lockd.serve(c);
                        }
                    });
            try (MessageConnection client = MessageConnection.builder(MessageTestSupport.connectRaw(server))
                    .name("client").coverage(coverage).build()) {
                for (int i = 0; i < 3; i++) {
                    Message reply = client.call(Message.builder("LOCK").parameter("object_name", "o" + i).build(),
                            WAIT);
                    assertThat(reply.command()).isEqualTo("LOCKED");
                }
                client.call(Message.builder("FROB").build(), Set.of("FROBBED"), WAIT); // answered UNKNOWN
            }
            scope.cancel();
        }
        assertThat(coverage.byConnection()).containsOnlyKeys("client", "server");
        assertThat(coverage.byConnection().get("client")).containsOnly(
                entry("LOCK", 3, 0), entry("LOCKED", 0, 3), entry("FROB", 1, 0), entry("UNKNOWN", 0, 1));
        assertThat(coverage.byConnection().get("server")).containsOnly(
                entry("LOCK", 0, 3), entry("LOCKED", 3, 0), entry("FROB", 0, 1), entry("UNKNOWN", 1, 0));
        assertThat(coverage.totals().get("LOCK")).isEqualTo(new MessageCoverage.Counts(3, 3));
        assertThat(coverage.unexercised(DECLARED.commands())).containsExactly("STATUS", "UNLOCK");
        String report = coverage.report(DECLARED.commands());
        assertThat(report)
                .startsWith("message coverage: 2 of 4 declared commands exercised\n")
                .containsPattern("LOCK +sent 3  received 3\n")
                .containsPattern("UNLOCK +never exercised\n")
                .containsPattern("STATUS +never exercised\n")
                .containsPattern("FROB +sent 1  received 1  \\(not declared\\)\n")
                .contains("on client: FROB 1/0 LOCK 3/0 LOCKED 0/3 UNKNOWN 0/1\n");
        coverage.reset();
        assertThat(coverage.byConnection()).isEmpty();
        assertThat(coverage.unexercised(List.of("LOCK"))).containsExactly("LOCK");
    }

    @ParameterizedTest
    @MethodSource(LOOPBACKS)
    void coverage_overDatagrams_countsSentAndReceived(String host) throws Exception {
        MessageCoverage coverage = MessageCoverage.create();
        try (DatagramEndpoint serverUdp = DatagramEndpoint.builder(new InetSocketAddress(host, 0)).bind();
                MessageConnection server = MessageConnection.builder(serverUdp).name("udp-server")
                        .coverage(coverage).build();
                MessageConnection client = MessageConnection.builder(DatagramEndpoint.builder(
                        new InetSocketAddress(host, 0)).bind()).name("udp-client").peer(serverUdp.localAddress())
                        .coverage(coverage).build()) {
            client.send(Message.builder("STATUS").build());
            assertThat(next(server).command()).isEqualTo("STATUS");
        }
        assertThat(coverage.byConnection().get("udp-client")).containsOnly(entry("STATUS", 1, 0));
        assertThat(coverage.byConnection().get("udp-server")).containsOnly(entry("STATUS", 0, 1));
        assertThat(coverage.unexercised(DECLARED.commands())).containsExactly("LOCK", "LOCKED", "UNLOCK");
    }

    @Test
    void coverage_unusedRecorder_reportsEverythingNeverExercised() {
        MessageCoverage coverage = MessageCoverage.create();
        assertThat(coverage.totals()).isEmpty();
        assertThat(coverage.unexercised(DECLARED.commands())).containsExactlyElementsOf(DECLARED.commands());
        assertThat(coverage.report(List.of("B", "A", "A"))).isEqualTo("""
                message coverage: 0 of 2 declared commands exercised
                  A  never exercised
                  B  never exercised
                """);
    }

    private static java.util.Map.Entry<String, MessageCoverage.Counts> entry(String command, long sent,
            long received) {
        return java.util.Map.entry(command, new MessageCoverage.Counts(sent, received));
    }
}
