package dev.weft.net;

import java.io.IOException;
import java.io.Serial;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Thrown by {@link PermanentConnection#send(String)} and {@link PermanentConnection#send(Message)} when a message
 * is not sent and not buffered: fail-fast while not READY, the send buffer full, a blocking send that timed out, a
 * closed connection, or a write that failed as the connection was lost.
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class PermanentSendException extends IOException {

    @Serial
    private static final long serialVersionUID = 1L;

    /** Why the message was not sent. */
    public enum Reason {
        /** The send policy is fail-fast and the connection was not READY. */
        NOT_CONNECTED,
        /** The send buffer is full and its policy rejects new messages. */
        BUFFER_FULL,
        /** The send policy is block and the connection did not become READY within its timeout. */
        TIMEOUT,
        /** The connection is closed. */
        CLOSED,
        /** Writing failed as the connection was lost; the message may have been delivered, and is not replayed. */
        LOST
    }

    /** Why the message was not sent. */
    private final Reason reason;

    PermanentSendException(Reason reason, String message, @Nullable Throwable cause) {
        super(message, cause);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    /**
     * Returns why the message was not sent.
     *
     * @return the reason
     */
    public Reason reason() {
        return reason;
    }
}
