package dev.weft.benchmarks.macro;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The macro suite: echo servers and load drivers in separate JVMs (server pinned to CPU 0, driver to CPU 1 when
 * {@code taskset} exists), writing the CSV described in {@code benchmarks/README.md}.
 *
 * <pre>
 * java -cp benchmarks/target/classes:benchmarks/target/lib/* dev.weft.benchmarks.macro.MacroSuite \
 *     --quick|--full|--smoke --out macro.csv [--only echo,message,idle]
 * </pre>
 *
 * <p>Scenarios: {@code echo} (line echo, five servers, baseline {@code nio-selector}), {@code message} (weft's
 * message protocol through a {@code Dispatcher} vs Netty with the same parse, baseline {@code netty-message}),
 * {@code idle} (heap after GC and RSS per idle connection, baseline {@code nio-selector}). Repetitions are
 * interleaved across servers: A B C D E, A B C D E, ...; every server process stays up for the whole scenario, so
 * later repetitions run on a warmed-up JIT.
 */
public final class MacroSuite {

    /** Flags of every server JVM (all peers the same). */
    static final List<String> SERVER_FLAGS = List.of("-Xms1g", "-Xmx1g", "-XX:+UseParallelGC",
            "-Djdk.trackAllThreads=false", "--enable-native-access=ALL-UNNAMED", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn");
    /**
     * Flags of the reconnect client JVM: the server flags, with logging at {@code error} so that the WARN line weft
     * logs for every refused attempt (thousands with Lettuce's 1 ms backoff) does not become part of the timing.
     */
    static final List<String> RECONNECT_CLIENT_FLAGS = List.of("-Xms1g", "-Xmx1g", "-XX:+UseParallelGC",
            "-Djdk.trackAllThreads=false", "--enable-native-access=ALL-UNNAMED",
            "-Dorg.slf4j.simpleLogger.defaultLogLevel=error");
    /** Flags of the driver JVM. */
    static final List<String> DRIVER_FLAGS = List.of("-Xms512m", "-Xmx512m", "-XX:+UseParallelGC");

    private static final List<ServerKind> ECHO_SERVERS = List.of(ServerKind.WEFT, ServerKind.NIO, ServerKind.NETTY,
            ServerKind.VT_SOCKET, ServerKind.PLATFORM);
    private static final List<ServerKind> MESSAGE_SERVERS = List.of(ServerKind.WEFT_MESSAGE, ServerKind.NETTY_MESSAGE);

    /** The sizes and durations of one mode. */
    record Mode(String name, List<Integer> echoConnections, List<Integer> messageConnections, int idleConnections,
            long warmupMs, long measureMs, int repetitions, List<Integer> reconnectConnections,
            List<Integer> restartDelaysMs, int reconnectRepetitions, int fileLatencySamples, int burstFiles) {
    }

    static final Mode SMOKE = new Mode("smoke", List.of(4), List.of(4), 20, 200, 200, 1, List.of(3), List.of(0), 1,
            20, 100);
    static final Mode QUICK = new Mode("quick", List.of(100, 1000), List.of(100), 2000, 1000, 1500, 2,
            List.of(100, 1000), List.of(0, 100, 1000), 1, 300, 10_000);
    static final Mode FULL = new Mode("full", List.of(100, 1000, 9000), List.of(100, 1000), 9000, 5000, 10000, 5,
            List.of(100, 1000), List.of(0, 100, 1000), 3, 2000, 10_000);
    /** Every scenario, in the order they run. */
    static final List<String> SCENARIOS = List.of("echo", "message", "idle", "reconnect", "files");

    private final Mode mode;
    private final String javaLauncher = ProcessHandle.current().info().command().orElse("java");
    private final String classPath = System.getProperty("java.class.path");
    private final boolean taskset = Files.isExecutable(Path.of("/usr/bin/taskset"))
            || Files.isExecutable(Path.of("/bin/taskset"));
    private final Results results = new Results();

    private MacroSuite(Mode mode) {
        this.mode = mode;
    }

    /**
     * Runs the suite.
     *
     * @param args {@code --quick|--full|--smoke --out FILE [--only echo,message,idle]}
     * @throws Exception if a server or driver fails
     */
    public static void main(String[] args) throws Exception {
        run(args);
    }

    /** Runs the suite as {@link #main} does; returns the CSV file written. */
    static Path run(String[] args) throws Exception {
        Mode mode = QUICK;
        Path out = Path.of("macro.csv");
        Set<String> only = Set.copyOf(SCENARIOS);
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--quick" -> mode = QUICK;
                case "--full" -> mode = FULL;
                case "--smoke" -> mode = SMOKE;
                case "--out" -> out = Path.of(args[++i]);
                case "--only" -> {
                    only = Set.of(args[++i].split(","));
                    for (String o : only) {
                        if (!SCENARIOS.contains(o)) {
                            throw new IllegalArgumentException("unknown scenario in --only: " + o + " (known: "
                                    + String.join(",", SCENARIOS) + ")");
                        }
                    }
                }
                default -> throw new IllegalArgumentException("unknown argument: " + args[i]
                        + " (usage: --quick|--full|--smoke --out FILE [--only " + String.join(",", SCENARIOS) + "])");
            }
        }
        MacroSuite suite = new MacroSuite(mode);
        log("macro suite, mode " + mode.name() + ", taskset " + suite.taskset + ", java " + suite.javaLauncher
                + ", " + Runtime.getRuntime().availableProcessors() + " CPUs, load average " + loadAverage()
                + " (the protocol wants < 0.5)");
        if (only.contains("echo")) {
            for (int n : mode.echoConnections()) {
                suite.echo("echo " + n + " connections", ECHO_SERVERS, "echo", n, ServerKind.NIO.variant);
            }
        }
        if (only.contains("message")) {
            for (int n : mode.messageConnections()) {
                suite.echo("message echo " + n + " connections", MESSAGE_SERVERS, "message", n,
                        ServerKind.NETTY_MESSAGE.variant);
            }
        }
        if (only.contains("idle")) {
            suite.idle(ECHO_SERVERS, mode.idleConnections());
        }
        if (only.contains("reconnect")) {
            for (int n : mode.reconnectConnections()) {
                for (int delay : mode.restartDelaysMs()) {
                    suite.reconnect(n, delay);
                }
            }
        }
        if (only.contains("files")) {
            suite.files();
        }
        suite.results.write(out);
        log("wrote " + out);
        return out;
    }

    private void echo(String group, List<ServerKind> kinds, String driverMode, int connections, String baseline)
            throws Exception {
        List<Server> servers = new ArrayList<>();
        try {
            for (ServerKind k : kinds) {
                servers.add(Server.start(this, k, 0));
            }
            for (int rep = 0; rep < mode.repetitions(); rep++) {
                for (Server s : servers) {
                    List<String> cmd = command(1, DRIVER_FLAGS, LoadDriver.class, driverMode,
                            Integer.toString(s.port), Integer.toString(connections),
                            Long.toString(mode.warmupMs()), Long.toString(mode.measureMs()),
                            Long.toString(s.process.pid()));
                    String line = runDriver(cmd);
                    String[] f = line.split(" ");
                    long requests = Long.parseLong(f[1]);
                    double seconds = Double.parseDouble(f[2]);
                    long cpuMicros = Long.parseLong(f[3]);
                    String v = s.kind.variant;
                    results.add(group, v, "server CPU per request", "us", "lower",
                            requests == 0 ? Double.NaN : (double) cpuMicros / requests, baseline);
                    results.add(group, v, "throughput", "req/s", "higher", requests / seconds, baseline);
                    results.add(group, v, "p50 latency", "us", "lower", Double.parseDouble(f[4]), baseline);
                    results.add(group, v, "p99 latency", "us", "lower", Double.parseDouble(f[5]), baseline);
                    results.add(group, v, "p99.9 latency", "us", "lower", Double.parseDouble(f[6]), baseline);
                    log(String.format(Locale.ROOT, "%s rep %d %-16s %9.0f req/s %6.1f us CPU/req p50 %s p99 %s p99.9 %s us",
                            group, rep + 1, v, requests / seconds, (double) cpuMicros / Math.max(1, requests), f[4],
                            f[5], f[6]));
                }
            }
        } finally {
            servers.forEach(Server::close);
        }
    }

    private void idle(List<ServerKind> kinds, int connections) throws Exception {
        String group = "idle connections";
        String baseline = ServerKind.NIO.variant;
        int reps = Math.max(1, mode.repetitions() / 2);
        for (int rep = 0; rep < reps; rep++) {
            for (ServerKind k : kinds) {
                try (Server s = Server.start(this, k, 0)) {
                    s.heapAfterGc(); // the first full GC after start-up shrinks the heap; measure after it
                    long heap0 = s.heapAfterGc();
                    long rss0 = rss(s.process.pid());
                    Process driver = new ProcessBuilder(command(1, DRIVER_FLAGS, LoadDriver.class, "idle",
                            Integer.toString(s.port), Integer.toString(connections)))
                            .redirectError(ProcessBuilder.Redirect.INHERIT).start();
                    try {
                        BufferedReader r = reader(driver);
                        String line = r.readLine();
                        if (!"READY".equals(line)) {
                            throw new IOException("idle driver did not get ready: " + line);
                        }
                        long heap1 = s.heapAfterGc();
                        long rss1 = rss(s.process.pid());
                        double heapKib = (heap1 - heap0) / 1024.0 / connections;
                        double rssKib = (rss1 - rss0) / 1024.0 / connections;
                        results.add(group, k.variant, "heap per connection", "KiB", "lower", heapKib, baseline);
                        results.add(group, k.variant, "RSS per connection", "KiB", "lower", rssKib, baseline);
                        log(String.format(Locale.ROOT, "idle %d connections rep %d %-16s heap %.2f KiB RSS %.2f KiB",
                                connections, rep + 1, k.variant, heapKib, rssKib));
                    } finally {
                        driver.getOutputStream().close();
                        if (!driver.waitFor(30, TimeUnit.SECONDS)) {
                            driver.destroyForcibly();
                        }
                    }
                }
            }
        }
    }

    private void reconnect(int connections, int restartDelayMs) throws Exception {
        String group = "reconnect " + connections + " connections restart after " + restartDelayMs + " ms";
        for (int rep = 0; rep < mode.reconnectRepetitions(); rep++) {
            for (String policy : List.of("weft", "grpc", "lettuce")) {
                String variant = switch (policy) {
                    case "weft" -> "weft defaults";
                    case "grpc" -> "grpc backoff";
                    default -> "lettuce backoff";
                };
                Server server = Server.start(this, ServerKind.WEFT, 0);
                int port = server.port;
                Process client = new ProcessBuilder(command(1, RECONNECT_CLIENT_FLAGS, ReconnectBench.class, policy,
                        Integer.toString(port), Integer.toString(connections)))
                        .redirectError(ProcessBuilder.Redirect.INHERIT).start();
                Server restarted = null;
                try (BufferedReader r = reader(client);
                        Writer w = new java.io.OutputStreamWriter(client.getOutputStream(), StandardCharsets.UTF_8)) {
                    expect(r, "READY", "reconnect client " + policy);
                    server.close(); // SIGKILL: the kernel resets every connection at once
                    if (restartDelayMs > 0) {
                        Thread.sleep(restartDelayMs); // the outage being measured, not a wait for something
                    }
                    restarted = Server.start(this, ServerKind.WEFT, port);
                    w.write("up\n");
                    w.flush();
                    String line = r.readLine();
                    if (line == null || !line.startsWith("DONE ")) {
                        throw new IOException("reconnect client " + policy + " failed: " + line);
                    }
                    double ms = Double.parseDouble(line.substring(5).trim());
                    results.add(group, variant, "time to all READY", "ms", "lower", ms, "grpc backoff");
                    log(String.format(Locale.ROOT, "%s rep %d %-16s %.1f ms", group, rep + 1, variant, ms));
                } finally {
                    if (!client.waitFor(30, TimeUnit.SECONDS)) {
                        client.destroyForcibly();
                    }
                    if (restarted != null) {
                        restarted.close();
                    }
                    server.close();
                }
            }
        }
    }

    private void files() throws Exception {
        String group = "file events";
        for (int rep = 0; rep < mode.repetitions(); rep++) {
            for (String v : List.of("weft", "jdk")) {
                String variant = v.equals("weft") ? "weft-inotify" : "jdk-watchservice";
                Path dir = Files.createTempDirectory("weft-bench-files");
                try {
                    String line = runDriver(command(0, SERVER_FLAGS, FileEventsBench.class, v, dir.toString(),
                            Integer.toString(mode.fileLatencySamples()), Integer.toString(mode.burstFiles())));
                    String[] f = line.split(" ");
                    String base = "jdk-watchservice";
                    results.add(group, variant, "p50 latency", "us", "lower", Double.parseDouble(f[1]), base);
                    results.add(group, variant, "p99 latency", "us", "lower", Double.parseDouble(f[2]), base);
                    results.add(group, variant, "burst " + mode.burstFiles() + " files", "events/s", "higher",
                            Double.parseDouble(f[3]), base);
                    results.add(group, variant, "events lost", "events", "lower", Double.parseDouble(f[4]), base);
                    log(String.format(Locale.ROOT, "files rep %d %-16s p50 %s p99 %s us, burst %.0f events/s, lost %s,"
                            + " overflows %s", rep + 1, variant, f[1], f[2], Double.parseDouble(f[3]), f[4], f[5]));
                } finally {
                    deleteTree(dir);
                }
            }
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    private static void expect(BufferedReader r, String expected, String who) throws IOException {
        String line = r.readLine();
        if (!expected.equals(line)) {
            throw new IOException(who + ": expected " + expected + ", got " + line);
        }
    }

    private String runDriver(List<String> cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        p.getOutputStream().close();
        String result = null;
        try (BufferedReader r = reader(p)) {
            String line;
            while ((line = r.readLine()) != null) {
                if (line.startsWith("RESULT ")) {
                    result = line;
                }
            }
        }
        int rc = p.waitFor();
        if (rc != 0 || result == null) {
            throw new IOException("driver failed (exit " + rc + "): " + String.join(" ", cmd));
        }
        return result;
    }

    List<String> command(int cpu, List<String> flags, Class<?> main, String... args) {
        List<String> cmd = new ArrayList<>();
        if (taskset) {
            cmd.addAll(List.of("taskset", "-c", Integer.toString(cpu)));
        }
        cmd.add(javaLauncher);
        cmd.addAll(flags);
        cmd.addAll(List.of("-cp", classPath, main.getName()));
        cmd.addAll(List.of(args));
        return cmd;
    }

    static BufferedReader reader(Process p) {
        return new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    }

    /** VmRSS of a process, in bytes. */
    static long rss(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        }
        throw new IOException("no VmRSS in /proc/" + pid + "/status");
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).strip();
        } catch (IOException e) {
            return "unknown (" + e.getMessage() + ")";
        }
    }

    static void log(String s) {
        System.err.println("[macro] " + s);
    }

    /** A running server process, started pinned to CPU 0; its stdin is the control channel. */
    private static final class Server implements AutoCloseable {
        final ServerKind kind;
        final Process process;
        final int port;
        private final BufferedReader out;
        private final Writer control;

        private Server(ServerKind kind, Process process, int port, BufferedReader out) {
            this.kind = kind;
            this.process = process;
            this.port = port;
            this.out = out;
            this.control = new java.io.OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        }

        static Server start(MacroSuite suite, ServerKind kind, int port) throws IOException {
            Process p = new ProcessBuilder(suite.command(0, SERVER_FLAGS, EchoServer.class, kind.variant,
                    Integer.toString(port)))
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start();
            BufferedReader r = reader(p);
            String line = r.readLine();
            if (line == null || !line.startsWith("PORT ")) {
                p.destroyForcibly();
                throw new IOException("server " + kind.variant + " did not start: " + line);
            }
            return new Server(kind, p, Integer.parseInt(line.substring(5).trim()), r);
        }

        long heapAfterGc() throws IOException {
            control.write("heap\n");
            control.flush();
            String line = out.readLine();
            if (line == null || !line.startsWith("HEAP ")) {
                throw new IOException("server " + kind.variant + " did not answer heap: " + line);
            }
            return Long.parseLong(line.substring(5).trim());
        }

        @Override
        public void close() {
            process.destroyForcibly();
            try {
                process.waitFor(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Samples per (group, variant, metric), in the order first added; written as the CSV. */
    static final class Results {
        private record Key(String group, String variant, String metric) {
        }

        private record Series(String unit, String better, String baseline, List<Double> values) {
        }

        private final Map<Key, Series> series = new LinkedHashMap<>();

        void add(String group, String variant, String metric, String unit, String better, double value,
                String baseline) {
            for (String field : List.of(group, variant, metric, unit, baseline)) {
                if (field.contains(",") || field.contains("\n")) {
                    throw new IllegalArgumentException("a CSV field must not contain a comma or newline: " + field);
                }
            }
            series.computeIfAbsent(new Key(group, variant, metric),
                    k -> new Series(unit, better, baseline, new ArrayList<>())).values().add(value);
        }

        void write(Path file) throws IOException {
            StringBuilder sb = new StringBuilder("group,variant,metric,unit,better,median,min,max,samples,baseline\n");
            series.forEach((k, s) -> {
                List<Double> v = new ArrayList<>(s.values());
                Collections.sort(v);
                int n = v.size();
                double median = n % 2 == 1 ? v.get(n / 2) : (v.get(n / 2 - 1) + v.get(n / 2)) / 2;
                sb.append(String.join(",", k.group(), k.variant(), k.metric(), s.unit(), s.better(), num(median),
                        num(v.get(0)), num(v.get(n - 1)), Integer.toString(n), s.baseline())).append('\n');
            });
            Files.writeString(file, sb, StandardCharsets.UTF_8);
        }

        private static String num(double d) {
            return String.format(Locale.ROOT, "%.3f", d);
        }
    }
}
