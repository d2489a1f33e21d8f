package dev.weft.net;

import dev.weft.runtime.Channel;
import dev.weft.runtime.ChannelClosedException;
import dev.weft.runtime.OverflowPolicy;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Header;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Opcode;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

/**
 * A real DNS server for tests: answers A, AAAA and CNAME questions over UDP (and TCP, on the same port number) on a
 * loopback address, from a table the test changes while clients run.
 *
 * <pre>{@code
 * try (TestDnsServer dns = TestDnsServer.start()) {                  // 127.0.0.1, a free port
 *     dns.set("backend.test", Duration.ofSeconds(30), InetAddress.getByName("127.0.0.2"));
 *     DnsResolver resolver = DnsResolver.builder().server(dns.address())
 *             .queryTimeout(Duration.ofMillis(500)).attempts(1)      // silent() then fails in 0.5 s, not 2 × 2 s
 *             .build();
 *     resolver.resolve("backend.test");                              // → 127.0.0.2, TTL 30 s
 *
 *     dns.set("backend.test", Duration.ofSeconds(30), InetAddress.getByName("127.0.0.3"));   // a rollout
 *     dns.silent();                                                  // the DNS server "goes down": no replies
 *     dns.awaitQueries("backend.test", "A", 3, Duration.ofSeconds(10));  // wait until the client asked 3 times
 *     dns.normal();
 * }
 * }</pre>
 *
 * <p><b>Table.</b> {@link #set(String, Duration, InetAddress...)} gives a name its address records (A for IPv4, AAAA
 * for IPv6, all with one TTL; no addresses = the name exists without address records, so queries get NODATA);
 * {@link #cname(String, Duration, String)} makes a name an alias; {@link #remove(String)} forgets it. Names are
 * case-insensitive and may be given with or without the trailing dot. A question for a name that is not in the table
 * gets NXDOMAIN; a CNAME is followed inside the table and the whole chain is put in the answer, as a recursive server
 * does (unless {@link #chaseCnames(boolean) chaseCnames(false)}).
 *
 * <p><b>Modes</b> (apply to every question, UDP and TCP, until changed; {@link #override(String, String, Mode)}
 * sets one for a single name and type): {@link #normal()} answers from the table;
 * {@link #servfail()} answers SERVFAIL; {@link #refuse()} answers REFUSED; {@link #silent()} logs the question and
 * never answers (clients time out); {@link #truncating()} answers over UDP with an empty, TC-flagged reply so that
 * clients must ask again over TCP, where they get the real answer. {@link #stop()} closes the sockets: from then on
 * clients' queries go nowhere (on loopback, UDP to a closed port usually gives "port unreachable" at once).
 *
 * <p><b>Query log.</b> Every question received (also in silent mode) is logged as a {@link Query}. {@link #queries()}
 * returns the log, {@link #count(String, String)} counts one name and type, and {@link #awaitQueries(String, String,
 * int, Duration)} / {@link #awaitQueries(int, Duration)} block until the n-th query arrived — use them instead of
 * sleeping; {@link #subscribe()} gives the questions as a weft channel, for tests on a virtual clock.
 * {@link #clearLog()} starts a new log (counts restart at zero). The log holds at most {@value #MAX_LOG}
 * questions; past that, reading it throws {@link IllegalStateException} until {@link #clearLog()} (a long soak
 * test clears it as it goes).
 *
 * <p>The server runs on plain virtual threads named {@code weft-test-dns-...}, deliberately not in a weft
 * {@code Scope}: a test running on a {@code VirtualClock} would otherwise count the server's socket reads as running
 * tasks and the clock would never auto-advance. {@link #close()} (or {@link #stop()}) closes the sockets and waits
 * for the threads to end.
 *
 * <p>Thread-safe: the test thread changes the table and modes while the server threads answer.
 */
final class TestDnsServer implements AutoCloseable {

    /** The most questions the log holds; later ones are answered but not logged, and reading the log fails. */
    static final int MAX_LOG = 100_000;

    /** The buffer of each {@link #subscribe()} channel. */
    static final int SUBSCRIPTION_CAPACITY = 1024;

    /** What the server does with a question. */
    enum Mode {
        /** Answer from the table. */
        NORMAL,
        /** Answer SERVFAIL. */
        SERVFAIL,
        /** Answer REFUSED. */
        REFUSED,
        /** Never answer. */
        SILENT,
        /** Over UDP, answer empty with the TC flag; over TCP, answer from the table. */
        TRUNCATING
    }

