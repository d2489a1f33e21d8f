package dev.weft.samples.cli;

import dev.weft.net.Addresses;
import dev.weft.net.Dispatcher;
import dev.weft.net.DnsResolver;
import dev.weft.net.Message;
import dev.weft.net.MessageFormatException;
import dev.weft.net.PermanentConnection;
import dev.weft.net.PermanentEvent;
import dev.weft.net.PermanentSendException;
import dev.weft.net.TlsClientConfig;
import dev.weft.runtime.Channel;
import dev.weft.runtime.Received;
import dev.weft.runtime.Scope;
import dev.weft.runtime.Select;
import dev.weft.signals.SignalSubscription;
import dev.weft.signals.Signals;
import dev.weft.signals.UnixSignal;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Collectors;

/**
 * {@code weft connect}: a permanent client from the shell — stdin lines go to the backend (buffered while
 * disconnected), received lines are printed, and with {@code --json} every event is one JSON line.
 */
final class ConnectCommand implements Subcommand {

    private final ReentrantLock printing = new ReentrantLock();

    /** What one turn of the main loop asks for. */
    private sealed interface Step {
        /** Nothing more to do. */
        Step NOTHING = new Nothing();
        /** Stop: a signal, or the connection closed. */
        Step STOP = new Stop();

        /** Nothing to do after the handler. */
        record Nothing() implements Step {
        }

        /** End the loop. */
        record Stop() implements Step {
        }

        /** Send a line read from stdin. */
        record Send(String text) implements Step {
        }
    }

    @Override
    public String name() {
        return "connect";
    }

    @Override
    public String summary() {
        return "a permanent connection from the shell (reconnects, follows DNS)";
    }

    @Override
    public String usage() {
        return """
                usage: weft connect [--dns-server HOST:PORT] [--json] [--messages] [--ca PEM] TARGET

                Keeps a permanent connection to TARGET (host:port, tls://host:port or unix:/path): reconnects
                forever with backoff, re-resolves DNS names when their TTL runs out and after every loss, and
                buffers what it sends while disconnected. Each stdin line is sent; each received line is printed.
                Runs until SIGINT or SIGTERM (end of stdin only stops sending).
                  --dns-server H:P  ask this DNS server instead of /etc/resolv.conf's
                  --json            print every event as one JSON line:
                                    {"event":"state","state":"READY","address":"127.0.0.3:7000"}
                                    {"event":"resolved","addresses":["127.0.0.2:7000"],"ttl":"PT5S"}
                                    {"event":"received","line":"..."}  {"event":"dropped","reason":"..."}
                  --messages        message mode: lines are parsed as weft messages (invalid ones are refused),
                                    ALIVE is answered with ABSOLUTELY
                  --ca PEM          trust these CA certificates for tls://
                Exit status: 0 stopped by a signal, 1 cannot start, 2 usage error.
                """;
    }

    @Override
    public CommandLine.Spec spec() {
        return CommandLine.Spec.of(Set.of("--json", "--messages"), Set.of("--dns-server", "--ca"));
    }

    @Override
    public int run(CommandLine line, PrintStream out, PrintStream err) throws Exception {
        Target target = Target.parse("connect", line.onePositional("TARGET"));
        boolean json = line.flag("--json");
        boolean messages = line.flag("--messages");
        PermanentConnection.Builder builder = switch (target.scheme()) {
            case "tcp", "tls" -> PermanentConnection.builder(target.host(), target.port());
            case "unix" -> PermanentConnection.builder(Path.of(target.host()));
            default -> throw new UsageException("connect: TARGET is host:port, tls://host:port or unix:/path, not "
                    + target);
        };
        builder.mode(messages ? PermanentConnection.Mode.MESSAGES : PermanentConnection.Mode.LINES);
        if (target.scheme().equals("tls")) {
            TlsClientConfig.Builder tls = TlsClientConfig.builder();
            Optional<String> ca = line.value("--ca");
            if (ca.isPresent()) {
                tls.trustPem(Path.of(ca.get()));
            }
            builder.tls(tls.build());
        }
        Optional<String> dns = line.value("--dns-server");
        if (dns.isPresent()) {
            Target server = Target.parse("--dns-server", dns.get());
            builder.resolver(DnsResolver.builder().server(new InetSocketAddress(
                    InetAddress.getByName(server.host()), server.port())).build());
        }
        if (messages) {
            builder.dispatcher(Dispatcher.builder()
                    .rule(Dispatcher.Rule.tap((m, c) -> received(out, json, m.toText())))
                    .rule(Dispatcher.Rule.catchAll((m, c) -> { }))   // printed by the tap; no UNKNOWN answers
                    .build());                                      // conventions answer ALIVE and HELP
        }
        Channel<String> input = Channel.buffered(1024);
        Thread stdin = Thread.ofPlatform().daemon().name("weft-connect-stdin").start(() -> readStdin(input));
        try (SignalSubscription stop = Signals.open(UnixSignal.INT, UnixSignal.TERM);
                Scope scope = Scope.open("connect")) {
            PermanentConnection connection = builder.open(scope);
            boolean inputOpen = true;
            while (true) {
                // the handlers only print; a line to send comes back as the select's value, sent here (a send may
                // block while the buffer policy says so, and throws checked exceptions)
                Select<Step> select = Select.<Step>create()
                        .onReceive(stop.deliveries(), signal -> Step.STOP)
                        .onReceiveOrClosed(connection.events(), r -> {
                            if (r instanceof Received.Value<PermanentEvent> v) {
                                event(out, err, json, connection, target.port(), v.value());
                                return Step.NOTHING;
                            }
                            return Step.STOP;
                        });
                if (!messages) {
                    select.onReceiveOrClosed(connection.lines(), r -> {
                        if (r instanceof Received.Value<String> v) {
                            received(out, json, v.value());
                        }
                        return Step.NOTHING;
                    });
                }
                if (inputOpen) {
                    select.onReceiveOrClosed(input, r -> r instanceof Received.Value<String> v
                            ? new Step.Send(v.value()) : Step.NOTHING);
                }
                Step step = select.select();
                if (step == Step.STOP) {
                    break;
                }
                if (step instanceof Step.Send(String text)) {
                    send(connection, messages, text, out, err, json);
                }
                inputOpen = !input.isClosedForReceive();
            }
            connection.close();
        } finally {
            stdin.interrupt();
        }
        return 0;
    }

