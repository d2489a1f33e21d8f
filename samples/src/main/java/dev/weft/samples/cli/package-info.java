/**
 * The {@code weft} command-line tool, run by the {@code ./weft} launcher at the repository root:
 * {@code ./weft --help} lists the subcommands, {@code ./weft <subcommand> --help} explains one.
 *
 * <p>Exit statuses: 0 success, 1 an operational failure (one clear line on standard error), 2 a usage error.
 */
@NullMarked
package dev.weft.samples.cli;

import org.jspecify.annotations.NullMarked;