    /**
     * One question the server received.
     *
     * @param name the name asked, lower case, absolute (with the trailing dot), e.g. {@code "backend.test."}
     * @param type the type asked, e.g. {@code "A"}, {@code "AAAA"}
     * @param tcp whether it came over TCP
     * @param from the client's address
     * @param at when it arrived (system clock)
     */
    record Query(String name, String type, boolean tcp, SocketAddress from, Instant at) {
    }

    private sealed interface Entry {
        record Addresses(long ttl, List<InetAddress> addresses) implements Entry {
        }

        record Alias(long ttl, Name target) implements Entry {
        }
    }

    private final DatagramChannel udp;
    private final ServerSocketChannel tcp;
    private final InetSocketAddress address;
    private final Map<Name, Entry> table = new ConcurrentHashMap<>();
    private volatile Mode mode = Mode.NORMAL;
    private volatile boolean chaseCnames = true;
    private final Map<String, Mode> overrides = new ConcurrentHashMap<>();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition logged = lock.newCondition();
    private final List<Query> log = new ArrayList<>();
    private long unlogged;
    private final List<Thread> threads = new ArrayList<>();
    private final List<Channel<Query>> subscribers = new CopyOnWriteArrayList<>();
    private final List<SocketChannel> connections = new ArrayList<>();
    private boolean stopped;

    private TestDnsServer(DatagramChannel udp, ServerSocketChannel tcp) throws IOException {
        this.udp = udp;
        this.tcp = tcp;
        this.address = (InetSocketAddress) udp.getLocalAddress();
    }

    /**
     * Starts a server on {@code 127.0.0.1}, on a free port (the same number for UDP and TCP).
     *
     * @return the running server
     * @throws IOException if the sockets cannot be bound
     */
    static TestDnsServer start() throws IOException {
        return start(InetAddress.getByName("127.0.0.1"));
    }

    /**
     * Starts a server on {@code bindAddress} (e.g. {@code ::1}), on a free port (the same number for UDP and TCP).
     *
     * @param bindAddress a local address
     * @return the running server
     * @throws IOException if the sockets cannot be bound
     */
    static TestDnsServer start(InetAddress bindAddress) throws IOException {
        Objects.requireNonNull(bindAddress, "bindAddress");
        IOException last = null;
        for (int i = 0; i < 20; i++) {
            DatagramChannel udp = DatagramChannel.open();
            try {
                udp.bind(new InetSocketAddress(bindAddress, 0));
                int port = ((InetSocketAddress) udp.getLocalAddress()).getPort();
                ServerSocketChannel tcp = ServerSocketChannel.open();
                try {
                    tcp.bind(new InetSocketAddress(bindAddress, port));
                } catch (IOException portTakenForTcp) {
                    tcp.close();
                    throw portTakenForTcp;
                }
                TestDnsServer server = new TestDnsServer(udp, tcp);
                server.startThreads();
                return server;
            } catch (IOException e) {
                udp.close();
                last = e;
            }
        }
        throw new IOException("could not bind udp and tcp on one port of " + bindAddress, last);
    }

    private void startThreads() {
        lock.lock();
        try {
            threads.add(Thread.ofVirtual().name("weft-test-dns-udp").start(this::serveUdp));
            threads.add(Thread.ofVirtual().name("weft-test-dns-tcp").start(this::serveTcp));
        } finally {
            lock.unlock();
        }
    }

    /**
     * The server's address, for {@code DnsResolver.builder().server(...)}.
     *
     * @return the address and port
     */
    InetSocketAddress address() {
        return address;
    }

    /**
     * Gives {@code name} exactly these address records (replacing what it had): A records for the IPv4 addresses,
     * AAAA records for the IPv6 ones, all with {@code ttl}. With no addresses the name exists but has no address
     * records (NODATA).
     *
     * @param name the name, with or without the trailing dot
     * @param ttl the records' time to live, whole seconds, not negative
     * @param addresses the addresses
     */
    void set(String name, Duration ttl, InetAddress... addresses) {
        Objects.requireNonNull(addresses, "addresses");
        table.put(name(name), new Entry.Addresses(seconds(ttl), List.of(addresses)));
    }

    /**
     * Makes {@code name} an alias (CNAME) of {@code target} (replacing what it had).
     *
     * @param name the alias
     * @param ttl the CNAME record's time to live, not negative
     * @param target the canonical name, which may itself be an alias or absent from the table
     */
    void cname(String name, Duration ttl, String target) {
        table.put(name(name), new Entry.Alias(seconds(ttl), name(target)));
    }

