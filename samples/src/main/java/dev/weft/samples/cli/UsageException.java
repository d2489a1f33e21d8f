package dev.weft.samples.cli;

import java.io.Serial;

/** A command line that cannot be run as given: exit status 2, the message on standard error. */
final class UsageException extends Exception {

    @Serial
    private static final long serialVersionUID = 1L;

    UsageException(String message) {
        super(message);
    }
}
