package dev.weft.net;

import static dev.weft.net.NetTestSupport.DEFAULT_WAIT;
import static dev.weft.net.NetTestSupport.anyPort;
import static dev.weft.net.NetTestSupport.awaitBlocked;
import static dev.weft.net.NetTestSupport.awaitCondition;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.runtime.CancelledException;
import dev.weft.runtime.ChannelClosedException;
import dev.weft.runtime.OverflowPolicy;
import dev.weft.runtime.Scope;
import dev.weft.runtime.Select;
import dev.weft.runtime.Task;
import dev.weft.runtime.TaskFailedException;
import dev.weft.runtime.testing.PinningGuard;
import java.net.BindException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

@ExtendWith(PinningGuard.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
final class UnixDatagramTest {

    private static final String HOSTS = "dev.weft.net.NetTestSupport#loopbacks";

    @TempDir
    Path dir;

    // --- round trips ---

    @Test
    void send_pathToPath_deliversPayloadAndSenderAndTheReplyComesBack() throws Exception {
        UnixDomainSocketAddress aPath = UnixDomainSocketAddress.of(dir.resolve("a.sock"));
        UnixDomainSocketAddress bPath = UnixDomainSocketAddress.of(dir.resolve("b.sock"));
        try (UnixDatagramEndpoint a = UnixDatagramEndpoint.builder(aPath).bind();
                UnixDatagramEndpoint b = UnixDatagramEndpoint.builder(bPath).bind()) {
            assertThat(a.localAddress()).isEqualTo(aPath);
            assertThat(a.name()).isEqualTo("unixgram " + aPath.getPath());
            assertThat(Files.exists(aPath.getPath())).isTrue();

            a.send(Datagram.of("hello", bPath));
            Datagram got = next(b);
            assertThat(got.text()).isEqualTo("hello");
            assertThat(got.address()).isEqualTo(aPath);

            b.send("world".getBytes(StandardCharsets.UTF_8), got.address());
            assertThat(next(a)).isEqualTo(Datagram.of("world", bPath));
            assertThat(b.receivedDatagrams()).isEqualTo(1);
        }
    }

    @Test
    void send_abstractToAbstract_deliversPayloadAndSenderAndTheReplyComesBack() throws Exception {
        UnixAbstractAddress aName = abstractName();
        UnixAbstractAddress bName = abstractName();
        try (UnixDatagramEndpoint a = UnixDatagramEndpoint.builder(aName).bind();
                UnixDatagramEndpoint b = UnixDatagramEndpoint.builder(bName).bind()) {
            assertThat(a.name()).isEqualTo("unixgram @" + aName.name());

            a.send(Datagram.of("ping", bName));
            Datagram got = next(b);
            assertThat(got.text()).isEqualTo("ping");
            // junixsocket pads the sender's abstract name to 107 bytes; the endpoint strips that, so replies work
            assertThat(got.address()).isEqualTo(aName).hasToString("@" + aName.name());

            b.send(Datagram.of("pong", got.address()));
            assertThat(next(a)).isEqualTo(Datagram.of("pong", bName));
        }
    }

    @Test
    void send_pathToAbstract_senderIsThePath() throws Exception {
        UnixDomainSocketAddress path = UnixDomainSocketAddress.of(dir.resolve("p.sock"));
        UnixAbstractAddress name = abstractName();
        try (UnixDatagramEndpoint p = UnixDatagramEndpoint.builder(path).bind();
                UnixDatagramEndpoint a = UnixDatagramEndpoint.builder(name).bind()) {
            p.send(Datagram.of("from a file", name));
            assertThat(next(a)).isEqualTo(Datagram.of("from a file", path));
        }
    }

    @Test
    void send_thousandDatagrams_eachArrivesOnceAndInOrderThoughTheKernelQueueFills() throws Exception {
        int total = 1_000; // far more than net.unix.max_dgram_qlen (10): the sender waits for the reader many times
        try (UnixDatagramEndpoint sender = UnixDatagramEndpoint.builder(abstractName()).bind();
                UnixDatagramEndpoint receiver = UnixDatagramEndpoint.builder(abstractName())
                        .receiveBuffer(16)
                        .bind();
                Scope scope = Scope.open("test")) {
            Task<List<String>> consumer = scope.fork("consumer", () -> {
                List<String> got = new ArrayList<>();
                for (int i = 0; i < total; i++) {
                    got.add(receiver.datagrams().receive().text());
                }
                return got;
            });
            for (int i = 0; i < total; i++) {
                sender.send(Datagram.of("datagram " + i, receiver.localAddress()));
            }
            assertThat(consumer.join()).containsExactlyElementsOf(
                    IntStream.range(0, total).mapToObj(i -> "datagram " + i).toList());
            assertThat(receiver.receivedDatagrams()).isEqualTo(total);
            assertThat(receiver.droppedDatagrams()).isZero();
        }
    }

    @Test
    void send_fromManyTasksAtOnce_everyDatagramArrivesAndEachSendersOrderIsKept() throws Exception {
        int senders = 8;
        int each = 200;
        try (UnixDatagramEndpoint sender = UnixDatagramEndpoint.builder(abstractName()).bind();
                UnixDatagramEndpoint receiver = UnixDatagramEndpoint.builder(abstractName()).bind();
                Scope scope = Scope.open("test")) {
            for (int s = 0; s < senders; s++) {
                int id = s;
                scope.fork("sender " + id, () -> {
                    for (int i = 0; i < each; i++) {
                        sender.send(Datagram.of(id + ":" + i, receiver.localAddress()));
                    }
                });
            }
            int[] nextOf = new int[senders];
            for (int n = 0; n < senders * each; n++) {
                String[] parts = next(receiver).text().split(":");
                int id = Integer.parseInt(parts[0]);
                assertThat(Integer.parseInt(parts[1])).as("the next datagram of sender %d", id).isEqualTo(nextOf[id]);
                nextOf[id]++;
            }
            scope.join();
            assertThat(receiver.datagrams().tryReceive()).isEmpty();
        }
    }

    @Test
    void close_whileSendersWaitForAFullQueue_failsThemAndEndsEverything() throws Exception {
        UnixAbstractAddress receiverName = abstractName();
        try (UnixDatagramEndpoint receiver = UnixDatagramEndpoint.builder(receiverName).receiveBuffer(1).bind();
                Scope scope = Scope.supervisor("test", (task, failure) -> { })) {
            UnixDatagramEndpoint sender = UnixDatagramEndpoint.builder(abstractName()).bind();
            List<Task<Void>> senders = new ArrayList<>();
            for (int s = 0; s < 4; s++) {
                senders.add(scope.fork("sender " + s, () -> {
                    for (;;) {
                        sender.send(Datagram.of("x", receiverName));
                    }
                }));
            }
            awaitCondition(() -> receiver.receivedDatagrams() >= 2, "the receiver's queue to fill");
            sender.close();
            for (Task<Void> t : senders) {
                assertThatThrownBy(t::join).isInstanceOf(TaskFailedException.class)
                        .cause().isInstanceOf(SocketException.class).hasMessageContaining("closed");
            }
            assertThat(ioThreads(sender)).isEmpty();
        }
    }

    @Test
    void send_largestDatagram_arrivesWhole() throws Exception {
        try (UnixDatagramEndpoint a = UnixDatagramEndpoint.builder(abstractName()).bind();
                UnixDatagramEndpoint b = UnixDatagramEndpoint.builder(abstractName()).bind()) {
            byte[] payload = new byte[UnixDatagramEndpoint.DEFAULT_MAX_DATAGRAM_SIZE];
            for (int i = 0; i < payload.length; i++) {
                payload[i] = (byte) i;
            }
            a.send(payload, b.localAddress());
            assertThat(next(b).payload()).isEqualTo(payload);
        }
    }

    // --- select and cancellation (principle 4) ---

    @Test
    void select_timeoutFiresFirst_losesNoDatagram() throws Exception {
        try (UnixDatagramEndpoint a = UnixDatagramEndpoint.builder(abstractName()).bind();
                UnixDatagramEndpoint b = UnixDatagramEndpoint.builder(abstractName()).bind()) {
            Optional<Datagram> first = Select.<Optional<Datagram>>create()
                    .onReceive(b.datagrams(), Optional::of)
                    .onTimeout(Duration.ofMillis(20), Optional::empty)
                    .select();
            assertThat(first).isEmpty();

            a.send(Datagram.of("after the timeout", b.localAddress()));
            Optional<Datagram> second = Select.<Optional<Datagram>>create()
                    .onReceive(b.datagrams(), Optional::of)
                    .onTimeout(DEFAULT_WAIT, Optional::empty)
                    .select();
            assertThat(second).map(Datagram::text).contains("after the timeout");
            assertThat(b.isOpen()).isTrue();
        }
    }

    @Test
    void select_cancelledWhileWaiting_losesNoDatagramAndKeepsTheSocketOpen() throws Exception {
        try (UnixDatagramEndpoint a = UnixDatagramEndpoint.builder(abstractName()).bind();
                UnixDatagramEndpoint b = UnixDatagramEndpoint.builder(abstractName()).bind();
                Scope scope = Scope.open("test")) {
            AtomicReference<Thread> selecting = new AtomicReference<>();
            Task<Optional<Datagram>> waiter = scope.fork("select", () -> {
                selecting.set(Thread.currentThread());
                return Select.<Optional<Datagram>>create()
                        .onReceive(b.datagrams(), Optional::of)
                        .onTimeout(Duration.ofHours(1), Optional::empty)
                        .select();
            });
            awaitCondition(() -> selecting.get() != null, "the select to start");
            awaitBlocked(selecting.get());
            waiter.cancel();
            assertThatThrownBy(waiter::join).isInstanceOf(CancelledException.class);

            a.send(Datagram.of("after the cancel", b.localAddress()));
            assertThat(next(b).text()).isEqualTo("after the cancel");
            assertThat(b.isOpen()).isTrue();
        }
    }

    @Test
    void send_fromInterruptedThread_sendsAndKeepsTheSocketOpen() throws Exception {
        try (UnixDatagramEndpoint a = UnixDatagramEndpoint.builder(abstractName()).bind();
                UnixDatagramEndpoint b = UnixDatagramEndpoint.builder(abstractName()).bind()) {
            Thread.currentThread().interrupt();
            try {
                assertThatThrownBy(() -> a.send(Datagram.of("interrupted", b.localAddress())))
                        .isInstanceOf(InterruptedException.class);
            } finally {
                Thread.interrupted();
            }
            assertThat(a.isOpen()).isTrue();
            a.send(Datagram.of("and after", b.localAddress()));
            assertThat(next(b).text()).as("the interrupted send was withdrawn, not sent").isEqualTo("and after");
        }
    }

    @Test
    void send_receiverQueueFull_timesOutNamingTheRecipientAndSendsNothing() throws Exception {
        UnixAbstractAddress receiverName = abstractName();
        try (UnixDatagramEndpoint sender = UnixDatagramEndpoint.builder(abstractName())
                        .sendTimeout(Duration.ofMillis(100))
                        .bind();
                UnixDatagramEndpoint receiver = UnixDatagramEndpoint.builder(receiverName)
                        .receiveBuffer(1)
                        .bind()) {
            // the inbox (1), the datagram the I/O thread holds (1) and the kernel's queue fill up; then a send waits
            int sent = 0;
            SocketTimeoutException timeout = null;
            while (timeout == null && sent < 1_000) {
                try {
                    sender.send(Datagram.of("datagram " + sent, receiverName));
                    sent++;
                } catch (SocketTimeoutException e) {
                    timeout = e;
                }
            }
            assertThat(timeout).isNotNull();
            assertThat(timeout.getMessage()).contains("@" + receiverName.name(), "PT0.1S", "not reading");
            assertThat(sender.isOpen()).isTrue();

            for (int i = 0; i < sent; i++) {
                assertThat(next(receiver).text()).isEqualTo("datagram " + i);
            }
            sender.send(Datagram.of("after", receiverName));
            assertThat(next(receiver).text()).as("the timed-out datagram was not sent").isEqualTo("after");
        }
    }

    @Test
    void send_cancelledWhileTheReceiverQueueIsFull_withdrawsTheDatagram() throws Exception {
        UnixAbstractAddress receiverName = abstractName();
        try (UnixDatagramEndpoint sender = UnixDatagramEndpoint.builder(abstractName()).bind();
                UnixDatagramEndpoint receiver = UnixDatagramEndpoint.builder(receiverName)
                        .receiveBuffer(1)
                        .bind();
                Scope scope = Scope.open("test")) {
            AtomicReference<Thread> sending = new AtomicReference<>();
            AtomicInteger attempts = new AtomicInteger();
            Task<Void> filler = scope.fork("filler", () -> {
                sending.set(Thread.currentThread());
                for (int i = 0; ; i = attempts.incrementAndGet()) {
                    sender.send(Datagram.of("datagram " + i, receiverName));
                }
            });
            // the inbox (1), the datagram the I/O thread holds (1) and the kernel's queue (10 on Linux) fill up
            awaitCondition(() -> receiver.receivedDatagrams() >= 2 && sending.get() != null, "the queue to fill");
            int before;
            do { // the filler waits for the outcome of one send: the count of attempts stops moving
                before = attempts.get();
                awaitBlocked(sending.get());
            } while (attempts.get() != before);
            filler.cancel();
            assertThatThrownBy(filler::join).isInstanceOf(CancelledException.class);

            List<String> got = new ArrayList<>();
            for (Optional<Datagram> d; (d = receiver.datagrams().receive(Duration.ofMillis(200))).isPresent(); ) {
                got.add(d.get().text());
            }
            assertThat(got).isNotEmpty();
            assertThat(got).containsExactlyElementsOf(
                    IntStream.range(0, got.size()).mapToObj(i -> "datagram " + i).toList());
            sender.send(Datagram.of("after", receiverName));
            assertThat(next(receiver).text()).as("the cancelled datagram was not sent").isEqualTo("after");
        }
    }

    // --- bad input ---

    @Test
    void send_overTheLimit_throwsNamingSizeAndLimit() throws Exception {
        try (UnixDatagramEndpoint a = UnixDatagramEndpoint.builder(abstractName()).maxDatagramSize(100).bind();
                UnixDatagramEndpoint b = UnixDatagramEndpoint.builder(abstractName()).bind()) {
            assertThatThrownBy(() -> a.send(new byte[101], b.localAddress()))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("101 bytes")
                    .hasMessageContaining("limit of 100 bytes")
                    .hasMessageContaining(b.localAddress().toString());
            a.send(new byte[100], b.localAddress());
            assertThat(next(b).length()).isEqualTo(100);
        }
    }

    @Test
    void receive_overTheLimit_isDroppedAndCountedAndTheNextOneArrives() throws Exception {
        try (UnixDatagramEndpoint big = UnixDatagramEndpoint.builder(abstractName()).bind();
                UnixDatagramEndpoint small = UnixDatagramEndpoint.builder(abstractName()).maxDatagramSize(10)
                        .bind()) {
            big.send(new byte[11], small.localAddress());
            big.send(Datagram.of("0123456789", small.localAddress()));
            assertThat(next(small).text()).isEqualTo("0123456789");
            assertThat(small.oversizedDatagrams()).isEqualTo(1);
        }
    }

    @Test
    void send_badPayloadsAndRecipients_throwNamingWhatIsWrong() throws Exception {
        try (UnixDatagramEndpoint a = UnixDatagramEndpoint.builder(abstractName()).bind()) {
            assertThatThrownBy(() -> a.send(new byte[0], abstractName()))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("empty datagram");
            assertThatThrownBy(() -> a.send(new byte[1], UnixDomainSocketAddress.of("")))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unnamed address");
            assertThatThrownBy(() -> a.send(new byte[1], new InetSocketAddress("127.0.0.1", 9)))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("UnixDomainSocketAddress")
                    .hasMessageContaining("127.0.0.1");
            Path nobody = dir.resolve("nobody.sock");
            assertThatThrownBy(() -> a.send(new byte[1], UnixDomainSocketAddress.of(nobody)))
                    .isInstanceOf(ConnectException.class)
                    .hasMessageContaining(nobody.toString());
            UnixAbstractAddress unbound = abstractName();
            assertThatThrownBy(() -> a.send(new byte[1], unbound))
                    .isInstanceOf(ConnectException.class)
                    .hasMessageContaining("@" + unbound.name());
            assertThat(a.isOpen()).isTrue();
        }
    }

    @Test
    void builder_badSettings_throwNamingTheValue() {
        UnixDatagramEndpoint.Builder b = UnixDatagramEndpoint.builder(abstractName());
        assertThatThrownBy(() -> b.maxDatagramSize(0)).hasMessageContaining("maxDatagramSize").hasMessageEndingWith(
                ": 0");
        assertThatThrownBy(() -> b.maxDatagramSize(UnixDatagramEndpoint.MAX_DATAGRAM_SIZE + 1))
                .hasMessageContaining(String.valueOf(UnixDatagramEndpoint.MAX_DATAGRAM_SIZE + 1));
        assertThatThrownBy(() -> b.receiveBuffer(0)).hasMessageContaining("receiveBuffer");
        assertThatThrownBy(() -> b.overflow(OverflowPolicy.REJECT)).hasMessageContaining("REJECT");
        assertThatThrownBy(() -> b.sendTimeout(Duration.ofSeconds(-1))).hasMessage(
                "sendTimeout must be positive: PT-1S");
        assertThatThrownBy(() -> UnixDatagramEndpoint.builder(UnixDomainSocketAddress.of(dir.resolve("x".repeat(120)))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("too long");
        assertThatThrownBy(() -> UnixAbstractAddress.of("a\0b")).hasMessageContaining("NUL");
        assertThatThrownBy(() -> UnixAbstractAddress.of("")).hasMessageContaining("empty");
    }

    // --- overflow ---

    @Test
    void receive_channelFullUnderDropNewest_dropsAndCounts() throws Exception {
        try (UnixDatagramEndpoint a = UnixDatagramEndpoint.builder(abstractName()).bind();
                UnixDatagramEndpoint b = UnixDatagramEndpoint.builder(abstractName())
                        .receiveBuffer(2)
                        .overflow(OverflowPolicy.DROP_NEWEST)
                        .bind()) {
            for (int i = 0; i < 5; i++) {
                a.send(Datagram.of("datagram " + i, b.localAddress()));
            }
            awaitCondition(() -> b.receivedDatagrams() == 5, "five datagrams to arrive");
            assertThat(b.droppedDatagrams()).isEqualTo(3);
            assertThat(next(b).text()).isEqualTo("datagram 0");
            assertThat(next(b).text()).isEqualTo("datagram 1");
            assertThat(b.datagrams().tryReceive()).isEmpty();
        }
    }

    @Test
    void receive_channelFullUnderDropOldest_keepsTheLatest() throws Exception {
        try (UnixDatagramEndpoint a = UnixDatagramEndpoint.builder(abstractName()).bind();
                UnixDatagramEndpoint b = UnixDatagramEndpoint.builder(abstractName())
                        .receiveBuffer(2)
                        .overflow(OverflowPolicy.DROP_OLDEST)
                        .bind()) {
            for (int i = 0; i < 5; i++) {
                a.send(Datagram.of("datagram " + i, b.localAddress()));
            }
            awaitCondition(() -> b.receivedDatagrams() == 5, "five datagrams to arrive");
            assertThat(b.droppedDatagrams()).isEqualTo(3);
            assertThat(next(b).text()).isEqualTo("datagram 3");
            assertThat(next(b).text()).isEqualTo("datagram 4");
        }
    }

    // --- close ---

    @Test
    void close_unblocksAWaitingConsumerEndsTheThreadAndRemovesTheFile() throws Exception {
        Path file = dir.resolve("c.sock");
        try (Scope scope = Scope.open("test")) {
            UnixDatagramEndpoint e = UnixDatagramEndpoint.builder(UnixDomainSocketAddress.of(file)).bind();
            assertThat(ioThreads(e)).hasSize(1);
            AtomicReference<Thread> waiting = new AtomicReference<>();
            Task<Datagram> consumer = scope.fork("consumer", () -> {
                waiting.set(Thread.currentThread());
                return e.datagrams().receive();
            });
            awaitCondition(() -> waiting.get() != null, "the consumer to start");
            awaitBlocked(waiting.get());
            e.close();
            assertThatThrownBy(consumer::join).isInstanceOf(ChannelClosedException.class);
            assertThat(e.isOpen()).isFalse();
            assertThat(ioThreads(e)).as("the I/O thread ended before close returned").isEmpty();
            assertThat(Files.exists(file)).isFalse();
            assertThatThrownBy(() -> e.send(new byte[1], abstractName()))
                    .isInstanceOf(SocketException.class).hasMessageContaining("closed");
            e.close(); // idempotent
        }
    }

    @Test
    void close_keepsTheDatagramsAlreadyReceived() throws Exception {
        UnixDatagramEndpoint b = UnixDatagramEndpoint.builder(abstractName()).bind();
        try (UnixDatagramEndpoint a = UnixDatagramEndpoint.builder(abstractName()).bind()) {
            a.send(Datagram.of("kept", b.localAddress()));
            awaitCondition(() -> b.receivedDatagrams() == 1, "the datagram to arrive");
        } finally {
            b.close();
        }
        assertThat(b.datagrams().receive().text()).isEqualTo("kept");
        assertThatThrownBy(() -> b.datagrams().receive()).isInstanceOf(ChannelClosedException.class);
    }

    @Test
    void scopeCancelled_closesTheEndpointBoundInIt() throws Exception {
        AtomicReference<UnixDatagramEndpoint> bound = new AtomicReference<>();
        AtomicReference<Thread> owning = new AtomicReference<>();
        try (Scope scope = Scope.open("test")) {
            Task<Void> owner = scope.fork("owner", () -> {
                bound.set(UnixDatagramEndpoint.builder(abstractName()).bind());
                owning.set(Thread.currentThread());
                bound.get().datagrams().receive();
            });
            awaitCondition(() -> owning.get() != null, "the owner to bind");
            awaitBlocked(owning.get());
            scope.cancel();
            assertThatThrownBy(owner::join).isInstanceOf(CancelledException.class);
            awaitCondition(() -> !bound.get().isOpen(), "the endpoint to close");
            awaitCondition(() -> ioThreads(bound.get()).isEmpty(), "its I/O thread to end");
            bound.get().close();
        }
    }

    // --- socket files ---

    @Test
    void bind_staleSocketFile_isReplaced() throws Exception {
        Path file = dir.resolve("stale.sock");
        // a socket file nobody listens on any more, as a crashed process leaves it
        try (ServerSocketChannel old = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            old.bind(UnixDomainSocketAddress.of(file));
        }
        assertThat(Files.exists(file)).isTrue();
        try (UnixDatagramEndpoint e = UnixDatagramEndpoint.builder(UnixDomainSocketAddress.of(file)).bind();
                UnixDatagramEndpoint a = UnixDatagramEndpoint.builder(abstractName()).bind()) {
            a.send(Datagram.of("to the new one", e.localAddress()));
            assertThat(next(e).text()).isEqualTo("to the new one");
        }
        assertThat(Files.exists(file)).isFalse();
    }

    @Test
    void bind_pathOfALiveEndpoint_isNotStolen() throws Exception {
        UnixDomainSocketAddress path = UnixDomainSocketAddress.of(dir.resolve("live.sock"));
        try (UnixDatagramEndpoint live = UnixDatagramEndpoint.builder(path).bind();
                UnixDatagramEndpoint a = UnixDatagramEndpoint.builder(abstractName()).bind()) {
            assertThatThrownBy(() -> UnixDatagramEndpoint.builder(path).bind())
                    .isInstanceOf(BindException.class)
                    .hasMessageContaining(path.getPath().toString())
                    .hasMessageContaining("bound to it");
            a.send(Datagram.of("still mine", path));
            assertThat(next(live).text()).isEqualTo("still mine");
        }
    }

    @Test
    void bind_pathOfALiveStreamServer_isNotStolen() throws Exception {
        UnixDomainSocketAddress path = UnixDomainSocketAddress.of(dir.resolve("stream.sock"));
        try (ServerSocketChannel live = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            live.bind(path);
            assertThatThrownBy(() -> UnixDatagramEndpoint.builder(path).bind())
                    .isInstanceOf(BindException.class)
                    .hasMessageContaining(path.getPath().toString());
            assertThat(Files.exists(path.getPath())).isTrue();
        }
    }

    @Test
    void bind_pathIsARegularFileOrAnAbstractNameIsTaken_throwsBindException() throws Exception {
        Path file = Files.writeString(dir.resolve("not-a-socket"), "data");
        assertThatThrownBy(() -> UnixDatagramEndpoint.builder(UnixDomainSocketAddress.of(file)).bind())
                .isInstanceOf(BindException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("not a socket");
        assertThat(Files.readString(file)).isEqualTo("data");

        UnixAbstractAddress name = abstractName();
        try (UnixDatagramEndpoint taken = UnixDatagramEndpoint.builder(name).bind()) {
            assertThatThrownBy(() -> UnixDatagramEndpoint.builder(name).bind())
                    .isInstanceOf(BindException.class)
                    .hasMessageContaining("@" + name.name());
            assertThat(taken.isOpen()).isTrue();
        }
    }

    // --- platform threads only where junixsocket blocks (principle 8) ---

    @ParameterizedTest
    @MethodSource(HOSTS)
    void idleEndpoints_fifty_oneNamedPlatformThreadEachAndVirtualThreadsStillServe(String host) throws Exception {
        List<UnixDatagramEndpoint> endpoints = new ArrayList<>();
        try (Scope scope = Scope.open("test")) {
            for (int i = 0; i < 50; i++) {
                endpoints.add(UnixDatagramEndpoint.builder(abstractName()).bind());
            }
            for (UnixDatagramEndpoint e : endpoints) {
                List<Thread> io = ioThreads(e);
                assertThat(io).as("the I/O thread of %s", e.name()).hasSize(1);
                assertThat(io.getFirst().isVirtual()).isFalse();
                awaitInSelect(io.getFirst()); // blocked in junixsocket's selector, in native code, on an idle socket
            }
            assertThat(allIoThreads()).hasSize(50);

            StreamServer server = StreamServer.builder(anyPort(host)).start(scope, NetTestSupport.ECHO);
            List<Task<String>> clients = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                int n = i;
                clients.add(scope.fork("client " + n, () -> {
                    try (Connection c = Connection.connect(server.localAddress(), DEFAULT_WAIT)) {
                        c.send("echo " + n);
                        return NetTestSupport.nextLine(c);
                    }
                }));
            }
            for (int i = 0; i < clients.size(); i++) {
                assertThat(clients.get(i).join()).isEqualTo("echo " + i);
            }
            server.close();
        } finally {
            endpoints.forEach(UnixDatagramEndpoint::close);
        }
        assertThat(allIoThreads()).as("every I/O thread ended with its endpoint").isEmpty();
    }

    // --- helpers ---

    private static UnixAbstractAddress abstractName() {
        return UnixAbstractAddress.of("weft-test-" + UUID.randomUUID());
    }

    private static Datagram next(UnixDatagramEndpoint e) throws InterruptedException {
        return e.datagrams().receive(DEFAULT_WAIT)
                .orElseThrow(() -> new AssertionError("no datagram for " + e.name() + " within " + DEFAULT_WAIT));
    }

    private static List<Thread> ioThreads(UnixDatagramEndpoint e) {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().equals(e.name() + " io") && t.isAlive())
                .toList();
    }

    /** Waits until {@code thread} is blocked in a native poll under junixsocket's selector. */
    private static void awaitInSelect(Thread thread) {
        awaitCondition(() -> {
            StackTraceElement[] stack = thread.getStackTrace();
            return stack.length > 0 && stack[0].isNativeMethod()
                    && Arrays.stream(stack).anyMatch(f -> f.getClassName().endsWith("Selector"));
        }, "thread " + thread.getName() + " to block in its selector");
    }

    private static List<Thread> allIoThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("unixgram @weft-test-") && t.isAlive())
                .toList();
    }
}
