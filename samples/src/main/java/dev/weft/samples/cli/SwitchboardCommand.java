package dev.weft.samples.cli;

import dev.weft.net.Addresses;
import dev.weft.net.TlsServerConfig;
import dev.weft.runtime.Scope;
import dev.weft.runtime.Select;
import dev.weft.samples.switchboard.LogFile;
import dev.weft.samples.switchboard.Switchboard;
import dev.weft.signals.Daemon;
import dev.weft.signals.SignalDelivery;
import dev.weft.signals.SignalSubscription;
import dev.weft.signals.Signals;
import dev.weft.signals.UnixSignal;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code weft switchboard}: runs the {@link Switchboard} daemon until STOP, SIGTERM or SIGINT; SIGHUP and
 * {@code LOG_ROTATE} reopen the log file.
 */
final class SwitchboardCommand implements Subcommand {

    static final String DEFAULT_LISTEN = "tcp://127.0.0.1:4040";
    static final String DEFAULT_SIGNAL = "udp://127.0.0.1:4041";
    static final Duration GRACE = Duration.ofSeconds(5);

    @Override
    public String name() {
        return "switchboard";
    }

    @Override
    public String summary() {
        return "run the switchboard, a local message router daemon";
    }

    @Override
    public String usage() {
        return """
                usage: weft switchboard [--listen URI]... [--signal URI | --no-signal] [--name NAME]
                                        [--unix-mode 0660] [--unix-group GROUP] [--cert PEM --key PEM]
                                        [--secret CODE] [--password P | --password-file F] [--log-file PATH]

                Routes messages between services that REGISTER with it, by service name.
                  --listen URI       tcp://host:port, tls://host:port or unix:/path; repeatable
                                     (default %s)
                  --signal URI       the UDP endpoint for fire-and-forget messages (default %s)
                  --no-signal        no UDP endpoint
                  --secret CODE      messages to the UDP endpoint must carry secret_code=CODE
                  --name NAME        the server name stamped on forwarded messages (default: the host name)
                  --unix-mode MODE   octal mode of unix: socket files, e.g. 0660
                  --unix-group G     group of unix: socket files
                  --cert/--key PEM   certificate chain and private key for tls:// listeners
                  --password P       required in REGISTER on listeners that are not on loopback
                  --password-file F  the same, read from the first line of a file
                  --log-file PATH    log here instead of stderr; SIGHUP or LOG_ROTATE reopens it
                Stops on STOP, SIGTERM or SIGINT: QUITTING to every service, up to 5 s for them to leave,
                exit 0. A second SIGTERM/SIGINT forces the exit (status 137).
                """.formatted(DEFAULT_LISTEN, DEFAULT_SIGNAL);
    }

    @Override
    public CommandLine.Spec spec() {
        return CommandLine.Spec.of(Set.of("--no-signal"), Set.of("--listen", "--signal", "--name", "--unix-mode",
                "--unix-group", "--cert", "--key", "--secret", "--password", "--password-file", "--log-file"));
    }

    @Override
    public int run(CommandLine line, PrintStream out, PrintStream err) throws Exception {
        List<String> schemes = new ArrayList<>();
        Switchboard.Builder builder = configure(line, schemes);
        LogFile log = null;
        Optional<String> logPath = line.value("--log-file");
        if (logPath.isPresent()) {
            try {
                log = LogFile.open(Path.of(logPath.get()));
            } catch (IOException e) {
                throw new CommandFailedException(e.getMessage(), e);
            }
            System.setErr(log.printStream());
        }
        LogFile logFile = log;
        Logger logger = LoggerFactory.getLogger(SwitchboardCommand.class);
        builder.onLogRotate(() -> rotate(logFile, logger));
        Switchboard switchboard;
        try {
            switchboard = builder.build();
        } catch (IllegalStateException | IllegalArgumentException e) {
            throw new UsageException("switchboard: " + e.getMessage());
        }
        try (SignalSubscription stops = Signals.open(UnixSignal.TERM, UnixSignal.INT);
                SignalSubscription hups = Signals.open(UnixSignal.HUP);
                Scope scope = Scope.open("switchboard")) {
            try {
                switchboard.start(scope);
            } catch (IOException e) {
                throw new CommandFailedException("cannot listen: " + e.getMessage(), e);
            }
            List<SocketAddress> bound = switchboard.addresses();
            for (int i = 0; i < bound.size(); i++) {
                out.println("switchboard listening on " + uri(bound.get(i), schemes.get(i)));
            }
            switchboard.signalAddress().ifPresent(a -> out.println("switchboard signals on udp://" + hostPort(a)));
            out.flush();
            String why = null;
            while (why == null) {
                why = Select.<@Nullable String>create()
                        .onReceive(switchboard.stopRequests(), request -> request)
                        .onReceive(stops.deliveries(), d -> d.signal().fullName())
                        .onReceive(hups.deliveries(), d -> {
                            rotate(logFile, logger);
                            return null;
                        })
                        .select();
            }
            logger.info("stopping: {}", why);
            scope.fork("forced exit", () -> {
                SignalDelivery again = stops.deliveries().receive();
                logger.error("{} during the shutdown: exiting at once", again.signal().fullName());
                System.out.flush();
                System.err.flush();
                Runtime.getRuntime().halt(Daemon.FORCED_EXIT_STATUS);
                return null;
            });
            switchboard.shutdown(GRACE);
            out.println("switchboard stopped (" + why + ")");
            scope.cancel();
        } finally {
            if (logFile != null) {
                logFile.close();
            }
        }
        return 0;
    }

