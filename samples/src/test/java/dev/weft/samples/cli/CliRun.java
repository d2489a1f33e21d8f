package dev.weft.samples.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** One run of the {@code weft} tool: its exit status and what it printed. */
record CliRun(int status, String out, String err) {

    /** Runs {@code weft args...} in this JVM. */
    static CliRun inProcess(Weft weft, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
                PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            status = weft.run(Arrays.asList(args), o, e);
        }
        return new CliRun(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** Runs {@code weft args...} as a child JVM, as the {@code ./weft} launcher does, on this JVM's module path. */
    static CliRun child(Path workDir, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=org.newsclub.net.unix,dev.weft.signals,dev.weft.fs.events,dev.weft.process",
                "--module-path", System.getProperty("jdk.module.path"),
                "--module", "dev.weft.samples/dev.weft.samples.cli.Weft"));
        command.addAll(List.of(args));
        Path out = workDir.resolve("out-" + System.nanoTime());
        Path err = workDir.resolve("err-" + System.nanoTime());
        Process process = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile())
                .start();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IOException("weft " + String.join(" ", args) + " did not end within 60 s");
        }
        return new CliRun(process.exitValue(), java.nio.file.Files.readString(out),
                java.nio.file.Files.readString(err));
    }
}
