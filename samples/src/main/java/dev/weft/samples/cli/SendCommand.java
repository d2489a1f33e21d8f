package dev.weft.samples.cli;

import dev.weft.net.Connection;
import dev.weft.net.Connector;
import dev.weft.net.Datagram;
import dev.weft.net.DatagramEndpoint;
import dev.weft.net.Message;
import dev.weft.net.MessageConnection;
import dev.weft.net.MessageFormatException;
import dev.weft.net.TlsClientConfig;
import dev.weft.runtime.ChannelClosedException;
import java.io.IOException;
import java.io.PrintStream;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * {@code weft send}: sends one message (the seeds' {@code ed-signal}) over UDP, TCP, TLS or a Unix socket and, with
 * {@code --reply}, prints the first reply line exactly as it arrived.
 */
final class SendCommand implements Subcommand {

    static final String DEFAULT_HOST = "udp://127.0.0.1:4041";

    @Override
    public String name() {
        return "send";
    }

    @Override
    public String summary() {
        return "send one message to a service (and print the reply)";
    }

    @Override
    public String usage() {
        return """
                usage: weft send [--host URI] [--reply] [--timeout 5s] [--secret S] [--ca PEM] [-p name=value]...
                                 [server:][service/]COMMAND

                Sends one message in the weft/eventdispatcher text format.
                  --host URI       where to send: udp://host:port (default %s), tcp://host:port,
                                   tls://host:port, unix:/path
                  --reply          wait for the first reply and print it as received (wire format)
                  --timeout D      how long to wait for the connection and the reply (default 5s)
                  --secret S       add secret_code=S (what a UDP endpoint with a secret requires)
                  --ca PEM         trust these CA certificates for tls:// (default: the system's)
                  -p name=value    a parameter; repeatable, in order
                Exit status: 0 sent (and answered), 1 no answer before the timeout or cannot send, 2 usage error.
                """.formatted(DEFAULT_HOST);
    }

    @Override
    public CommandLine.Spec spec() {
        return new CommandLine.Spec(Set.of("--reply"), Set.of("--host", "--timeout", "--secret", "--ca", "--param"),
                Map.of("-p", "--param"));
    }

    @Override
    public int run(CommandLine line, PrintStream out, PrintStream err) throws Exception {
        Target target = Target.parse("--host", line.value("--host").orElse(DEFAULT_HOST));
        Duration timeout = line.duration("--timeout", Duration.ofSeconds(5));
        Message message = message(line);
        boolean reply = line.flag("--reply");
        Optional<String> answer = switch (target.scheme()) {
            case "udp" -> sendDatagram(target, message, reply, timeout);
            case "tcp", "tls", "unix" -> sendStream(target, message, reply, timeout, line.value("--ca"));
            default -> throw new UsageException("send: cannot send to " + target);
        };
        if (reply) {
            if (answer.isEmpty()) {
                throw new CommandFailedException("no reply from " + target + " within " + CommandLine.format(timeout));
            }
            out.println(answer.get());
        }
        return 0;
    }

    private static Message message(CommandLine line) throws UsageException {
        String text = line.onePositional("message ([server:][service/]COMMAND)");
        Message.Builder builder;
        try {
            builder = Message.parse(text).toBuilder();
        } catch (MessageFormatException e) {
            throw new UsageException("send: not a message: '" + text + "': " + e.getMessage());
        }
        try {
            for (Map.Entry<String, String> p : line.pairs("--param").entrySet()) {
                builder.parameter(p.getKey(), p.getValue());
            }
            Optional<String> secret = line.value("--secret");
            if (secret.isPresent()) {
                builder.parameter(MessageConnection.SECRET_CODE, secret.get());
            }
            return builder.build();
        } catch (IllegalArgumentException e) {
            throw new UsageException("send: " + e.getMessage());
        }
    }

    private static Optional<String> sendDatagram(Target target, Message message, boolean reply, Duration timeout)
            throws IOException, InterruptedException {
        InetSocketAddress to = (InetSocketAddress) target.address();
        if (to.isUnresolved()) {
            throw new IOException("cannot resolve " + target.host());
        }
        InetAddress any = InetAddress.getByName(to.getAddress() instanceof Inet6Address ? "::" : "0.0.0.0");
        try (DatagramEndpoint endpoint = DatagramEndpoint.builder(any, 0).bind()) {
            endpoint.send(Datagram.of(message.toText(), to));
            if (!reply) {
                return Optional.empty();
            }
            return endpoint.datagrams().receive(timeout).map(Datagram::text);
        }
    }

    private static Optional<String> sendStream(Target target, Message message, boolean reply, Duration timeout,
            Optional<String> ca) throws IOException, InterruptedException {
        Connector connector = Connection.connector(target.address()).timeout(timeout);
        if (target.scheme().equals("tls")) {
            TlsClientConfig.Builder tls = TlsClientConfig.builder().serverName(target.host());
            if (ca.isPresent()) {
                tls.trustPem(Path.of(ca.get()));
            }
            connector.tls(tls.build());
        }
        try (Connection connection = connector.connect()) {
            connection.send(message.toText());
            if (!reply) {
                connection.shutdownOutput();
                return Optional.empty();
            }
            try {
                return connection.lines().receive(timeout);
            } catch (ChannelClosedException e) {
                throw new IOException(target + " closed the connection without a reply", e);
            }
        }
    }
}
