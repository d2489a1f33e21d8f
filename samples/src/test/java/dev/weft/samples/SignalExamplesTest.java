package dev.weft.samples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.runtime.Channel;
import dev.weft.runtime.Scope;
import dev.weft.runtime.Task;
import dev.weft.signals.Signals;
import dev.weft.signals.StopOutcome;
import dev.weft.signals.UnixSignal;
import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Runs the signals examples for real: signals to this JVM's pid, and to child processes. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
final class SignalExamplesTest {

    @Test
    void mainLoop_handlesMessages_reloadsOnHup_endsOnTerm() throws Exception {
        Channel<String> messages = Channel.buffered(8);
        Channel<String> handled = Channel.buffered(8);
        CountDownLatch reloaded = new CountDownLatch(1);
        try (Scope scope = Scope.open("signal-example")) {
            Task<Void> loop = scope.fork("loop", () -> SignalExamples.mainLoop(messages,
                    m -> handled.trySend(m), reloaded::countDown));
            messages.send("first");
            // the loop has subscribed before it handles its first message, so HUP and TERM are safe to send now
            assertThat(handled.receive()).isEqualTo("first");
            Signals.send(ProcessHandle.current().pid(), UnixSignal.HUP);
            assertThat(reloaded.await(30, TimeUnit.SECONDS)).isTrue();
            messages.send("second");
            assertThat(handled.receive()).isEqualTo("second");
            Signals.send(ProcessHandle.current().pid(), UnixSignal.TERM);
            loop.join();
        }
    }

    @Test
    void mainLoop_endsWhenMessagesClose() throws Exception {
        Channel<String> messages = Channel.buffered(8);
        List<String> handled = new CopyOnWriteArrayList<>();
        messages.send("only");
        messages.close();
        SignalExamples.mainLoop(messages, handled::add, () -> { });
        assertThat(handled).containsExactly("only");
    }

    @Test
    void stopOther_shellThatEndsOnInt_stopsAfterInt() throws Exception {
        Process sh = new ProcessBuilder("/bin/sh", "-c", "echo ready; while :; do read x; done").start();
        try (BufferedReader out = sh.inputReader(StandardCharsets.UTF_8)) {
            assertThat(out.readLine()).isEqualTo("ready");
            assertThat(SignalExamples.stopOther(sh.pid())).isEqualTo(StopOutcome.EXITED_AFTER_INT);
            assertThat(sh.waitFor(30, TimeUnit.SECONDS)).isTrue();
        } finally {
            sh.destroyForcibly();
        }
    }

    @Test
    void main_daemonStoppedByTerm_exits143() throws Exception {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElseThrow());
        command.add("-cp");
        command.add(classPath());
        command.add(SignalExamples.class.getName());
        Process child = new ProcessBuilder(command).redirectErrorStream(true).start();
        try (BufferedReader out = new BufferedReader(
                new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            List<String> lines = new ArrayList<>();
            for (String line = out.readLine(); line != null && !line.equals("ready"); line = out.readLine()) {
                lines.add(line);
            }
            assertThat(child.isAlive()).as("child printed ready; output: %s", lines).isTrue();
            Signals.send(child.pid(), UnixSignal.TERM);
            for (String line = out.readLine(); line != null; line = out.readLine()) {
                lines.add(line);
            }
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(child.exitValue()).as("output: %s", lines).isEqualTo(143);
        } finally {
            child.destroyForcibly();
        }
    }

    private static String classPath() {
        Set<String> entries = new LinkedHashSet<>();
        for (String property : List.of("jdk.module.path", "java.class.path")) {
            for (String entry : System.getProperty(property, "").split(File.pathSeparator)) {
                if (!entry.isBlank()) {
                    entries.add(entry);
                }
            }
        }
        return String.join(File.pathSeparator, entries);
    }
}
