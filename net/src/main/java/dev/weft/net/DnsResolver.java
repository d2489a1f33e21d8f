package dev.weft.net;

import dev.weft.net.spi.Resolution;
import dev.weft.net.spi.Resolver;
import dev.weft.runtime.Scope;
import dev.weft.runtime.Task;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.DatagramPacket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

/**
 * A {@link Resolver} that asks DNS servers directly: A and AAAA queries in parallel, over UDP with a fallback to TCP
 * for truncated answers, with the servers, search list and {@code ndots} of {@code /etc/resolv.conf} or set
 * explicitly.
 *
 * <pre>{@code
 * Resolver dns = DnsResolver.system();                        // /etc/resolv.conf
 * Resolution r = dns.resolve("my-backend.my-namespace.svc.cluster.local");
 * r.addresses();  r.ttl();                                    // every A and AAAA address, the smallest TTL
 *
 * Resolver sidecar = DnsResolver.builder()                    // an explicit server, e.g. a test's TestDnsServer
 *         .server(new InetSocketAddress("127.0.0.1", 5353))
 *         .searchDomains(List.of("my-namespace.svc.cluster.local"))
 *         .queryTimeout(Duration.ofMillis(500))
 *         .build();
 * }</pre>
 *
 * <p><b>No cache.</b> Every call asks the servers. The answer carries the smallest TTL of the records it was built
 * from (the address records and every CNAME followed on the way), unclamped; the caller — a permanent connection —
 * tracks expiry against its own clock, so a virtual clock governs re-resolution in tests. Negative answers are not
 * cached either.
 *
 * <p><b>How a query runs.</b> dnsjava is used only for the wire format ({@link Message}, {@link Record}); the
 * exchange itself runs on the calling virtual thread and one more: {@code resolve} opens a {@link Scope} (nested in
 * the caller's scope, if any) with one task for A and one for AAAA. Each task sends its query from a fresh
 * {@link DatagramChannel} connected to the server (so only that server's replies reach it, and a fresh random port
 * and query id make spoofing harder), waits up to the query timeout for a reply whose id and question match, and on
 * a timeout, SERVFAIL, REFUSED or a network error moves on to the next server; after the last server it starts again
 * from the first, {@linkplain Builder#attempts(int) attempts} times in all. A reply with the TC (truncated) flag is
 * asked again over TCP to the same server. No dnsjava resolver, selector thread or cache is involved.
 *
 * <p><b>Names.</b>
 * <ul>
 *   <li>IP literals ({@code 10.0.0.7}, {@code ::1}, {@code [::1]}, {@code fe80::1%2}, {@code fe80::1%eth0}) and {@code localhost}
 *       (→ {@code 127.0.0.1} and {@code ::1}) are answered without a query, with a TTL of {@link #LITERAL_TTL}.</li>
 *   <li>A name ending in a dot is absolute: it is asked as it is, and only that.</li>
 *   <li>A name with at least one dot is asked as it is <em>first</em>, then with each search domain appended.
 *       This deviates from glibc, which appends the search domains first when the name has fewer than
 *       {@code ndots} dots: with Kubernetes' {@code ndots:5}, {@code my-backend.my-namespace.svc.cluster.local}
 *       would otherwise cost four negative queries (times two for A and AAAA) on every resolution. The price: a
 *       dotted name that exists both as it is and under a search domain resolves to the former.</li>
 *   <li>A name without a dot ({@code redis}) is asked with each search domain appended first, then as it is (the
 *       way glibc does; Docker's embedded DNS answers single-label service names as they are). With
 *       {@code ndots:0} it is asked as it is first.</li>
 *   <li>A candidate that gets a negative answer for both A and AAAA (NXDOMAIN, or NOERROR without address records:
 *       NODATA) moves on to the next candidate. When all are negative, {@link UnknownHostException} names the host
 *       and every name asked. A candidate for which no server gave an answer (timeout, SERVFAIL, REFUSED, network
 *       error) for either type without the other type having addresses ends the search with an
 *       {@link IOException} naming the name and the servers: the next candidate could give a wrong answer for a
 *       name that does exist.</li>
 * </ul>
 * A CNAME chain inside an answer is followed (up to {@value #MAX_CNAME_HOPS} links); when it ends at a name the
 * answer has no records for (a server that does not chase CNAMEs out of its zone), that name is asked for, up to
 * {@value #MAX_CNAME_QUERIES} more queries. The TTL covers every CNAME used.
 *
 * <p><b>dnsjava and {@code InetAddress}.</b> dnsjava's jar declares {@code provides
 * java.net.spi.InetAddressResolverProvider} ({@code org.xbill.DNS.spi.DnsjavaInetAddressResolverProvider}), and
 * the JDK loads the first such provider it finds on the module or class path, so with weft's net module present
 * that provider is the one {@link InetAddress#getByName(String)} asks. But in dnsjava 3.6 its
 * {@code get(Configuration)} returns the JDK's built-in resolver unless the system property
 * {@code org.dnsjava.spi.enable} is {@code true}: merely having dnsjava on the path does <em>not</em> change how
 * {@code InetAddress} resolves (hosts file, nsswitch, the JDK's own cache). {@code DnsResolverTest} pins this down
 * in a child JVM, with and without the property. {@code DnsResolver} never goes through {@code InetAddress}
 * lookups.
 *
 * <p><b>Clocks.</b> The query timeout is measured on the system clock, not on the caller's
 * {@link dev.weft.runtime.TimeSource}: it bounds a real network wait. In a test on a
 * {@link dev.weft.runtime.VirtualClock}, a query therefore takes real time, and an auto-advancing clock does not
 * jump while one runs (the query tasks are blocked in socket reads, which count as running). TTLs are only reported,
 * so their expiry is tracked on whatever clock the caller uses.
 *
 * <p>Thread-safe and immutable: one resolver may be shared by any number of connections. It holds no resources.
 */
