package dev.weft.samples.switchboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.weft.net.Connection;
import dev.weft.net.Datagram;
import dev.weft.net.DatagramEndpoint;
import dev.weft.net.Message;
import dev.weft.net.MessageConnection;
import dev.weft.runtime.ChannelClosedException;
import dev.weft.runtime.Scope;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
final class SwitchboardTest {

    private static final Duration WAIT = Duration.ofSeconds(10);

    @TempDir
    Path dir;

    /** A service (or a plain client) connected to the switchboard. */
    private record Client(Connection connection, MessageConnection messages) implements AutoCloseable {
        static Client connect(SocketAddress address) throws IOException {
            Connection c = Connection.connect(address, WAIT);
            return new Client(c, MessageConnection.over(c));
        }

        static Client register(SocketAddress address, String service, String commands) throws Exception {
            Client client = connect(address);
            client.send("REGISTER service=" + service + ";version=1");
            assertThat(client.next().command()).isEqualTo("HELP");
            Message ready = client.next();
            assertThat(ready.command()).isEqualTo("READY");
            assertThat(ready.require("my_address")).isNotEmpty();
            client.send("COMMANDS list=" + commands);
            return client;
        }

        void send(String text) throws Exception {
            messages.send(Message.parse(text));
        }

        Message next() throws InterruptedException {
            return messages.messages().receive(WAIT).orElseThrow(() -> new AssertionError("no message within "
                    + WAIT + " on " + connection.name()));
        }

        /** The next message, asking the switchboard something first so that all before it has been handled. */
        List<String> services() throws Exception {
            send("LIST_SERVICES");
            Message list = next();
            assertThat(list.command()).isEqualTo("SERVICES");
            String names = list.require("list");
            return names.isEmpty() ? List.of() : List.of(names.split(","));
        }

        @Override
        public void close() {
            messages.close();
        }
    }

    private static Switchboard started(Scope scope, Switchboard.Builder builder) throws Exception {
        Switchboard switchboard = builder.name("sb").build();
        switchboard.start(scope);
        return switchboard;
    }

    @ParameterizedTest
    @ValueSource(strings = {"127.0.0.1", "::1"})
    void route_registeredServicesExchangeMessagesStampedWithTheSender(String host) throws Exception {
        try (Scope scope = Scope.open("test")) {
            Switchboard sb = started(scope, Switchboard.builder().listen(new InetSocketAddress(host, 0)));
            SocketAddress address = sb.addresses().getFirst();
            try (Client a = Client.register(address, "alpha", "PONG");
                    Client b = Client.register(address, "beta", "PING")) {
                assertThat(a.services()).containsExactly("alpha", "beta");
                a.send("beta/PING text=\"a;b \\\"c\\\" \";n=1");
                Message ping = b.next();
                assertThat(ping.command()).isEqualTo("PING");
                assertThat(ping.sentFromServer()).hasValue("sb");
                assertThat(ping.sentFromService()).hasValue("alpha");
                assertThat(ping.parameters()).containsEntry("text", "a;b \"c\" ").containsEntry("n", "1");
                b.messages().reply(ping, ping.replyTo("PONG").build());
                Message pong = a.next();
                assertThat(pong.command()).isEqualTo("PONG");
                assertThat(pong.sentFromService()).hasValue("beta");
            }
            sb.shutdown(Duration.ofSeconds(2));
        }
    }

    @Test
    void broadcast_reachesEveryServiceThatHandlesTheCommand_butNotTheSender() throws Exception {
        try (Scope scope = Scope.open("test")) {
            Switchboard sb = started(scope, Switchboard.builder().listen(new InetSocketAddress("127.0.0.1", 0)));
            SocketAddress address = sb.addresses().getFirst();
            try (Client a = Client.register(address, "a", "RELOAD");
                    Client b = Client.register(address, "b", "RELOAD,PING");
                    Client c = Client.register(address, "c", "PING")) {
                a.services(); // COMMANDS of all three have been handled
                b.services();
                c.services();
                a.send("*/RELOAD");
                a.send("./PING");
                assertThat(b.next().command()).isEqualTo("RELOAD");
                assertThat(b.next().command()).isEqualTo("PING");
                assertThat(c.next().command()).isEqualTo("PING");
                assertThat(a.services()).as("a got nothing before its own answer").hasSize(3);
            }
            sb.shutdown(Duration.ofSeconds(2));
        }
    }