    private static void readStdin(Channel<String> input) {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
            for (String l = r.readLine(); l != null; l = r.readLine()) {
                input.send(l);
            }
            input.close();
        } catch (IOException e) {
            input.close(e);
        } catch (InterruptedException e) {
            input.close();
        }
    }

    private void send(PermanentConnection connection, boolean messages, String text, PrintStream out,
            PrintStream err, boolean json) throws InterruptedException {
        try {
            if (messages) {
                connection.send(Message.parse(text));
            } else {
                connection.send(text);
            }
        } catch (MessageFormatException e) {
            print(err, "weft connect: not sent, not a message: " + e.getMessage());
        } catch (PermanentSendException e) {
            if (json) {
                print(out, "{\"event\":\"dropped\",\"reason\":" + Json.quote(e.getMessage()) + "}");
            } else {
                print(err, "weft connect: not sent: " + e.getMessage());
            }
        }
    }

    private void received(PrintStream out, boolean json, String text) {
        print(out, json ? "{\"event\":\"received\",\"line\":" + Json.quote(text) + "}" : text);
    }

    private void event(PrintStream out, PrintStream err, boolean json, PermanentConnection connection, int port,
            PermanentEvent event) {
        if (!json) {
            switch (event) {
                case PermanentEvent.StateChanged s -> print(err, "weft connect: " + s.to()
                        + connection.remoteAddress().map(a -> " " + format(a)).orElse("")
                        + s.cause().map(c -> " (" + c + ")").orElse(""));
                case PermanentEvent.MessageDropped d -> print(err, "weft connect: dropped (" + d.reason() + "): "
                        + d.message());
                default -> { }
            }
            return;
        }
        String text = switch (event) {
            case PermanentEvent.StateChanged s -> "{\"event\":\"state\",\"state\":\"" + s.to() + "\""
                    + connection.remoteAddress().map(a -> ",\"address\":" + Json.quote(format(a))).orElse("")
                    + s.cause().map(c -> ",\"cause\":" + Json.quote(c)).orElse("") + "}";
            case PermanentEvent.Resolved r -> "{\"event\":\"resolved\",\"addresses\":["
                    + r.addresses().stream().map(a -> Json.quote(format(new InetSocketAddress(a, port))))
                            .collect(Collectors.joining(",")) + "],\"ttl\":\"" + r.ttl() + "\""
                    + (r.stale() ? ",\"stale\":true" : "") + "}";
            case PermanentEvent.ResolutionFailed f -> "{\"event\":\"resolution_failed\",\"cause\":"
                    + Json.quote(String.valueOf(f.cause().getMessage())) + ",\"using_stale\":" + f.usingStale() + "}";
            case PermanentEvent.ConnectFailed f -> "{\"event\":\"connect_failed\",\"address\":"
                    + Json.quote(format(f.address())) + ",\"cause\":"
                    + Json.quote(String.valueOf(f.cause().getMessage()))
                    + "}";
            case PermanentEvent.Connected c -> "{\"event\":\"connected\",\"address\":" + Json.quote(format(c.remote()))
                    + "}";
            case PermanentEvent.Disconnected d -> "{\"event\":\"disconnected\",\"cause\":" + Json.quote(d.cause())
                    + ",\"next_attempt_in\":\"" + d.nextAttemptIn() + "\"}";
            case PermanentEvent.Backoff b -> "{\"event\":\"backoff\",\"delay\":\"" + b.delay() + "\"}";
            case PermanentEvent.MessageDropped d -> "{\"event\":\"dropped\",\"reason\":\"" + d.reason()
                    + "\",\"line\":" + Json.quote(d.message()) + "}";
            case PermanentEvent.AddressRemoved a -> "{\"event\":\"address_removed\",\"address\":"
                    + Json.quote(format(a.address())) + ",\"action\":\"" + a.action() + "\"}";
            case PermanentEvent.Closed c -> "{\"event\":\"closed\"}";
            default -> null;
        };
        if (text != null) {
            print(out, text);
        }
    }

    private static String format(SocketAddress address) {
        return address instanceof InetSocketAddress inet ? Addresses.format(inet) : address.toString();
    }

    private void print(PrintStream stream, String text) {
        printing.lock();
        try {
            stream.println(text);
            stream.flush();
        } finally {
            printing.unlock();
        }
    }
}
