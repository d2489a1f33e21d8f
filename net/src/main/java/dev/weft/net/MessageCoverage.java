package dev.weft.net;

import java.util.Collection;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * A debugging aid for test suites: counts every command sent and received on the {@link MessageConnection}s it is
 * given to, per connection, and reports which declared commands were never exercised.
 *
 * <pre>{@code
 * MessageCoverage coverage = MessageCoverage.create();
 * try (MessageConnection c = MessageConnection.builder(connection).coverage(coverage).build()) {
 *     runTheScenario(c);
 * }
 * System.out.println(coverage.report(definitions.commands()));
 * // LOCK       sent 3  received 0
 * // LOCKED     sent 0  received 3
 * // UNLOCK     never exercised
 * }</pre>
 *
 * Connections are told apart by {@linkplain MessageConnection#name() name}; give connections that would share one
 * (the clients of a Unix socket server, say) their own with {@code MessageConnection.Builder.name(...)}. Only
 * messages that were sent successfully or received and parsed are counted.
 *
 * <p>Thread-safe: any number of connections record into one coverage at once.
 */
public final class MessageCoverage {

    /**
     * How often a command was sent and received.
     *
     * @param sent how many messages with the command were sent
     * @param received how many were received
     */
    public record Counts(long sent, long received) {

        /**
         * Returns the sum of both.
         *
         * @return sent plus received
         */
        public long total() {
            return sent + received;
        }
    }

    private final ConcurrentMap<String, ConcurrentMap<String, LongAdder[]>> counts = new ConcurrentHashMap<>();

    private MessageCoverage() {
    }

    /**
     * Returns a new, empty recorder.
     *
     * @return the recorder
     */
    public static MessageCoverage create() {
        return new MessageCoverage();
    }

    void sent(String connection, String command) {
        adder(connection, command)[0].increment();
    }

    void received(String connection, String command) {
        adder(connection, command)[1].increment();
    }

    private LongAdder[] adder(String connection, String command) {
        return counts.computeIfAbsent(connection, c -> new ConcurrentHashMap<>())
                .computeIfAbsent(command, c -> new LongAdder[] {new LongAdder(), new LongAdder()});
    }

    /**
     * Returns a snapshot of the counts per connection name, then per command, both in ascending order.
     *
     * @return an unmodifiable snapshot
     */
    public SortedMap<String, SortedMap<String, Counts>> byConnection() {
        SortedMap<String, SortedMap<String, Counts>> result = new TreeMap<>();
        counts.forEach((connection, commands) -> {
            SortedMap<String, Counts> m = new TreeMap<>();
            commands.forEach((command, a) -> m.put(command, new Counts(a[0].sum(), a[1].sum())));
            result.put(connection, Collections.unmodifiableSortedMap(m));
        });
        return Collections.unmodifiableSortedMap(result);
    }

    /**
     * Returns a snapshot of the counts per command over all connections, in ascending order of the commands.
     *
     * @return an unmodifiable snapshot
     */
    public SortedMap<String, Counts> totals() {
        SortedMap<String, Counts> result = new TreeMap<>();
        for (SortedMap<String, Counts> commands : byConnection().values()) {
            commands.forEach((command, c) -> result.merge(command, c,
                    (a, b) -> new Counts(a.sent + b.sent, a.received + b.received)));
        }
        return Collections.unmodifiableSortedMap(result);
    }

    /**
     * Returns the commands of {@code declared} that were neither sent nor received on any connection.
     *
     * @param declared the commands that should have been exercised, such as
     *     {@link MessageDefinitions#commands()} or {@link Dispatcher#commands()}
     * @return the commands never seen, in ascending order
     */
    public SortedSet<String> unexercised(Collection<String> declared) {
        Objects.requireNonNull(declared, "declared");
        SortedMap<String, Counts> seen = totals();
        SortedSet<String> result = new TreeSet<>();
        for (String command : declared) {
            Counts c = seen.get(Objects.requireNonNull(command, "command"));
            if (c == null || c.total() == 0) {
                result.add(command);
            }
        }
        return Collections.unmodifiableSortedSet(result);
    }

    /**
     * Returns a readable report: one line per command (declared or seen) with its counts, or
     * {@code never exercised}; then the counts per connection.
     *
     * @param declared the commands that should have been exercised
     * @return the report, several lines
     */
    public String report(Collection<String> declared) {
        Objects.requireNonNull(declared, "declared");
        SortedMap<String, Counts> totals = totals();
        SortedSet<String> declaredSet = new TreeSet<>(declared);
        SortedSet<String> all = new TreeSet<>(declaredSet);
        all.addAll(totals.keySet());
        int width = all.stream().mapToInt(String::length).max().orElse(0);
        StringBuilder s = new StringBuilder();
        SortedSet<String> never = unexercised(declaredSet);
        s.append("message coverage: ").append(declaredSet.size() - never.size()).append(" of ")
                .append(declaredSet.size()).append(" declared commands exercised\n");
        for (String command : all) {
            s.append(String.format("  %-" + width + "s  ", command));
            Counts c = totals.get(command);
            if (c == null || c.total() == 0) {
                s.append("never exercised");
            } else {
                s.append("sent ").append(c.sent).append("  received ").append(c.received);
                if (!declaredSet.contains(command)) {
                    s.append("  (not declared)");
                }
            }
            s.append('\n');
        }
        byConnection().forEach((connection, commands) -> {
            s.append("  on ").append(connection).append(':');
            commands.forEach((command, c) -> s.append(' ').append(command).append(' ').append(c.sent).append('/')
                    .append(c.received));
            s.append('\n');
        });
        return s.toString();
    }

    /** Forgets every count. */
    public void reset() {
        counts.clear();
    }

    @Override
    public String toString() {
        return "MessageCoverage" + totals();
    }
}
