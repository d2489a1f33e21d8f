package dev.weft.samples.cli;

import java.io.PrintStream;

/** One {@code weft} subcommand. */
interface Subcommand {

    /** The name typed after {@code weft}. */
    String name();

    /** One line for {@code weft --help}. */
    String summary();

    /** The full usage text for {@code weft <name> --help}, starting with the synopsis line. */
    String usage();

    /** The options this command knows: each with its arity, for the parser. */
    CommandLine.Spec spec();

    /**
     * Runs the command.
     *
     * @return the exit status (0 success, 1 failure, 2 still running for {@code stop})
     * @throws UsageException for a command line that makes no sense (exit 2)
     * @throws CommandFailedException for an operational failure (exit 1)
     */
    int run(CommandLine line, PrintStream out, PrintStream err) throws Exception;
}