public final class DnsResolver implements Resolver {

    /** The time to live reported for IP literals and {@code localhost}, which never change: one day. */
    public static final Duration LITERAL_TTL = Duration.ofDays(1);

    /** The default {@linkplain Builder#queryTimeout(Duration) query timeout}: two seconds. */
    public static final Duration DEFAULT_QUERY_TIMEOUT = Duration.ofSeconds(2);

    /** The default number of {@linkplain Builder#attempts(int) rounds over the servers}: two, as glibc. */
    public static final int DEFAULT_ATTEMPTS = 2;

    /** The default {@linkplain Builder#ndots(int) ndots}: one, as glibc. */
    public static final int DEFAULT_NDOTS = 1;

    /** The server used when none is configured, as glibc: {@code 127.0.0.1}, port 53. */
    public static final InetSocketAddress DEFAULT_SERVER =
            new InetSocketAddress(ResolvConf.ipLiteral("127.0.0.1").orElseThrow(), 53);

    static final int MAX_CNAME_HOPS = 16;
    static final int MAX_CNAME_QUERIES = 8;

    private static final Logger LOG = LoggerFactory.getLogger(DnsResolver.class);
    private static final int MAX_UDP_REPLY = 65_535;

    private final List<InetSocketAddress> servers;
    private final List<Name> searchDomains;
    private final int ndots;
    private final Duration queryTimeout;
    private final int attempts;

    private DnsResolver(List<InetSocketAddress> servers, List<Name> searchDomains, int ndots, Duration queryTimeout,
            int attempts) {
        this.servers = List.copyOf(servers);
        this.searchDomains = List.copyOf(searchDomains);
        this.ndots = ndots;
        this.queryTimeout = queryTimeout;
        this.attempts = attempts;
    }

    /**
     * Returns a resolver configured from {@code /etc/resolv.conf}: its servers (or {@link #DEFAULT_SERVER}), search
     * list, and {@code ndots}, {@code timeout} and {@code attempts} options (or the defaults). The file is read now,
     * once per call: make one resolver and share it (it is thread-safe).
     *
     * @return the resolver
     * @throws IOException if the file exists but cannot be read
     */
    public static DnsResolver system() throws IOException {
        return builder().resolvConf(ResolvConf.DEFAULT_PATH).build();
    }

    /**
     * Returns a builder that starts from the defaults — {@link #DEFAULT_SERVER}, no search domains, ndots
     * {@value #DEFAULT_NDOTS}, a query timeout of two seconds, {@value #DEFAULT_ATTEMPTS} attempts — and reads no
     * file unless {@link Builder#resolvConf(Path)} is called.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * The servers asked, in order.
     *
     * @return the servers, never empty
     */
    public List<InetSocketAddress> servers() {
        return servers;
    }

