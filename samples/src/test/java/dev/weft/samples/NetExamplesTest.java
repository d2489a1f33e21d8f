package dev.weft.samples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.net.Connection;
import dev.weft.net.Datagram;
import dev.weft.net.DatagramEndpoint;
import dev.weft.net.Message;
import dev.weft.net.MessageConnection;
import dev.weft.net.StreamServer;
import dev.weft.runtime.Channel;
import dev.weft.runtime.Scope;
import dev.weft.runtime.Task;
import java.net.InetSocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
final class NetExamplesTest {

    @ParameterizedTest
    @ValueSource(strings = {"127.0.0.1", "::1"})
    void echoServer_answersEachLine(String host) throws Exception {
        try (Scope scope = Scope.open("echo-test")) {
            StreamServer server = NetExamples.echoServer(scope, new InetSocketAddress(host, 0));
            assertThat(NetExamples.ask(new InetSocketAddress(host, server.port()), "hello")).isEqualTo("hello");
            server.stop(Duration.ofSeconds(1));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"127.0.0.1", "::1"})
    void messageService_answersHelpAliveLockAndUnknown(String host) throws Exception {
        try (Scope scope = Scope.open("service-test")) {
            StreamServer server = NetExamples.messageService(scope, new InetSocketAddress(host, 0));
            try (Connection c = Connection.connect(new InetSocketAddress(host, server.port()), Duration.ofSeconds(5));
                 MessageConnection messages = MessageConnection.over(c)) {
                Message help = messages.call(Message.builder("HELP").build(), Set.of("COMMANDS"),
                        Duration.ofSeconds(5));
                assertThat(help.require("list").split(",")).contains("ALIVE", "HELP", "LOCK", "STOP").isSorted();
                Message alive = messages.call(Message.builder("ALIVE").build(), Duration.ofSeconds(5));
                assertThat(alive.command()).isEqualTo("ABSOLUTELY");
                Message locked = messages.call(Message.builder("LOCK").parameter("object_name", "printer").build(),
                        Duration.ofSeconds(5));
                assertThat(locked.command()).isEqualTo("LOCKED");
                assertThat(locked.require("object_name")).isEqualTo("printer");
                Message invalid = messages.call(Message.builder("LOCK").build(), Duration.ofSeconds(5));
                assertThat(invalid.command()).isEqualTo("INVALID");
                Message unknown = messages.call(Message.builder("FROB").build(), Duration.ofSeconds(5));
                assertThat(unknown.command()).isEqualTo("UNKNOWN");
                assertThat(unknown.require("command")).isEqualTo("FROB");
                messages.send(Message.builder("STOP").build());
            }
            scope.join();
            assertThat(scope.isCancelled()).isTrue();
        }
    }

    @Test
    void unixServer_fileHasMode0660AndGreets(@TempDir Path dir) throws Exception {
        Path socket = dir.resolve("example.sock");
        try (Scope scope = Scope.open("unix-test")) {
            StreamServer server = NetExamples.unixServer(scope, socket);
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket))).isEqualTo("rw-rw----");
            try (Connection c = Connection.connect(UnixDomainSocketAddress.of(socket), Duration.ofSeconds(5))) {
                assertThat(c.lines().receive()).isEqualTo("HELLO from example.sock");
            }
            server.close();
        }
        assertThat(socket).doesNotExist();
    }

    @ParameterizedTest
    @ValueSource(strings = {"127.0.0.1", "::1"})
    void udpReceiver_handlesDatagramsUntilShutdown(String host) throws Exception {
        Channel<String> received = Channel.unbounded();
        Channel<String> shutdown = Channel.rendezvous();
        try (Scope scope = Scope.open("udp-test");
             DatagramEndpoint receiver = DatagramEndpoint.builder(new InetSocketAddress(host, 0)).bind();
             DatagramEndpoint sender = DatagramEndpoint.builder(new InetSocketAddress(host, 0)).bind()) {
            Task<Void> loop = scope.fork("receiver", () -> NetExamples.udpReceiver(receiver, shutdown,
                    d -> received.trySend(d.text())));
            sender.send(Datagram.of("one", receiver.localAddress()));
            sender.send(Datagram.of("two", receiver.localAddress()));
            assertThat(received.receive(Duration.ofSeconds(10))).contains("one");
            assertThat(received.receive(Duration.ofSeconds(10))).contains("two");
            shutdown.close();
            loop.join();
            assertThat(loop.state()).isEqualTo(Task.State.SUCCEEDED);
        }
    }
}
