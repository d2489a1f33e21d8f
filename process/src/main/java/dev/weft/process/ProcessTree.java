package dev.weft.process;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Terminates a process and everything it started: TERM, a grace period, KILL.
 *
 * <p>Java cannot put a child in its own process group, so the tree is a snapshot of
 * {@link ProcessHandle#descendants()} (the {@code /proc} parent links) taken when termination starts, and taken
 * again before the KILL to catch what was started during the grace period. A process whose parent has exited (a
 * background job of a shell that has returned, a daemon that double-forked) is re-parented to init and is no longer a
 * descendant; to find it anyway, every child gets a cookie in its environment ({@link #COOKIE_VARIABLE}), which its
 * descendants inherit, and the snapshot adds every live process of this user whose environment holds it. A process
 * that clears its environment and leaves the tree escapes both. Signals are sent with {@link ProcessHandle#destroy()} (SIGTERM on Linux) and
 * {@link ProcessHandle#destroyForcibly()} (SIGKILL); no signal module is needed.
 *
 * <p>Zombies: the JDK reaps the direct child. A grandchild whose parent died is re-parented to PID 1 (or a
 * subreaper), which must reap it; until then it is a zombie that holds no memory and that
 * {@link ProcessHandle#of(long)} no longer reports. (A container whose PID 1 does not reap keeps such zombies.)
 */
final class ProcessTree {

    private static final Logger LOG = LoggerFactory.getLogger(ProcessTree.class);
    /**
     * The environment variable every child gets, with a value unique to the child ({@link #newCookie()}); its
     * descendants inherit it, so they are found even after they left the tree (Jenkins' process-tree killer uses the
     * same trick with {@code BUILD_ID}).
     */
    static final String COOKIE_VARIABLE = "WEFT_PROCESS_TREE";

    private static final Path PROC = Path.of("/proc");
    private static final long START = System.currentTimeMillis();
    private static final AtomicLong COOKIES = new AtomicLong();

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
    static List<ProcessHandle> terminate(ProcessHandle root, String cookie, Duration grace, SignalRecorder recorder)
            throws InterruptedException {
        Map<Long, ProcessHandle> tree = snapshot(root, cookie);
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
        Map<Long, ProcessHandle> survivors = snapshot(root, cookie);
        for (ProcessHandle h : tree.values()) {
            if (isRunning(h)) {
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
            if (isRunning(h)) {
                alive.add(h);
            }
        }
        if (!alive.isEmpty()) {
            LOG.warn("process tree of {}: still alive {} after KILL", root.pid(), alive);
        }
        return alive;
    }

    /** The root (if alive), its live descendants, and the live processes that carry the cookie, with theirs. */
    private static Map<Long, ProcessHandle> snapshot(ProcessHandle root, String cookie) {
        Map<Long, ProcessHandle> tree = new LinkedHashMap<>();
        if (root.isAlive()) {
            tree.put(root.pid(), root);
        }
        root.descendants().forEach(h -> tree.put(h.pid(), h));
        for (ProcessHandle h : marked(cookie)) {
            tree.putIfAbsent(h.pid(), h);
            h.descendants().forEach(d -> tree.putIfAbsent(d.pid(), d));
        }
        return tree;
    }

    /**
     * Whether the process still runs: alive for the JDK and not a zombie. A process that has exited stays in the
     * process table as a zombie until its parent reaps it (for an orphan, PID 1, which may take its time), and
     * {@link ProcessHandle#isAlive()} reports it alive meanwhile; it holds no resources but its table slot.
     */
    static boolean isRunning(ProcessHandle h) {
        if (!h.isAlive()) {
            return false;
        }
        try {
            String stat = Files.readString(PROC.resolve(Long.toString(h.pid())).resolve("stat"),
                    StandardCharsets.ISO_8859_1);
            int afterName = stat.lastIndexOf(')');
            return afterName < 0 || afterName + 2 >= stat.length() || stat.charAt(afterName + 2) != 'Z';
        } catch (IOException e) {
            return false; // gone
        }
    }

    /** A new cookie, unique to this JVM run. */
    static String newCookie() {
        return ProcessHandle.current().pid() + "-" + Long.toHexString(START) + "-" + COOKIES.incrementAndGet();
    }

    /**
     * The live processes (other than this JVM) whose environment holds {@code COOKIE_VARIABLE=cookie}: found by
     * reading {@code /proc/<pid>/environ}, which the kernel lets a process read only for its own user's processes.
     */
    static List<ProcessHandle> marked(String cookie) {
        byte[] entry = (COOKIE_VARIABLE + "=" + cookie).getBytes(StandardCharsets.UTF_8);
        long self = ProcessHandle.current().pid();
        List<ProcessHandle> found = new ArrayList<>();
        try (DirectoryStream<Path> procs = Files.newDirectoryStream(PROC,
                p -> p.getFileName().toString().chars().allMatch(Character::isDigit))) {
            for (Path proc : procs) {
                long pid = Long.parseLong(proc.getFileName().toString());
                if (pid == self) {
                    continue;
                }
                byte[] environ;
                try {
                    environ = Files.readAllBytes(proc.resolve("environ"));
                } catch (IOException | SecurityException e) {
                    continue; // gone, or another user's
                }
                if (containsEntry(environ, entry)) {
                    ProcessHandle.of(pid).filter(ProcessHandle::isAlive).ifPresent(found::add);
                }
            }
        } catch (IOException e) {
            LOG.debug("cannot list /proc; the process tree is only the descendants snapshot", e);
        }
        return found;
    }

    /** Whether the NUL-separated {@code environ} holds exactly {@code entry} as one of its entries. */
    static boolean containsEntry(byte[] environ, byte[] entry) {
        int start = 0;
        while (start < environ.length) {
            int end = start;
            while (end < environ.length && environ[end] != 0) {
                end++;
            }
            if (end - start == entry.length && Arrays.equals(environ, start, end, entry, 0, entry.length)) {
                return true;
            }
            start = end + 1;
        }
        return false;
    }

    static void awaitAll(Iterable<ProcessHandle> handles, Duration timeout) throws InterruptedException {
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
