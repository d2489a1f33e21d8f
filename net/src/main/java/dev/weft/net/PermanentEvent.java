package dev.weft.net;

import java.net.InetAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Something that happened to a {@link PermanentConnection}: a state change, a DNS answer, a connect attempt, a
 * dropped message. Events are published in the order they happened on {@link PermanentConnection#events()} and to
 * the optional {@linkplain PermanentConnection.Builder#listener listener}.
 *
 * <p>Instances are immutable records and thread-safe (a {@link Throwable} they carry is shared as it is).
 */
public sealed interface PermanentEvent {

    /**
     * The connection moved from one state to another; exactly one event per change.
     *
     * @param from the previous state
     * @param to the new state
     * @param cause why, when there is a reason worth telling (a lost connection's error, "closed"), else empty
     */
    record StateChanged(ConnectionState from, ConnectionState to, Optional<String> cause) implements PermanentEvent {
        /** Checks the components. */
        public StateChanged {
            Objects.requireNonNull(from, "from");
            Objects.requireNonNull(to, "to");
            Objects.requireNonNull(cause, "cause");
        }
    }

    /**
     * The resolver answered (or, with {@code stale}, the last good answer is being used after a failure).
     *
     * @param host the name that was resolved
     * @param addresses the addresses now in use
     * @param ttl how long the answer is used before asking again, after clamping; zero for a stale answer
     * @param added addresses that were not in the previous answer
     * @param removed addresses of the previous answer that are gone
     * @param stale true if this is the last good answer reused because the resolver failed
     */
    record Resolved(String host, List<InetAddress> addresses, Duration ttl, List<InetAddress> added,
            List<InetAddress> removed, boolean stale) implements PermanentEvent {
        /** Copies the lists. */
        public Resolved {
            addresses = List.copyOf(addresses);
            added = List.copyOf(added);
            removed = List.copyOf(removed);
        }
    }

    /**
     * The resolver failed.
     *
     * @param host the name that was asked for
     * @param cause the resolver's exception
     * @param usingStale true if the last good answer is used instead (within the stale limit)
     */
    record ResolutionFailed(String host, Throwable cause, boolean usingStale) implements PermanentEvent {
    }

    /**
     * A connect attempt to one address started.
     *
     * @param address the address
     * @param pass the number of the connect pass, from 1
     */
    record ConnectAttempt(SocketAddress address, long pass) implements PermanentEvent {
    }

    /**
     * A connect attempt failed: refused, timed out, TLS handshake failed.
     *
     * @param address the address
     * @param cause the failure ({@link java.net.SocketTimeoutException} for the per-address timeout)
     * @param duration how long the attempt took, on the connection's time source
     */
    record ConnectFailed(SocketAddress address, Throwable cause, Duration duration) implements PermanentEvent {
    }

    /**
     * A transport connected and won the pass (before the application handshake, if any).
     *
     * @param local this end's address
     * @param remote the peer's address
     * @param downtime how long the connection was not READY before this (zero for the first connection)
     */
    record Connected(SocketAddress local, SocketAddress remote, Duration downtime) implements PermanentEvent {
    }

    /**
     * A READY connection was lost (or replaced by a migration).
     *
     * @param remote the peer it was connected to
     * @param cause what ended it: end of stream, a reset, a heartbeat timeout, a migration
     * @param uptime how long it was READY
     * @param nextAttemptIn how long until the next connect attempt
     */
    record Disconnected(SocketAddress remote, String cause, Duration uptime, Duration nextAttemptIn)
            implements PermanentEvent {
    }

    /**
     * The connection waits before its next attempt.
     *
     * @param delay the backoff delay, measured from the start of the failed attempt (or from the loss)
     * @param failures consecutive failures so far (0 after a healthy connection was lost: immediate retry)
     */
    record Backoff(Duration delay, int failures) implements PermanentEvent {
    }

    /**
     * DNS no longer lists the address the connection is using.
     *
     * @param address the connected address that left DNS
     * @param action what the connection does about it
     */
    record AddressRemoved(SocketAddress address, AddressRemovedAction action) implements PermanentEvent {
    }

    /**
     * A message that was accepted for sending will not be sent (or was refused while buffering).
     *
     * @param message the message text (a line, or a message in its text form)
     * @param reason why
     */
    record MessageDropped(String message, DropReason reason) implements PermanentEvent {
    }

    /** The connection closed for good; the last event. */
    record Closed() implements PermanentEvent {
    }

    /** What a connection does when DNS stops listing the address it is connected to. */
    enum AddressRemovedAction {
        /** Make-before-break: connect to a current address, switch to it, then close the old connection. */
        MIGRATE,
        /** Keep the connection to the old address until it ends on its own. */
        STAY,
        /** Migration was attempted but no current address accepted; the old connection is kept for now. */
        MIGRATION_FAILED
    }

    /** Why a message was dropped. */
    enum DropReason {
        /** The send buffer was full and the new message was refused ({@link PermanentSendException} thrown). */
        REJECTED,
        /** The send buffer was full and this, its oldest message, was dropped to make room. */
        DROPPED_OLDEST,
        /** It waited in the send buffer longer than the buffer's maximum age. */
        EXPIRED,
        /** The connection was closed while it was buffered. */
        CLOSED,
        /** Writing it failed when the connection was lost; it may have been delivered, and is not replayed. */
        LOST
    }
}
