package dev.weft.samples.cli;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A parsed command line: options ({@code --name value}, {@code --name=value}, flags, repeatable ones, short aliases
 * such as {@code -p}) and positional arguments. {@code --} ends the options. Unknown options and missing values are
 * {@link UsageException}s that name them.
 */
final class CommandLine {

    /** What a command accepts: flags (no value) and options (one value each, possibly repeated), with aliases. */
    record Spec(Set<String> flags, Set<String> options, Map<String, String> aliases) {
        Spec {
            flags = Set.copyOf(flags);
            options = Set.copyOf(options);
            aliases = Map.copyOf(aliases);
        }

        static Spec of(Set<String> flags, Set<String> options) {
            return new Spec(flags, options, Map.of());
        }
    }

    private final String command;
    private final Map<String, List<String>> values;
    private final List<String> positional;

    private CommandLine(String command, Map<String, List<String>> values, List<String> positional) {
        this.command = command;
        this.values = values;
        this.positional = positional;
    }

    /**
     * Parses {@code args} against {@code spec}; {@code --help} and {@code -h} are always flags.
     *
     * @throws UsageException naming an unknown option or one without its value
     */
    static CommandLine parse(String command, List<String> args, Spec spec) throws UsageException {
        Map<String, List<String>> values = new LinkedHashMap<>();
        List<String> positional = new ArrayList<>();
        boolean optionsEnded = false;
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if (optionsEnded || !arg.startsWith("-") || arg.equals("-")) {
                positional.add(arg);
                continue;
            }
            if (arg.equals("--")) {
                optionsEnded = true;
                continue;
            }
            String name = arg;
            String inline = null;
            int eq = arg.indexOf('=');
            if (arg.startsWith("--") && eq > 0) {
                name = arg.substring(0, eq);
                inline = arg.substring(eq + 1);
            }
            name = spec.aliases().getOrDefault(name, name);
            if (name.equals("-h")) {
                name = "--help";
            }
            if (name.equals("--help") || spec.flags().contains(name)) {
                if (inline != null) {
                    throw new UsageException(command + ": option " + name + " takes no value (got '" + inline + "')");
                }
                values.computeIfAbsent(name, k -> new ArrayList<>()).add("true");
            } else if (spec.options().contains(name)) {
                String value = inline;
                if (value == null) {
                    if (i + 1 >= args.size()) {
                        throw new UsageException(command + ": option " + name + " needs a value");
                    }
                    value = args.get(++i);
                }
                values.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
            } else {
                throw new UsageException(command + ": unknown option " + arg + " (see weft " + command + " --help)");
            }
        }
        return new CommandLine(command, values, List.copyOf(positional));
    }

    /** Whether the flag was given. */
    boolean flag(String name) {
        return values.containsKey(name);
    }

    /** The value of a single-valued option; the last one wins when repeated. */
    Optional<String> value(String name) {
        List<String> all = values.get(name);
        return all == null ? Optional.empty() : Optional.of(all.getLast());
    }

    /** Every value of a repeatable option, in order. */
    List<String> values(String name) {
        return List.copyOf(values.getOrDefault(name, List.of()));
    }

    /** The arguments that are not options. */
    List<String> positional() {
        return positional;
    }

    /** The single positional argument, named {@code what} in the error when there is none or more than one. */
    String onePositional(String what) throws UsageException {
        if (positional.size() != 1) {
            throw new UsageException(command + ": expected one " + what + ", got " + (positional.isEmpty() ? "none"
                    : positional.size() + ": " + String.join(" ", positional)));
        }
        return positional.getFirst();
    }

    /** A duration option: {@code 250ms}, {@code 5s}, {@code 2m}, {@code 1h}, {@code 14d} or ISO-8601 ({@code PT5S}). */
    Duration duration(String name, Duration fallback) throws UsageException {
        Optional<String> text = value(name);
        return text.isEmpty() ? fallback : parseDuration(command + ": " + name, text.get());
    }

    /** {@code name=value} pairs of a repeatable option, in order. */
    Map<String, String> pairs(String name) throws UsageException {
        Map<String, String> pairs = new LinkedHashMap<>();
        for (String pair : values(name)) {
            int eq = pair.indexOf('=');
            if (eq <= 0) {
                throw new UsageException(command + ": " + name + " takes name=value, not '" + pair + "'");
            }
            pairs.put(pair.substring(0, eq), pair.substring(eq + 1));
        }
        return pairs;
    }

    private static final Map<String, Duration> UNITS = new HashMap<>(Map.of(
            "ms", Duration.ofMillis(1), "s", Duration.ofSeconds(1), "m", Duration.ofMinutes(1),
            "h", Duration.ofHours(1), "d", Duration.ofDays(1)));

    /** Parses a duration as {@link #duration} describes; {@code what} names it in the error. */
    static Duration parseDuration(String what, String text) throws UsageException {
        if (text.startsWith("P") || text.startsWith("p")) {
            try {
                return positive(what, text, Duration.parse(text));
            } catch (DateTimeParseException e) {
                throw new UsageException(what + ": not a duration: '" + text + "'");
            }
        }
        int digits = 0;
        while (digits < text.length() && Character.isDigit(text.charAt(digits))) {
            digits++;
        }
        Duration unit = UNITS.get(text.substring(digits));
        if (digits == 0 || digits > 12 || unit == null) {
            throw new UsageException(what + ": not a duration: '" + text + "' (use e.g. 500ms, 5s, 2m, 1h, 14d)");
        }
        return positive(what, text, unit.multipliedBy(Long.parseLong(text.substring(0, digits))));
    }

    /** A duration the way the options take it: {@code 300ms}, {@code 5s}, {@code 2m}, {@code 14d}. */
    static String format(Duration d) {
        for (String unit : new String[] {"d", "h", "m", "s"}) {
            Duration size = UNITS.get(unit);
            if (d.getNano() == 0 && d.compareTo(size) >= 0 && d.getSeconds() % size.getSeconds() == 0) {
                return d.getSeconds() / size.getSeconds() + unit;
            }
        }
        return d.getNano() % 1_000_000 == 0 && d.getSeconds() < 1_000_000 ? d.toMillis() + "ms" : d.toString();
    }

    private static Duration positive(String what, String text, Duration d) throws UsageException {
        if (d.isNegative() || d.isZero()) {
            throw new UsageException(what + ": must be positive: '" + text + "'");
        }
        return d;
    }
}
