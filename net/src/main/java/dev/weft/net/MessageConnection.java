package dev.weft.net;

import dev.weft.runtime.CancelledException;
import dev.weft.runtime.Channel;
import dev.weft.runtime.ChannelClosedException;
import dev.weft.runtime.ReceiveChannel;
import dev.weft.runtime.Scope;
import dev.weft.runtime.Task;
import dev.weft.runtime.TimeSource;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A connection that carries {@link Message}s: over a stream {@link Connection} (TCP, TLS, Unix stream socket; one
 * message per line), or over a {@link DatagramEndpoint} (UDP) or a {@link UnixDatagramEndpoint} (one message per
 * datagram).
 *
 * <pre>{@code
 * try (MessageConnection c = MessageConnection.over(Connection.connect(address, Duration.ofSeconds(2)))) {
 *     c.send(Message.builder("REGISTER").parameter("service", "lock").parameter("version", 1).build());
 *     Message reply = c.call(Message.builder("ALIVE").build(), Duration.ofSeconds(2));   // ABSOLUTELY serial=...
 *     for (Message m : c.messages()) {
 *         handle(m);
 *     }
 * }
 * }</pre>
 *
 * <p><b>Receiving.</b> A reader task owned by the connection turns what arrives into messages and sends them to
 * {@link #messages()}, a bounded channel (default {@value #DEFAULT_BUFFER} messages; a full channel makes the reader
 * wait, so a peer that sends faster than it is served is slowed down by TCP). Consumers wait on the channel, so
 * cancelling a wait loses nothing and closes nothing. A {@link Dispatcher} is the usual consumer
 * ({@link Dispatcher#serve(MessageConnection)}). The channel closes when the peer closes the stream, or with the
 * I/O error as its cause when reading fails.
 *
 * <p><b>Bad input.</b> A line or datagram that is not a valid message is logged (the first at WARN, then at most
 * one WARN every ten seconds, the rest at DEBUG), counted in {@link #invalidMessages()} and skipped; when a
 * dispatcher serves the connection it is also answered with {@code INVALID message=<what is wrong>}. The connection
 * stays open and the following messages arrive as usual. Blank lines are ignored. Over-long lines are discarded by
 * the underlying connection ({@link Connector#maxLineLength(int)}, default 1 MiB) and counted in
 * {@link #oversizedMessages()}.
 *
 * <p><b>Sending.</b> {@link #send(Message)} writes one whole line; concurrent senders never interleave. Over a
 * datagram endpoint a message is one datagram of at most {@link DatagramBuilder#maxMessageSize(int)} bytes (default
 * {@value #DEFAULT_MAX_DATAGRAM_MESSAGE_SIZE} over UDP, the eventdispatcher limit, and
 * {@value #DEFAULT_MAX_UNIX_MESSAGE_SIZE} over a Unix datagram socket): a larger one is refused on send with an
 * {@link IllegalArgumentException}, and dropped and counted in {@link #oversizedMessages()} on receive. A datagram
 * connection may require a shared secret in the parameter {@value #SECRET_CODE}: it adds the secret to what it
 * sends, and drops (and counts in {@link #rejectedMessages()}) received messages without it or with a wrong one.
 *
 * <p><b>Request and reply.</b> {@link #call(Message, Duration)} sends a request and waits for its reply — the
 * message that carries the request's {@value MessageDefinitions#SERIAL}, which the call adds — while every other
 * message goes on to {@link #messages()}; {@link #call(Message, Set, Duration)} waits for one of a set of reply
 * commands instead. Any number of calls may wait on one connection at once. A call that gets no reply in time
 * throws {@link CallTimeoutException}; one whose connection ends first throws {@link ConnectionLostException}.
 * Replies are taken out of the stream by the reader task itself, so they arrive even while the consumer of
 * {@link #messages()} is busy — but not while {@link #messages()} is full: keep consuming it. A call can be wrapped
 * in Failsafe policies:
 * <pre>{@code
 * RetryPolicy<Message> retry = RetryPolicy.<Message>builder()
 *         .handle(CallTimeoutException.class)          // not ConnectionLostException: a new connection is needed
 *         .withBackoff(Duration.ofMillis(100), Duration.ofSeconds(2))
 *         .withMaxRetries(3)
 *         .build();
 * CircuitBreaker<Message> breaker = CircuitBreaker.<Message>builder()
 *         .handle(CallTimeoutException.class)
 *         .withFailureThreshold(5)
 *         .withDelay(Duration.ofSeconds(30))
 *         .build();
 * Timeout<Message> overall = Timeout.<Message>builder(Duration.ofSeconds(5)).withInterrupt().build();
 * Message reply = Failsafe.with(overall, retry, breaker)       // outermost first
 *         .get(() -> connection.call(request, Duration.ofSeconds(1)));
 * }</pre>
 * Interrupting a call is safe — a Failsafe {@code Timeout.withInterrupt()} around it, or cancelling the task that
 * waits: the call waits on a channel, not on the socket, and its request is written by a task of the connection,
 * not by the caller's thread (the JDK closes a socket whose writing thread is interrupted). The interrupt ends the
 * wait; the connection stays open; a reply that comes later is dropped. This is not so for {@link #send(Message)}
 * and {@link #reply(Message, Message)}, which write on the caller's thread: never wrap them, or any socket read,
 * in {@code Timeout.withInterrupt()}.
 *
 * <p>Thread-safe: any number of senders and callers, any number of consumers of {@link #messages()} (each message
 * goes to one). {@link #close()} closes the underlying connection or endpoint and is idempotent.
 */
public final class MessageConnection implements AutoCloseable {

    /** The default capacity of {@link #messages()}: {@value} messages. */
    public static final int DEFAULT_BUFFER = 64;

    /** The default size limit of a message over UDP: {@value} bytes, as eventdispatcher's. */
    public static final int DEFAULT_MAX_DATAGRAM_MESSAGE_SIZE = 1024;

    /** The default size limit of a message over a Unix datagram socket: {@value} bytes (64 KiB). */
    public static final int DEFAULT_MAX_UNIX_MESSAGE_SIZE = 64 * 1024;

    /** The parameter that carries a datagram connection's shared secret: {@value}. */
    public static final String SECRET_CODE = "secret_code";

    private static final Logger LOG = LoggerFactory.getLogger(MessageConnection.class);
    private static final long WARN_INTERVAL_NANOS = 10_000_000_000L;
    private static final int EXPIRED_SERIALS = 256;

    private final String name;
    private final @Nullable Connection stream;
    private final @Nullable DatagramPort endpoint;
    private final @Nullable SocketAddress peer;
    private final byte @Nullable [] secret;
    private final @Nullable String secretText;
    private final int maxMessageSize;
    private final @Nullable MessageCoverage coverage;
    private final Channel<Message> messages;
    private final Scope scope;
    private final AtomicLong invalid = new AtomicLong();
    private final AtomicLong oversized = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();
    private final AtomicLong nextSerial = new AtomicLong(ThreadLocalRandom.current().nextLong(1L << 32, 1L << 48));
    private final RateLimited invalidLog = new RateLimited();
    private final RateLimited droppedLog = new RateLimited();
    private volatile boolean answerInvalid;
    private volatile boolean closed;

    // call state, guarded by callLock
    private final ReentrantLock callLock = new ReentrantLock();
    private final Map<String, Pending> bySerial = new LinkedHashMap<>();
    private final List<Pending> byCommand = new ArrayList<>();
    private final Map<String, Boolean> expiredSerials = new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
            return size() > EXPIRED_SERIALS;
        }
    };
    private boolean ended;
    private @Nullable Throwable endCause;

    /** Where each recently received datagram message came from, so that a reply can go back there. */
    private final Map<Identity, SocketAddress> senders;

    private MessageConnection(String name, @Nullable Connection stream, @Nullable DatagramPort endpoint,
            @Nullable SocketAddress peer, @Nullable String secret, int maxMessageSize, int buffer,
            @Nullable MessageCoverage coverage) {
        this.name = name;
        this.stream = stream;
        this.endpoint = endpoint;
        this.peer = peer;
        this.secretText = secret;
        this.secret = secret == null ? null : secret.getBytes(StandardCharsets.UTF_8);
        this.maxMessageSize = maxMessageSize;
        this.coverage = coverage;
        this.messages = Channel.<Message>builder().name(name + " messages").capacity(buffer).build();
        int remembered = buffer + 64;
        this.senders = new LinkedHashMap<>(16, 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Identity, SocketAddress> eldest) {
                return size() > remembered;
            }
        };
        this.scope = Scope.open("messages " + name);
        try {
            if (stream != null) {
                ReceiveChannel<String> lines = ((StreamConnection) stream).messageLines();
                scope.fork("reader", () -> readLines(lines));
            } else {
                ReceiveChannel<Datagram> datagrams = Objects.requireNonNull(endpoint).datagrams();
                scope.fork("reader", () -> readDatagrams(datagrams));
            }
        } catch (RuntimeException e) {
            scope.close();
            throw e;
        }
    }

    /**
     * Returns a message connection over a stream connection, with the defaults. The message connection owns the
     * connection from now on: it reads {@link Connection#lines()} and closes the connection when it is closed. One
     * difference from plain lines: a last line the peer did not terminate before closing is a message cut off by the
     * disconnect, and is dropped (logged at WARN) rather than delivered.
     *
     * @param connection an open connection whose {@link Connection#input()} was not used
     * @return the message connection
     * @throws IllegalStateException if the connection is read through {@link Connection#input()}
     */
    public static MessageConnection over(Connection connection) {
        return builder(connection).build();
    }

    /**
     * Returns a builder of a message connection over a stream connection.
     *
     * @param connection an open connection whose {@link Connection#input()} was not used
     * @return a new builder
     */
    public static Builder builder(Connection connection) {
        return new Builder(Objects.requireNonNull(connection, "connection"));
    }

    /**
     * Returns a builder of a message connection over a datagram endpoint: one message per datagram.
     *
     * @param endpoint an open endpoint; the message connection becomes the only consumer of its
     *     {@link DatagramEndpoint#datagrams()}
     * @return a new builder
     */
    public static DatagramBuilder builder(DatagramEndpoint endpoint) {
        Objects.requireNonNull(endpoint, "endpoint");
        return new DatagramBuilder(new UdpPort(endpoint), DEFAULT_MAX_DATAGRAM_MESSAGE_SIZE);
    }

    /**
     * Returns a builder of a message connection over a Unix datagram endpoint: one message per datagram, at most
     * {@value #DEFAULT_MAX_UNIX_MESSAGE_SIZE} bytes by default.
     *
     * @param endpoint an open endpoint; the message connection becomes the only consumer of its
     *     {@link UnixDatagramEndpoint#datagrams()}
     * @return a new builder
     */
    public static DatagramBuilder builder(UnixDatagramEndpoint endpoint) {
        Objects.requireNonNull(endpoint, "endpoint");
        return new DatagramBuilder(new UnixPort(endpoint), DEFAULT_MAX_UNIX_MESSAGE_SIZE);
    }

    /**
     * Returns the connection's name for logs and errors: the underlying connection's or endpoint's, such as
     * {@code tcp [::1]:4040}, unless the builder set another.
     *
     * @return the name
     */
    public String name() {
        return name;
    }

    /**
     * Returns the received messages, in the order they arrived, except replies taken by a waiting
     * {@link #call(Message, Duration) call}. The channel closes when the peer closes the stream (or this connection
     * is closed), or with the {@link IOException} as its cause when reading fails.
     *
     * @return the channel; the same one on every call
     */
    public ReceiveChannel<Message> messages() {
        return messages;
    }

    /**
     * Sends a message: one line on a stream connection, one datagram to the {@linkplain DatagramBuilder#peer peer}
     * on a datagram connection. Concurrent senders never interleave.
     *
     * <p>Blocks while the peer does not read (TCP back-pressure). If the calling thread is interrupted inside the
     * socket write, the JDK closes the connection.
     *
     * @param message the message
     * @throws IllegalArgumentException if a datagram message is larger than the size limit; the message names the
     *     command, both sizes and the connection
     * @throws IllegalStateException if this is a datagram connection without a peer
     * @throws IOException if writing fails or the connection is closed
     * @throws InterruptedException if interrupted while waiting for the write rate budget
     */
    public void send(Message message) throws IOException, InterruptedException {
        Objects.requireNonNull(message, "message");
        if (stream != null) {
            // recorded before the write: a write interrupted after its bytes left (the JDK then closes the socket
            // and throws) was still sent, and the peer may already have answered
            recordSent(message);
            stream.send(message.toText());
        } else {
            if (peer == null) {
                throw new IllegalStateException(name + " has no peer to send " + message.command()
                        + " to: set one with MessageConnection.builder(endpoint).peer(...), or use send(message, to)");
            }
            sendDatagram(message, peer);
            recordSent(message);
        }
    }

    /**
     * Sends a message as one datagram to {@code recipient}; see {@link #send(Message)}. Over UDP it does not wait;
     * over a Unix datagram socket it waits while the recipient's queue is full (see {@link UnixDatagramEndpoint}).
     *
     * @param message the message
     * @param recipient a resolved IP socket address with a port (UDP), or a Unix socket file or abstract address
     * @throws IllegalArgumentException if the message is larger than the size limit, or the recipient is not an
     *     address of the endpoint's kind
     * @throws IllegalStateException if this is a stream connection, which has only one peer
     * @throws IOException if sending fails or the endpoint is closed
     * @throws InterruptedException if interrupted while a Unix datagram waits for room; nothing was sent
     */
    public void send(Message message, SocketAddress recipient) throws IOException, InterruptedException {
        Objects.requireNonNull(message, "message");
        Objects.requireNonNull(recipient, "recipient");
        if (endpoint == null) {
            throw new IllegalStateException(name + " is a stream connection: send(message) sends to its only peer");
        }
        sendDatagram(message, recipient);
        recordSent(message);
    }

    /**
     * Sends a reply to a message received on this connection: on a stream connection to the peer, on a datagram
     * connection to the address the request came from (remembered for the last few hundred messages received), or
     * else to the peer. If the request carries a {@value MessageDefinitions#SERIAL} and the reply does not, the
     * reply gets the request's, so that the requester's {@link #call(Message, Duration) call} finds it.
     *
     * @param request the message being answered
     * @param reply the reply, usually built with {@link Message#replyTo(String)}
     * @throws IllegalArgumentException if a datagram reply is larger than the size limit
     * @throws IllegalStateException if this datagram connection no longer knows where the request came from and
     *     has no peer
     * @throws IOException if sending fails or the connection is closed
     * @throws InterruptedException if interrupted while waiting for the write rate budget
     */
    public void reply(Message request, Message reply) throws IOException, InterruptedException {
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(reply, "reply");
        Optional<String> serial = request.parameter(MessageDefinitions.SERIAL);
        if (serial.isPresent() && !reply.has(MessageDefinitions.SERIAL)) {
            reply = reply.toBuilder().parameter(MessageDefinitions.SERIAL, serial.get()).build();
        }
        if (stream != null) {
            send(reply);
            return;
        }
        SocketAddress sender;
        synchronized (senders) {
            sender = senders.get(new Identity(request));
        }
        if (sender == null) {
            sender = peer;
        }
        if (sender == null) {
            throw new IllegalStateException(name + " cannot answer " + request.command() + " with "
                    + reply.command() + ": it no longer knows where the request came from, and has no peer");
        }
        send(reply, sender);
    }

    /**
     * Sends a request and waits for its reply: the first message that carries the request's
     * {@value MessageDefinitions#SERIAL}. The call adds a serial unique on this connection (an integer from a random
     * start, so the peer's own serials are unlikely to collide) unless the request has one. The reply may be
     * {@code UNKNOWN} or {@code INVALID} when the peer did not understand the request. Messages other than the reply
     * go on to {@link #messages()} meanwhile.
     *
     * <p>Blocks until the reply arrives, the timeout passes (it bounds writing the request too, which waits while
     * the peer does not read) or the connection ends. The request is written by a task of the connection, so
     * cancellation (an interrupt, or the caller's scope being cancelled) ends the wait and never closes the
     * connection; the request may still be sent. A reply that arrives after the call gave up is dropped and logged at
     * DEBUG.
     *
     * @param request the request
     * @param timeout how long the call may take — writing the request and waiting for the reply — on the caller's
     *     time source
     * @return the reply
     * @throws CallTimeoutException if no reply arrived within {@code timeout}
     * @throws ConnectionLostException if the connection ended, or was already closed, before the reply arrived, or
     *     sending the request failed
     * @throws IllegalArgumentException if the timeout is not positive, or a datagram request is too large
     * @throws IllegalStateException if another call with the request's serial is waiting
     * @throws InterruptedException if interrupted while waiting
     */
    public Message call(Message request, Duration timeout)
            throws CallTimeoutException, ConnectionLostException, InterruptedException {
        Objects.requireNonNull(request, "request");
        checkTimeout(timeout);
        Optional<String> given = request.parameter(MessageDefinitions.SERIAL);
        String serial = given.orElseGet(() -> Long.toString(nextSerial.getAndIncrement()));
        Message toSend = given.isPresent() ? request
                : request.toBuilder().parameter(MessageDefinitions.SERIAL, serial).build();
        Pending pending = new Pending(request.command(), serial, Set.of());
        callLock.lock();
        try {
            if (ended) {
                throw lost(pending, "before the call to " + request.command() + " started", endCause);
            }
            if (bySerial.putIfAbsent(serial, pending) != null) {
                throw new IllegalStateException("a call with " + MessageDefinitions.SERIAL + "=" + serial
                        + " is already waiting on " + name);
            }
            expiredSerials.remove(serial); // a caller's own serial, used again after a timeout
        } finally {
            callLock.unlock();
        }
        return await(pending, toSend, timeout);
    }

    /**
     * Sends a request and waits for a reply with one of {@code replyCommands} — such as {@code COMMANDS} for
     * {@code HELP} — or for an {@code UNKNOWN} or {@code INVALID} whose {@code command} parameter names the
     * request's command. Adds no parameter. When several calls wait for the same reply command, the oldest gets the
     * first reply. A reply that arrives after the call gave up cannot be told from a new message and goes to
     * {@link #messages()}. Otherwise as {@link #call(Message, Duration)}.
     *
     * @param request the request
     * @param replyCommands the commands that answer it, at least one
     * @param timeout how long the call may take — writing the request and waiting for the reply — on the caller's
     *     time source
     * @return the reply
     * @throws CallTimeoutException if no reply arrived within {@code timeout}
     * @throws ConnectionLostException if the connection ended, or was already closed, before the reply arrived, or
     *     sending the request failed
     * @throws IllegalArgumentException if {@code replyCommands} is empty or the timeout not positive
     * @throws InterruptedException if interrupted while waiting
     */
    public Message call(Message request, Set<String> replyCommands, Duration timeout)
            throws CallTimeoutException, ConnectionLostException, InterruptedException {
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(replyCommands, "replyCommands");
        if (replyCommands.isEmpty()) {
            throw new IllegalArgumentException("replyCommands must not be empty (the call to " + request.command()
                    + " would never end)");
        }
        checkTimeout(timeout);
        Pending pending = new Pending(request.command(), null, Set.copyOf(replyCommands));
        callLock.lock();
        try {
            if (ended) {
                throw lost(pending, "before the call to " + request.command() + " started", endCause);
            }
            byCommand.add(pending);
        } finally {
            callLock.unlock();
        }
        return await(pending, request, timeout);
    }

    private Message await(Pending pending, Message toSend, Duration timeout)
            throws CallTimeoutException, ConnectionLostException, InterruptedException {
        boolean answered = false;
        try {
            TimeSource clock = TimeSource.current();
            long start = clock.nanoTime();
            if (!sendForCall(pending, toSend, timeout)) {
                throw new CallTimeoutException(name, pending.command, pending.awaited() + "; still being sent",
                        timeout);
            }
            Duration left = timeout.minusNanos(clock.nanoTime() - start);
            Optional<Message> reply;
            try {
                reply = left.isNegative() || left.isZero() ? pending.reply.tryReceive() : pending.reply.receive(left);
                if (reply.isEmpty() && !unregister(pending)) {
                    reply = pending.reply.tryReceive(); // the reply came as the time ran out
                }
            } catch (ChannelClosedException e) {
                throw lost(pending, "while waiting for the reply to " + pending.command + " (" + pending.awaited()
                        + ")", e.getCause());
            }
            if (reply.isEmpty()) {
                throw new CallTimeoutException(name, pending.command, pending.awaited(), timeout);
            }
            answered = true;
            return reply.get();
        } finally {
            if (!answered) {
                unregister(pending);
            }
        }
    }

    /**
     * Writes a call's request on a task of this connection, not on the caller's thread: the JDK closes a socket
     * whose writing thread is interrupted, and a call must be safe to interrupt. If the caller is cancelled or
     * interrupted meanwhile, the write still completes and the connection stays open.
     */
    private boolean sendForCall(Pending pending, Message request, Duration timeout)
            throws ConnectionLostException, InterruptedException {
        Task<@Nullable Throwable> write;
        try {
            write = scope.fork("call " + pending.command, () -> {
                try {
                    send(request);
                    return null;
                } catch (IOException | InterruptedException | RuntimeException e) {
                    return e; // the outcome goes to the caller; a failed task would end the connection's scope
                }
            });
        } catch (IllegalStateException closed) {
            throw lost(pending, "before the call to " + pending.command + " started", null);
        }
        Throwable failure;
        try {
            failure = write.join(timeout);
        } catch (TimeoutException stillWriting) {
            return false; // the peer does not read: the write goes on
        } catch (CancelledException e) {
            if (write.state() == Task.State.CANCELLED) { // the connection closed before the write
                throw lost(pending, "while sending " + pending.command, null);
            }
            throw e; // the caller was cancelled: the write goes on
        }
        if (failure instanceof IOException || failure instanceof InterruptedException
                || failure instanceof CancelledException) {
            throw lost(pending, "while sending " + pending.command, failure);
        }
        if (failure instanceof RuntimeException e) {
            throw e; // a datagram too large, a closed channel: as send(message) would have thrown it
        }
        return true;
    }

    /**
     * Removes a call that gave up, and remembers its serial so that a late reply is dropped; returns false if it
     * was no longer registered (a reply was delivered, or the connection ended).
     */
    private boolean unregister(Pending pending) {
        callLock.lock();
        try {
            if (pending.serial != null) {
                boolean removed = bySerial.remove(pending.serial, pending);
                if (removed) {
                    expiredSerials.put(pending.serial, Boolean.TRUE);
                }
                return removed;
            }
            return byCommand.remove(pending);
        } finally {
            callLock.unlock();
        }
    }

    private ConnectionLostException lost(Pending pending, String situation, @Nullable Throwable cause) {
        return new ConnectionLostException(name, pending.command, situation, cause);
    }

    private static void checkTimeout(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive: " + timeout);
        }
    }

    /** Hands a received message to the call waiting for it; returns true if it was taken. */
    private boolean completeCall(Message message) {
        callLock.lock();
        try {
            Optional<String> serial = message.parameter(MessageDefinitions.SERIAL);
            if (serial.isPresent()) {
                Pending p = bySerial.remove(serial.get());
                if (p != null) {
                    p.reply.trySend(message);
                    return true;
                }
                if (expiredSerials.remove(serial.get()) != null) {
                    LOG.debug("{}: dropped a late reply {} (its call timed out)", name, message.command());
                    return true;
                }
            }
            if (byCommand.isEmpty()) {
                return false;
            }
            String answers = message.command();
            if (answers.equals("UNKNOWN") || answers.equals("INVALID")) {
                answers = message.parameter("command").orElse("");
                for (Iterator<Pending> it = byCommand.iterator(); it.hasNext(); ) {
                    Pending p = it.next();
                    if (p.command.equals(answers)) {
                        it.remove();
                        p.reply.trySend(message);
                        return true;
                    }
                }
            }
            for (Iterator<Pending> it = byCommand.iterator(); it.hasNext(); ) {
                Pending p = it.next();
                if (p.replyCommands.contains(message.command())) {
                    it.remove();
                    p.reply.trySend(message);
                    return true;
                }
            }
            return false;
        } finally {
            callLock.unlock();
        }
    }

    /** The reader ended: no more replies will come. */
    private void end(@Nullable Throwable cause) {
        List<Pending> waiting;
        callLock.lock();
        try {
            if (ended) {
                return;
            }
            ended = true;
            endCause = cause;
            waiting = new ArrayList<>(bySerial.values());
            waiting.addAll(byCommand);
            bySerial.clear();
            byCommand.clear();
        } finally {
            callLock.unlock();
        }
        if (cause == null) {
            messages.close();
        } else {
            messages.close(cause);
        }
        for (Pending p : waiting) {
            if (cause == null) {
                p.reply.close();
            } else {
                p.reply.close(cause);
            }
        }
    }

    /**
     * Returns how many received lines or datagrams were not valid messages (and were skipped).
     *
     * @return the number of invalid messages
     */
    public long invalidMessages() {
        return invalid.get();
    }

    /**
     * Returns how many received messages were dropped for being too large: lines over the connection's line limit,
     * datagrams over {@link DatagramBuilder#maxMessageSize(int)}.
     *
     * @return the number of oversized messages
     */
    public long oversizedMessages() {
        return oversized.get() + (stream != null ? stream.oversizedLines() : 0);
    }

    /**
     * Returns how many received datagram messages were dropped because their {@value #SECRET_CODE} was missing or
     * wrong.
     *
     * @return the number of rejected messages; always 0 without a secret
     */
    public long rejectedMessages() {
        return rejected.get();
    }

    /**
     * Returns how many calls are waiting for their reply.
     *
     * @return the number of pending calls
     */
    public int pendingCalls() {
        callLock.lock();
        try {
            return bySerial.size() + byCommand.size();
        } finally {
            callLock.unlock();
        }
    }

    /**
     * Returns whether the connection is open: false once it was closed, or the peer closed it, or reading failed.
     *
     * @return whether messages can still arrive
     */
    public boolean isOpen() {
        if (closed) {
            return false;
        }
        callLock.lock();
        try {
            if (ended) {
                return false;
            }
        } finally {
            callLock.unlock();
        }
        return stream != null ? stream.isOpen() : Objects.requireNonNull(endpoint).isOpen();
    }

    /**
     * Closes the underlying connection or endpoint, stops the reader task and waits for it to end, closes
     * {@link #messages()} (messages already in it can still be received) and fails the waiting calls with
     * {@link ConnectionLostException}. Idempotent.
     */
    @Override
    public void close() {
        closed = true;
        if (stream != null) {
            stream.close();
        } else {
            Objects.requireNonNull(endpoint).close();
        }
        scope.close();
        end(null);
    }

    @Override
    public String toString() {
        return "MessageConnection[" + name + (isOpen() ? "]" : ", closed]");
    }

    /**
     * Makes the reader answer each line (or datagram) that is not a valid message with
     * {@code INVALID message=<what is wrong>}, to where it came from; the line is skipped either way and the
     * connection stays open. {@link Dispatcher#serve(MessageConnection)} turns this on; a program that reads
     * {@link #messages()} itself (a router, say) turns it on here. Off by default.
     *
     * @param on whether to answer invalid messages
     */
    public void answerInvalid(boolean on) {
        this.answerInvalid = on;
    }

    // --- the reader ---

    private void readLines(ReceiveChannel<String> lines) {
        Throwable cause = null;
        try {
            for (;;) {
                String line;
                try {
                    line = lines.receive();
                } catch (ChannelClosedException e) {
                    cause = closed ? null : e.getCause();
                    break;
                }
                if (line.isBlank()) {
                    continue;
                }
                Message message;
                try {
                    message = Message.parse(line);
                } catch (MessageFormatException e) {
                    invalid(e, null);
                    continue;
                }
                deliver(message, null);
            }
        } catch (InterruptedException | CancelledException | ChannelClosedException e) {
            cause = null; // closed by close(), or the owner's scope was cancelled
        } catch (RuntimeException e) {
            LOG.warn("{}: reader failed; no more messages will arrive", name, e);
            cause = e;
        } finally {
            end(cause);
        }
    }

    private void readDatagrams(ReceiveChannel<Datagram> datagrams) {
        Throwable cause = null;
        try {
            for (;;) {
                Datagram d;
                try {
                    d = datagrams.receive();
                } catch (ChannelClosedException e) {
                    cause = closed ? null : e.getCause();
                    break;
                }
                if (d.length() > maxMessageSize) {
                    long n = oversized.incrementAndGet();
                    if (droppedLog.warn()) {
                        LOG.warn("{}: dropped a message of {} bytes from {}: over the limit of {} bytes ({} so far)",
                                name, d.length(), describe(d.address()), maxMessageSize, n);
                    } else {
                        LOG.debug("{}: dropped a message of {} bytes from {}: over the limit of {} bytes", name,
                                d.length(), describe(d.address()), maxMessageSize);
                    }
                    continue;
                }
                Message message;
                try {
                    message = Message.parse(d.text());
                } catch (MessageFormatException e) {
                    invalid(e, d.address());
                    continue;
                }
                if (secret != null && !secretMatches(message)) {
                    long n = rejected.incrementAndGet();
                    String what = message.has(SECRET_CODE) ? "a wrong " : "no ";
                    if (droppedLog.warn()) {
                        LOG.warn("{}: dropped {} from {}: {}{} ({} so far)", name, message.command(),
                                describe(d.address()), what, SECRET_CODE, n);
                    } else {
                        LOG.debug("{}: dropped {} from {}: {}{}", name, message.command(), describe(d.address()),
                                what, SECRET_CODE);
                    }
                    continue;
                }
                if (message.has(SECRET_CODE)) {
                    if (secret == null) {
                        LOG.debug("{}: {} from {} carries a {} but none is required", name, message.command(),
                                describe(d.address()), SECRET_CODE);
                    }
                    message = message.toBuilder().removeParameter(SECRET_CODE).build();
                }
                deliver(message, d.address());
            }
        } catch (InterruptedException | CancelledException | ChannelClosedException e) {
            cause = null;
        } catch (RuntimeException e) {
            LOG.warn("{}: reader failed; no more messages will arrive", name, e);
            cause = e;
        } finally {
            end(cause);
        }
    }

    private boolean secretMatches(Message message) {
        Optional<String> given = message.parameter(SECRET_CODE);
        return given.isPresent()
                && MessageDigest.isEqual(given.get().getBytes(StandardCharsets.UTF_8), Objects.requireNonNull(secret));
    }

    private void deliver(Message message, @Nullable SocketAddress sender) throws InterruptedException {
        if (coverage != null) {
            coverage.received(name, message.command());
        }
        if (completeCall(message)) {
            return;
        }
        if (sender != null) {
            synchronized (senders) {
                senders.put(new Identity(message), sender);
            }
        }
        messages.send(message);
    }

    private void invalid(MessageFormatException e, @Nullable SocketAddress sender) {
        long n = invalid.incrementAndGet();
        String from = sender == null ? "" : " from " + describe(sender);
        if (invalidLog.warn()) {
            LOG.warn("{}: skipped an invalid message{} ({} so far): {}", name, from, n, e.getMessage());
        } else {
            LOG.debug("{}: skipped an invalid message{}: {}", name, from, e.getMessage());
        }
        if (!answerInvalid) {
            return;
        }
        Message answer = Message.builder("INVALID").parameter("message", e.getMessage()).build();
        try {
            if (stream != null) {
                send(answer);
            } else if (sender != null) {
                send(answer, sender);
            }
        } catch (IOException | IllegalArgumentException ex) {
            LOG.debug("{}: could not answer an invalid message: {}", name, ex.toString());
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
    }

    private void sendDatagram(Message message, SocketAddress recipient) throws IOException, InterruptedException {
        Message out = secretText == null ? message
                : message.toBuilder().parameter(SECRET_CODE, secretText).build();
        byte[] bytes = out.toText().getBytes(StandardCharsets.UTF_8);
        if (bytes.length > maxMessageSize) {
            throw new IllegalArgumentException("message " + message.command() + " of " + bytes.length
                    + " bytes to " + describe(recipient) + " exceeds the maximum message size of " + maxMessageSize
                    + " bytes of " + name + " (see MessageConnection.DatagramBuilder.maxMessageSize)");
        }
        Objects.requireNonNull(endpoint).send(bytes, recipient);
    }

    private void recordSent(Message message) {
        if (coverage != null) {
            coverage.sent(name, message.command());
        }
    }

    private static String describe(SocketAddress address) {
        return address instanceof InetSocketAddress inet ? "udp " + Addresses.format(inet)
                : JunixAddresses.describe(address);
    }

    /** What a message connection needs of a datagram endpoint, UDP or Unix. */
    private interface DatagramPort {
        String name();

        int maxDatagramSize();

        ReceiveChannel<Datagram> datagrams();

        void send(byte[] payload, SocketAddress recipient) throws IOException, InterruptedException;

        /** Checks an address this endpoint could send to, for {@link DatagramBuilder#peer}. */
        void checkPeer(SocketAddress peer);

        boolean isOpen();

        void close();
    }

    private record UdpPort(DatagramEndpoint endpoint) implements DatagramPort {
        @Override
        public String name() {
            return endpoint.name();
        }

        @Override
        public int maxDatagramSize() {
            return endpoint.maxDatagramSize();
        }

        @Override
        public ReceiveChannel<Datagram> datagrams() {
            return endpoint.datagrams();
        }

        @Override
        public void send(byte[] payload, SocketAddress recipient) throws IOException {
            endpoint.send(payload, recipient);
        }

        @Override
        public void checkPeer(SocketAddress peer) {
            if (!(peer instanceof InetSocketAddress inet) || inet.isUnresolved() || inet.getPort() == 0) {
                throw new IllegalArgumentException("peer of " + endpoint.name() + " must be a resolved IP address"
                        + " with a port: " + (peer instanceof InetSocketAddress inet ? Addresses.format(inet) : peer));
            }
        }

        @Override
        public boolean isOpen() {
            return endpoint.isOpen();
        }

        @Override
        public void close() {
            endpoint.close();
        }
    }

    private record UnixPort(UnixDatagramEndpoint endpoint) implements DatagramPort {
        @Override
        public String name() {
            return endpoint.name();
        }

        @Override
        public int maxDatagramSize() {
            return endpoint.maxDatagramSize();
        }

        @Override
        public ReceiveChannel<Datagram> datagrams() {
            return endpoint.datagrams();
        }

        @Override
        public void send(byte[] payload, SocketAddress recipient) throws IOException, InterruptedException {
            endpoint.send(payload, recipient);
        }

        @Override
        public void checkPeer(SocketAddress peer) {
            if (JunixAddresses.UNNAMED.equals(peer)) {
                throw new IllegalArgumentException("peer of " + endpoint.name() + " must not be the unnamed address");
            }
            JunixAddresses.requireBindable(peer, "peer");
        }

        @Override
        public boolean isOpen() {
            return endpoint.isOpen();
        }

        @Override
        public void close() {
            endpoint.close();
        }
    }

    /** A call waiting for its reply. */
    private static final class Pending {
        final String command;
        final @Nullable String serial;
        final Set<String> replyCommands;
        final Channel<Message> reply = Channel.buffered(1);

        Pending(String command, @Nullable String serial, Set<String> replyCommands) {
            this.command = command;
            this.serial = serial;
            this.replyCommands = replyCommands;
        }

        String awaited() {
            return serial != null ? MessageDefinitions.SERIAL + "=" + serial
                    : "expected " + String.join(" or ", new java.util.TreeSet<>(replyCommands));
        }
    }

    /** A message compared by identity, not by value: two equal messages from different senders stay apart. */
    private record Identity(Message message) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Identity i && i.message == message;
        }

        @Override
        public int hashCode() {
            return System.identityHashCode(message);
        }
    }

    /** The first event at WARN, then at most one WARN per interval; the rest at DEBUG. */
    private static final class RateLimited {
        private final AtomicLong nextWarn = new AtomicLong(Long.MIN_VALUE);

        boolean warn() {
            long now = System.nanoTime();
            long next = nextWarn.get();
            return (next == Long.MIN_VALUE || now - next >= 0)
                    && nextWarn.compareAndSet(next, now + WARN_INTERVAL_NANOS);
        }
    }

    /**
     * Builds a {@link MessageConnection} over a stream connection. Not thread-safe.
     */
    public static final class Builder {
        private final Connection connection;
        private @Nullable String name;
        private int buffer = DEFAULT_BUFFER;
        private @Nullable MessageCoverage coverage;

        private Builder(Connection connection) {
            this.connection = connection;
        }

        /**
         * Sets the name used in logs, errors and {@link MessageCoverage} (default: the connection's name).
         *
         * @param name the name
         * @return this builder
         */
        public Builder name(String name) {
            this.name = Objects.requireNonNull(name, "name");
            return this;
        }

        /**
         * Sets the capacity of {@link MessageConnection#messages()} (default
         * {@value MessageConnection#DEFAULT_BUFFER}).
         *
         * @param messages the capacity, from 1 to 1,048,576
         * @return this builder
         */
        public Builder buffer(int messages) {
            this.buffer = checkBuffer(messages);
            return this;
        }

        /**
         * Records every command sent and received in {@code coverage}.
         *
         * @param coverage the recorder
         * @return this builder
         */
        public Builder coverage(MessageCoverage coverage) {
            this.coverage = Objects.requireNonNull(coverage, "coverage");
            return this;
        }

        /**
         * Builds the message connection and starts its reader task, in a scope nested in the caller's (if the
         * caller runs in a task). From now on it owns the connection.
         *
         * @return the message connection
         * @throws IllegalStateException if the connection is read through {@link Connection#input()}
         */
        public MessageConnection build() {
            return new MessageConnection(name != null ? name : connection.name(), connection, null, null, null,
                    Integer.MAX_VALUE, buffer, coverage);
        }
    }

    /**
     * Builds a {@link MessageConnection} over a datagram endpoint. Not thread-safe.
     */
    public static final class DatagramBuilder {
        private final DatagramPort endpoint;
        private final int defaultMaxMessageSize;
        private @Nullable String name;
        private int buffer = DEFAULT_BUFFER;
        private @Nullable MessageCoverage coverage;
        private @Nullable SocketAddress peer;
        private @Nullable String secretCode;
        private int maxMessageSize;

        private DatagramBuilder(DatagramPort endpoint, int defaultMaxMessageSize) {
            this.endpoint = endpoint;
            this.defaultMaxMessageSize = defaultMaxMessageSize;
        }

        /**
         * Sets the name used in logs, errors and {@link MessageCoverage} (default: the endpoint's name).
         *
         * @param name the name
         * @return this builder
         */
        public DatagramBuilder name(String name) {
            this.name = Objects.requireNonNull(name, "name");
            return this;
        }

        /**
         * Sets the capacity of {@link MessageConnection#messages()} (default
         * {@value MessageConnection#DEFAULT_BUFFER}).
         *
         * @param messages the capacity, from 1 to 1,048,576
         * @return this builder
         */
        public DatagramBuilder buffer(int messages) {
            this.buffer = checkBuffer(messages);
            return this;
        }

        /**
         * Records every command sent and received in {@code coverage}.
         *
         * @param coverage the recorder
         * @return this builder
         */
        public DatagramBuilder coverage(MessageCoverage coverage) {
            this.coverage = Objects.requireNonNull(coverage, "coverage");
            return this;
        }

        /**
         * Sets the address {@link MessageConnection#send(Message)} and calls send to (default: none, and those
         * methods refuse; {@link MessageConnection#send(Message, SocketAddress)} still works).
         *
         * @param peer for UDP a resolved IP socket address with a port; for a Unix datagram endpoint a
         *     {@link java.net.UnixDomainSocketAddress} or a {@link UnixAbstractAddress}
         * @return this builder
         * @throws IllegalArgumentException if the address is not one the endpoint can send to; the message names it
         */
        public DatagramBuilder peer(SocketAddress peer) {
            Objects.requireNonNull(peer, "peer");
            endpoint.checkPeer(peer);
            this.peer = peer;
            return this;
        }

        /**
         * Requires a shared secret: every message sent carries it in {@value MessageConnection#SECRET_CODE}, and a
         * received message without it or with another value is dropped and counted in
         * {@link MessageConnection#rejectedMessages()}. Received messages are delivered without the parameter.
         *
         * @param secret the secret, not empty
         * @return this builder
         */
        public DatagramBuilder secretCode(String secret) {
            Objects.requireNonNull(secret, "secret");
            if (secret.isEmpty()) {
                throw new IllegalArgumentException("secretCode must not be empty");
            }
            this.secretCode = secret;
            return this;
        }

        /**
         * Sets the largest message sent or delivered, in bytes of its UTF-8 text (default
         * {@value MessageConnection#DEFAULT_MAX_DATAGRAM_MESSAGE_SIZE} over UDP and
         * {@value MessageConnection#DEFAULT_MAX_UNIX_MESSAGE_SIZE} over a Unix datagram socket, or the endpoint's
         * maximum datagram size if that is smaller).
         *
         * @param bytes the limit, from 1 to the endpoint's maximum datagram size
         * @return this builder
         * @throws IllegalArgumentException if the limit is out of range; the message names the endpoint's limit
         */
        public DatagramBuilder maxMessageSize(int bytes) {
            if (bytes < 1 || bytes > endpoint.maxDatagramSize()) {
                throw new IllegalArgumentException("maxMessageSize must be from 1 to the maximum datagram size of "
                        + endpoint.name() + " (" + endpoint.maxDatagramSize() + " bytes): " + bytes);
            }
            this.maxMessageSize = bytes;
            return this;
        }

        /**
         * Builds the message connection and starts its reader task, which from now on is the only consumer of the
         * endpoint's datagrams; it owns the endpoint.
         *
         * @return the message connection
         */
        public MessageConnection build() {
            int limit = maxMessageSize > 0 ? maxMessageSize
                    : Math.min(defaultMaxMessageSize, endpoint.maxDatagramSize());
            return new MessageConnection(name != null ? name : endpoint.name(), null, endpoint, peer, secretCode,
                    limit, buffer, coverage);
        }
    }

    private static int checkBuffer(int messages) {
        if (messages < 1 || messages > 1 << 20) {
            throw new IllegalArgumentException("buffer must be from 1 to 1048576 messages: " + messages);
        }
        return messages;
    }
}
