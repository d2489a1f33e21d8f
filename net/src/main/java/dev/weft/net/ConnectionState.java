package dev.weft.net;

/**
 * The state of a {@link PermanentConnection}: where it is in its connect, lose, wait, connect-again cycle.
 *
 * <pre>
 * IDLE → RESOLVING → CONNECTING → [HANDSHAKING] → READY → (lost) → BACKOFF → RESOLVING/CONNECTING → …
 * any → CLOSED (terminal)
 * </pre>
 *
 * <p>Every change is published once, in order, as a {@link PermanentEvent.StateChanged} event.
 */
public enum ConnectionState {
    /** Built, not started yet. */
    IDLE,
    /**
     * Asking the {@linkplain dev.weft.net.spi.Resolver resolver} for the target's current addresses (host-name
     * targets only, and only when the last answer expired or a loss asks for a fresh one; a static address list or
     * a Unix socket goes straight to {@link #CONNECTING}).
     */
    RESOLVING,
    /** Connecting to the addresses of the current pass, with happy-eyeballs staggering. */
    CONNECTING,
    /** A transport is connected and the application handshake runs (only when one is configured). */
    HANDSHAKING,
    /** Connected (and handshaken): sends are written at once. */
    READY,
    /** Waiting before the next attempt, after a lost connection or a failed pass. */
    BACKOFF,
    /** Closed for good: by {@code close()} or the end of the owning scope. Terminal. */
    CLOSED
}
