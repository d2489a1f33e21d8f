package dev.weft.net;

import static dev.weft.net.MessageTestSupport.connectRaw;
import static dev.weft.net.MessageTestSupport.dispatcherServer;
import static dev.weft.net.MessageTestSupport.next;
import static dev.weft.net.MessageTestSupport.nextParsed;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.runtime.Scope;
import dev.weft.runtime.Task;
import dev.weft.runtime.testing.PinningGuard;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
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
final class DispatcherTest {

    private static final String TRANSPORTS = "dev.weft.net.MessageTestSupport#transports";
    private static final String LOOPBACKS = "dev.weft.net.MessageTestSupport#loopbacks";
    private static final String CONVENTIONS = "ALIVE,HELP,INVALID,LOG_ROTATE,QUITTING,READY,RESTART,"
            + "SERVICE_UNAVAILABLE,STOP,UNKNOWN";

    @TempDir
    Path dir;

    private static Dispatcher.Handler answer(String command) {
        return (message, context) -> context.reply(message.replyTo(command));
    }

    // --- conventions, end to end ---

    @ParameterizedTest
    @MethodSource(TRANSPORTS)
    void help_listsEveryHandledCommandSorted(String transport) throws Exception {
        Dispatcher dispatcher = Dispatcher.builder()
                .on("ZAP", answer("ZAPPED"))
                .on("LOCK", answer("LOCKED"))
                .rule(Dispatcher.Rule.exactThenContinue("AUDIT", (m, c) -> { }))
                .rule(Dispatcher.Rule.tap((m, c) -> { }))
                .helpCommands(() -> List.of("DYNAMIC_B", "DYNAMIC_A"))
                .build();
        try (Scope scope = Scope.open("test")) {
            StreamServer server = dispatcherServer(scope, transport, dir, dispatcher);
            try (Connection peer = connectRaw(server)) {
                peer.send("<srv:client HELP");
                Message commands = nextParsed(peer);
                assertThat(commands.command()).isEqualTo("COMMANDS");
                assertThat(commands.service()).contains("client");
                assertThat(commands.server()).contains("srv");
                assertThat(commands.require("list")).isEqualTo("ALIVE,AUDIT,DYNAMIC_A,DYNAMIC_B,HELP,INVALID,"
                        + "LOCK,LOG_ROTATE,QUITTING,READY,RESTART,SERVICE_UNAVAILABLE,STOP,UNKNOWN,ZAP");
            }
            scope.cancel();
        }
    }

    @ParameterizedTest
    @MethodSource(TRANSPORTS)
    void alive_answersAbsolutelyEchoingSerialAndTimestamp(String transport) throws Exception {
        try (Scope scope = Scope.open("test")) {
            StreamServer server = dispatcherServer(scope, transport, dir, Dispatcher.builder().build());
            try (Connection peer = connectRaw(server)) {
                Instant before = Instant.now();
                peer.send("<monster:pinger ALIVE serial=77;timestamp=1700000000.5");
                Message reply = nextParsed(peer);
                assertThat(reply.command()).isEqualTo("ABSOLUTELY");
                assertThat(reply.server()).contains("monster");
                assertThat(reply.service()).contains("pinger");
                assertThat(reply.require("serial")).isEqualTo("77");
                assertThat(reply.require("timestamp")).isEqualTo("1700000000.5");
                assertThat(reply.timestamp("reply_timestamp")).isBetween(before.minusSeconds(1),
                        Instant.now().plusSeconds(1));
                peer.send("ALIVE");
                Message bare = nextParsed(peer);
                assertThat(bare.parameters()).containsOnlyKeys("reply_timestamp");
            }
            scope.cancel();
        }
    }

