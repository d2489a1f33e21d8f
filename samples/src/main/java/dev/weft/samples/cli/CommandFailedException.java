package dev.weft.samples.cli;

import java.io.Serial;

/** An operational failure with one line to say (exit status 1): nothing answered, a file is missing, ... */
final class CommandFailedException extends Exception {

    @Serial
    private static final long serialVersionUID = 1L;

    CommandFailedException(String message) {
        super(message);
    }

    CommandFailedException(String message, Throwable cause) {
        super(message, cause);
    }
}
