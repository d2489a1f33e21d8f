package dev.weft.net;

import java.io.IOException;
import java.io.Serial;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Thrown by {@link MessageConnection#call(Message, java.time.Duration)} when the connection ended — closed by
 * either side, reset, or its reader cancelled — before the reply arrived, or was already closed when the call
 * started. Its cause, if any, is the I/O error that ended the connection.
 *
 * <p>The message reads like {@code connection tcp [::1]:4040 lost while waiting for the reply to LOCK
 * (serial=4398046511104): Connection reset}.
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class ConnectionLostException extends IOException {

    @Serial
    private static final long serialVersionUID = 1L;

    /** The name of the connection that was lost. */
    private final String connectionName;
    /** The command of the request whose reply will not come. */
    private final String command;

    ConnectionLostException(String connectionName, String command, String situation, @Nullable Throwable cause) {
        super("connection " + connectionName + " lost " + situation
                + (cause == null || cause.getMessage() == null ? "" : ": " + cause.getMessage()), cause);
        this.connectionName = Objects.requireNonNull(connectionName, "connectionName");
        this.command = Objects.requireNonNull(command, "command");
    }

    /**
     * Returns the name of the message connection that was lost.
     *
     * @return the connection's name, such as {@code tcp [::1]:4040}
     */
    public String connectionName() {
        return connectionName;
    }

    /**
     * Returns the command of the request whose reply will not come.
     *
     * @return the request's command
     */
    public String command() {
        return command;
    }
}
