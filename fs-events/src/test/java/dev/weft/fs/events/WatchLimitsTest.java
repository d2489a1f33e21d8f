package dev.weft.fs.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Running out of inotify watches and instances, for real: the probe runs in a new user namespace
 * ({@code unshare -U -r}), where {@code /proc/sys/user/max_inotify_watches} and {@code max_inotify_instances} can be
 * lowered for that namespace only — the kernel then refuses with ENOSPC and EMFILE as it does at the system-wide
 * limits, and nothing outside the namespace is affected. Skipped where user namespaces are not available.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
final class WatchLimitsTest {

    @TempDir
    Path temp;

    @BeforeAll
    static void userNamespacesWork() throws Exception {
        Process p = new ProcessBuilder("unshare", "-U", "-r", "/bin/sh", "-c",
                "echo 3 > /proc/sys/user/max_inotify_watches").redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        assumeTrue(p.waitFor() == 0, "unshare -U -r with a writable /proc/sys/user is not available here");
    }

    @Test
    void watch_treeLargerThanTheWatchLimit_failsNamingTheSysctl() throws Exception {
        for (int i = 0; i < 5; i++) {
            Files.createDirectories(temp.resolve("d" + i));
        }
        String out = probe("max_inotify_watches", 3, "start");

        assertThat(out).startsWith("FAILED: cannot watch " + temp.toRealPath())
                .contains("out of inotify watches", "fs.inotify.max_user_watches");
    }

    @Test
    void newDirectoriesBeyondTheWatchLimit_closeTheEventsWithTheCause() throws Exception {
        String out = probe("max_inotify_watches", 3, "later");

        assertThat(out).startsWith("CLOSED: java.io.IOException: cannot watch " + temp.toRealPath().resolve("later-"))
                .contains("fs.inotify.max_user_watches");
    }

    @Test
    void watch_beyondTheInstanceLimit_failsNamingTheSysctl() throws Exception {
        String out = probe("max_inotify_instances", 1, "instances");

        assertThat(out).startsWith("FAILED: cannot watch " + temp.toRealPath())
                .contains("out of inotify instances", "fs.inotify.max_user_instances");
    }

    /** The class path for a probe JVM: this JVM's module path and class path, and the test classes. */
    static String probeClassPath() {
        List<String> classPath = new ArrayList<>();
        classPath.add(Path.of(System.getProperty("user.dir"), "target", "test-classes").toString());
        for (String property : List.of("jdk.module.path", "java.class.path")) {
            for (String p : System.getProperty(property, "").split(File.pathSeparator)) {
                if (!p.isEmpty()) {
                    classPath.add(p);
                }
            }
        }
        return String.join(File.pathSeparator, classPath);
    }

    /** Runs the probe in a user namespace with {@code limit} lowered to {@code value}; returns its stdout. */
    private String probe(String limit, int value, String which) throws Exception {
        String java = ProcessHandle.current().info().command().orElseThrow();
        String script = "echo " + value + " > /proc/sys/user/" + limit + " && exec \"$0\" \"$@\"";
        List<String> command = new ArrayList<>(List.of("unshare", "-U", "-r", "/bin/sh", "-c", script, java,
                "--enable-native-access=ALL-UNNAMED", "-cp", probeClassPath(),
                WatchLimitProbe.class.getName(), which, temp.toRealPath().toString()));
        Process p = new ProcessBuilder(command).redirectError(temp.resolve("probe.err").toFile()).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("the probe ends").isTrue();
        assertThat(p.exitValue()).as("probe exit status; stderr: %s", Files.readString(temp.resolve("probe.err")))
                .isZero();
        return out;
    }
}
