package dev.weft.net;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * A set of {@link MessageDefinition}s, one per command, and the <em>global</em> parameters allowed on every message;
 * written in code or loaded from definition files, and checked against messages by a {@link Dispatcher}.
 *
 * <h2>Definition files</h2>
 * A directory holds any number of files ending in {@value #FILE_SUFFIX}, each defining any number of commands:
 * <pre>
 * # The lock service.            a comment runs from # to the end of the line
 * global                         parameters allowed on every message
 *     request_id  integer optional
 *
 * command LOCK strict            "strict": parameters that are neither declared nor global are rejected
 *     object_name string         required, not empty: the default
 *     pid         integer
 *     timeout     timestamp optional
 *     owner       optional empty an optional string that may be empty
 *     debug       forbidden      a message that carries it is invalid
 *
 * command UNLOCK
 *     object_name
 * </pre>
 * <ul>
 *   <li>A header starts in the first column: {@code command NAME} (optionally followed by {@code strict}) or
 *       {@code global}. Command names are {@code [A-Z0-9_]+}, not starting with a digit.</li>
 *   <li>A parameter line is indented (spaces or tabs) and belongs to the header above it:
 *       {@code name [type] [flag ...]}. Types: {@code string} (the default), {@code integer}, {@code boolean},
 *       {@code address}, {@code duration}, {@code timestamp}. Flags: {@code required} (the default),
 *       {@code optional}, {@code forbidden}, and {@code empty} (an empty value is accepted, and not
 *       type-checked).</li>
 *   <li>Each command and each global parameter is defined once across the whole directory, and each parameter
 *       once per command. A command's own declaration of a global parameter wins over the global one.</li>
 *   <li>The standard globals ({@value #SERIAL}, which {@link MessageConnection#call(Message, java.time.Duration)}
 *       adds, and {@code cache} and {@code transmission_report}, which communicatord routing adds; all optional
 *       strings that may be empty) are always there; a file may redeclare one to change it.</li>
 * </ul>
 *
 * <h2>Checking in the build</h2>
 * {@link #verify(Path...)} loads files and directories and returns every problem with its file and line, instead of
 * stopping at the first, so a project can refuse an invalid definition at build time instead of a running system
 * rejecting messages. The simplest way is a unit test — {@link #load(Path)} throws with every problem listed:
 * <pre>
 * &#64;Test
 * void messageDefinitions_areValid() throws IOException {
 *     MessageDefinitions.load(Path.of("src/main/messages"));
 * }
 * </pre>
 * {@link #main(String[])} does the same from the command line (or from {@code exec-maven-plugin}'s {@code exec} goal
 * in the {@code verify} phase; it calls {@code System.exit}, so it needs a JVM of its own):
 * <pre>
 * $ java -p &lt;weft-net and its dependencies&gt; -m dev.weft.net/dev.weft.net.MessageDefinitions src/main/messages
 * src/main/messages/lock.msgdef:7: unknown type or flag "integr" of parameter pid (types: string, integer, ...)
 * 1 problem in message definitions
 * </pre>
 *
 * <h2>In code</h2>
 * <pre>{@code
 * MessageDefinitions definitions = MessageDefinitions.builder()
 *         .define(MessageDefinition.builder("LOCK")
 *                 .required("object_name", MessageDefinition.Type.STRING)
 *                 .required("pid", MessageDefinition.Type.INTEGER)
 *                 .strict()
 *                 .build())
 *         .global(new MessageDefinition.Parameter("request_id", MessageDefinition.Type.INTEGER,
 *                 MessageDefinition.Presence.OPTIONAL, false))
 *         .build();
 * List<String> problems = definitions.check(Message.parse("LOCK object_name=x;pid=abc;color=red"));
 * // [parameter pid of LOCK is not an integer: ..., parameter color is not declared for LOCK]
 * }</pre>
 *
 * <p>Immutable and thread-safe; the {@link Builder} is not.
 */
public final class MessageDefinitions {

    /** The suffix of definition files: {@value}. */
    public static final String FILE_SUFFIX = ".msgdef";

    /** The parameter {@value} that {@link MessageConnection#call(Message, java.time.Duration)} adds to requests. */
    public static final String SERIAL = "serial";

    private static final String TYPES_AND_FLAGS = "types: string, integer, boolean, address, duration, timestamp;"
            + " flags: required, optional, forbidden, empty";

    private static final Map<String, MessageDefinition.Parameter> STANDARD_GLOBALS = standardGlobals();

    private static final MessageDefinitions CONVENTIONS = conventionDefinitions();

    private final Map<String, MessageDefinition> definitions;
    private final Map<String, MessageDefinition.Parameter> globals;

    private MessageDefinitions(Map<String, MessageDefinition> definitions,
            Map<String, MessageDefinition.Parameter> globals) {
        this.definitions = Collections.unmodifiableMap(new TreeMap<>(definitions));
        this.globals = Collections.unmodifiableMap(new TreeMap<>(globals));
    }

    /**
     * Returns a builder that starts with the standard global parameters and no definitions.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Returns the definitions of the conventional commands that every {@link Dispatcher} checks (unless its own
     * definitions redefine them): {@code ALIVE}, {@code ABSOLUTELY}, {@code HELP}, {@code COMMANDS}, {@code STOP},
     * {@code QUITTING}, {@code READY}, {@code RESTART}, {@code LOG_ROTATE}, {@code UNKNOWN}, {@code INVALID},
     * {@code SERVICE_UNAVAILABLE}, {@code REGISTER}, {@code UNREGISTER}. None is strict.
     *
     * @return the convention definitions, with the standard globals
     */
    public static MessageDefinitions conventions() {
        return CONVENTIONS;
    }

    /**
     * Loads definitions from a definition file or a directory of them (files ending in {@value #FILE_SUFFIX}, in
     * name order; other files and subdirectories are ignored).
     *
     * @param path a file or a directory
     * @return the definitions, with the standard globals
     * @throws IOException if a file cannot be read
     * @throws IllegalArgumentException if any definition is invalid; the message lists every problem as
     *     {@code file:line: what is wrong}
     */
    public static MessageDefinitions load(Path path) throws IOException {
        Objects.requireNonNull(path, "path");
        Loader loader = new Loader();
        for (Path file : files(path)) {
            loader.parse(file, Files.readString(file, StandardCharsets.UTF_8));
        }
        return loader.result();
    }

    /**
     * Reads definitions from text in the definition file format.
     *
     * @param text the definitions
     * @param source the file name to report problems with
     * @return the definitions, with the standard globals
     * @throws IllegalArgumentException if any definition is invalid; the message lists every problem as
     *     {@code source:line: what is wrong}
     */
    public static MessageDefinitions parse(String text, Path source) {
        Objects.requireNonNull(text, "text");
        Objects.requireNonNull(source, "source");
        Loader loader = new Loader();
        loader.parse(source, text);
        return loader.result();
    }

    /**
     * Checks definition files and directories (see {@link #load(Path)}) together, as one set, and returns every
     * problem found — not only the first. A path that does not exist or cannot be read is a problem too.
     *
     * @param paths files and directories
     * @return the problems, in file and line order; empty if every definition is valid
     */
    public static List<Problem> verify(Path... paths) {
        Objects.requireNonNull(paths, "paths");
        Loader loader = new Loader();
        for (Path path : paths) {
            Objects.requireNonNull(path, "path");
            List<Path> files;
            try {
                files = files(path);
            } catch (IOException e) {
                loader.problems.add(new Problem(path, 0, describe(e)));
                continue;
            }
            for (Path file : files) {
                try {
                    loader.parse(file, Files.readString(file, StandardCharsets.UTF_8));
                } catch (IOException e) {
                    loader.problems.add(new Problem(file, 0, describe(e)));
                }
            }
        }
        return List.copyOf(loader.problems);
    }

    /**
     * Verifies the definition files and directories named by the arguments and exits: status 0 when all are valid
     * (after printing how many commands were checked), 1 after printing every problem to standard error as
     * {@code file:line: what is wrong}, 2 for a usage error.
     *
     * @param args the files and directories to check
     */
    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 0) {
            err.println("usage: MessageDefinitions <file-or-directory>...  (checks " + FILE_SUFFIX + " files)");
            return 2;
        }
        Path[] paths = Stream.of(args).map(Path::of).toArray(Path[]::new);
        List<Problem> problems = verify(paths);
        if (!problems.isEmpty()) {
            problems.forEach(err::println);
            err.println(problems.size() + (problems.size() == 1 ? " problem" : " problems")
                    + " in message definitions");
            return 1;
        }
        int commands = 0;
        for (Path path : paths) {
            try {
                commands += load(path).definitions().size();
            } catch (IOException | IllegalArgumentException e) {
                err.println(path + ": " + e.getMessage()); // changed while we read it
                return 1;
            }
        }
        out.println(commands + " command definitions OK in " + String.join(" ", args));
        return 0;
    }

    /**
     * Returns the definitions by command, in ascending order of the commands.
     *
     * @return an unmodifiable map
     */
    public Map<String, MessageDefinition> definitions() {
        return definitions;
    }

    /**
     * Returns the definition of a command.
     *
     * @param command the command
     * @return its definition, or empty if it has none
     */
    public Optional<MessageDefinition> definition(String command) {
        return Optional.ofNullable(definitions.get(Objects.requireNonNull(command, "command")));
    }

    /**
     * Returns the defined commands in ascending order.
     *
     * @return an unmodifiable sorted set
     */
    public SortedSet<String> commands() {
        return Collections.unmodifiableSortedSet(new TreeSet<>(definitions.keySet()));
    }

    /**
     * Returns the global parameters, allowed on every message, by name.
     *
     * @return an unmodifiable map
     */
    public Map<String, MessageDefinition.Parameter> globals() {
        return globals;
    }

    /**
     * Returns these definitions together with {@code other}'s; where both define a command or a global parameter,
     * {@code other}'s wins.
     *
     * @param other the definitions that take precedence
     * @return the merged definitions
     */
    public MessageDefinitions merge(MessageDefinitions other) {
        Objects.requireNonNull(other, "other");
        Map<String, MessageDefinition> d = new TreeMap<>(definitions);
        d.putAll(other.definitions);
        Map<String, MessageDefinition.Parameter> g = new TreeMap<>(globals);
        g.putAll(other.globals);
        return new MessageDefinitions(d, g);
    }

    /**
     * Checks a message against the definition of its command and the global parameters: every required parameter
     * present, no forbidden one, no empty value where that is not allowed, every value of its declared type, and —
     * for a strict definition — no parameter that is neither declared nor global. A command without a definition
     * is not checked.
     *
     * @param message the message
     * @return what is wrong, one entry per problem, each naming the parameter; empty if the message is valid
     */
    public List<String> check(Message message) {
        Objects.requireNonNull(message, "message");
        MessageDefinition definition = definitions.get(message.command());
        if (definition == null) {
            return List.of();
        }
        List<String> problems = new ArrayList<>(0);
        for (MessageDefinition.Parameter p : definition.parameters().values()) {
            check(message, p, problems);
        }
        for (MessageDefinition.Parameter p : globals.values()) {
            if (!definition.parameters().containsKey(p.name())) {
                check(message, p, problems);
            }
        }
        if (definition.strict()) {
            for (String name : message.parameters().keySet()) {
                if (!definition.parameters().containsKey(name) && !globals.containsKey(name)) {
                    problems.add("parameter " + name + " is not declared for " + message.command());
                }
            }
        }
        return problems;
    }

    private static void check(Message message, MessageDefinition.Parameter p, List<String> problems) {
        Optional<String> value = message.parameter(p.name());
        if (value.isEmpty()) {
            if (p.presence() == MessageDefinition.Presence.REQUIRED) {
                problems.add("parameter " + p.name() + " is required");
            }
            return;
        }
        if (p.presence() == MessageDefinition.Presence.FORBIDDEN) {
            problems.add("parameter " + p.name() + " is forbidden");
            return;
        }
        if (value.get().isEmpty()) {
            if (!p.mayBeEmpty()) {
                problems.add("parameter " + p.name() + " must not be empty");
            }
            return;
        }
        try {
            switch (p.type()) {
                case STRING -> { }
                case INTEGER -> message.integer(p.name());
                case BOOLEAN -> message.bool(p.name());
                case ADDRESS -> message.address(p.name());
                case DURATION -> message.duration(p.name());
                case TIMESTAMP -> message.timestamp(p.name());
            }
        } catch (IllegalArgumentException e) {
            problems.add(e.getMessage());
        }
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder("global");
        for (MessageDefinition.Parameter p : globals.values()) {
            s.append("\n    ").append(p);
        }
        for (MessageDefinition d : definitions.values()) {
            s.append("\n\n").append(d);
        }
        return s.append('\n').toString();
    }

    private static List<Path> files(Path path) throws IOException {
        if (Files.isDirectory(path)) {
            try (Stream<Path> list = Files.list(path)) {
                return list.filter(p -> p.getFileName().toString().endsWith(FILE_SUFFIX))
                        .filter(Files::isRegularFile)
                        .sorted()
                        .collect(Collectors.toList());
            }
        }
        if (!Files.exists(path)) {
            throw new NoSuchFileException(path.toString(), null, "no such file or directory");
        }
        return List.of(path);
    }

    private static String describe(IOException e) {
        if (e instanceof NoSuchFileException) {
            return "no such file or directory";
        }
        return "cannot read: " + e;
    }

    private static Map<String, MessageDefinition.Parameter> standardGlobals() {
        Map<String, MessageDefinition.Parameter> g = new TreeMap<>();
        for (String name : List.of(SERIAL, "cache", "transmission_report")) {
            g.put(name, new MessageDefinition.Parameter(name, MessageDefinition.Type.STRING,
                    MessageDefinition.Presence.OPTIONAL, true));
        }
        return g;
    }

    private static MessageDefinitions conventionDefinitions() {
        MessageDefinition.Type string = MessageDefinition.Type.STRING;
        MessageDefinition.Type timestamp = MessageDefinition.Type.TIMESTAMP;
        MessageDefinition.Presence optional = MessageDefinition.Presence.OPTIONAL;
        Builder b = builder()
                .define(MessageDefinition.builder("ALIVE").optional("timestamp", timestamp).build())
                .define(MessageDefinition.builder("ABSOLUTELY")
                        .optional("timestamp", timestamp)
                        .required("reply_timestamp", timestamp)
                        .build())
                .define(MessageDefinition.builder("COMMANDS").required("list", string).build())
                // communicatord sends my_address without a port, so it is not checked as an ip:port address
                .define(MessageDefinition.builder("READY").optional("my_address", string).build())
                .define(MessageDefinition.builder("SERVICE_UNAVAILABLE")
                        .required("destination_service", string)
                        .required("unsent_command", string)
                        .build())
                .define(MessageDefinition.builder("REGISTER")
                        .required("service", string)
                        .required("version", MessageDefinition.Type.INTEGER)
                        .build())
                .define(MessageDefinition.builder("UNREGISTER").required("service", string).build());
        for (String command : List.of("UNKNOWN", "INVALID")) {
            b.define(MessageDefinition.builder(command)
                    .parameter(new MessageDefinition.Parameter("command", string, optional, true))
                    .parameter(new MessageDefinition.Parameter("message", string, optional, true))
                    .build());
        }
        for (String command : List.of("HELP", "STOP", "QUITTING", "RESTART", "LOG_ROTATE")) {
            b.define(MessageDefinition.builder(command).build());
        }
        return b.build();
    }

    /**
     * A problem in a definition file: where it is and what is wrong.
     *
     * @param file the file (or the source name given to {@link #parse(String, Path)})
     * @param line the 1-based line number, or 0 for a problem with the whole file
     * @param message what is wrong
     */
    public record Problem(Path file, int line, String message) {

        /**
         * Checks the parts.
         *
         * @param file the file
         * @param line the line number
         * @param message what is wrong
         */
        public Problem {
            Objects.requireNonNull(file, "file");
            Objects.requireNonNull(message, "message");
        }

        /**
         * Returns the problem as compilers print theirs: {@code file:line: message}.
         *
         * @return the problem on one line
         */
        @Override
        public String toString() {
            return file + ":" + line + ": " + message;
        }
    }

    /**
     * Builds a {@link MessageDefinitions}: defining a command again replaces its definition. Starts with the
     * standard globals. Not thread-safe.
     */
    public static final class Builder {
        private final Map<String, MessageDefinition> definitions = new TreeMap<>();
        private final Map<String, MessageDefinition.Parameter> globals = new TreeMap<>(STANDARD_GLOBALS);

        private Builder() {
        }

        /**
         * Adds the definition of a command.
         *
         * @param definition the definition
         * @return this builder
         */
        public Builder define(MessageDefinition definition) {
            Objects.requireNonNull(definition, "definition");
            definitions.put(definition.command(), definition);
            return this;
        }

        /**
         * Adds a global parameter, allowed (or, if so declared, required or forbidden) on every message.
         *
         * @param parameter the parameter
         * @return this builder
         */
        public Builder global(MessageDefinition.Parameter parameter) {
            Objects.requireNonNull(parameter, "parameter");
            globals.put(parameter.name(), parameter);
            return this;
        }

        /**
         * Removes a global parameter, such as one of the standard ones.
         *
         * @param name the parameter name
         * @return this builder
         */
        public Builder removeGlobal(String name) {
            globals.remove(Objects.requireNonNull(name, "name"));
            return this;
        }

        /**
         * Builds the definitions.
         *
         * @return the definitions
         */
        public MessageDefinitions build() {
            return new MessageDefinitions(definitions, globals);
        }
    }

    /** Reads definition files into one set, collecting every problem. */
    private static final class Loader {
        private final List<Problem> problems = new ArrayList<>();
        private final Map<String, Block> commands = new LinkedHashMap<>();
        private final Map<String, Located> globals = new LinkedHashMap<>();

        private record Located(MessageDefinition.Parameter parameter, Path file, int line) {
        }

        private static final class Block {
            final String command;
            final boolean strict;
            final Path file;
            final int line;
            final Map<String, Located> parameters = new LinkedHashMap<>();

            Block(String command, boolean strict, Path file, int line) {
                this.command = command;
                this.strict = strict;
                this.file = file;
                this.line = line;
            }
        }

        void parse(Path file, String text) {
            @Nullable Block block = null;
            boolean inGlobal = false;
            boolean inSkipped = false; // a header with errors: its parameter lines are still checked, not kept
            String[] lines = text.split("\r?\n", -1);
            for (int i = 0; i < lines.length; i++) {
                int number = i + 1;
                String raw = lines[i];
                int hash = raw.indexOf('#');
                String line = hash >= 0 ? raw.substring(0, hash) : raw;
                if (line.isBlank()) {
                    continue;
                }
                String[] tokens = line.trim().split("[ \t]+");
                if (!Character.isWhitespace(line.charAt(0))) {
                    block = null;
                    inGlobal = false;
                    inSkipped = true;
                    switch (tokens[0]) {
                        case "global" -> {
                            if (tokens.length > 1) {
                                problem(file, number, "unexpected \"" + tokens[1] + "\" after global");
                            }
                            inGlobal = true;
                            inSkipped = false;
                        }
                        case "command" -> {
                            block = header(file, number, tokens);
                            inSkipped = block == null;
                        }
                        default -> problem(file, number, "expected \"command NAME [strict]\" or \"global\" at the"
                                + " start of a line, found \"" + tokens[0] + "\" (parameter lines are indented)");
                    }
                    continue;
                }
                if (block == null && !inGlobal && !inSkipped) {
                    problem(file, number, "parameter line before any \"command\" or \"global\" header");
                    continue;
                }
                MessageDefinition.Parameter p = parameter(file, number, tokens);
                if (p == null) {
                    continue;
                }
                Located located = new Located(p, file, number);
                if (inGlobal) {
                    Located before = globals.putIfAbsent(p.name(), located);
                    if (before != null) {
                        problem(file, number, "global parameter " + p.name() + " is already defined at "
                                + before.file() + ":" + before.line());
                    }
                } else if (block != null) {
                    Located before = block.parameters.putIfAbsent(p.name(), located);
                    if (before != null) {
                        problem(file, number, "parameter " + p.name() + " of " + block.command
                                + " is already defined at line " + before.line());
                    }
                }
            }
        }

        private @Nullable Block header(Path file, int number, String[] tokens) {
            if (tokens.length < 2) {
                problem(file, number, "command without a name: expected \"command NAME [strict]\"");
                return null;
            }
            String command = tokens[1];
            try {
                MessageDefinition.checkCommand(command);
            } catch (IllegalArgumentException e) {
                problem(file, number, "invalid " + e.getMessage());
                return null;
            }
            boolean strict = false;
            for (int t = 2; t < tokens.length; t++) {
                if (tokens[t].equals("strict") && !strict) {
                    strict = true;
                } else {
                    problem(file, number, "unexpected \"" + tokens[t] + "\" after command " + command
                            + " (only \"strict\" may follow)");
                }
            }
            Block before = commands.get(command);
            if (before != null) {
                problem(file, number, "command " + command + " is already defined at " + before.file + ":"
                        + before.line);
                return null;
            }
            Block block = new Block(command, strict, file, number);
            commands.put(command, block);
            return block;
        }

        private MessageDefinition.@Nullable Parameter parameter(Path file, int number, String[] tokens) {
            String name = tokens[0];
            boolean ok = true;
            try {
                MessageDefinition.checkParameterName(name);
            } catch (IllegalArgumentException e) {
                problem(file, number, "invalid " + e.getMessage());
                ok = false;
            }
            MessageDefinition.@Nullable Type type = null;
            EnumSet<MessageDefinition.Presence> presences = EnumSet.noneOf(MessageDefinition.Presence.class);
            boolean empty = false;
            for (int t = 1; t < tokens.length; t++) {
                String word = tokens[t];
                MessageDefinition.Type asType = typeOf(word);
                if (asType != null) {
                    if (type != null || t != 1) {
                        problem(file, number, "type \"" + word + "\" of parameter " + name + " must come right"
                                + " after the name, once");
                        ok = false;
                    }
                    type = asType;
                    continue;
                }
                switch (word) {
                    case "required" -> presences.add(MessageDefinition.Presence.REQUIRED);
                    case "optional" -> presences.add(MessageDefinition.Presence.OPTIONAL);
                    case "forbidden" -> presences.add(MessageDefinition.Presence.FORBIDDEN);
                    case "empty" -> empty = true;
                    default -> {
                        problem(file, number, "unknown type or flag \"" + word + "\" of parameter " + name + " ("
                                + TYPES_AND_FLAGS + ")");
                        ok = false;
                    }
                }
            }
            if (presences.size() > 1) {
                problem(file, number, "parameter " + name + " has conflicting flags " + presences.stream()
                        .map(p -> p.name().toLowerCase(Locale.ROOT)).collect(Collectors.joining(" and ")));
                ok = false;
            }
            MessageDefinition.Presence presence = presences.isEmpty() ? MessageDefinition.Presence.REQUIRED
                    : presences.iterator().next();
            if (presence == MessageDefinition.Presence.FORBIDDEN && (empty || type != null)) {
                problem(file, number, "forbidden parameter " + name + " takes no type and no \"empty\" flag");
                ok = false;
            }
            if (!ok) {
                return null;
            }
            return new MessageDefinition.Parameter(name, type == null ? MessageDefinition.Type.STRING : type,
                    presence, empty);
        }

        private static MessageDefinition.@Nullable Type typeOf(String word) {
            for (MessageDefinition.Type t : MessageDefinition.Type.values()) {
                if (t.keyword().equals(word)) {
                    return t;
                }
            }
            return null;
        }

        private void problem(Path file, int line, String message) {
            problems.add(new Problem(file, line, message));
        }

        MessageDefinitions result() {
            if (!problems.isEmpty()) {
                throw new IllegalArgumentException("invalid message definitions:\n" + problems.stream()
                        .map(Problem::toString).collect(Collectors.joining("\n")));
            }
            Builder b = builder();
            for (Located g : globals.values()) {
                b.global(g.parameter());
            }
            for (Block block : commands.values()) {
                MessageDefinition.Builder d = MessageDefinition.builder(block.command);
                if (block.strict) {
                    d.strict();
                }
                for (Located p : block.parameters.values()) {
                    d.parameter(p.parameter());
                }
                b.define(d.build());
            }
            return b.build();
        }
    }
}