    @Test
    void cache_messagesForAnAbsentServiceAreDeliveredInOrderWhenItRegisters() throws Exception {
        try (Scope scope = Scope.open("test")) {
            Switchboard sb = started(scope, Switchboard.builder()
                    .listen(UnixDomainSocketAddress.of(dir.resolve("sb.sock"))));
            SocketAddress address = sb.addresses().getFirst();
            try (Client sender = Client.connect(address)) {
                for (int i = 1; i <= 3; i++) {
                    sender.send("late/WORK n=" + i);
                }
                sender.send("late/NEVER cache=no");
                sender.services();
                assertThat(sb.cachedMessages()).isEqualTo(3);
                try (Client late = Client.connect(address)) {
                    late.send("REGISTER service=late;version=1");
                    assertThat(late.next().command()).isEqualTo("HELP");
                    assertThat(late.next().command()).isEqualTo("READY");
                    for (int i = 1; i <= 3; i++) {
                        Message work = late.next();
                        assertThat(work.command()).isEqualTo("WORK");
                        assertThat(work.require("n")).isEqualTo(String.valueOf(i));
                    }
                    assertThat(late.services()).containsExactly("late"); // NEVER was not cached
                }
            }
            sb.shutdown(Duration.ofSeconds(2));
        }
    }

    @Test
    void cache_replyAsked_answersServiceUnavailableOnExpiryAndWhenRefused() throws Exception {
        try (Scope scope = Scope.open("test")) {
            Switchboard sb = started(scope, Switchboard.builder().listen(new InetSocketAddress("127.0.0.1", 0))
                    .cacheLimits(1, 1 << 20));
            try (Client sender = Client.connect(sb.addresses().getFirst())) {
                sender.send("ghost/BOO cache=\"reply;ttl=1\"");
                sender.send("ghost/FULL cache=reply");  // the cache holds one message
                sender.send("ghost/NOW cache=\"no;reply\"");
                Message full = sender.next();
                assertThat(full.command()).isEqualTo("SERVICE_UNAVAILABLE");
                assertThat(full.require("unsent_command")).isEqualTo("FULL");
                assertThat(full.require("destination_service")).isEqualTo("ghost");
                assertThat(full.require("message")).contains("cache is full");
                Message now = sender.next();
                assertThat(now.require("unsent_command")).isEqualTo("NOW");
                Message expired = sender.next(); // within ttl=1 s plus one tick of the expiry loop
                assertThat(expired.require("unsent_command")).isEqualTo("BOO");
                assertThat(expired.require("message")).contains("expired");
                assertThat(sb.cachedMessages()).isZero();
            }
            sb.shutdown(Duration.ofSeconds(2));
        }
    }

    @Test
    void self_helpAliveUnknownInvalidAndDuplicateRegistration() throws Exception {
        try (Scope scope = Scope.open("test")) {
            Switchboard sb = started(scope, Switchboard.builder().listen(new InetSocketAddress("::1", 0)));
            SocketAddress address = sb.addresses().getFirst();
            try (Client svc = Client.register(address, "svc", "WORK");
                    Client client = Client.connect(address)) {
                client.send("HELP");
                Message commands = client.next();
                assertThat(commands.command()).isEqualTo("COMMANDS");
                assertThat(commands.require("list").split(",")).contains("ALIVE", "HELP", "LIST_SERVICES",
                        "REGISTER", "STOP", "UNREGISTER").isSorted();
                client.send("switchboard/ALIVE serial=7");
                Message alive = client.next();
                assertThat(alive.command()).isEqualTo("ABSOLUTELY");
                assertThat(alive.require("serial")).isEqualTo("7");
                client.send("FROBNICATE");
                Message unknown = client.next();
                assertThat(unknown.command()).isEqualTo("UNKNOWN");
                assertThat(unknown.require("command")).isEqualTo("FROBNICATE");
                client.connection().send("this is not ; a message");
                Message invalid = client.next();
                assertThat(invalid.command()).isEqualTo("INVALID");
                assertThat(invalid.require("message")).isNotEmpty();
                client.send("REGISTER service=svc;version=1");
                Message refused = client.next();
                assertThat(refused.command()).isEqualTo("INVALID");
                assertThat(refused.require("message")).contains("service svc is already registered");
                client.send("REGISTER version=1");
                assertThat(client.next().command()).as("REGISTER without service").isEqualTo("INVALID");
                assertThat(client.services()).containsExactly("svc");
                svc.send("UNREGISTER service=svc");
                assertThat(svc.services()).isEmpty();
            }
            sb.shutdown(Duration.ofSeconds(2));
        }
    }

