package dev.weft.samples.cli;

import dev.weft.fs.events.FileEvent;
import dev.weft.fs.events.FileWatcher;
import dev.weft.fs.events.WatchOptions;
import dev.weft.net.Addresses;
import dev.weft.net.Connection;
import dev.weft.net.Message;
import dev.weft.net.MessageConnection;
import dev.weft.net.PermanentConnection;
import dev.weft.net.PermanentEvent;
import dev.weft.net.StreamServer;
import dev.weft.process.ChildPipeline;
import dev.weft.process.Command;
import dev.weft.process.ExitStatus;
import dev.weft.process.Pipeline;
import dev.weft.runtime.Channel;
import dev.weft.runtime.Received;
import dev.weft.runtime.Scope;
import dev.weft.runtime.Select;
import dev.weft.runtime.Ticker;
import dev.weft.runtime.Timers;
import dev.weft.samples.switchboard.Switchboard;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * {@code weft demo}: a self-contained tour of weft in a few seconds — a select over a channel and a ticker, a
 * switchboard with two services, a permanent connection surviving a backend restart, a recursive file watch and a
 * child process pipeline — printing what happens.
 */
final class DemoCommand implements Subcommand {

    private static final Duration WAIT = Duration.ofSeconds(10);

    @Override
    public String name() {
        return "demo";
    }

    @Override
    public String summary() {
        return "a short tour: select, switchboard, permanent connection, file watch, pipeline";
    }

    @Override
    public String usage() {
        return """
                usage: weft demo

                Runs a self-contained tour on loopback and in a temporary directory, printing each step:
                  1. a select over a channel and a ticker
                  2. a switchboard with two services exchanging messages
                  3. a permanent connection surviving a backend restart (with the backoff it used)
                  4. a recursive file watch reporting a nested creation
                  5. a child process pipeline
                Exit status: 0 when every step worked, 1 otherwise.
                """;
    }

    @Override
    public CommandLine.Spec spec() {
        return CommandLine.Spec.of(Set.of(), Set.of());
    }

    @Override
    public int run(CommandLine line, PrintStream out, PrintStream err) throws Exception {
        if (!line.positional().isEmpty()) {
            throw new UsageException("demo: takes no arguments");
        }
        long start = System.nanoTime();
        selectLoop(out);
        switchboard(out);
        permanentConnection(out);
        fileWatch(out);
        pipeline(out);
        out.printf("%ndone in %.1f s: every task ended with its scope%n", (System.nanoTime() - start) / 1e9);
        return 0;
    }

    private static void step(PrintStream out, int n, String title) {
        out.println();
        out.println("== " + n + ". " + title);
    }

    /** 1. A producer task feeds a channel; one select waits on it and on a ticker. */
    private static void selectLoop(PrintStream out) throws Exception {
        step(out, 1, "select over a channel and a ticker");
        try (Scope scope = Scope.open("demo-select");
             Ticker ticker = Timers.ticker(Duration.ofMillis(150))) {
            Channel<String> words = Channel.buffered(4);
            scope.fork("producer", () -> {
                try (words) {
                    for (String w : List.of("blocking", "code", "on", "virtual threads")) {
                        words.send(w);
                        Timers.sleep(Duration.ofMillis(100));
                    }
                }
                return null;
            });
            boolean open = true;
            while (open) {
                open = Select.<Boolean>create()
                        .onReceiveOrClosed(words, r -> switch (r) {
                            case Received.Value<String> v -> print(out, "   word: " + v.value());
                            case Received.Closed<String> c -> !print(out, "   the producer closed its channel");
                        })
                        .onReceive(ticker, tick -> print(out, "   tick"))
                        .select();
            }
            scope.join();
        }
    }

    /** 2. A switchboard in this process; two services register and exchange messages through it. */
    private static void switchboard(PrintStream out) throws Exception {
        step(out, 2, "a switchboard with two services");
        try (Scope scope = Scope.open("demo-switchboard")) {
            Switchboard sb = Switchboard.builder().name("demo").listen(new InetSocketAddress("127.0.0.1", 0))
                    .build();
            sb.start(scope);
            SocketAddress address = sb.addresses().getFirst();
            out.println("   switchboard listening on " + Addresses.format((InetSocketAddress) address));
            try (MessageConnection clock = register(address, "clock", "TIME");
                 MessageConnection caller = register(address, "caller", "TIME_IS")) {
                scope.fork("clock service", () -> {
                    for (Message m : clock.messages()) {
                        if (m.command().equals("TIME")) {
                            clock.send(m.replyTo("TIME_IS").parameter("now", java.time.Instant.now()).build());
                        }
                    }
                    return null;
                });
                caller.send(Message.builder("TIME").service("clock").build());
                out.println("   caller -> clock/TIME");
                Message reply = caller.messages().receive(WAIT).orElseThrow(() -> new IOException("no TIME_IS"));
                out.println("   clock -> caller: " + reply.toText());
                out.println("   registered services: " + sb.services());
            }
            sb.shutdown(Duration.ofSeconds(2));
            scope.cancel();
        }
    }