    /**
     * Removes {@code name} from the table: questions for it get NXDOMAIN.
     *
     * @param name the name, with or without the trailing dot
     */
    void remove(String name) {
        table.remove(name(name));
    }

    /** Answers from the table (the initial mode). */
    void normal() {
        mode = Mode.NORMAL;
    }

    /** Answers every question with SERVFAIL. */
    void servfail() {
        mode = Mode.SERVFAIL;
    }

    /** Answers every question with REFUSED. */
    void refuse() {
        mode = Mode.REFUSED;
    }

    /** Logs every question and never answers it, so clients time out. */
    void silent() {
        mode = Mode.SILENT;
    }

    /** Answers UDP questions with an empty TC-flagged reply; TCP questions get the real answer. */
    void truncating() {
        mode = Mode.TRUNCATING;
    }

    /**
     * Sets whether a CNAME is followed inside the table (default: yes, as a recursive server does). With
     * {@code false} an answer for an alias holds only its CNAME record, as from an authoritative server whose zone
     * does not hold the target, and clients must ask for the target themselves.
     *
     * @param chase whether to follow CNAMEs
     */
    void chaseCnames(boolean chase) {
        this.chaseCnames = chase;
    }

    /**
     * Makes questions for one name and type get {@code mode}, whatever the server-wide mode is — e.g. A answers
     * normally while AAAA times out.
     *
     * @param name the name, with or without the trailing dot
     * @param type the type, e.g. {@code "AAAA"}
     * @param mode what to do with such questions
     */
    void override(String name, String type, Mode mode) {
        overrides.put(key(name(name).toString(), type), Objects.requireNonNull(mode, "mode"));
    }

    /** Removes every {@link #override(String, String, Mode) override}. */
    void clearOverrides() {
        overrides.clear();
    }

    private static String key(String absoluteName, String type) {
        return absoluteName + " " + type.toUpperCase(java.util.Locale.ROOT);
    }

    /**
     * The current server-wide mode.
     *
     * @return the mode
     */
    Mode mode() {
        return mode;
    }

    /**
     * The questions received so far (since the last {@link #clearLog()}), in order of arrival.
     *
     * @return a copy of the log
     */
    List<Query> queries() {
        lock.lock();
        try {
            requireComplete();
            return List.copyOf(log);
        } finally {
            lock.unlock();
        }
    }