    private static void rotate(@Nullable LogFile log, Logger logger) {
        if (log == null) {
            logger.info("log rotation asked for; logging to stderr, nothing to reopen");
            return;
        }
        try {
            log.reopen();
            logger.info("log file reopened");
        } catch (IOException e) {
            logger.warn("cannot reopen the log file, still writing to the old one: {}", e.getMessage());
        }
    }

    /** Configures the switchboard from the command line; adds each listener's scheme to {@code schemes}, in order. */
    private static Switchboard.Builder configure(CommandLine line, List<String> schemes) throws Exception {
        Switchboard.Builder builder = Switchboard.builder();
        Optional<String> name = line.value("--name");
        try {
            if (name.isPresent()) {
                builder.name(name.get());
            }
        } catch (IllegalArgumentException e) {
            throw new UsageException("switchboard: --name: " + e.getMessage());
        }
        List<String> listens = line.values("--listen");
        boolean unix = false;
        for (String text : listens.isEmpty() ? List.of(DEFAULT_LISTEN) : listens) {
            Target target = Target.parse("--listen", text);
            schemes.add(target.scheme());
            switch (target.scheme()) {
                case "tcp" -> builder.listen(new InetSocketAddress(target.host(), target.port()));
                case "unix" -> {
                    builder.listen(UnixDomainSocketAddress.of(Path.of(target.host())));
                    unix = true;
                }
                case "tls" -> builder.listenTls(new InetSocketAddress(target.host(), target.port()), tls(line));
                default -> throw new UsageException("switchboard: --listen takes tcp://, tls:// or unix:, not "
                        + target);
            }
        }
        Optional<String> mode = line.value("--unix-mode");
        Optional<String> group = line.value("--unix-group");
        if ((mode.isPresent() || group.isPresent()) && !unix) {
            throw new UsageException("switchboard: --unix-mode and --unix-group need a --listen unix:/path");
        }
        if (mode.isPresent()) {
            builder.unixSocketPermissions(permissions(mode.get()));
        }
        group.ifPresent(builder::unixSocketGroup);
        if (!line.flag("--no-signal")) {
            Target signal = Target.parse("--signal", line.value("--signal").orElse(DEFAULT_SIGNAL));
            if (!signal.scheme().equals("udp")) {
                throw new UsageException("switchboard: --signal takes udp://host:port, not " + signal);
            }
            builder.signal(new InetSocketAddress(signal.host(), signal.port()));
        } else if (line.value("--signal").isPresent()) {
            throw new UsageException("switchboard: --signal and --no-signal contradict each other");
        }
        line.value("--secret").ifPresent(builder::secret);
        Optional<String> password = line.value("--password");
        Optional<String> passwordFile = line.value("--password-file");
        if (password.isPresent() && passwordFile.isPresent()) {
            throw new UsageException("switchboard: give --password or --password-file, not both");
        }
        if (passwordFile.isPresent()) {
            List<String> lines;
            try {
                lines = Files.readAllLines(Path.of(passwordFile.get()), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new CommandFailedException("cannot read --password-file " + passwordFile.get() + ": "
                        + e.getMessage(), e);
            }
            if (lines.isEmpty() || lines.getFirst().isBlank()) {
                throw new CommandFailedException("--password-file " + passwordFile.get() + " is empty");
            }
            password = Optional.of(lines.getFirst().strip());
        }
        if (password.isPresent()) {
            builder.password(password.get());
        }
        return builder;
    }

    private static TlsServerConfig tls(CommandLine line) throws Exception {
        Optional<String> cert = line.value("--cert");
        Optional<String> key = line.value("--key");
        if (cert.isEmpty() || key.isEmpty()) {
            throw new UsageException("switchboard: a tls:// listener needs --cert and --key");
        }
        try {
            return TlsServerConfig.fromPem(Path.of(cert.get()), Path.of(key.get()));
        } catch (IOException e) {
            throw new CommandFailedException("cannot load --cert/--key: " + e.getMessage(), e);
        }
    }

    /** {@code 0660} → {@code rw-rw----}. */
    static String permissions(String octal) throws UsageException {
        if (!octal.matches("0?[0-7]{3}")) {
            throw new UsageException("switchboard: --unix-mode takes an octal mode such as 0660, not '" + octal + "'");
        }
        String digits = octal.substring(octal.length() - 3);
        StringBuilder rwx = new StringBuilder();
        for (char d : digits.toCharArray()) {
            int v = d - '0';
            rwx.append((v & 4) != 0 ? 'r' : '-').append((v & 2) != 0 ? 'w' : '-').append((v & 1) != 0 ? 'x' : '-');
        }
        return rwx.toString();
    }

    private static String uri(SocketAddress address, String scheme) {
        if (address instanceof UnixDomainSocketAddress unix) {
            return "unix:" + unix.getPath();
        }
        return scheme + "://" + hostPort((InetSocketAddress) address);
    }

    private static String hostPort(InetSocketAddress a) {
        return Addresses.format(a);
    }
}
