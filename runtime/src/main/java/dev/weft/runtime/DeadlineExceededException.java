package dev.weft.runtime;

import java.io.Serial;
import java.time.Duration;

/**
 * Thrown by {@link Scope#join()} when the scope's deadline passed before its tasks ended: the scope cancelled them,
 * waited for them, and reports the timeout.
 */
public final class DeadlineExceededException extends RuntimeException {

    @Serial
    private static final long serialVersionUID = 1L;

    /** The name of the scope whose deadline passed. */
    private final String scopeName;
    private final transient Duration timeout;

    DeadlineExceededException(String scopeName, Duration timeout) {
        super("scope '" + scopeName + "' exceeded its deadline (" + timeout + " after it opened)");
        this.scopeName = scopeName;
        this.timeout = timeout;
    }

    /**
     * Returns the name of the scope whose deadline passed.
     *
     * @return the scope name
     */
    public String scopeName() {
        return scopeName;
    }

    /**
     * Returns the time from the scope's opening to its deadline.
     *
     * @return the scope's timeout
     */
    public Duration timeout() {
        return timeout;
    }
}