    /**
     * How many questions for {@code name} and {@code type} arrived (since the last {@link #clearLog()}).
     *
     * @param name the name, with or without the trailing dot
     * @param type the type, e.g. {@code "A"}
     * @return the count
     */
    int count(String name, String type) {
        Predicate<Query> match = matcher(name, type);
        lock.lock();
        try {
            requireComplete();
            return (int) log.stream().filter(match).count();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits until at least {@code n} questions for {@code name} and {@code type} have arrived (since the last
     * {@link #clearLog()}).
     *
     * @param name the name, with or without the trailing dot
     * @param type the type, e.g. {@code "A"}
     * @param n how many, at least one
     * @param timeout how long to wait at most (system clock)
     * @return the n-th such question
     * @throws AssertionError if they have not arrived in time (the message shows the log)
     * @throws InterruptedException if the waiting thread is interrupted
     */
    Query awaitQueries(String name, String type, int n, Duration timeout) throws InterruptedException {
        return await(matcher(name, type), n, timeout, n + " queries for " + name + " " + type);
    }

    /**
     * Waits until at least {@code n} questions of any name and type have arrived (since the last {@link #clearLog()}).
     *
     * @param n how many, at least one
     * @param timeout how long to wait at most (system clock)
     * @return the n-th question
     * @throws AssertionError if they have not arrived in time (the message shows the log)
     * @throws InterruptedException if the waiting thread is interrupted
     */
    Query awaitQueries(int n, Duration timeout) throws InterruptedException {
        return await(q -> true, n, timeout, n + " queries");
    }

    private Query await(Predicate<Query> match, int n, Duration timeout, String what) throws InterruptedException {
        if (n < 1) {
            throw new IllegalArgumentException("n must be at least 1: " + n);
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        lock.lock();
        try {
            while (true) {
                requireComplete();
                List<Query> matching = log.stream().filter(match).toList();
                if (matching.size() >= n) {
                    return matching.get(n - 1);
                }
                long remaining = deadline - System.nanoTime();
                if (remaining <= 0) {
                    throw new AssertionError("dns server at " + Addresses.format(address) + " did not get " + what
                            + " within " + timeout + "; log: " + log);
                }
                logged.awaitNanos(remaining);
            }
        } finally {
            lock.unlock();
        }
    }

    private void requireComplete() {
        if (unlogged > 0) {
            throw new IllegalStateException("the query log of the dns server at " + Addresses.format(address)
                    + " overflowed: " + unlogged + " queries after the first " + MAX_LOG
                    + " were not logged; call clearLog() more often");
        }
    }

    /**
     * Returns a channel that receives every question arriving from now on, for a test that must wait in a weft wait:
     * on an auto-advancing {@code VirtualClock}, a thread blocked in {@link #awaitQueries(int, Duration)} (a JDK lock)
     * counts as running and the clock never jumps, while one blocked in {@code receive()} on this channel lets it
     * jump — e.g. to the TTL expiry after which the client under test asks again.
     *
     * <p>Buffered ({@value #SUBSCRIPTION_CAPACITY} questions); if the test does not keep up, later questions are
     * dropped and counted in the channel's {@code droppedCount()}. {@link #stop()} closes it; closing it ends the
     * subscription.
     *
     * @return the channel
     */
    Channel<Query> subscribe() {
        Channel<Query> channel = Channel.<Query>builder().name("test-dns-queries").capacity(SUBSCRIPTION_CAPACITY)
                .overflow(OverflowPolicy.DROP_NEWEST).build();
        subscribers.add(channel);
        if (stopped()) {
            channel.close();
        }
        return channel;
    }

    private boolean stopped() {
        lock.lock();
        try {
            return stopped;
        } finally {
            lock.unlock();
        }
    }

    /** Empties the query log (and forgets an overflow). */
    void clearLog() {
        lock.lock();
        try {
            unlogged = 0;
            log.clear();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Stops the server: closes its sockets and waits for its threads to end. Idempotent.
     *
     * @throws InterruptedException if interrupted while waiting for the threads
     */
    void stop() throws InterruptedException {
        List<Thread> toJoin;
        lock.lock();
        try {
            stopped = true;
            toJoin = List.copyOf(threads);
            for (SocketChannel c : connections) {
                closeQuietly(c);
            }
        } finally {
            lock.unlock();
        }
        closeQuietly(udp);
        closeQuietly(tcp);
        for (Channel<Query> subscriber : subscribers) {
            subscriber.close();
        }
        for (Thread t : toJoin) {
            if (!t.join(Duration.ofSeconds(30))) {
                throw new IllegalStateException("dns server thread did not end: " + t);
            }
        }
    }

    /** Same as {@link #stop()}, but restores the interrupt flag instead of throwing. */
    @Override
    public void close() {
        try {
            stop();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // --- serving ---

    private void serveUdp() {
        ByteBuffer in = ByteBuffer.allocate(65_535);
        while (true) {
            SocketAddress from;
            try {
                in.clear();
                from = udp.receive(in);
            } catch (ClosedChannelException closed) {
                return;
            } catch (IOException e) {
                if (!udp.isOpen()) {
                    return;
                }
                continue;
            }
            in.flip();
            byte[] bytes = new byte[in.remaining()];
            in.get(bytes);
            Optional<byte[]> reply = handle(bytes, from, false);
            if (reply.isPresent()) {
                try {
                    udp.send(ByteBuffer.wrap(reply.get()), from);
                } catch (ClosedChannelException closed) {
                    return;
                } catch (IOException ignored) {
                    // the client went away: nothing to do
                }
            }
        }
    }

    private void serveTcp() {
        while (true) {
            SocketChannel c;
            try {
                c = tcp.accept();
            } catch (IOException closed) {
                return;
            }
            lock.lock();
            try {
                if (stopped) {
                    closeQuietly(c);
                    return;
                }
                connections.add(c);
                threads.add(Thread.ofVirtual().name("weft-test-dns-tcp-connection").start(() -> serveConnection(c)));
            } finally {
                lock.unlock();
            }
        }
    }

    private void serveConnection(SocketChannel c) {
        try (c) {
            DataInputStream in = new DataInputStream(c.socket().getInputStream());
            while (true) {
                int length;
                try {
                    length = in.readUnsignedShort();
                } catch (EOFException eof) {
                    return;
                }
                byte[] bytes = in.readNBytes(length);
                if (bytes.length < length) {
                    return;
                }
                Optional<byte[]> reply = handle(bytes, c.getRemoteAddress(), true);
                if (reply.isPresent()) {
                    ByteBuffer out = ByteBuffer.allocate(2 + reply.get().length);
                    out.putShort((short) reply.get().length).put(reply.get()).flip();
                    while (out.hasRemaining()) {
                        c.write(out);
                    }
                }
            }
        } catch (IOException closed) {
            // the client or stop() closed the connection
        } finally {
            lock.lock();
            try {
                connections.remove(c);
            } finally {
                lock.unlock();
            }
        }
    }

    /** The reply to a question, or empty to stay silent. */
    private Optional<byte[]> handle(byte[] bytes, SocketAddress from, boolean overTcp) {
        Message query;
        try {
            query = new Message(bytes);
        } catch (IOException garbage) {
            return Optional.empty();
        }
        Record question = query.getQuestion();
        if (question == null || query.getHeader().getFlag(Flags.QR)) {
            return Optional.empty();
        }
        Query q = new Query(question.getName().toString().toLowerCase(java.util.Locale.ROOT),
                Type.string(question.getType()), overTcp, from, Instant.now());
        lock.lock();
        try {
            if (log.size() < MAX_LOG) {
                log.add(q);
            } else {
                unlogged++;
            }
            logged.signalAll();
        } finally {
            lock.unlock();
        }
        for (Channel<Query> subscriber : subscribers) {
            try {
                subscriber.trySend(q);
            } catch (ChannelClosedException closedBySubscriber) {
                subscribers.remove(subscriber);
            }
        }
        Mode m = overrides.getOrDefault(key(q.name(), q.type()), mode);
        Message reply = new Message(query.getHeader().getID());
        Header header = reply.getHeader();
        header.setFlag(Flags.QR);
        header.setFlag(Flags.RA);
        if (query.getHeader().getFlag(Flags.RD)) {
            header.setFlag(Flags.RD);
        }
        header.setOpcode(Opcode.QUERY);
        reply.addRecord(question, Section.QUESTION);
        switch (m) {
            case SILENT -> {
                return Optional.empty();
            }
            case SERVFAIL -> header.setRcode(Rcode.SERVFAIL);
            case REFUSED -> header.setRcode(Rcode.REFUSED);
            case TRUNCATING -> {
                if (overTcp) {
                    answer(question, reply);
                } else {
                    header.setFlag(Flags.TC);
                }
            }
            case NORMAL -> answer(question, reply);
        }
        return Optional.of(reply.toWire());
    }

    private void answer(Record question, Message reply) {
        Name current = question.getName();
        int type = question.getType();
        Map<Name, Boolean> seen = new HashMap<>();
        while (seen.putIfAbsent(current, Boolean.TRUE) == null) {
            Entry entry = table.get(current.canonicalize());
            if (entry == null) {
                if (current.equals(question.getName())) {
                    reply.getHeader().setRcode(Rcode.NXDOMAIN);
                }
                return;
            }
            switch (entry) {
                case Entry.Alias alias -> {
                    reply.addRecord(new CNAMERecord(current, DClass.IN, alias.ttl(), alias.target()),
                            Section.ANSWER);
                    if (type == Type.CNAME || !chaseCnames) {
                        return;
                    }
                    current = alias.target();
                }
                case Entry.Addresses addresses -> {
                    for (InetAddress a : addresses.addresses()) {
                        if (type == Type.A && a instanceof Inet4Address) {
                            reply.addRecord(new ARecord(current, DClass.IN, addresses.ttl(), a), Section.ANSWER);
                        } else if (type == Type.AAAA && a instanceof Inet6Address) {
                            reply.addRecord(new AAAARecord(current, DClass.IN, addresses.ttl(), a), Section.ANSWER);
                        }
                    }
                    return;
                }
            }
        }
    }

    // --- helpers ---

    private static Name name(String name) {
        Objects.requireNonNull(name, "name");
        try {
            return Name.fromString(name.endsWith(".") ? name : name + ".").canonicalize();
        } catch (TextParseException e) {
            throw new IllegalArgumentException("name is not a valid DNS name: " + name, e);
        }
    }

    private static long seconds(Duration ttl) {
        Objects.requireNonNull(ttl, "ttl");
        if (ttl.isNegative()) {
            throw new IllegalArgumentException("ttl must not be negative: " + ttl);
        }
        return ttl.toSeconds();
    }

    private static Predicate<Query> matcher(String name, String type) {
        String n = name(name).toString();
        Objects.requireNonNull(type, "type");
        return q -> q.name().equals(n) && q.type().equalsIgnoreCase(type);
    }

    private static void closeQuietly(java.nio.channels.Channel c) {
        try {
            c.close();
        } catch (IOException ignored) {
            // closing: nothing else to do
        }
    }

    @Override
    public String toString() {
        return "TestDnsServer[" + Addresses.format(address) + ", " + mode + "]";
    }
}
