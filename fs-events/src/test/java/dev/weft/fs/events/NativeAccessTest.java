package dev.weft.fs.events;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What native access changes, in child JVMs on the class path (as an application would run): granted, the inotify
 * backend runs silently; not granted, JDK 25 warns and it still runs; denied, {@link WatchBackend#AUTO} falls back
 * to the JDK watch service and a forced {@link WatchBackend#INOTIFY} fails with the JDK's reason.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
final class NativeAccessTest {

    @TempDir
    Path temp;

    record Run(String out, String err) {
    }

    @Test
    void granted_usesInotifyWithoutAWarning() throws Exception {
        Run run = probe("--enable-native-access=ALL-UNNAMED");

        assertThat(run.out()).contains("BACKEND: INOTIFY", "FORCED: INOTIFY");
        assertThat(run.err()).doesNotContain("restricted method");
    }

    @Test
    void notGranted_usesInotifyAndTheJdkWarns() throws Exception {
        Run run = probe();

        assertThat(run.out()).contains("BACKEND: INOTIFY");
        assertThat(run.err()).contains("restricted method", "--enable-native-access");
    }

    @Test
    void denied_autoFallsBackToTheWatchServiceAndForcedInotifyFails() throws Exception {
        Run run = probe("--illegal-native-access=deny");

        assertThat(run.out()).contains("BACKEND: WATCH_SERVICE", "FORCED FAILED: java.lang.IllegalCallerException");
    }

    private Run probe(String... jvmOptions) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElseThrow());
        command.addAll(List.of(jvmOptions));
        command.addAll(List.of("-cp", WatchLimitsTest.probeClassPath(), WatchLimitProbe.class.getName(), "auto",
                temp.toRealPath().toString()));
        Path err = temp.resolve("probe.err");
        Process p = new ProcessBuilder(command).redirectError(err.toFile()).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("the probe ends").isTrue();
        String errText = Files.readString(err);
        assertThat(p.exitValue()).as("probe exit status; stderr: %s", errText).isZero();
        return new Run(out, errText);
    }
}
