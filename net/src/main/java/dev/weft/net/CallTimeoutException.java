package dev.weft.net;

import java.io.Serial;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeoutException;

/**
 * Thrown by {@link MessageConnection#call(Message, Duration)} when no matching reply arrived in time. The connection
 * stays open and usable; a reply that arrives later is dropped (logged at DEBUG) instead of reaching the
 * dispatcher.
 *
 * <p>The message reads like {@code no reply to ALIVE (serial=4398046511104) on tcp [::1]:4040 within PT2S}.
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class CallTimeoutException extends TimeoutException {

    @Serial
    private static final long serialVersionUID = 1L;

    /** The name of the connection the call was made on. */
    private final String connectionName;
    /** The command of the request. */
    private final String command;
    /** How long the call waited. */
    private final Duration timeout;

    CallTimeoutException(String connectionName, String command, String awaited, Duration timeout) {
        super("no reply to " + command + " (" + awaited + ") on " + connectionName + " within " + timeout);
        this.connectionName = Objects.requireNonNull(connectionName, "connectionName");
        this.command = Objects.requireNonNull(command, "command");
        this.timeout = Objects.requireNonNull(timeout, "timeout");
    }

    /**
     * Returns the name of the message connection the call was made on.
     *
     * @return the connection's name, such as {@code tcp [::1]:4040}
     */
    public String connectionName() {
        return connectionName;
    }

    /**
     * Returns the command of the request that got no reply.
     *
     * @return the request's command
     */
    public String command() {
        return command;
    }

    /**
     * Returns how long the call waited.
     *
     * @return the call's timeout
     */
    public Duration timeout() {
        return timeout;
    }
}