    /**
     * The search domains, in order, without trailing dots.
     *
     * @return the search domains, possibly empty
     */
    public List<String> searchDomains() {
        return searchDomains.stream().map(n -> n.toString(true)).toList();
    }

    /**
     * The {@code ndots} setting.
     *
     * @return ndots, not negative
     */
    public int ndots() {
        return ndots;
    }

    /**
     * How long one query waits for the answer of one server.
     *
     * @return the query timeout, positive
     */
    public Duration queryTimeout() {
        return queryTimeout;
    }

    /**
     * How many times the list of servers is tried for one query.
     *
     * @return the attempts, at least one
     */
    public int attempts() {
        return attempts;
    }

    /**
     * Resolves {@code host} to its A and AAAA addresses, blocking until the servers answer.
     *
     * <p>Waits for the DNS replies: at most the query timeout per server and attempt, for each name tried (see the
     * class comment for the order). An interrupt of the calling thread (or the cancellation of its scope) stops
     * both queries at once — their sockets are closed — and throws {@link InterruptedException} (a cancelled weft
     * task gets {@link dev.weft.runtime.CancelledException}); nothing is left running.
     *
     * @param host a host name (relative, or absolute with a trailing dot), an IP literal, or {@code localhost}
     * @return the addresses, the A records' before the AAAA records', with the smallest TTL of the records used
     * @throws IllegalArgumentException if {@code host} is blank or not a valid DNS name
     * @throws UnknownHostException if every name tried got a negative answer for both A and AAAA
     * @throws IOException if no server gave an answer (timeout, SERVFAIL, REFUSED, network error)
     * @throws InterruptedException if the calling thread is interrupted while waiting
     */
    @Override
    public Resolution resolve(String host) throws IOException, InterruptedException {
        Objects.requireNonNull(host, "host");
        if (host.isBlank()) {
            throw new IllegalArgumentException("host must not be blank: \"" + host + "\"");
        }
        if (host.chars().anyMatch(c -> Character.isWhitespace(c) || Character.isISOControl(c))) {
            throw new IllegalArgumentException("host must not contain whitespace or control characters: \"" + host
                    + "\"");
        }
        Optional<Resolution> local = withoutQuery(host);
        if (local.isPresent()) {
            return local.get();
        }
        List<Name> candidates = candidates(host);
        List<String> tried = new ArrayList<>();
        for (Name candidate : candidates) {
            tried.add(candidate.toString());
            Optional<Resolution> answer = resolveCandidate(host, candidate);
            if (answer.isPresent()) {
                LOG.debug("dns {}: {} ttl {}s (asked {})", host, answer.get().addresses(),
                        answer.get().ttl().toSeconds(), tried);
                return answer.get();
            }
        }
        LOG.debug("dns {}: no addresses (asked {})", host, tried);
        throw new UnknownHostException(host + ": no A or AAAA records (asked " + String.join(", ", tried)
                + " at " + formatServers() + ")");
    }

    /** The answer for an IP literal or {@code localhost}, which needs no query. */
    private static Optional<Resolution> withoutQuery(String host) throws UnknownHostException {
        if (host.startsWith("[") && host.endsWith("]")) {
            String inner = host.substring(1, host.length() - 1);
            Optional<InetAddress> literal = inner.indexOf(':') >= 0 ? ResolvConf.ipLiteral(inner) : Optional.empty();
            if (literal.isEmpty()) {
                throw new IllegalArgumentException("host is not a valid bracketed IPv6 literal: " + host);
            }
            return Optional.of(new Resolution(host, List.of(literal.get()), LITERAL_TTL));
        }
        if (host.indexOf(':') >= 0) {
            Optional<InetAddress> literal = ResolvConf.ipLiteral(host);
            if (literal.isEmpty()) {
                throw new IllegalArgumentException("host is not a valid IPv6 literal or host name: " + host);
            }
            return Optional.of(new Resolution(host, List.of(literal.get()), LITERAL_TTL));
        }
        Optional<InetAddress> v4 = ResolvConf.ipLiteral(host);
        if (v4.isPresent()) {
            return Optional.of(new Resolution(host, List.of(v4.get()), LITERAL_TTL));
        }
        String lower = host.toLowerCase(Locale.ROOT);
        if (lower.equals("localhost") || lower.equals("localhost.")) {
            return Optional.of(new Resolution(host, List.of(
                    InetAddress.getByAddress("localhost", new byte[] {127, 0, 0, 1}),
                    InetAddress.getByAddress("localhost", ipv6Loopback())), LITERAL_TTL));
        }
        return Optional.empty();
    }

