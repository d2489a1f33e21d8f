package dev.weft.runtime;

import java.io.Serial;

/**
 * Thrown when joining a task, or a fail-fast {@link Scope}, whose task failed with a checked exception; the cause is
 * that exception. (Unchecked exceptions and errors are rethrown as they are.)
 */
public final class TaskFailedException extends RuntimeException {

    @Serial
    private static final long serialVersionUID = 1L;

    /** The full name of the failed task. */
    private final String taskName;

    TaskFailedException(String taskName, Throwable cause) {
        super("task '" + taskName + "' failed: " + cause, cause);
        this.taskName = taskName;
    }

    /**
     * Returns the full name of the task that failed ({@code scope/task}).
     *
     * @return the task name
     */
    public String taskName() {
        return taskName;
    }
}
