package dev.weft.net;

import static dev.weft.net.MessageTestSupport.WAIT;
import static dev.weft.net.MessageTestSupport.dispatcherServer;
import static dev.weft.net.MessageTestSupport.next;
import static dev.weft.net.NetTestSupport.awaitCondition;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.failsafe.CircuitBreaker;
import dev.failsafe.CircuitBreakerOpenException;
import dev.failsafe.Failsafe;
import dev.failsafe.FailsafeException;
import dev.failsafe.RetryPolicy;
import dev.failsafe.TimeoutExceededException;
import dev.weft.runtime.CancelledException;
import dev.weft.runtime.Scope;
import dev.weft.runtime.Task;
import dev.weft.runtime.testing.PinningGuard;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

@ExtendWith(PinningGuard.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
final class MessageCallTest {

    private static final String TRANSPORTS = "dev.weft.net.MessageTestSupport#transports";
    private static final String LOOPBACKS = "dev.weft.net.MessageTestSupport#loopbacks";
    private static final Duration SHORT = Duration.ofMillis(200);

    @TempDir
    Path dir;

    /** A dispatcher that echoes ECHO and sends an unsolicited NOTICE before every answer. */
    private static Dispatcher echoing() {
        return Dispatcher.builder()
                .on("ECHO", (message, context) -> {
                    context.connection().send(Message.builder("NOTICE").parameter("of", message.require("v")).build());
                    context.reply(message.replyTo("ECHOED").parameter("v", message.require("v")));
                })
                .build();
    }

    @ParameterizedTest
    @MethodSource(TRANSPORTS)
    void call_bySerial_returnsTheMatchingReplyWhileOtherMessagesFlow(String transport) throws Exception {
        try (Scope scope = Scope.open("test")) {
            StreamServer server = dispatcherServer(scope, transport, dir, echoing());
            try (MessageConnection client = MessageTestSupport.connect(server)) {
                Message reply = client.call(Message.builder("ECHO").parameter("v", "hi").build(), WAIT);
                assertThat(reply.command()).isEqualTo("ECHOED");
                assertThat(reply.require("v")).isEqualTo("hi");
                assertThat(reply.integer("serial")).isGreaterThanOrEqualTo(1L << 32);
                assertThat(next(client).toText()).isEqualTo("NOTICE of=hi"); // not a reply: to messages()
                Message alive = client.call(Message.builder("ALIVE").build(), WAIT);
                assertThat(alive.command()).isEqualTo("ABSOLUTELY");
                assertThat(alive.integer("serial")).isEqualTo(reply.integer("serial") + 1);
                assertThat(client.pendingCalls()).isZero();
            }
            scope.cancel();
        }
    }

    @ParameterizedTest
    @MethodSource(TRANSPORTS)
    void call_manyConcurrentCallsOnOneConnection_eachGetsItsOwnReply(String transport) throws Exception {
        int callers = 16;
        int each = 25;
        try (Scope scope = Scope.open("test")) {
            StreamServer server = dispatcherServer(scope, transport, dir, echoing());
            try (MessageConnection client = MessageTestSupport.connect(server);
                    Scope calls = Scope.open("callers")) {
                Task<Integer> notices = calls.fork("notices", () -> {
                    int n = 0;
                    while (n < callers * each) {
                        assertThat(next(client).command()).isEqualTo("NOTICE");
                        n++;
                    }
                    return n;
                });
                List<Task<Set<String>>> tasks = new ArrayList<>();
                for (int c = 0; c < callers; c++) {
                    int caller = c;
                    tasks.add(calls.fork("caller-" + c, () -> {
                        Set<String> serials = new HashSet<>();
                        for (int i = 0; i < each; i++) {
                            String v = caller + "/" + i;
                            Message reply = client.call(Message.builder("ECHO").parameter("v", v).build(), WAIT);
                            assertThat(reply.require("v")).isEqualTo(v);
                            serials.add(reply.require("serial"));
                        }
                        return serials;
                    }));
                }
                calls.join();
                Set<String> all = new HashSet<>();
                for (Task<Set<String>> t : tasks) {
                    all.addAll(t.resultNow());
                }
                assertThat(all).hasSize(callers * each);
                assertThat(notices.resultNow()).isEqualTo(callers * each);
                assertThat(client.pendingCalls()).isZero();
            }
            scope.cancel();
        }
    }

    @ParameterizedTest
    @MethodSource(TRANSPORTS)
    void call_byReplyCommand_takesTheFirstMatchingOrUnknownNamingTheRequest(String transport) throws Exception {
        try (Scope scope = Scope.open("test")) {
            StreamServer server = dispatcherServer(scope, transport, dir, Dispatcher.builder().build());
            try (MessageConnection client = MessageTestSupport.connect(server)) {
                Message commands = client.call(Message.builder("HELP").build(), Set.of("COMMANDS"), WAIT);
                assertThat(commands.require("list")).startsWith("ALIVE,HELP,");
                assertThat(commands.has("serial")).isFalse();
                Message unknown = client.call(Message.builder("FROB").build(), Set.of("FROBBED"), WAIT);
                assertThat(unknown.toText()).isEqualTo("UNKNOWN command=FROB");
            }
            scope.cancel();
        }
    }

    @ParameterizedTest
    @MethodSource(TRANSPORTS)
    void call_noReply_timesOutNamingTheCallAndTheConnectionStaysUsable(String transport) throws Exception {
        try (MessageTestSupport.Peers peers = new MessageTestSupport.Peers(transport, dir);
                MessageConnection client = MessageTestSupport.connect(peers.server())) {
            MessageConnection served = peers.accept();
            assertThatThrownBy(() -> client.call(Message.builder("LOCK").build(), SHORT))
                    .isInstanceOf(CallTimeoutException.class)
                    .isInstanceOf(java.util.concurrent.TimeoutException.class)
                    .hasMessageStartingWith("no reply to LOCK (serial=")
                    .hasMessageContaining(" on " + client.name() + " within PT0.2S")
                    .satisfies(e -> {
                        CallTimeoutException t = (CallTimeoutException) e;
                        assertThat(t.command()).isEqualTo("LOCK");
                        assertThat(t.timeout()).isEqualTo(SHORT);
                        assertThat(t.connectionName()).isEqualTo(client.name());
                    });
            assertThat(client.pendingCalls()).isZero();
            Message request = next(served);
            // the late reply is dropped, not handed to messages()
            served.reply(request, request.replyTo("LOCKED").build());
            served.send(Message.builder("AFTER").build());
            assertThat(next(client).command()).isEqualTo("AFTER");
            assertThatThrownBy(() -> client.call(Message.builder("HELP").build(), Set.of("COMMANDS"), SHORT))
                    .isInstanceOf(CallTimeoutException.class)
                    .hasMessageStartingWith("no reply to HELP (expected COMMANDS) on ");
            assertThat(client.isOpen()).isTrue();
            Task<Message> answered;
            try (Scope scope = Scope.open("test")) {
                answered = scope.fork("call", () -> client.call(Message.builder("ALIVE").build(), WAIT));
                next(served); // the HELP that timed out
                Message alive = next(served);
                served.reply(alive, alive.replyTo("ABSOLUTELY").build());
                scope.join();
            }
            assertThat(answered.resultNow().command()).isEqualTo("ABSOLUTELY");
        }
    }

    @ParameterizedTest
    @MethodSource(TRANSPORTS)
    void call_connectionLostWhileWaiting_failsWithConnectionLost(String transport) throws Exception {
        try (MessageTestSupport.Peers peers = new MessageTestSupport.Peers(transport, dir);
                MessageConnection client = MessageTestSupport.connect(peers.server());
                Scope scope = Scope.supervisor("test", (t, e) -> { })) {
            MessageConnection served = peers.accept();
            Task<Message> call = scope.fork("call", () -> client.call(Message.builder("LOCK").build(), WAIT));
            Task<Message> byCommand = scope.fork("call2", () -> client.call(Message.builder("HELP").build(),
                    Set.of("COMMANDS"), WAIT));
            next(served);
            next(served);
            awaitCondition(() -> client.pendingCalls() == 2, "both calls waiting");
            served.close(); // the peer goes away
            for (Task<Message> t : List.of(call, byCommand)) {
                assertThatThrownBy(() -> t.join(WAIT))
                        .isInstanceOf(dev.weft.runtime.TaskFailedException.class)
                        .cause()
                        .isInstanceOf(ConnectionLostException.class)
                        .hasMessageContaining("connection " + client.name() + " lost while waiting for the reply to");
            }
            assertThat(((ConnectionLostException) call.exception().orElseThrow()).command()).isEqualTo("LOCK");
            assertThatThrownBy(() -> client.call(Message.builder("ALIVE").build(), WAIT))
                    .isInstanceOf(ConnectionLostException.class)
                    .hasMessageContaining("before the call to ALIVE started")
                    .satisfies(e -> assertThat(((ConnectionLostException) e).connectionName())
                            .isEqualTo(client.name()));
            assertThat(client.pendingCalls()).isZero();
        }
    }

    @ParameterizedTest
    @MethodSource(LOOPBACKS)
    void call_onAClosedConnection_failsWithConnectionLostAtOnce(String host) throws Exception {
        try (MessageTestSupport.Peers peers = new MessageTestSupport.Peers(host, dir)) {
            MessageConnection client = MessageTestSupport.connect(peers.server());
            client.close();
            assertThatThrownBy(() -> client.call(Message.builder("ALIVE").build(), WAIT))
                    .isInstanceOf(ConnectionLostException.class);
            assertThatThrownBy(() -> client.call(Message.builder("ALIVE").build(), Set.of("ABSOLUTELY"), WAIT))
                    .isInstanceOf(ConnectionLostException.class);
        }
    }

    @ParameterizedTest
    @MethodSource(LOOPBACKS)
    void call_cancelledWhileTheRequestIsBeingWrittenOrAwaited_leavesTheConnectionOpen(String host) throws Exception {
        try (MessageTestSupport.Peers peers = new MessageTestSupport.Peers(host, dir);
                MessageConnection client = MessageTestSupport.connect(peers.server())) {
            MessageConnection served = peers.accept();
            for (int i = 0; i < 20; i++) {
                Task<Message> call;
                try (Scope scope = Scope.open("test")) {
                    call = scope.fork("call", () -> client.call(Message.builder("LOCK").build(), WAIT));
                    if (i % 2 == 0) {
                        next(served); // cancelled while it waits for the reply (and perhaps still in the write)
                    }
                    call.cancel();
                    assertThatThrownBy(() -> call.join(WAIT)).isInstanceOf(CancelledException.class);
                }
                if (i % 2 == 1) {
                    next(served); // cancelled at once: the request is written all the same
                }
                awaitCondition(() -> client.pendingCalls() == 0, "the cancelled call to give up");
                assertThat(client.isOpen()).isTrue();
            }
            served.send(Message.builder("STILL").build());
            assertThat(next(client).command()).isEqualTo("STILL");
        }
    }

    @ParameterizedTest
    @MethodSource(LOOPBACKS)
    void call_badArguments_areRefused(String host) throws Exception {
        try (MessageTestSupport.Peers peers = new MessageTestSupport.Peers(host, dir);
                MessageConnection client = MessageTestSupport.connect(peers.server())) {
            MessageConnection served = peers.accept();
            Message ping = Message.builder("PING").build();
            assertThatThrownBy(() -> client.call(ping, Duration.ZERO))
                    .isInstanceOf(IllegalArgumentException.class).hasMessage("timeout must be positive: PT0S");
            assertThatThrownBy(() -> client.call(ping, Set.of(), WAIT))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("replyCommands");
            try (Scope scope = Scope.open("test")) {
                Message withSerial = Message.builder("PING").parameter("serial", "mine").build();
                Task<Message> first = scope.fork("first", () -> client.call(withSerial, WAIT));
                Message request = next(served);
                assertThat(request.require("serial")).isEqualTo("mine");
                assertThatThrownBy(() -> client.call(withSerial, WAIT))
                        .isInstanceOf(IllegalStateException.class)
                        .hasMessageContaining("serial=mine is already waiting");
                served.reply(request, request.replyTo("PONG").build());
                assertThat(first.join(WAIT).toText()).isEqualTo("PONG serial=mine");
            }
        }
    }

    @ParameterizedTest
    @MethodSource(LOOPBACKS)
    void call_overDatagrams_matchesBySerial(String host) throws Exception {
        try (Scope scope = Scope.open("test");
                DatagramEndpoint serverUdp = DatagramEndpoint.builder(new InetSocketAddress(host, 0)).bind();
                MessageConnection server = MessageConnection.builder(serverUdp).build();
                MessageConnection client = MessageConnection.builder(DatagramEndpoint.builder(
                        new InetSocketAddress(host, 0)).bind()).peer(serverUdp.localAddress()).build()) {
            scope.fork("serve", () -> Dispatcher.builder().build().serve(server));
            Message reply = client.call(Message.builder("ALIVE").build(), WAIT);
            assertThat(reply.command()).isEqualTo("ABSOLUTELY");
            scope.cancel();
        }
    }

    // --- Failsafe ---

    @ParameterizedTest
    @MethodSource(LOOPBACKS)
    void failsafe_retryPolicy_retriesTimedOutCallsUntilAReply(String host) throws Exception {
        AtomicInteger seen = new AtomicInteger();
        Dispatcher flaky = Dispatcher.builder()
                .on("ALIVE", (message, context) -> {
                    if (seen.incrementAndGet() >= 3) { // ignores the first two
                        context.reply(message.replyTo("ABSOLUTELY"));
                    }
                })
                .build();
        try (Scope scope = Scope.open("test")) {
            StreamServer server = dispatcherServer(scope, host, dir, flaky);
            try (MessageConnection client = MessageTestSupport.connect(server)) {
                RetryPolicy<Message> retry = RetryPolicy.<Message>builder()
                        .handle(CallTimeoutException.class)
                        .withDelay(Duration.ofMillis(10))
                        .withMaxRetries(3)
                        .build();
                Message reply = Failsafe.with(retry).get(() -> client.call(Message.builder("ALIVE").build(),
                        Duration.ofMillis(300)));
                assertThat(reply.command()).isEqualTo("ABSOLUTELY");
                assertThat(seen).hasValue(3);
            }
            scope.cancel();
        }
    }

    @ParameterizedTest
    @MethodSource(LOOPBACKS)
    void failsafe_timeoutWithInterrupt_endsTheCallAndTheConnectionStaysOpen(String host) throws Exception {
        try (MessageTestSupport.Peers peers = new MessageTestSupport.Peers(host, dir);
                MessageConnection client = MessageTestSupport.connect(peers.server())) {
            MessageConnection served = peers.accept();
            dev.failsafe.Timeout<Message> timeout = dev.failsafe.Timeout.<Message>builder(Duration.ofMillis(200))
                    .withInterrupt()
                    .build();
            assertThatThrownBy(() -> Failsafe.with(timeout).get(() -> client.call(Message.builder("LOCK").build(),
                    WAIT))).isInstanceOf(TimeoutExceededException.class);
            Message request = next(served);
            assertThat(request.command()).isEqualTo("LOCK");
            awaitCondition(() -> client.pendingCalls() == 0, "the interrupted call to give up");
            assertThat(client.isOpen()).isTrue();
            served.send(Message.builder("STILL").build());
            assertThat(next(client).command()).isEqualTo("STILL");
        }
    }

    @ParameterizedTest
    @MethodSource(LOOPBACKS)
    void failsafe_circuitBreaker_opensAfterFailedCallsAndFailsFast(String host) throws Exception {
        try (MessageTestSupport.Peers peers = new MessageTestSupport.Peers(host, dir);
                MessageConnection client = MessageTestSupport.connect(peers.server())) {
            MessageConnection served = peers.accept();
            CircuitBreaker<Message> breaker = CircuitBreaker.<Message>builder()
                    .handle(CallTimeoutException.class)
                    .withFailureThreshold(2)
                    .withDelay(Duration.ofMinutes(1))
                    .build();
            for (int i = 0; i < 2; i++) {
                assertThatThrownBy(() -> Failsafe.with(breaker).get(() -> client.call(
                        Message.builder("LOCK").build(), Duration.ofMillis(50))))
                        .isInstanceOf(FailsafeException.class)
                        .hasCauseInstanceOf(CallTimeoutException.class);
            }
            assertThat(breaker.isOpen()).isTrue();
            assertThatThrownBy(() -> Failsafe.with(breaker).get(() -> client.call(Message.builder("LOCK").build(),
                    WAIT))).isInstanceOf(CircuitBreakerOpenException.class);
            next(served);
            next(served);
            served.send(Message.builder("ONLY_NOW").build()); // the third call was never sent
            assertThat(next(client).command()).isEqualTo("ONLY_NOW");
        }
    }
}
