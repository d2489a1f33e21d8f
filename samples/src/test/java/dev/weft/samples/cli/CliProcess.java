package dev.weft.samples.cli;

import dev.weft.runtime.Channel;
import dev.weft.runtime.ChannelClosedException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A {@code weft} command running as a child JVM (as the {@code ./weft} launcher runs it), whose standard output is
 * read line by line into a channel; standard error goes to a file.
 */
final class CliProcess implements AutoCloseable {

    private static final Duration WAIT = Duration.ofSeconds(30);

    private final Process process;
    private final Channel<String> lines = Channel.unbounded();
    private final List<String> seen = new ArrayList<>();
    private final Path stderr;

    private CliProcess(Process process, Path stderr) {
        this.process = process;
        this.stderr = stderr;
        Thread.ofVirtual().name("weft-test-stdout-" + process.pid()).start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8))) {
                for (String line = r.readLine(); line != null; line = r.readLine()) {
                    lines.send(line);
                }
            } catch (IOException | InterruptedException e) {
                lines.close(e);
                return;
            }
            lines.close();
        });
    }

    static CliProcess start(Path workDir, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=org.newsclub.net.unix,dev.weft.signals,dev.weft.fs.events,dev.weft.process",
                "--module-path", System.getProperty("jdk.module.path"),
                "--module", "dev.weft.samples/dev.weft.samples.cli.Weft"));
        command.addAll(List.of(args));
        Path err = workDir.resolve("stderr-" + System.nanoTime() + ".txt");
        Process process = new ProcessBuilder(command).redirectError(err.toFile()).start();
        return new CliProcess(process, err);
    }

    /** The process's standard input. */
    java.io.OutputStream stdin() {
        return process.getOutputStream();
    }

    long pid() {
        return process.pid();
    }

    /** The next stdout line that matches, waiting up to 30 s; the lines before it are kept in {@link #seen()}. */
    String awaitLine(Predicate<String> wanted, String what) throws Exception {
        long end = System.nanoTime() + WAIT.toNanos();
        while (true) {
            String line;
            try {
                line = lines.receive(Duration.ofNanos(Math.max(1, end - System.nanoTime())))
                        .orElseThrow(() -> new AssertionError("no " + what + " within " + WAIT + "; saw " + seen
                                + "; stderr: " + stderrText()));
            } catch (ChannelClosedException e) {
                throw new AssertionError("stdout ended without " + what + "; saw " + seen + "; stderr: "
                        + stderrText(), e);
            }
            seen.add(line);
            if (wanted.test(line)) {
                return line;
            }
        }
    }

    /** The lines read so far, and, once the process has ended, all it printed. */
    List<String> seen() throws InterruptedException {
        if (!process.isAlive()) {
            try {
                for (String line : lines) {
                    seen.add(line);
                }
            } catch (ChannelClosedException e) {
                // the reader failed; what it read is in seen
            }
        }
        return seen;
    }

    int awaitExit() throws Exception {
        if (!process.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS)) {
            throw new AssertionError("weft did not exit within " + WAIT + "; stderr: " + stderrText());
        }
        return process.exitValue();
    }

    String stderrText() {
        try {
            return java.nio.file.Files.readString(stderr);
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }

    @Override
    public void close() {
        process.destroyForcibly();
        try {
            process.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
