package dev.weft.runtime;

import java.io.Serial;
import java.util.concurrent.CancellationException;

/**
 * Thrown by a weft blocking call when the task that makes it, or one of its enclosing scopes, has been cancelled.
 *
 * <p>Cancellation is level-triggered: once a task is cancelled, every later weft blocking call in it throws this
 * exception, even if the thread's interrupt flag was cleared in between. Let it propagate; the scope treats a task
 * that ends with it after being cancelled as cancelled, not failed. Cleanup that must block runs in
 * {@link Scope#shielded}.
 */
public final class CancelledException extends CancellationException {

    @Serial
    private static final long serialVersionUID = 1L;

    CancelledException(String message) {
        super(message);
    }
}
