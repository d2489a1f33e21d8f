package dev.weft.process;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/** Helpers shared by the process tests. */
final class ProcessTestSupport {

    /** A generous deadline, reached only when a test fails. */
    static final Duration WAIT = Duration.ofSeconds(30);

    private ProcessTestSupport() {
    }

    /** Waits until {@code condition} holds, polling about every millisecond; fails after {@code WAIT}. */
    static void awaitCondition(BooleanSupplier condition, String description) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("timed out after " + WAIT + " waiting for: " + description);
            }
            LockSupport.parkNanos(1_000_000L);
        }
    }

    /** Whether a process with this pid exists and is not a zombie (an exited process its parent has not reaped). */
    static boolean alive(long pid) {
        return ProcessHandle.of(pid).map(ProcessTree::isRunning).orElse(false);
    }

    /** The current java launcher. */
    static String java() {
        return ProcessHandle.current().info().command().orElseThrow();
    }
}