    @Test
    void stop_isAStopRequest_andShutdownSendsQuittingToEveryService() throws Exception {
        try (Scope scope = Scope.open("test")) {
            Switchboard sb = started(scope, Switchboard.builder().listen(new InetSocketAddress("127.0.0.1", 0)));
            SocketAddress address = sb.addresses().getFirst();
            try (Client a = Client.register(address, "a", "WORK");
                    Client b = Client.register(address, "b", "WORK")) {
                b.send("STOP");
                assertThat(sb.stopRequests().receive(WAIT)).hasValueSatisfying(s -> assertThat(s).startsWith("STOP"));
                Scope.Builder shutdownScope = Scope.builder().name("shutdown");
                try (Scope s = shutdownScope.open()) {
                    s.fork("shutdown", () -> {
                        sb.shutdown(Duration.ofSeconds(5));
                        return null;
                    });
                    assertThat(a.next().command()).isEqualTo("QUITTING");
                    assertThat(b.next().command()).isEqualTo("QUITTING");
                    a.messages().close(); // services leave; shutdown ends before its grace period
                    b.messages().close();
                    s.join();
                }
                assertThat(sb.services()).isEmpty();
            }
        }
    }

    @Test
    void signal_udpWithSecret_routesGoodMessagesAndDropsTheOthers() throws Exception {
        try (Scope scope = Scope.open("test")) {
            Switchboard sb = started(scope, Switchboard.builder().listen(new InetSocketAddress("127.0.0.1", 0))
                    .signal(new InetSocketAddress("127.0.0.1", 0)).secret("s3cret"));
            InetSocketAddress signal = sb.signalAddress().orElseThrow();
            try (Client target = Client.register(sb.addresses().getFirst(), "target", "POKE");
                    DatagramEndpoint udp = DatagramEndpoint.builder(InetAddress.getLoopbackAddress(), 0).bind()) {
                target.services();
                udp.send(Datagram.of("target/POKE n=1", signal));                        // no secret: dropped
                udp.send(Datagram.of("target/POKE n=2;secret_code=guess", signal));     // wrong: dropped
                udp.send(Datagram.of("target/POKE n=3;secret_code=s3cret", signal));
                Message poke = target.next();
                assertThat(poke.require("n")).isEqualTo("3");
                assertThat(poke.has("secret_code")).isFalse();
                udp.send(Datagram.of("ALIVE secret_code=s3cret", signal));
                Datagram alive = udp.datagrams().receive(WAIT).orElseThrow();
                assertThat(alive.text()).startsWith("ABSOLUTELY");
                udp.send(Datagram.of("REGISTER service=x;version=1;secret_code=s3cret", signal));
                assertThat(udp.datagrams().receive(WAIT).orElseThrow().text()).startsWith("INVALID")
                        .contains("stream connection");
            }
            sb.shutdown(Duration.ofSeconds(2));
        }
    }