    private static byte[] ipv6Loopback() {
        byte[] b = new byte[16];
        b[15] = 1;
        return b;
    }

    /** The names to ask for {@code host}, in order: see the class comment. */
    List<Name> candidates(String host) {
        Name name;
        try {
            name = Name.fromString(host, null);
        } catch (TextParseException e) {
            throw new IllegalArgumentException("host is not a valid DNS name: " + host + " (" + e.getMessage() + ")");
        }
        if (host.startsWith(".") || host.contains("..")) {
            throw new IllegalArgumentException("host is not a valid DNS name: " + host + " (empty label)");
        }
        if (name.isAbsolute()) {
            return List.of(name);
        }
        Name absolute = concatenate(host, name, Name.root);
        List<Name> searched = new ArrayList<>();
        for (Name domain : searchDomains) {
            Name candidate = concatenateOrEmpty(name, domain);
            if (candidate != null && !searched.contains(candidate) && !candidate.equals(absolute)) {
                searched.add(candidate);
            }
        }
        int dots = name.labels() - 1;
        List<Name> result = new ArrayList<>();
        if (dots >= 1 || ndots == 0) {
            result.add(absolute);
            result.addAll(searched);
        } else {
            result.addAll(searched);
            result.add(absolute);
        }
        return result;
    }

    private static Name concatenate(String host, Name prefix, Name suffix) {
        try {
            return Name.concatenate(prefix, suffix);
        } catch (org.xbill.DNS.NameTooLongException e) {
            throw new IllegalArgumentException("host is not a valid DNS name: " + host + " (too long)");
        }
    }

    /** The name with a search domain appended, or null if that would be too long (glibc skips such candidates). */
    private static Name concatenateOrEmpty(Name prefix, Name domain) {
        try {
            return Name.concatenate(prefix, domain);
        } catch (org.xbill.DNS.NameTooLongException e) {
            return null;
        }
    }

    /** The outcome of one query (one name, one type) over all servers and attempts. */
    private sealed interface Outcome {
        /** Address records, possibly none (NODATA), or NXDOMAIN. */
        record Answer(List<InetAddress> addresses, long ttlSeconds, boolean nxdomain) implements Outcome {
        }

        /** No server answered. */
        record Failure(IOException error) implements Outcome {
        }
    }

    private Optional<Resolution> resolveCandidate(String host, Name name) throws IOException, InterruptedException {
        Outcome a;
        Outcome aaaa;
        try (Scope scope = Scope.builder().name("dns " + name).open()) {
            Task<Outcome> taskA = scope.fork("A", () -> query(host, name, Type.A));
            Task<Outcome> taskAaaa = scope.fork("AAAA", () -> query(host, name, Type.AAAA));
            a = taskA.join();
            aaaa = taskAaaa.join();
        }
        List<InetAddress> addresses = new ArrayList<>();
        long ttl = Long.MAX_VALUE;
        for (Outcome o : List.of(a, aaaa)) {
            if (o instanceof Outcome.Answer answer && !answer.addresses().isEmpty()) {
                addresses.addAll(answer.addresses());
                ttl = Math.min(ttl, answer.ttlSeconds());
            }
        }
        if (!addresses.isEmpty()) {
            for (Outcome o : List.of(a, aaaa)) {
                if (o instanceof Outcome.Failure failure) {
                    LOG.debug("dns {}: using the other family's addresses; {}", name, failure.error().getMessage());
                }
            }
            return Optional.of(new Resolution(host, addresses, Duration.ofSeconds(ttl)));
        }
        IOException error = null;
        for (Outcome o : List.of(a, aaaa)) {
            if (o instanceof Outcome.Failure failure) {
                if (error == null) {
                    error = failure.error();
                } else {
                    error.addSuppressed(failure.error());
                }
            }
        }
        if (error != null) {
            throw error;
        }
        LOG.debug("dns {}: negative answer ({})", name,
                ((Outcome.Answer) a).nxdomain() || ((Outcome.Answer) aaaa).nxdomain() ? "NXDOMAIN" : "NODATA");
        return Optional.empty();
    }