    private static MessageConnection register(SocketAddress switchboard, String service, String commands)
            throws Exception {
        MessageConnection c = MessageConnection.over(Connection.connect(switchboard, WAIT));
        c.send(Message.builder("REGISTER").parameter("service", service).parameter("version", 1).build());
        while (true) {
            Message m = c.messages().receive(WAIT).orElseThrow(() -> new IOException("no READY for " + service));
            if (m.command().equals("HELP")) {
                c.send(Message.builder("COMMANDS").parameter("list", commands).build());
            } else if (m.command().equals("READY")) {
                return c;
            }
        }
    }

    /** 3. A permanent connection to an echo backend that is stopped and started again on the same port. */
    private static void permanentConnection(PrintStream out) throws Exception {
        step(out, 3, "a permanent connection survives a backend restart");
        try (Scope scope = Scope.open("demo-permanent")) {
            StreamServer backend = echo(scope, new InetSocketAddress("127.0.0.1", 0));
            InetSocketAddress address = (InetSocketAddress) backend.localAddress();
            PermanentConnection client = PermanentConnection.builder(List.of(address))
                    .mode(PermanentConnection.Mode.LINES).open(scope);
            client.send("hello");
            out.println("   sent 'hello' (buffered until READY), got back '" + next(client) + "'");
            backend.stop(Duration.ofMillis(100));
            out.println("   backend stopped");
            Duration backoff = null;
            boolean restarted = false;
            while (true) {
                PermanentEvent e = client.events().receive(WAIT).orElseThrow(() -> new IOException("stuck"));
                if (e instanceof PermanentEvent.Backoff b && backoff == null) {
                    backoff = b.delay();
                    out.printf("   connection lost; backoff %.2f s before the next attempt%n",
                            b.delay().toNanos() / 1e9);
                    if (!restarted) {
                        backend = echo(scope, address);
                        restarted = true;
                        out.println("   backend started again on " + Addresses.format(address));
                    }
                }
                if (e instanceof PermanentEvent.Connected c && restarted) {
                    out.printf("   READY again after %.2f s down%n", c.downtime().toNanos() / 1e9);
                    break;
                }
            }
            client.send("still here");
            out.println("   sent 'still here', got back '" + next(client) + "'");
            client.close();
            backend.stop(Duration.ofMillis(100));
            scope.cancel();
        }
    }

    private static StreamServer echo(Scope scope, InetSocketAddress address) throws Exception {
        return StreamServer.builder(address).start(scope, c -> {
            for (String l : c.lines()) {
                c.send(l);
            }
        });
    }

    private static String next(PermanentConnection client) throws Exception {
        return client.lines().receive(WAIT).orElseThrow(() -> new IOException("no echo within " + WAIT));
    }

    /** 4. A recursive watch sees every file of a directory tree created at once. */
    private static void fileWatch(PrintStream out) throws Exception {
        step(out, 4, "a recursive file watch");
        Path dir = Files.createTempDirectory("weft-demo").toRealPath();
        try (FileWatcher watcher = FileWatcher.watch(dir, WatchOptions.builder().recursive(true).build())) {
            Path deep = Files.createDirectories(dir.resolve("a/b/c"));
            Files.writeString(deep.resolve("hello.txt"), "hi");
            out.println("   mkdir -p a/b/c && echo hi > a/b/c/hello.txt");
            while (true) {
                FileEvent e = watcher.events().receive(WAIT).orElseThrow(() -> new IOException("no event"));
                if (e instanceof FileEvent.Created || e instanceof FileEvent.Written) {
                    out.println("   " + WatchCommand.kind(e) + " " + dir.relativize(e.path()) + (e.directory() ? "/"
                            : ""));
                }
                if (e.path().endsWith("hello.txt")) { // CREATED when the listing of the new c/ found it first
                    break;
                }
            }
        } finally {
            try (Stream<Path> paths = Files.walk(dir)) {
                for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    /** 5. printf | sort | uniq -c, with the status of every stage. */
    private static void pipeline(PrintStream out) throws Exception {
        step(out, 5, "a child process pipeline");
        try (Scope scope = Scope.open("demo-pipeline")) {
            ChildPipeline pipeline = Pipeline.of(
                    Command.of("printf", "weft\\nloom\\nweft\\n"),
                    Command.of("sort"),
                    Command.of("uniq", "-c")).start(scope);
            out.println("   printf 'weft\\nloom\\nweft\\n' | sort | uniq -c");
            for (String l : pipeline.stdoutLines()) {
                out.println("   " + l.strip());
            }
            List<ExitStatus> statuses = pipeline.await();
            out.println("   stage statuses: " + statuses);
            if (!statuses.stream().allMatch(ExitStatus::isSuccess)) {
                throw new CommandFailedException("the pipeline failed: " + statuses);
            }
        }
    }

    private static boolean print(PrintStream out, String text) {
        out.println(text);
        return true;
    }
}