    @ParameterizedTest
    @MethodSource(TRANSPORTS)
    void unknownCommand_isAnsweredUnknownNamingIt(String transport) throws Exception {
        try (Scope scope = Scope.open("test")) {
            StreamServer server = dispatcherServer(scope, transport, dir, Dispatcher.builder().build());
            try (Connection peer = connectRaw(server)) {
                peer.send("<srv:svc FROB a=1;serial=9");
                Message reply = nextParsed(peer);
                assertThat(reply.toText()).isEqualTo("srv:svc/UNKNOWN command=FROB;serial=9");
                peer.send("UNKNOWN command=X"); // never answered: that would loop between two dispatchers
                peer.send("frob");
                assertThat(nextParsed(peer).toText()).isEqualTo("UNKNOWN command=frob");
            }
            scope.cancel();
        }
    }

    @ParameterizedTest
    @MethodSource(TRANSPORTS)
    void definitionFailure_isAnsweredInvalidAndTheHandlerIsNotCalled(String transport) throws Exception {
        AtomicInteger locks = new AtomicInteger();
        MessageDefinitions definitions = MessageDefinitions.builder()
                .define(MessageDefinition.builder("LOCK")
                        .required("object_name", MessageDefinition.Type.STRING)
                        .optional("timeout", MessageDefinition.Type.DURATION)
                        .strict()
                        .build())
                .build();
        Dispatcher dispatcher = Dispatcher.builder()
                .definitions(definitions)
                .on("LOCK", (message, context) -> {
                    locks.incrementAndGet();
                    context.reply(message.replyTo("LOCKED"));
                })
                .build();
        try (Scope scope = Scope.open("test")) {
            StreamServer server = dispatcherServer(scope, transport, dir, dispatcher);
            try (Connection peer = connectRaw(server)) {
                peer.send("LOCK timeout=soon");
                Message invalid = nextParsed(peer);
                assertThat(invalid.command()).isEqualTo("INVALID");
                assertThat(invalid.require("command")).isEqualTo("LOCK");
                assertThat(invalid.require("message"))
                        .contains("parameter object_name is required")
                        .contains("timeout")
                        .contains("soon");
                peer.send("LOCK object_name=printer;color=red");
                assertThat(nextParsed(peer).require("message")).isEqualTo("parameter color is not declared for LOCK");
                assertThat(locks).hasValue(0);
                peer.send("LOCK object_name=printer;timeout=1.5;serial=3");
                Message locked = nextParsed(peer);
                assertThat(locked.toText()).isEqualTo("LOCKED serial=3");
                assertThat(locks).hasValue(1);
            }
            scope.cancel();
        }
    }