    /**
     * One query (one name, one type) over all servers and attempts, asking again for the target of a CNAME chain that
     * leaves the answer without address records; never throws an IOException, returns it as a failure.
     */
    private Outcome query(String host, Name name, int type) throws InterruptedException {
        Name current = name;
        long ttl = Long.MAX_VALUE;
        for (int query = 0; query <= MAX_CNAME_QUERIES; query++) {
            Message reply;
            try {
                reply = exchange(host, current, type);
            } catch (IOException e) {
                return new Outcome.Failure(e);
            }
            Chain chain;
            try {
                chain = chain(host, current, type, reply);
            } catch (UnknownHostException impossible) { // getByAddress throws only for a bad length
                throw new IllegalStateException("dns " + current + ": malformed address record", impossible);
            }
            ttl = Math.min(ttl, chain.ttlSeconds());
            if (!chain.addresses().isEmpty()) {
                return new Outcome.Answer(chain.addresses(), ttl, false);
            }
            boolean nxdomain = reply.getRcode() == Rcode.NXDOMAIN;
            if (chain.dangling().isEmpty() || nxdomain) {
                return new Outcome.Answer(List.of(), 0, nxdomain);
            }
            LOG.debug("dns {} {}: the CNAME chain leaves the answer at {}; asking for it", name, Type.string(type),
                    chain.dangling().get());
            current = chain.dangling().get();
        }
        LOG.debug("dns {} {}: CNAME chain longer than {} queries; treated as NODATA", name, Type.string(type),
                MAX_CNAME_QUERIES);
        return new Outcome.Answer(List.of(), 0, false);
    }

    /**
     * Asks the servers, in order, {@link #attempts} rounds, until one gives a NOERROR or NXDOMAIN reply.
     *
     * @throws IOException naming the name and what each server did, if none did
     */
    private Message exchange(String host, Name name, int type) throws IOException, InterruptedException {
        Message query = Message.newQuery(Record.newRecord(name, type, DClass.IN));
        byte[] wire = query.toWire();
        List<String> problems = new ArrayList<>();
        IOException last = null;
        for (int attempt = 1; attempt <= attempts; attempt++) {
            for (InetSocketAddress server : servers) {
                try {
                    Message reply = exchangeUdp(server, query, wire);
                    if (reply.getHeader().getFlag(Flags.TC)) {
                        LOG.debug("dns {} {}: truncated reply from {}, asking over TCP", name, Type.string(type),
                                Addresses.format(server));
                        reply = exchangeTcp(server, query, wire);
                    }
                    int rcode = reply.getRcode();
                    if (rcode == Rcode.NOERROR || rcode == Rcode.NXDOMAIN) {
                        return reply;
                    }
                    LOG.debug("dns {} {}: {} answered {}", name, Type.string(type), Addresses.format(server),
                            Rcode.string(rcode));
                    problems.add(Addresses.format(server) + " answered " + Rcode.string(rcode));
                } catch (SocketTimeoutException e) {
                    LOG.debug("dns {} {}: no reply from {} within {} ms", name, Type.string(type),
                            Addresses.format(server), queryTimeout.toMillis());
                    problems.add(Addresses.format(server) + " did not answer within " + queryTimeout.toMillis()
                            + " ms");
                    last = e;
                } catch (IOException e) {
                    if (Thread.currentThread().isInterrupted()) {
                        Thread.interrupted();
                        throw interrupted(e);
                    }
                    LOG.debug("dns {} {}: {} failed: {}", name, Type.string(type), Addresses.format(server),
                            e.toString());
                    problems.add(Addresses.format(server) + ": " + e);
                    last = e;
                }
            }
        }
        String message = "dns query for " + name + " " + Type.string(type) + " (resolving " + host + ") failed: "
                + String.join("; ", problems);
        IOException error = problems.stream().allMatch(p -> p.contains("did not answer"))
                ? new SocketTimeoutException(message)
                : new IOException(message);
        if (last != null) {
            error.initCause(last);
        }
        throw error;
    }

