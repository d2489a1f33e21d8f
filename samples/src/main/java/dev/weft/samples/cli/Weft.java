package dev.weft.samples.cli;

import java.io.PrintStream;
import java.time.Clock;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code weft} command-line tool: {@code weft <subcommand> [options]}. Run it with the {@code ./weft} launcher
 * at the repository root, which builds it when needed.
 *
 * <p>Exit statuses: 0 success, 1 an operational failure (one line on standard error), 2 a usage error.
 */
public final class Weft {

    private final Map<String, Subcommand> commands = new LinkedHashMap<>();

    Weft(List<Subcommand> commands) {
        for (Subcommand c : commands) {
            this.commands.put(c.name(), c);
        }
    }

    /** The tool with every subcommand. */
    static Weft standard() {
        return new Weft(List.of(new DemoCommand(), new SwitchboardCommand(), new SendCommand(), new StopCommand(),
                new WatchCommand(), new ConnectCommand(),
                new CheckCertificateCommand(Clock.systemUTC())));
    }

    /**
     * Runs {@code weft} with {@code args} and exits with its status.
     *
     * @param args the subcommand and its options
     */
    public static void main(String[] args) {
        if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
            // a command-line tool reports through its own output, a library's INFO lines are noise there; the
            // switchboard is a daemon, whose INFO lines (registrations, state changes) are its log
            boolean daemon = args.length > 0 && args[0].equals("switchboard");
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", daemon ? "info" : "warn");
            System.setProperty("org.slf4j.simpleLogger.showDateTime", String.valueOf(daemon));
        }
        int status = standard().run(Arrays.asList(args), System.out, System.err);
        System.out.flush();
        System.exit(status);
    }

    /**
     * Runs one command line, writing to {@code out} and {@code err}, and returns the exit status.
     *
     * @param args the subcommand and its arguments
     * @param out standard output
     * @param err standard error
     * @return 0 success, 1 failure, 2 usage error (or what the subcommand says, e.g. {@code stop})
     */
    int run(List<String> args, PrintStream out, PrintStream err) {
        if (args.isEmpty() || args.getFirst().equals("--help") || args.getFirst().equals("-h")
                || args.getFirst().equals("help")) {
            (args.isEmpty() ? err : out).print(usage());
            return args.isEmpty() ? 2 : 0;
        }
        Subcommand command = commands.get(args.getFirst());
        if (command == null) {
            err.println("weft: unknown command '" + args.getFirst() + "' (commands: "
                    + String.join(", ", commands.keySet()) + "; see weft --help)");
            return 2;
        }
        try {
            CommandLine line = CommandLine.parse(command.name(), args.subList(1, args.size()), command.spec());
            if (line.flag("--help")) {
                out.print(command.usage());
                return 0;
            }
            return command.run(line, out, err);
        } catch (UsageException e) {
            err.println("weft " + e.getMessage());
            err.println(command.usage().lines().findFirst().orElse(""));
            return 2;
        } catch (CommandFailedException e) {
            err.println("weft " + command.name() + ": " + e.getMessage());
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            err.println("weft " + command.name() + ": interrupted");
            return 1;
        } catch (Exception e) {
            err.println("weft " + command.name() + ": " + (e.getMessage() != null ? e.getMessage() : e.toString()));
            return 1;
        }
    }

    private String usage() {
        StringBuilder text = new StringBuilder("""
                usage: weft <command> [options]      (weft <command> --help for one command)

                commands:
                """);
        for (Subcommand c : commands.values()) {
            text.append("  ").append(String.format("%-19s", c.name())).append(c.summary()).append('\n');
        }
        text.append("\nExit status: 0 success, 1 failure (one line on stderr), 2 usage error.\n");
        return text.toString();
    }
}