    @ParameterizedTest
    @MethodSource(TRANSPORTS)
    void garbageBetweenValidLines_everyValidMessageIsDispatchedAndGarbageAnsweredInvalid(String transport)
            throws Exception {
        List<String> seen = new CopyOnWriteArrayList<>();
        Dispatcher dispatcher = Dispatcher.builder()
                .on("PING", (message, context) -> {
                    seen.add(message.require("n"));
                    context.reply(message.replyTo("PONG").parameter("n", message.require("n")));
                })
                .build();
        try (Scope scope = Scope.open("test")) {
            StreamServer server = dispatcherServer(scope, transport, dir, dispatcher);
            try (Connection peer = connectRaw(server)) {
                peer.write(("PING n=1\n\u0000\u0001garbage\nPING n=2\r\n;;;\n\nPING a=\"x\"y\nPING n=3\n"
                        + "PING é=1\n{\"command\":1}\nPING n=4\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
                int pongs = 0;
                int invalids = 0;
                while (pongs < 4) {
                    Message m = nextParsed(peer);
                    if (m.command().equals("PONG")) {
                        pongs++;
                        assertThat(m.integer("n")).isEqualTo(pongs);
                    } else {
                        assertThat(m.command()).isEqualTo("INVALID");
                        assertThat(m.require("message")).startsWith("invalid message at ");
                        invalids++;
                    }
                }
                assertThat(seen).containsExactly("1", "2", "3", "4");
                assertThat(invalids).isEqualTo(5);
            }
            scope.cancel();
        }
    }

    @ParameterizedTest
    @MethodSource(TRANSPORTS)
    void handlerThrowingIllegalArgument_isAnsweredInvalidAndTheConnectionGoesOn(String transport)
            throws Exception {
        Dispatcher dispatcher = Dispatcher.builder()
                .on("SET", (message, context) -> context.reply(message.replyTo("DONE")
                        .parameter("level", message.integer("level"))))
                .on("FAIL", (message, context) -> {
                    throw new IllegalStateException("a bug in the handler");
                })
                .build();
        try (Scope scope = Scope.open("test")) {
            StreamServer server = dispatcherServer(scope, transport, dir, dispatcher);
            try (Connection peer = connectRaw(server)) {
                peer.send("SET level=high");
                Message invalid = nextParsed(peer);
                assertThat(invalid.command()).isEqualTo("INVALID");
                assertThat(invalid.require("command")).isEqualTo("SET");
                assertThat(invalid.require("message")).contains("level").contains("high");
                peer.send("SET");
                assertThat(nextParsed(peer).require("message")).contains("level");
                peer.send("FAIL"); // logged; no answer
                peer.send("SET level=0x10");
                assertThat(nextParsed(peer).toText()).isEqualTo("DONE level=16");
            }
            scope.cancel();
        }
    }

    @ParameterizedTest
    @MethodSource(TRANSPORTS)
    void conventions_areOverriddenByTheServicesOwnHandlers(String transport) throws Exception {
        List<String> calls = new CopyOnWriteArrayList<>();
        Dispatcher dispatcher = Dispatcher.builder()
                .on("HELP", (message, context) -> context.reply(message.replyTo("COMMANDS").parameter("list", "X")))
                .on("STOP", (message, context) -> calls.add("stop"))
                .on("READY", (message, context) -> calls.add("ready " + message.require("my_address")))
                .on("RESTART", (message, context) -> calls.add("restart"))
                .on("LOG_ROTATE", (message, context) -> calls.add("log_rotate"))
                .on("ALIVE", answer("YES"))
                .build();
        try (Scope scope = Scope.open("test")) {
            StreamServer server = dispatcherServer(scope, transport, dir, dispatcher);
            try (Connection peer = connectRaw(server)) {
                peer.send("HELP");
                assertThat(nextParsed(peer).toText()).isEqualTo("COMMANDS list=X");
                for (String line : List.of("STOP", "READY my_address=10.0.0.1", "RESTART", "LOG_ROTATE")) {
                    peer.send(line);
                }
                peer.send("ALIVE serial=1");
                assertThat(nextParsed(peer).toText()).isEqualTo("YES serial=1");
                assertThat(calls).containsExactly("stop", "ready 10.0.0.1", "restart", "log_rotate");
            }
            scope.cancel();
        }
    }

    @ParameterizedTest
    @MethodSource(TRANSPORTS)
    void quitting_closesTheConnectionAndServeReturns(String transport) throws Exception {
        try (MessageTestSupport.Peers peers = new MessageTestSupport.Peers(transport, dir);
                Scope scope = Scope.open("test");
                MessageConnection client = MessageTestSupport.connect(peers.server())) {
            MessageConnection served = peers.accept();
            Task<Void> serving = scope.fork("serve", () -> Dispatcher.builder().build().serve(client));
            served.send(Message.builder("QUITTING").build());
            serving.join(MessageTestSupport.WAIT);
            assertThat(client.isOpen()).isFalse();
        }
    }

    @ParameterizedTest
    @MethodSource(TRANSPORTS)
    void serve_peerCloses_returnsNormally(String transport) throws Exception {
        try (MessageTestSupport.Peers peers = new MessageTestSupport.Peers(transport, dir);
                Scope scope = Scope.open("test");
                MessageConnection client = MessageTestSupport.connect(peers.server())) {
            MessageConnection served = peers.accept();
            Task<Void> serving = scope.fork("serve", () -> Dispatcher.builder().build().serve(client));
            served.close();
            serving.join(MessageTestSupport.WAIT);
            assertThat(serving.state()).isEqualTo(Task.State.SUCCEEDED);
        }
    }

    @ParameterizedTest
    @MethodSource(LOOPBACKS)
    void datagram_dispatcherAnswersTheSenderAddress(String host) throws Exception {
        try (Scope scope = Scope.open("test");
                DatagramEndpoint serverUdp = DatagramEndpoint.builder(new InetSocketAddress(host, 0)).bind();
                MessageConnection server = MessageConnection.builder(serverUdp).build();
                MessageConnection a = MessageConnection.builder(DatagramEndpoint.builder(
                        new InetSocketAddress(host, 0)).bind()).peer(serverUdp.localAddress()).build();
                MessageConnection b = MessageConnection.builder(DatagramEndpoint.builder(
                        new InetSocketAddress(host, 0)).bind()).peer(serverUdp.localAddress()).build()) {
            scope.fork("serve", () -> Dispatcher.builder().build().serve(server));
            a.send(Message.builder("ALIVE").parameter("serial", "a").build());
            b.send(Message.builder("FROB").build());
            Message toA = next(a);
            assertThat(toA.command()).isEqualTo("ABSOLUTELY");
            assertThat(toA.require("serial")).isEqualTo("a");
            assertThat(next(b).toText()).isEqualTo("UNKNOWN command=FROB");
            scope.cancel();
        }
    }

    // --- rules ---

    @ParameterizedTest
    @MethodSource(LOOPBACKS)
    void rules_runByPriorityThenOrder_exactStopsThenContinueGoesOn(String host) throws Exception {
        List<String> trace = new CopyOnWriteArrayList<>();
        Dispatcher dispatcher = Dispatcher.builder()
                .rule(Dispatcher.Rule.exact("A", (m, c) -> trace.add("exact-A-7")))
                .rule(Dispatcher.Rule.tap((m, c) -> trace.add("tap-0 " + m.command())).priority(0))
                .rule(Dispatcher.Rule.exactThenContinue("A", (m, c) -> trace.add("continue-A-3")).priority(3))
                .rule(Dispatcher.Rule.exactThenContinue("A", (m, c) -> trace.add("continue-A-3b")).priority(3))
                .rule(Dispatcher.Rule.exact("A", (m, c) -> trace.add("exact-A-9")).priority(9))
                .rule(Dispatcher.Rule.tap((m, c) -> trace.add("tap-15 " + m.command())).priority(15))
                .rule(Dispatcher.Rule.exactThenContinue("B", (m, c) -> trace.add("continue-B")))
                .rule(Dispatcher.Rule.catchAll((m, c) -> trace.add("catch-all " + m.command())))
                .build();
        withLoopbackPair(host, client -> {
            dispatcher.dispatch(Message.parse("A"), client);
            assertThat(trace).containsExactly("tap-0 A", "continue-A-3", "continue-A-3b", "exact-A-7");
            trace.clear();
            dispatcher.dispatch(Message.parse("B"), client);
            assertThat(trace).containsExactly("tap-0 B", "continue-B", "tap-15 B");
            trace.clear();
            dispatcher.dispatch(Message.parse("C"), client);
            assertThat(trace).containsExactly("tap-0 C", "tap-15 C", "catch-all C");
        });
        assertThat(dispatcher.rules().getLast().kind()).isEqualTo(Dispatcher.Kind.CATCH_ALL);
    }

    @ParameterizedTest
    @MethodSource(LOOPBACKS)
    void rules_addedAndRemovedByTagAtRunTime(String host) throws Exception {
        List<String> trace = new CopyOnWriteArrayList<>();
        Dispatcher dispatcher = Dispatcher.builder().conventions(false).build();
        withLoopbackPair(host, client -> {
            dispatcher.add(Dispatcher.Rule.exact("RELOAD", (m, c) -> trace.add("reload")).tag("plugin"));
            dispatcher.add(Dispatcher.Rule.tap((m, c) -> trace.add("tap")).priority(0).tag("plugin"));
            dispatcher.add(Dispatcher.Rule.exact("KEEP", (m, c) -> trace.add("keep")));
            assertThat(dispatcher.commands()).containsExactly("KEEP", "RELOAD");
            dispatcher.dispatch(Message.parse("RELOAD"), client);
            assertThat(trace).containsExactly("tap", "reload");
            assertThat(dispatcher.remove("plugin")).isEqualTo(2);
            assertThat(dispatcher.remove("plugin")).isZero();
            trace.clear();
            dispatcher.dispatch(Message.parse("RELOAD"), client); // no rule, no conventions: dropped
            dispatcher.dispatch(Message.parse("KEEP"), client);
            assertThat(trace).containsExactly("keep");
            assertThat(dispatcher.commands()).containsExactly("KEEP");
        });
    }

    @Test
    void conventions_removedByTheirTag_leaveOnlyTheServicesRules() throws Exception {
        Dispatcher dispatcher = Dispatcher.builder().on("PING", answer("PONG")).build();
        assertThat(String.join(",", dispatcher.commands())).isEqualTo(CONVENTIONS.replace("LOG_ROTATE,",
                "LOG_ROTATE,PING,"));
        assertThat(dispatcher.remove(Dispatcher.CONVENTIONS_TAG)).isEqualTo(11); // ten commands and the catch-all
        assertThat(dispatcher.commands()).containsExactly("PING");
        assertThat(dispatcher.rules()).hasSize(1);
    }

    @Test
    void catchAll_secondOne_isRefusedUntilTheFirstIsRemoved() {
        Dispatcher dispatcher = Dispatcher.builder()
                .rule(Dispatcher.Rule.catchAll((m, c) -> { }).tag("first"))
                .build();
        Dispatcher.Rule second = Dispatcher.Rule.catchAll((m, c) -> { });
        assertThatThrownBy(() -> dispatcher.add(second))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("already has a catch-all rule (tag first)");
        assertThat(dispatcher.remove("first")).isEqualTo(1);
        dispatcher.add(second);
        assertThat(dispatcher.rules().getLast()).isSameAs(second);
        assertThatThrownBy(() -> Dispatcher.builder().rule(second).rule(Dispatcher.Rule.catchAll((m, c) -> { }))
                .build()).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void rule_badArguments_areRefusedNamingTheValue() {
        Dispatcher.Handler h = (m, c) -> { };
        assertThatThrownBy(() -> Dispatcher.Rule.exact("A", h).priority(16))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("0 to 15: 16");
        assertThatThrownBy(() -> Dispatcher.Rule.exact("A", h).priority(-1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(": -1");
        assertThatThrownBy(() -> Dispatcher.Rule.exact("lower", h))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("lower");
        assertThatThrownBy(() -> Dispatcher.Rule.exact("", h))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("empty");
        assertThatThrownBy(() -> Dispatcher.Rule.tap(h).tag(" "))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("tag");
        assertThatThrownBy(() -> new Dispatcher.Rule(Dispatcher.Kind.TAP, java.util.Optional.of("A"), h, 7,
                java.util.Optional.empty())).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("A");
        assertThatThrownBy(() -> new Dispatcher.Rule(Dispatcher.Kind.EXACT, java.util.Optional.empty(), h, 7,
                java.util.Optional.empty())).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("needs a command");
    }

    @Test
    void definitions_mergeTheConventionsUnderTheServices() {
        Dispatcher dispatcher = Dispatcher.builder()
                .definitions(MessageDefinitions.builder()
                        .define(MessageDefinition.builder("ALIVE").required("serial",
                                MessageDefinition.Type.INTEGER).build())
                        .build())
                .build();
        assertThat(dispatcher.definitions().commands()).contains("ABSOLUTELY", "ALIVE", "HELP", "READY");
        assertThat(dispatcher.definitions().check(Message.parse("ALIVE"))).containsExactly(
                "parameter serial is required");
        assertThat(Dispatcher.builder().conventions(false).build().definitions().commands()).isEmpty();
    }

    // --- the Javadoc example ---

    @ParameterizedTest
    @MethodSource(TRANSPORTS)
    void javadocExample_answersHelpAliveLockAndUnknown(String transport) throws Exception {
        Task<Void> service;
        try (Scope test = Scope.open("test")) {
            dev.weft.runtime.Channel<StreamServer> servers = dev.weft.runtime.Channel.buffered(1);
            service = test.fork("service", () -> {
                // the class Javadoc's example, with a test address and a way to learn the port
                try (Scope scope = Scope.open("lockd")) {
                    Dispatcher dispatcher = Dispatcher.builder()
                            .on("LOCK", (message, context) -> {
                                String object = message.require("object_name");
                                context.reply(message.replyTo("LOCKED").parameter("object_name", object));
                            })
                            .on("STOP", (message, context) -> scope.cancel())
                            .build();
                    StreamServer server = StreamServer.builder(MessageTestSupport.bindAddress(transport, dir))
                            .start(scope, connection -> {
                                try (MessageConnection messages = MessageConnection.over(connection)) {
                                    dispatcher.serve(messages);
                                }
                            });
                    servers.send(server);
                    scope.join();
                }
            });
            StreamServer started = servers.receive(MessageTestSupport.WAIT).orElseThrow();
            try (MessageConnection peer = MessageTestSupport.connect(started)) {
                Message commands = peer.call(Message.builder("HELP").build(), Set.of("COMMANDS"),
                        MessageTestSupport.WAIT);
                assertThat(commands.require("list")).isEqualTo(CONVENTIONS.replace("INVALID,",
                        "INVALID,LOCK,"));
                Message alive = peer.call(Message.builder("ALIVE").parameter("timestamp", "1700000000.5").build(),
                        MessageTestSupport.WAIT);
                assertThat(alive.command()).isEqualTo("ABSOLUTELY");
                assertThat(alive.require("timestamp")).isEqualTo("1700000000.5");
                Message locked = peer.call(Message.builder("LOCK").parameter("object_name", "printer").build(),
                        MessageTestSupport.WAIT);
                assertThat(locked.require("object_name")).isEqualTo("printer");
                Message unknown = peer.call(Message.builder("FROB").build(), Set.of("FROBBED"),
                        MessageTestSupport.WAIT);
                assertThat(unknown.toText()).isEqualTo("UNKNOWN command=FROB");
                Message missing = peer.call(Message.builder("LOCK").build(), MessageTestSupport.WAIT);
                assertThat(missing.command()).isEqualTo("INVALID");
                peer.send(Message.builder("STOP").build());
            }
            service.join(MessageTestSupport.WAIT);
        }
        assertThat(service.state()).isEqualTo(Task.State.SUCCEEDED);
    }

    /** Runs {@code body} with the client side of a TCP message connection on {@code host}. */
    private void withLoopbackPair(String host, Body body) throws Exception {
        try (MessageTestSupport.Peers peers = new MessageTestSupport.Peers(host, dir);
                MessageConnection client = MessageTestSupport.connect(peers.server())) {
            body.run(client);
        }
    }

    @FunctionalInterface
    private interface Body {
        void run(MessageConnection client) throws Exception;
    }

    @ParameterizedTest
    @MethodSource(LOOPBACKS)
    void serve_cancelled_leavesTheConnectionOpen(String host) throws Exception {
        try (MessageTestSupport.Peers peers = new MessageTestSupport.Peers(host, dir);
                MessageConnection client = MessageTestSupport.connect(peers.server())) {
            MessageConnection served = peers.accept();
            try (Scope scope = Scope.open("test")) {
                Task<Void> serving = scope.fork("serve", () -> Dispatcher.builder().build().serve(client));
                serving.cancel();
                assertThatThrownBy(() -> serving.join(MessageTestSupport.WAIT))
                        .isInstanceOf(dev.weft.runtime.CancelledException.class);
                assertThat(serving.state()).isEqualTo(Task.State.CANCELLED);
            }
            assertThat(client.isOpen()).isTrue();
            served.send(Message.builder("STILL").build());
            assertThat(next(client).command()).isEqualTo("STILL");
        }
    }
}