    private static InterruptedException interrupted(IOException cause) {
        InterruptedException e = new InterruptedException("interrupted while waiting for a dns reply");
        e.initCause(cause);
        return e;
    }

    private Message exchangeUdp(InetSocketAddress server, Message query, byte[] wire)
            throws IOException, InterruptedException {
        long deadline = System.nanoTime() + queryTimeout.toNanos();
        try (DatagramChannel channel = DatagramChannel.open()) {
            channel.connect(server);
            channel.write(ByteBuffer.wrap(wire));
            byte[] buffer = new byte[MAX_UDP_REPLY];
            DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
            while (true) {
                long remaining = deadline - System.nanoTime();
                if (remaining <= 0) {
                    throw new SocketTimeoutException("no reply from " + Addresses.format(server));
                }
                channel.socket().setSoTimeout((int) Math.max(1, Duration.ofNanos(remaining).toMillis()));
                packet.setLength(buffer.length);
                channel.socket().receive(packet);
                if (Thread.currentThread().isInterrupted()) {
                    throw new InterruptedException("interrupted while waiting for a dns reply");
                }
                Optional<Message> reply = parseReply(query, Arrays.copyOf(buffer, packet.getLength()), server);
                if (reply.isPresent()) {
                    return reply.get();
                }
            }
        }
    }

    private Message exchangeTcp(InetSocketAddress server, Message query, byte[] wire)
            throws IOException, InterruptedException {
        long deadline = System.nanoTime() + queryTimeout.toNanos();
        try (SocketChannel channel = SocketChannel.open()) {
            channel.socket().connect(server, (int) Math.max(1, queryTimeout.toMillis()));
            ByteBuffer out = ByteBuffer.allocate(2 + wire.length);
            out.putShort((short) wire.length).put(wire).flip();
            while (out.hasRemaining()) {
                channel.write(out);
            }
            long remaining = deadline - System.nanoTime();
            if (remaining <= 0) {
                throw new SocketTimeoutException("no reply from " + Addresses.format(server) + " over tcp");
            }
            channel.socket().setSoTimeout((int) Math.max(1, Duration.ofNanos(remaining).toMillis()));
            InputStream in = channel.socket().getInputStream();
            DataInputStream data = new DataInputStream(in);
            int length = data.readUnsignedShort();
            byte[] reply = data.readNBytes(length);
            if (reply.length < length) {
                throw new IOException("tcp reply from " + Addresses.format(server) + " ended after " + reply.length
                        + " of " + length + " bytes");
            }
            return parseReply(query, reply, server).orElseThrow(() -> new IOException(
                    "tcp reply from " + Addresses.format(server) + " does not match the query"));
        }
    }

    /** The reply if it is one to {@code query} (same id, same question), or empty for a stray or garbled packet. */
    private static Optional<Message> parseReply(Message query, byte[] bytes, InetSocketAddress server) {
        Message reply;
        try {
            reply = new Message(bytes);
        } catch (IOException e) {
            LOG.debug("dns: ignored an unparsable reply from {}: {}", Addresses.format(server), e.getMessage());
            return Optional.empty();
        }
        if (reply.getHeader().getID() != query.getHeader().getID() || !reply.getHeader().getFlag(Flags.QR)) {
            LOG.debug("dns: ignored a reply from {} with id {} (expected {})", Addresses.format(server),
                    reply.getHeader().getID(), query.getHeader().getID());
            return Optional.empty();
        }
        Record question = reply.getQuestion();
        Record asked = query.getQuestion();
        if (question == null || !question.getName().equals(asked.getName()) || question.getType() != asked.getType()
                || question.getDClass() != asked.getDClass()) {
            LOG.debug("dns: ignored a reply from {} for another question: {}", Addresses.format(server), question);
            return Optional.empty();
        }
        return Optional.of(reply);
    }

    /**
     * What an answer says about a name: its addresses, the smallest TTL of the records used, and — if the CNAME
     * chain leads to a name the answer has no records for — that name.
     */
    private record Chain(List<InetAddress> addresses, long ttlSeconds, Optional<Name> dangling) {
    }

