package dev.weft.net;

import dev.weft.runtime.CancelledException;
import dev.weft.runtime.ChannelClosedException;
import dev.weft.runtime.TimeSource;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Routes received {@link Message}s to handlers by command, with the conventions of the eventdispatcher family built
 * in: {@code HELP}, {@code ALIVE}, {@code UNKNOWN} for what nobody handles, and the rest of the table below.
 *
 * <h2>A service in twenty lines</h2>
 * <pre>{@code
 * try (Scope scope = Scope.open("lockd")) {
 *     Dispatcher dispatcher = Dispatcher.builder()
 *             .on("LOCK", (message, context) -> {
 *                 String object = message.require("object_name");   // missing: answered INVALID
 *                 context.reply(message.replyTo("LOCKED").parameter("object_name", object));
 *             })
 *             .on("STOP", (message, context) -> scope.cancel())   // graceful: every connection ends
 *             .build();                                          // HELP, ALIVE, UNKNOWN, ... built in
 *     StreamServer server = StreamServer.builder(new InetSocketAddress("127.0.0.1", 4040))
 *             .start(scope, connection -> {
 *                 try (MessageConnection messages = MessageConnection.over(connection)) {
 *                     dispatcher.serve(messages);   // the handlers run on this connection's thread
 *                 }
 *             });
 *     scope.join();
 * }
 * }</pre>
 * A peer's session with it ({@code >} sent, {@code <} received):
 * <pre>
 * &gt; HELP
 * &lt; COMMANDS list=ALIVE,HELP,INVALID,LOCK,LOG_ROTATE,QUITTING,READY,RESTART,SERVICE_UNAVAILABLE,STOP,UNKNOWN
 * &gt; ALIVE serial=7;timestamp=1700000000.5
 * &lt; ABSOLUTELY reply_timestamp=1700000000.501234567;serial=7;timestamp=1700000000.5
 * &gt; LOCK object_name=printer
 * &lt; LOCKED object_name=printer
 * &gt; FROB
 * &lt; UNKNOWN command=FROB
 * </pre>
 *
 * <h2>Rules</h2>
 * A {@link Rule} is one of four kinds: {@linkplain Rule#exact exact} (the command matches: run the handler and
 * stop), {@linkplain Rule#exactThenContinue exact then continue} (run it and go on to later rules),
 * {@linkplain Rule#tap tap} (runs for every message, goes on; an observer) and {@linkplain Rule#catchAll catch-all}
 * (at most one; runs when no exact rule handled the message). Rules run in ascending {@linkplain Rule#priority
 * priority} (0 to 15, default {@value #DEFAULT_PRIORITY}; equal priorities in the order they were added), so a
 * service's rules come before the conventions' ({@value #CONVENTION_PRIORITY}) and override them. Rules carry an
 * optional {@linkplain Rule#tag tag}, and {@link #add(Rule)} and {@link #remove(String)} change them while messages
 * are being dispatched (a plugin that comes and goes).
 *
 * <h2>Conventions</h2>
 * <table>
 * <caption>Built-in rules, tag {@value #CONVENTIONS_TAG}; each is replaced by a service's own rule for the
 * command</caption>
 * <tr><th>Received</th><th>Default</th></tr>
 * <tr><td>{@code HELP}</td><td>answers {@code COMMANDS list=<sorted, comma-separated commands of the exact rules,
 *     plus the ones of Builder.helpCommands>}</td></tr>
 * <tr><td>{@code ALIVE}</td><td>answers {@code ABSOLUTELY}, echoing {@code serial} and {@code timestamp}, with
 *     {@code reply_timestamp=<now, seconds.nanoseconds>}</td></tr>
 * <tr><td>{@code STOP}, {@code RESTART}</td><td>logged at WARN: the service should handle them</td></tr>
 * <tr><td>{@code LOG_ROTATE}</td><td>logged at INFO (SLF4J backends reopen their own files)</td></tr>
 * <tr><td>{@code READY}</td><td>logged at INFO with {@code my_address}</td></tr>
 * <tr><td>{@code QUITTING}</td><td>the peer is going away: logged at INFO, and the message connection is closed,
 *     so {@link #serve} returns</td></tr>
 * <tr><td>{@code UNKNOWN}, {@code INVALID}</td><td>logged at WARN: the peer did not understand us</td></tr>
 * <tr><td>{@code SERVICE_UNAVAILABLE}</td><td>logged at WARN: the router could not deliver</td></tr>
 * <tr><td>anything else</td><td>the catch-all answers {@code UNKNOWN command=<command>} (never to
 *     {@code UNKNOWN} or {@code INVALID}, which would loop)</td></tr>
 * </table>
 * {@link Builder#conventions(boolean) conventions(false)} leaves all of them out; unhandled messages are then
 * logged at DEBUG and dropped.
 *
 * <h2>Definitions</h2>
 * Before any handler runs, the message is checked against the {@link MessageDefinitions} (the conventions' and the
 * service's, {@link Builder#definitions}). A message that fails is answered
 * {@code INVALID command=<command>;message=<what is wrong>} and no handler but the taps sees it. So is a message
 * whose handler throws {@link IllegalArgumentException} (such as {@link Message#require} or
 * {@link Message#integer} on a missing or malformed parameter). Other exceptions of a handler are logged at WARN;
 * the connection goes on either way.
 *
 * <h2>Replies</h2>
 * {@link Context#reply(Message)} sends to the sender of the message being handled, on the connection it came from
 * (for a datagram, to the address it came from), and copies its {@code serial} so a waiting
 * {@link MessageConnection#call(Message, java.time.Duration) call} finds the reply. Build replies with
 * {@link Message#replyTo(String)}, which addresses them to the message's sent-from server and service.
 *
 * <p>Thread-safe: one dispatcher serves any number of connections at once; rules may be added and removed
 * meanwhile (a dispatch in progress sees the rules as they were when it started). Handlers run on the thread that
 * calls {@link #serve} or {@link #dispatch}, one message at a time per connection, so a slow handler delays only
 * its own connection; a handler that wants concurrency forks a task.
 */
public final class Dispatcher {

    /** The priority of rules that do not set one: {@value}. */
    public static final int DEFAULT_PRIORITY = 7;

    /** The priority of the built-in convention rules: {@value}. */
    public static final int CONVENTION_PRIORITY = 10;

    /** The tag of the built-in convention rules: {@value}; {@code remove(CONVENTIONS_TAG)} removes them all. */
    public static final String CONVENTIONS_TAG = "weft.conventions";

    /** The highest priority: {@value}. */
    public static final int MAX_PRIORITY = 15;

    private static final Logger LOG = LoggerFactory.getLogger(Dispatcher.class);
    private static final long WARN_INTERVAL_NANOS = 10_000_000_000L;

    /**
     * Handles a message; runs on the thread that dispatches it.
     */
    @FunctionalInterface
    public interface Handler {

        /**
         * Handles the message.
         *
         * @param message the message
         * @param context the connection it came from, and the way to reply
         * @throws IllegalArgumentException if the message is not acceptable: it is answered with {@code INVALID}
         * @throws Exception anything else: logged, and the connection goes on
         */
        void handle(Message message, Context context) throws Exception;
    }

    /** The kind of a {@link Rule}: how it matches and whether dispatching goes on after it. */
    public enum Kind {
        /** Matches one command; runs and stops. */
        EXACT,
        /** Matches one command; runs and goes on to later rules. */
        EXACT_THEN_CONTINUE,
        /** Matches every message; runs and goes on. It does not count as handling the message. */
        TAP,
        /** Runs when no exact rule handled the message; at most one per dispatcher. */
        CATCH_ALL
    }

    /**
     * A dispatching rule: what it matches, the handler, its priority and an optional tag.
     *
     * <pre>{@code
     * dispatcher.add(Rule.exact("RELOAD", this::reload).tag("admin-plugin"));
     * dispatcher.add(Rule.tap((message, context) -> metrics.count(message.command())).priority(0));
     * ...
     * dispatcher.remove("admin-plugin");
     * }</pre>
     *
     * @param kind how the rule matches
     * @param command the command an exact rule matches; empty for taps and catch-alls
     * @param handler what runs
     * @param priority from 0 (first) to {@value Dispatcher#MAX_PRIORITY}
     * @param tag the tag that {@link Dispatcher#remove(String)} removes the rule by, if any
     */
    public record Rule(Kind kind, Optional<String> command, Handler handler, int priority, Optional<String> tag) {

        /**
         * Checks the parts.
         *
         * @param kind how the rule matches
         * @param command the command of an exact rule; empty for the other kinds
         * @param handler what runs
         * @param priority from 0 to {@value Dispatcher#MAX_PRIORITY}
         * @param tag an optional tag, not blank
         * @throws IllegalArgumentException if the command is missing, present where it does not belong or not a
         *     valid command, the priority is out of range, or the tag is blank
         */
        public Rule {
            Objects.requireNonNull(kind, "kind");
            Objects.requireNonNull(command, "command");
            Objects.requireNonNull(handler, "handler");
            Objects.requireNonNull(tag, "tag");
            boolean exact = kind == Kind.EXACT || kind == Kind.EXACT_THEN_CONTINUE;
            if (exact && command.isEmpty()) {
                throw new IllegalArgumentException("an " + kind + " rule needs a command");
            }
            if (!exact && command.isPresent()) {
                throw new IllegalArgumentException("a " + kind + " rule matches every command; it takes none: "
                        + command.get());
            }
            command.ifPresent(MessageDefinition::checkCommand);
            if (priority < 0 || priority > MAX_PRIORITY) {
                throw new IllegalArgumentException("priority must be from 0 to " + MAX_PRIORITY + ": " + priority);
            }
            if (tag.isPresent() && tag.get().isBlank()) {
                throw new IllegalArgumentException("tag must not be blank");
            }
        }

        /**
         * Returns a rule that handles {@code command} and stops.
         *
         * @param command the command, {@code [A-Z0-9_]+} not starting with a digit
         * @param handler the handler
         * @return the rule, with the default priority and no tag
         */
        public static Rule exact(String command, Handler handler) {
            return new Rule(Kind.EXACT, Optional.of(command), handler, DEFAULT_PRIORITY, Optional.empty());
        }

        /**
         * Returns a rule that handles {@code command} and lets later rules see the message too.
         *
         * @param command the command
         * @param handler the handler
         * @return the rule, with the default priority and no tag
         */
        public static Rule exactThenContinue(String command, Handler handler) {
            return new Rule(Kind.EXACT_THEN_CONTINUE, Optional.of(command), handler, DEFAULT_PRIORITY,
                    Optional.empty());
        }

        /**
         * Returns a rule that sees every message and goes on (logging, metrics); it does not count as handling a
         * message, so the catch-all still answers one that nothing else handles.
         *
         * @param handler the handler
         * @return the rule, with the default priority and no tag
         */
        public static Rule tap(Handler handler) {
            return new Rule(Kind.TAP, Optional.empty(), handler, DEFAULT_PRIORITY, Optional.empty());
        }

        /**
         * Returns a catch-all rule, replacing the convention's {@code UNKNOWN} answer.
         *
         * @param handler the handler
         * @return the rule
         */
        public static Rule catchAll(Handler handler) {
            return new Rule(Kind.CATCH_ALL, Optional.empty(), handler, DEFAULT_PRIORITY, Optional.empty());
        }

        /**
         * Returns this rule with another priority.
         *
         * @param priority from 0 (first) to {@value Dispatcher#MAX_PRIORITY}
         * @return a copy of this rule
         */
        public Rule priority(int priority) {
            return new Rule(kind, command, handler, priority, tag);
        }

        /**
         * Returns this rule with a tag.
         *
         * @param tag the tag, not blank
         * @return a copy of this rule
         */
        public Rule tag(String tag) {
            return new Rule(kind, command, handler, priority, Optional.of(Objects.requireNonNull(tag, "tag")));
        }

        boolean matches(String messageCommand) {
            return command.isPresent() && command.get().equals(messageCommand);
        }
    }

    /**
     * What a handler knows besides the message: the connection it came from and how to answer it. Valid while the
     * handler runs (and after, for a late reply).
     */
    public static final class Context {
        private final Dispatcher dispatcher;
        private final Message message;
        private final MessageConnection connection;

        private Context(Dispatcher dispatcher, Message message, MessageConnection connection) {
            this.dispatcher = dispatcher;
            this.message = message;
            this.connection = connection;
        }

        /**
         * Returns the message being handled.
         *
         * @return the message
         */
        public Message message() {
            return message;
        }

        /**
         * Returns the connection the message came from.
         *
         * @return the connection
         */
        public MessageConnection connection() {
            return connection;
        }

        /**
         * Returns the dispatcher.
         *
         * @return the dispatcher running the handler
         */
        public Dispatcher dispatcher() {
            return dispatcher;
        }

        /**
         * Sends a reply to where the message came from; see {@link MessageConnection#reply(Message, Message)}.
         *
         * @param reply the reply, usually built with {@link Message#replyTo(String)}
         * @throws IOException if sending fails
         * @throws InterruptedException if interrupted while waiting for the write rate budget
         */
        public void reply(Message reply) throws IOException, InterruptedException {
            connection.reply(message, reply);
        }

        /**
         * Builds and sends a reply; see {@link #reply(Message)}.
         *
         * @param reply the reply's builder, usually from {@link Message#replyTo(String)}
         * @throws IOException if sending fails
         * @throws InterruptedException if interrupted while waiting for the write rate budget
         */
        public void reply(Message.Builder reply) throws IOException, InterruptedException {
            reply(Objects.requireNonNull(reply, "reply").build());
        }
    }

    private record Entry(Rule rule, long order) {
    }

    private static final Comparator<Entry> ORDER = Comparator.<Entry>comparingInt(e -> e.rule().priority())
            .thenComparingLong(Entry::order);

    private final MessageDefinitions definitions;
    private final boolean answerInvalid;
    private final @Nullable Supplier<? extends Collection<String>> helpCommands;
    private final Object lock = new Object();
    private final AtomicLong order = new AtomicLong();
    private volatile List<Entry> rules = List.of();
    private volatile @Nullable Entry catchAll;
    private volatile @Nullable Entry conventionCatchAll;
    private final AtomicLong nextWarn = new AtomicLong(Long.MIN_VALUE);

    private Dispatcher(Builder b) {
        MessageDefinitions defs = b.conventions ? MessageDefinitions.conventions() : MessageDefinitions.builder()
                .build();
        this.definitions = b.definitions == null ? defs : defs.merge(b.definitions);
        this.answerInvalid = b.answerInvalid;
        this.helpCommands = b.helpCommands;
        if (b.conventions) {
            addConventions();
        }
        for (Rule rule : b.rules) {
            add(rule);
        }
    }

    /**
     * Returns a builder of a dispatcher with the conventions.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Serves a connection: receives its messages and dispatches each, on the calling thread, until the connection
     * ends. Makes the connection answer invalid lines with {@code INVALID} (unless
     * {@link Builder#answerInvalid(boolean)} turned that off).
     *
     * <p>Blocks while no message is there. Cancellation (an interrupt, or the caller's scope being cancelled)
     * ends the wait, loses no message, and leaves the connection open; a handler in progress is interrupted (and if
     * it is writing a reply just then, the JDK closes the connection).
     *
     * @param connection the connection
     * @throws IOException if reading the connection failed (a reset, for example); the cause is the error
     * @throws InterruptedException if interrupted while waiting for a message
     */
    public void serve(MessageConnection connection) throws IOException, InterruptedException {
        Objects.requireNonNull(connection, "connection");
        connection.answerInvalid(answerInvalid);
        for (;;) {
            Message message;
            try {
                message = connection.messages().receive();
            } catch (ChannelClosedException e) {
                if (e.getCause() instanceof IOException io) {
                    throw new IOException("reading " + connection.name() + " failed: " + io.getMessage(), io);
                }
                return;
            }
            dispatch(message, connection);
        }
    }

    /**
     * Dispatches one message that came from {@code connection}: checks it against the definitions, then runs the
     * matching rules on the calling thread. For a service that reads {@link MessageConnection#messages()} in its own
     * {@code select} loop.
     *
     * @param message the message
     * @param connection the connection it came from, where replies go
     * @throws InterruptedException if a handler was interrupted
     */
    public void dispatch(Message message, MessageConnection connection) throws InterruptedException {
        Objects.requireNonNull(message, "message");
        Objects.requireNonNull(connection, "connection");
        List<String> problems = definitions.check(message);
        Context context = new Context(this, message, connection);
        boolean handled = false;
        for (Entry entry : rules) {
            Rule rule = entry.rule();
            switch (rule.kind()) {
                case TAP -> run(rule, context);
                case EXACT -> {
                    if (problems.isEmpty() && rule.matches(message.command())) {
                        run(rule, context);
                        return;
                    }
                }
                case EXACT_THEN_CONTINUE -> {
                    if (problems.isEmpty() && rule.matches(message.command())) {
                        run(rule, context);
                        handled = true;
                    }
                }
                case CATCH_ALL -> throw new AssertionError("catch-all rules are kept apart");
            }
        }
        if (!problems.isEmpty()) {
            String what = String.join("; ", problems);
            logRejected(connection, message, what);
            answerInvalid(context, what);
            return;
        }
        if (handled) {
            return;
        }
        Entry last = catchAll != null ? catchAll : conventionCatchAll;
        if (last != null) {
            run(last.rule(), context);
        } else {
            LOG.debug("{}: no rule for {}; dropped", connection.name(), message.command());
        }
    }

    /**
     * Adds a rule; it applies from the next message dispatched. A catch-all rule replaces the conventions' catch-all.
     *
     * @param rule the rule
     * @throws IllegalStateException if the rule is a catch-all and the dispatcher already has one (other than the
     *     conventions')
     */
    public void add(Rule rule) {
        Objects.requireNonNull(rule, "rule");
        synchronized (lock) {
            Entry entry = new Entry(rule, order.getAndIncrement());
            if (rule.kind() == Kind.CATCH_ALL) {
                boolean convention = rule.tag().filter(CONVENTIONS_TAG::equals).isPresent();
                if (convention) {
                    conventionCatchAll = entry;
                    return;
                }
                Entry existing = catchAll;
                if (existing != null) {
                    throw new IllegalStateException("the dispatcher already has a catch-all rule"
                            + existing.rule().tag().map(t -> " (tag " + t + ")").orElse("")
                            + "; remove it by its tag first");
                }
                catchAll = entry;
                return;
            }
            List<Entry> next = new ArrayList<>(rules);
            next.add(entry);
            next.sort(ORDER);
            rules = List.copyOf(next);
        }
    }

    /**
     * Removes every rule with {@code tag}; it applies from the next message dispatched. Removing
     * {@value #CONVENTIONS_TAG} removes the built-in conventions.
     *
     * @param tag the tag
     * @return how many rules were removed
     */
    public int remove(String tag) {
        Objects.requireNonNull(tag, "tag");
        synchronized (lock) {
            int removed = 0;
            List<Entry> next = new ArrayList<>(rules.size());
            for (Entry e : rules) {
                if (e.rule().tag().filter(tag::equals).isPresent()) {
                    removed++;
                } else {
                    next.add(e);
                }
            }
            rules = List.copyOf(next);
            Entry user = catchAll;
            if (user != null && user.rule().tag().filter(tag::equals).isPresent()) {
                catchAll = null;
                removed++;
            }
            Entry convention = conventionCatchAll;
            if (convention != null && convention.rule().tag().filter(tag::equals).isPresent()) {
                conventionCatchAll = null;
                removed++;
            }
            return removed;
        }
    }

    /**
     * Returns the rules in the order they run, the catch-all (if any) last.
     *
     * @return a snapshot
     */
    public List<Rule> rules() {
        List<Rule> result = new ArrayList<>();
        for (Entry e : rules) {
            result.add(e.rule());
        }
        Entry last = catchAll != null ? catchAll : conventionCatchAll;
        if (last != null) {
            result.add(last.rule());
        }
        return Collections.unmodifiableList(result);
    }

    /**
     * Returns the commands {@code HELP} lists: those of the exact rules, and those the
     * {@linkplain Builder#helpCommands help supplier} adds.
     *
     * @return the commands, sorted
     */
    public SortedSet<String> commands() {
        SortedSet<String> commands = new TreeSet<>();
        for (Entry e : rules) {
            e.rule().command().ifPresent(commands::add);
        }
        if (helpCommands != null) {
            Collection<String> extra = helpCommands.get();
            if (extra != null) {
                commands.addAll(extra);
            }
        }
        return Collections.unmodifiableSortedSet(commands);
    }

    /**
     * Returns the definitions messages are checked against: the conventions' merged with the service's.
     *
     * @return the definitions
     */
    public MessageDefinitions definitions() {
        return definitions;
    }

    private void run(Rule rule, Context context) throws InterruptedException {
        Message message = context.message();
        MessageConnection connection = context.connection();
        try {
            rule.handler().handle(message, context);
        } catch (InterruptedException | CancelledException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            logRejected(connection, message, e.getMessage());
            answerInvalid(context, String.valueOf(e.getMessage()));
        } catch (IOException e) {
            LOG.debug("{}: handler of {} could not send: {}", connection.name(), message.command(), e.toString());
        } catch (Exception e) {
            LOG.warn("{}: handler of {} failed", connection.name(), message.command(), e);
        }
    }

    private void answerInvalid(Context context, String what) throws InterruptedException {
        Message message = context.message();
        try {
            context.reply(message.replyTo("INVALID").parameter("command", message.command())
                    .parameter("message", what));
        } catch (IOException | IllegalStateException | IllegalArgumentException e) {
            LOG.debug("{}: could not answer INVALID to {}: {}", context.connection().name(), message.command(),
                    e.toString());
        }
    }

    private void logRejected(MessageConnection connection, Message message, @Nullable String what) {
        long now = System.nanoTime();
        long next = nextWarn.get();
        if ((next == Long.MIN_VALUE || now - next >= 0) && nextWarn.compareAndSet(next, now + WARN_INTERVAL_NANOS)) {
            LOG.warn("{}: rejected {} from {}: {} (answered INVALID; more within 10 s at DEBUG)", connection.name(),
                    message.command(), sender(message), what);
        } else {
            LOG.debug("{}: rejected {} from {}: {}", connection.name(), message.command(),
                    sender(message), what);
        }
    }

    private static String sender(Message message) {
        if (message.sentFromServer().isEmpty() && message.sentFromService().isEmpty()) {
            return "the peer";
        }
        return message.sentFromServer().orElse("") + ":" + message.sentFromService().orElse("");
    }

    // --- the conventions ---

    private void addConventions() {
        convention("HELP", (message, context) -> context.reply(message.replyTo("COMMANDS")
                .parameter("list", String.join(",", commands()))));
        convention("ALIVE", (message, context) -> {
            Message.Builder reply = message.replyTo("ABSOLUTELY");
            message.parameter("timestamp").ifPresent(t -> reply.parameter("timestamp", t));
            reply.parameter("reply_timestamp", TimeSource.current().now());
            context.reply(reply); // copies serial
        });
        convention("STOP", (message, context) -> LOG.warn("{}: STOP from {} ignored: the service has no STOP"
                + " handler (Dispatcher.Builder.on(\"STOP\", ...))", context.connection().name(),
                sender(message)));
        convention("RESTART", (message, context) -> LOG.warn("{}: RESTART from {} ignored: the service has no"
                + " RESTART handler", context.connection().name(), sender(message)));
        convention("LOG_ROTATE", (message, context) -> LOG.info("{}: LOG_ROTATE from {}: nothing to reopen (the"
                + " service has no LOG_ROTATE handler)", context.connection().name(),
                sender(message)));
        convention("READY", (message, context) -> LOG.info("{}: READY from {}{}", context.connection().name(),
                sender(message),
                message.parameter("my_address").map(a -> " (my_address " + a + ")").orElse("")));
        convention("QUITTING", (message, context) -> {
            LOG.info("{}: {} is quitting; closing the connection", context.connection().name(),
                    sender(message));
            context.connection().close();
        });
        Handler misunderstood = (message, context) -> LOG.warn("{}: {} answered {} to our {}{}",
                context.connection().name(), sender(message), message.command(),
                message.parameter("command").orElse("message"),
                message.parameter("message").map(m -> ": " + m).orElse(""));
        convention("UNKNOWN", misunderstood);
        convention("INVALID", misunderstood);
        convention("SERVICE_UNAVAILABLE", (message, context) -> LOG.warn("{}: {} could not deliver {} to service"
                + " {}", context.connection().name(), sender(message),
                message.parameter("unsent_command").orElse("a message"),
                message.parameter("destination_service").orElse("?")));
        add(Rule.catchAll((message, context) -> {
            if (message.command().equals("UNKNOWN") || message.command().equals("INVALID")) {
                LOG.debug("{}: unhandled {} not answered", context.connection().name(), message.command());
                return;
            }
            LOG.debug("{}: no handler for {} from {}; answering UNKNOWN", context.connection().name(),
                    message.command(), sender(message));
            context.reply(message.replyTo("UNKNOWN").parameter("command", message.command()));
        }).tag(CONVENTIONS_TAG));
    }

    private void convention(String command, Handler handler) {
        add(Rule.exact(command, handler).priority(CONVENTION_PRIORITY).tag(CONVENTIONS_TAG));
    }

    /**
     * Builds a {@link Dispatcher}. Not thread-safe; the dispatcher is.
     */
    public static final class Builder {
        private final List<Rule> rules = new ArrayList<>();
        private @Nullable MessageDefinitions definitions;
        private boolean conventions = true;
        private boolean answerInvalid = true;
        private @Nullable Supplier<? extends Collection<String>> helpCommands;

        private Builder() {
        }

        /**
         * Handles {@code command} with {@code handler} (an {@linkplain Rule#exact exact} rule with the default
         * priority), replacing the convention for it if there is one.
         *
         * @param command the command, {@code [A-Z0-9_]+} not starting with a digit
         * @param handler the handler
         * @return this builder
         */
        public Builder on(String command, Handler handler) {
            return rule(Rule.exact(command, handler));
        }

        /**
         * Adds a rule of any kind.
         *
         * @param rule the rule
         * @return this builder
         */
        public Builder rule(Rule rule) {
            rules.add(Objects.requireNonNull(rule, "rule"));
            return this;
        }

        /**
         * Checks messages against {@code definitions} (merged over the conventions' own) before any handler runs.
         *
         * @param definitions the service's message definitions
         * @return this builder
         */
        public Builder definitions(MessageDefinitions definitions) {
            this.definitions = Objects.requireNonNull(definitions, "definitions");
            return this;
        }

        /**
         * Sets whether the built-in conventions (see {@link Dispatcher}) are there (default true).
         *
         * @param on false to leave every convention out, with its definitions
         * @return this builder
         */
        public Builder conventions(boolean on) {
            this.conventions = on;
            return this;
        }

        /**
         * Sets whether a connection this dispatcher serves answers a line that is not a valid message with
         * {@code INVALID message=<what is wrong>} (default true). A message that fails its definition is answered
         * {@code INVALID} in any case.
         *
         * @param on whether to answer invalid lines
         * @return this builder
         */
        public Builder answerInvalid(boolean on) {
            this.answerInvalid = on;
            return this;
        }

        /**
         * Adds commands to the {@code HELP} answer that no exact rule names — those a catch-all or a tap handles,
         * for example. The supplier is called for each {@code HELP}.
         *
         * @param commands supplies the extra commands
         * @return this builder
         */
        public Builder helpCommands(Supplier<? extends Collection<String>> commands) {
            this.helpCommands = Objects.requireNonNull(commands, "commands");
            return this;
        }

        /**
         * Builds the dispatcher.
         *
         * @return the dispatcher
         * @throws IllegalStateException if more than one catch-all rule was added
         */
        public Dispatcher build() {
            return new Dispatcher(this);
        }
    }
}