    @Test
    void unixListener_hasItsModeAndServes() throws Exception {
        Path socket = dir.resolve("mode.sock");
        try (Scope scope = Scope.open("test")) {
            Switchboard sb = started(scope, Switchboard.builder().listen(UnixDomainSocketAddress.of(socket))
                    .unixSocketPermissions("rw-rw----"));
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket))).isEqualTo("rw-rw----");
            try (Client c = Client.register(UnixDomainSocketAddress.of(socket), "u", "WORK")) {
                assertThat(c.services()).containsExactly("u");
            }
            sb.shutdown(Duration.ofSeconds(2));
        }
    }

    @Test
    void floodAndHugeLines_fromOneClient_doNotDisturbTheOthers() throws Exception {
        try (Scope scope = Scope.open("test")) {
            Switchboard sb = started(scope, Switchboard.builder().listen(new InetSocketAddress("127.0.0.1", 0)));
            SocketAddress address = sb.addresses().getFirst();
            try (Client quiet = Client.register(address, "quiet", "PING");
                    Client other = Client.connect(address);
                    Connection rude = Connection.connect(address, WAIT)) {
                byte[] huge = new byte[10 << 20];
                java.util.Arrays.fill(huge, (byte) 'x');
                scope.fork("rude", () -> {
                    rude.write(huge);             // a 10 MiB line: discarded by the switchboard
                    rude.write("\n".getBytes(StandardCharsets.UTF_8));
                    rude.send("quiet/PING from=rude");
                    return null;
                });
                other.send("quiet/PING from=other");
                List<String> from = new ArrayList<>();
                from.add(quiet.next().require("from"));
                from.add(quiet.next().require("from"));
                assertThat(from).containsExactlyInAnyOrder("other", "rude");
            }
            sb.shutdown(Duration.ofSeconds(2));
        }
    }

    @Test
    void clientDisconnectingMidMessage_disturbsNobody() throws Exception {
        try (Scope scope = Scope.open("test")) {
            Switchboard sb = started(scope, Switchboard.builder().listen(new InetSocketAddress("127.0.0.1", 0)));
            SocketAddress address = sb.addresses().getFirst();
            try (Client target = Client.register(address, "target", "PING")) {
                for (int i = 0; i < 20; i++) {
                    try (Connection half = Connection.connect(address, WAIT)) {
                        half.write("target/PING from=half;n=".getBytes(StandardCharsets.UTF_8)); // no newline
                    }
                }
                try (Client whole = Client.connect(address)) {
                    whole.send("target/PING from=whole");
                    assertThat(target.next().require("from")).isEqualTo("whole");
                    assertThat(whole.services()).containsExactly("target");
                }
            }
            sb.shutdown(Duration.ofSeconds(2));
        }
    }

    @Test
    void thousandServices_registerAndAllGetABroadcast() throws Exception {
        int n = 1_000;
        try (Scope scope = Scope.open("test")) {
            Switchboard sb = started(scope, Switchboard.builder().listen(new InetSocketAddress("127.0.0.1", 0)));
            SocketAddress address = sb.addresses().getFirst();
            List<Client> services = new ArrayList<>();
            try {
                for (int i = 0; i < n; i++) {
                    Client c = Client.connect(address);
                    services.add(c);
                    c.send("REGISTER service=s" + i + ";version=1");
                }
                for (Client c : services) {
                    assertThat(c.next().command()).isEqualTo("HELP");
                    assertThat(c.next().command()).isEqualTo("READY");
                    c.send("COMMANDS list=TICK");
                }
                try (Client sender = Client.connect(address)) {
                    assertThat(sender.services()).hasSize(n);
                    for (Client c : services) {
                        c.send("ALIVE"); // its COMMANDS was handled before this answer comes back
                        assertThat(c.next().command()).isEqualTo("ABSOLUTELY");
                    }
                    sender.send("*/TICK");
                    for (Client c : services) {
                        assertThat(c.next().command()).isEqualTo("TICK");
                    }
                }
            } finally {
                services.forEach(Client::close);
            }
            sb.shutdown(Duration.ofSeconds(5));
        }
    }

    @Test
    void password_nonLoopbackListenerNeedsOne_andAWrongOneClosesTheConnection() throws Exception {
        assertThatThrownBy(() -> Switchboard.builder().listen(new InetSocketAddress("0.0.0.0", 0)).build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("set a password");
        Optional<InetAddress> external = Collections.list(NetworkInterface.getNetworkInterfaces()).stream()
                .filter(i -> !isLoopback(i))
                .flatMap(i -> Collections.list(i.getInetAddresses()).stream())
                .filter(a -> a instanceof Inet4Address && !a.isLoopbackAddress() && !a.isLinkLocalAddress())
                .findFirst();
        assumeTrue(external.isPresent(), "needs a non-loopback IPv4 address to listen on");
        try (Scope scope = Scope.open("test")) {
            Switchboard sb = started(scope, Switchboard.builder().password("open sesame")
                    .listen(new InetSocketAddress(external.get(), 0)));
            SocketAddress address = sb.addresses().getFirst();
            try (Client wrong = Client.connect(address)) {
                wrong.send("REGISTER service=intruder;version=1;password=guess");
                Message refused = wrong.next();
                assertThat(refused.command()).isEqualTo("INVALID");
                assertThat(refused.require("message")).contains("password");
                assertThatThrownBy(() -> wrong.messages().messages().receive(WAIT))
                        .isInstanceOf(ChannelClosedException.class);
            }
            try (Client right = Client.connect(address)) {
                right.send("REGISTER service=friend;version=1;password=\"open sesame\"");
                assertThat(right.next().command()).isEqualTo("HELP");
                assertThat(right.next().command()).isEqualTo("READY");
                assertThat(right.services()).containsExactly("friend");
            }
            sb.shutdown(Duration.ofSeconds(2));
        }
    }

    private static boolean isLoopback(NetworkInterface i) {
        try {
            return i.isLoopback() || !i.isUp();
        } catch (IOException e) {
            return true;
        }
    }
}
