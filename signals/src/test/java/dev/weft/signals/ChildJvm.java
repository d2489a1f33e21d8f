package dev.weft.signals;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A child process whose merged stdout and stderr are collected line by line, with waits for a line and for the exit.
 * Child JVMs run the current {@code java} launcher on a class path made of this JVM's module path and class path, plus
 * the test classes.
 */
final class ChildJvm implements AutoCloseable {

    static final Duration WAIT = Duration.ofSeconds(30);

    private final Process process;
    private final List<String> lines = new ArrayList<>();
    private final Thread reader;

    private ChildJvm(Process process) {
        this.process = process;
        this.reader = Thread.ofPlatform().name("weft-test-child-output-" + process.pid()).daemon().start(this::read);
    }

    /** Starts {@code main} in a child JVM with extra JVM options and program arguments. */
    static ChildJvm java(Class<?> main, List<String> jvmOptions, String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElseThrow());
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(classPath(main));
        command.add(main.getName());
        command.addAll(List.of(args));
        return start(command);
    }

    /** Starts {@code /bin/sh -c script}. */
    static ChildJvm sh(String script) throws IOException {
        return start(List.of("/bin/sh", "-c", script));
    }

    private static ChildJvm start(List<String> command) throws IOException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        return new ChildJvm(p);
    }

    private static String classPath(Class<?> main) {
        Set<String> entries = new LinkedHashSet<>();
        try {
            entries.add(Path.of(main.getProtectionDomain().getCodeSource().getLocation().toURI()).toString());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
        for (String property : List.of("jdk.module.path", "java.class.path")) {
            String value = System.getProperty(property, "");
            for (String entry : value.split(File.pathSeparator)) {
                if (!entry.isBlank()) {
                    entries.add(entry);
                }
            }
        }
        return String.join(File.pathSeparator, entries);
    }

    private void read() {
        try (BufferedReader r = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                synchronized (lines) {
                    lines.add(line);
                    lines.notifyAll();
                }
            }
        } catch (IOException e) {
            // the stream was closed under us (the child was destroyed): the output ends here
            synchronized (lines) {
                lines.add("[output reader: " + e + "]");
                lines.notifyAll();
            }
        }
    }

    long pid() {
        return process.pid();
    }

    Process process() {
        return process;
    }

    /** Waits until a line matching {@code test} has been printed; fails with the output so far if it is not. */
    String awaitLine(Predicate<String> test, String what) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        synchronized (lines) {
            for (;;) {
                for (String l : lines) {
                    if (test.test(l)) {
                        return l;
                    }
                }
                long left = deadline - System.nanoTime();
                if (left <= 0 || (!process.isAlive() && !reader.isAlive())) {
                    throw new AssertionError("child " + process.pid() + " did not print " + what + "; output:\n"
                            + String.join("\n", lines));
                }
                TimeUnit.NANOSECONDS.timedWait(lines, left);
            }
        }
    }

    String awaitLine(String exact) throws InterruptedException {
        return awaitLine(exact::equals, "'" + exact + "'");
    }

    /** Waits for the exit and for the end of the output; returns the exit status. */
    int awaitExit() throws InterruptedException {
        if (!process.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS)) {
            throw new AssertionError("child " + process.pid() + " did not exit; output:\n" + output());
        }
        reader.join(WAIT.toMillis());
        return process.exitValue();
    }

    String output() {
        synchronized (lines) {
            return String.join("\n", lines);
        }
    }

    List<String> lines() {
        synchronized (lines) {
            return List.copyOf(lines);
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