    /** Follows the CNAME chain from {@code name} inside the answer section of {@code reply}. */
    private static Chain chain(String host, Name name, int type, Message reply) throws UnknownHostException {
        List<Record> records = reply.getSection(Section.ANSWER);
        Name current = name;
        long ttl = Long.MAX_VALUE;
        for (int hop = 0; hop <= MAX_CNAME_HOPS; hop++) {
            List<InetAddress> addresses = new ArrayList<>();
            long addressTtl = Long.MAX_VALUE;
            for (Record r : records) {
                if (r.getType() == type && r.getName().equals(current)) {
                    addresses.add(switch (r) {
                        case ARecord a -> InetAddress.getByAddress(host, a.getAddress().getAddress());
                        case AAAARecord aaaa -> InetAddress.getByAddress(host, aaaa.getAddress().getAddress());
                        default -> throw new IllegalStateException("unexpected record " + r);
                    });
                    addressTtl = Math.min(addressTtl, r.getTTL());
                }
            }
            if (!addresses.isEmpty()) {
                return new Chain(addresses, Math.min(ttl, addressTtl), Optional.empty());
            }
            CNAMERecord cname = null;
            for (Record r : records) {
                if (r instanceof CNAMERecord c && c.getName().equals(current)) {
                    cname = c;
                    break;
                }
            }
            if (cname == null) {
                break;
            }
            ttl = Math.min(ttl, cname.getTTL());
            current = cname.getTarget();
        }
        return new Chain(List.of(), ttl, current.equals(name) ? Optional.empty() : Optional.of(current));
    }

    private String formatServers() {
        return String.join(", ", servers.stream().map(Addresses::format).toList());
    }

    @Override
    public String toString() {
        return "DnsResolver[servers=" + formatServers() + ", search=" + searchDomains() + ", ndots=" + ndots
                + ", queryTimeout=" + queryTimeout + ", attempts=" + attempts + "]";
    }

    /**
     * Builds a {@link DnsResolver}. Starts from the defaults; {@link #resolvConf(Path)} replaces them with what a
     * file says, and every explicit setting overrides both, whatever the order of the calls.
     *
     * <p>Not thread-safe; the resolver it builds is.
     */
    public static final class Builder {
        private Optional<Path> resolvConf = Optional.empty();
        private final List<InetSocketAddress> servers = new ArrayList<>();
        private Optional<List<String>> searchDomains = Optional.empty();
        private OptionalInt ndots = OptionalInt.empty();
        private Optional<Duration> queryTimeout = Optional.empty();
        private OptionalInt attempts = OptionalInt.empty();

        private Builder() {
        }

        /**
         * Reads servers, search list and options from a {@code resolv.conf(5)} file at {@link #build()} (default:
         * none; {@link DnsResolver#system()} reads {@code /etc/resolv.conf}). A file that does not exist gives the
         * defaults; malformed lines are skipped, as glibc does.
         *
         * @param path the file
         * @return this builder
         */
        public Builder resolvConf(Path path) {
            this.resolvConf = Optional.of(Objects.requireNonNull(path, "path"));
            return this;
        }

        /**
         * Adds a server to ask, after those added before; once one is added, the file's servers are not used.
         * Default: the file's servers, or {@link DnsResolver#DEFAULT_SERVER}. Tests and sidecars (a node-local
         * DNS cache) set it.
         *
         * @param server the server's address and port; not unresolved
         * @return this builder
         */
        public Builder server(InetSocketAddress server) {
            Objects.requireNonNull(server, "server");
            if (server.isUnresolved()) {
                throw new IllegalArgumentException("server must be an IP address, not unresolved: " + server);
            }
            if (server.getPort() == 0) {
                throw new IllegalArgumentException("server port must not be 0: " + server);
            }
            servers.add(server);
            return this;
        }

        /**
         * Sets the search domains, replacing the file's. Default: the file's {@code search} or {@code domain}, or
         * none.
         *
         * @param domains the domains, in order, with or without trailing dots; may be empty
         * @return this builder
         */
        public Builder searchDomains(List<String> domains) {
            Objects.requireNonNull(domains, "domains");
            List<String> copy = new ArrayList<>();
            for (String d : domains) {
                Objects.requireNonNull(d, "domain");
                if (d.isBlank()) {
                    throw new IllegalArgumentException("search domain must not be blank: \"" + d + "\"");
                }
                copy.add(d.strip());
            }
            this.searchDomains = Optional.of(List.copyOf(copy));
            return this;
        }

