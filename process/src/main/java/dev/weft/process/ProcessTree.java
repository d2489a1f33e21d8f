package dev.weft.process;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Terminates a process and everything it started: TERM, a grace period, KILL.
 *
 * <p>Java cannot put a child in its own process group, so the tree is a snapshot of
 * {@link ProcessHandle#descendants()} (the {@code /proc} parent links) taken when termination starts, and taken
 * again before the KILL to catch what was started during the grace period. A process that left the tree before the
 * snapshot — a daemon that double-forked, whose parent has exited, is re-parented to init — is not found: that is
 * the limit of a snapshot. Signals are sent with {@link ProcessHandle#destroy()} (SIGTERM on Linux) and
 * {@link ProcessHandle#destroyForcibly()} (SIGKILL); no signal module is needed.
 *
 * <p>Zombies: the JDK reaps the direct child. A grandchild whose parent died is re-parented to PID 1 (or a
 * subreaper), which must reap it; until then it is a zombie that holds no memory and that
 * {@link ProcessHandle#of(long)} no longer reports. (A container whose PID 1 does not reap keeps such zombies.)
 */
final class ProcessTree {

    private static final Logger LOG = LoggerFactory.getLogger(ProcessTree.class);
    /** How long to wait for a KILLed process to disappear before giving up with a warning. */
    private static final Duration KILL_WAIT = Duration.ofSeconds(10);

    /** Called before each signal is sent to the root, so its exit status can be read as that signal. */
    interface SignalRecorder {
        void sending(int signal);
    }

    private ProcessTree() {
    }

    /**
     * Sends TERM to {@code root} and its descendants, waits up to {@code grace} for all of them to end, then sends
     * KILL to the survivors and waits for them. Blocks; run it shielded when the caller is being cancelled.
     *
     * @return the processes still alive at the end (normally none)
     * @throws InterruptedException if interrupted while waiting; the signals already sent stay sent
     */
    static List<ProcessHandle> terminate(ProcessHandle root, Duration grace, SignalRecorder recorder)
            throws InterruptedException {
        Map<Long, ProcessHandle> tree = snapshot(root);
        if (tree.isEmpty()) {
            return List.of();
        }
        if (!grace.isZero()) {
            LOG.debug("terminating process tree of {}: TERM to {}", root.pid(), tree.keySet());
            for (ProcessHandle h : tree.values()) {
                if (h.pid() == root.pid()) {
                    recorder.sending(ExitStatus.SIGTERM);
                }
                h.destroy();
            }
            awaitAll(tree.values(), grace);
        }
        Map<Long, ProcessHandle> survivors = snapshot(root);
        for (ProcessHandle h : tree.values()) {
            if (h.isAlive()) {
                survivors.putIfAbsent(h.pid(), h);
            }
        }
        if (!survivors.isEmpty()) {
            LOG.debug("process tree of {}: KILL to {}", root.pid(), survivors.keySet());
            for (ProcessHandle h : survivors.values()) {
                if (h.pid() == root.pid()) {
                    recorder.sending(ExitStatus.SIGKILL);
                }
                h.destroyForcibly();
            }
            awaitAll(survivors.values(), KILL_WAIT);
        }
        List<ProcessHandle> alive = new ArrayList<>();
        for (ProcessHandle h : survivors.values()) {
            if (h.isAlive()) {
                alive.add(h);
            }
        }
        if (!alive.isEmpty()) {
            LOG.warn("process tree of {}: still alive {} after KILL", root.pid(), alive);
        }
        return alive;
    }

    /** The root (if alive) and its live descendants, deepest last. */
    private static Map<Long, ProcessHandle> snapshot(ProcessHandle root) {
        Map<Long, ProcessHandle> tree = new LinkedHashMap<>();
        if (root.isAlive()) {
            tree.put(root.pid(), root);
        }
        root.descendants().forEach(h -> tree.put(h.pid(), h));
        return tree;
    }

    private static void awaitAll(Iterable<ProcessHandle> handles, Duration timeout) throws InterruptedException {
        List<CompletableFuture<ProcessHandle>> exits = new ArrayList<>();
        for (ProcessHandle h : handles) {
            exits.add(h.onExit());
        }
        try {
            CompletableFuture.allOf(exits.toArray(CompletableFuture[]::new)).get(timeout.toNanos(),
                    TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            // survivors are handled by the caller
        } catch (ExecutionException e) {
            LOG.debug("waiting for a process exit failed", e);
        }
    }
}