        /**
         * Sets the search domains, replacing the file's.
         *
         * @param domains the domains, in order
         * @return this builder
         * @see #searchDomains(List)
         */
        public Builder searchDomains(String... domains) {
            return searchDomains(Arrays.asList(Objects.requireNonNull(domains, "domains")));
        }

        /**
         * Sets {@code ndots}, replacing the file's. Default: the file's, or {@value DnsResolver#DEFAULT_NDOTS}. As
         * the class comment explains, weft tries every dotted name as it is first whatever this says, so it only
         * matters for single-label names: with {@code 0} they too are tried as they are first.
         *
         * @param ndots not negative
         * @return this builder
         */
        public Builder ndots(int ndots) {
            if (ndots < 0) {
                throw new IllegalArgumentException("ndots must not be negative: " + ndots);
            }
            this.ndots = OptionalInt.of(ndots);
            return this;
        }

        /**
         * Sets how long one query waits for one server's reply before moving on to the next server, replacing the
         * file's {@code timeout}. Default: the file's, or two seconds ({@link DnsResolver#DEFAULT_QUERY_TIMEOUT}):
         * a DNS server on the same network answers in milliseconds, and glibc's five seconds would stall a
         * reconnect pass for too long when a server is down; a permanent connection keeps its last good answer
         * when DNS fails, so a short timeout costs little. The same timeout bounds the TCP retry of a truncated
         * reply.
         *
         * @param queryTimeout positive
         * @return this builder
         */
        public Builder queryTimeout(Duration queryTimeout) {
            Objects.requireNonNull(queryTimeout, "queryTimeout");
            if (queryTimeout.isNegative() || queryTimeout.isZero()) {
                throw new IllegalArgumentException("queryTimeout must be positive: " + queryTimeout);
            }
            if (queryTimeout.toMillis() < 1 || queryTimeout.compareTo(Duration.ofHours(1)) > 0) {
                throw new IllegalArgumentException("queryTimeout must be between 1 ms and 1 h: " + queryTimeout);
            }
            this.queryTimeout = Optional.of(queryTimeout);
            return this;
        }

        /**
         * Sets how many times the whole server list is tried for one query, replacing the file's {@code attempts}.
         * Default: the file's, or {@value DnsResolver#DEFAULT_ATTEMPTS} (glibc's default: one lost UDP packet
         * should not fail a resolution).
         *
         * @param attempts at least one
         * @return this builder
         */
        public Builder attempts(int attempts) {
            if (attempts < 1) {
                throw new IllegalArgumentException("attempts must be at least 1: " + attempts);
            }
            this.attempts = OptionalInt.of(attempts);
            return this;
        }

        /**
         * Builds the resolver, reading the {@link #resolvConf(Path) file} if one was set.
         *
         * @return the resolver
         * @throws IOException if the file exists but cannot be read
         */
        public DnsResolver build() throws IOException {
            ResolvConf conf = resolvConf.isPresent() ? ResolvConf.read(resolvConf.get()) : ResolvConf.EMPTY;
            List<InetSocketAddress> s = !servers.isEmpty() ? servers
                    : !conf.servers().isEmpty() ? conf.servers() : List.of(DEFAULT_SERVER);
            List<String> search = searchDomains.orElse(conf.search());
            List<Name> names = new ArrayList<>();
            for (String domain : search) {
                try {
                    Name n = Name.fromString(domain.endsWith(".") ? domain : domain + ".");
                    if (!names.contains(n)) {
                        names.add(n);
                    }
                } catch (TextParseException e) {
                    throw new IllegalArgumentException("search domain is not a valid DNS name: " + domain + " ("
                            + e.getMessage() + ")");
                }
            }
            int n = ndots.isPresent() ? ndots.getAsInt() : conf.ndots().orElse(DEFAULT_NDOTS);
            Duration timeout = queryTimeout.or(conf::timeout).orElse(DEFAULT_QUERY_TIMEOUT);
            int a = attempts.isPresent() ? attempts.getAsInt() : conf.attempts().orElse(DEFAULT_ATTEMPTS);
            return new DnsResolver(s, names, n, timeout, a);
        }
    }
}
