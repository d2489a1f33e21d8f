package dev.weft.benchmarks.micro;

import java.io.IOException;
import java.io.PrintStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.BenchmarkResult;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.format.OutputFormatFactory;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

/**
 * Runs the micro-benchmarks of this package through the JMH API (with the GC profiler, for bytes allocated per
 * operation) plus the timer-lateness measurement, and writes one CSV row per benchmark variant and metric in the
 * format of {@code benchmarks/README.md}: {@code group,variant,metric,unit,better,median,min,max,samples,baseline},
 * median/min/max over all measurement iterations of all forks.
 *
 * <pre>{@code
 * java -cp 'benchmarks/target/classes:benchmarks/target/lib/*' dev.weft.benchmarks.micro.MicroSuite \
 *     --quick --out micro.csv [--include REGEX]
 * }</pre>
 *
 * <p>{@code --smoke}: in-process (no fork), one 100 ms iteration per benchmark, 10k timers; proves that everything
 * runs, the numbers mean nothing. {@code --quick} (default): 1 fork, 2×0.5 s warm-up, 3×0.5 s measurement, message
 * sizes 64 B and 64 KiB only, 1M timers once (after a 100k warm-up); about two minutes. {@code --full}: 3 forks,
 * 5×2 s warm-up, 5×2 s measurement, all sizes, 1M timers five times (about 45 minutes). Progress goes to stderr.
 * Not thread-safe; run one at a time.
 */
public final class MicroSuite {

    /** The CSV header line. */
    public static final String HEADER = "group,variant,metric,unit,better,median,min,max,samples,baseline";

    private static final String PACKAGE = "dev.weft.benchmarks.micro.";
    private static final String HAND = "hand-written parser";
    private static final String POLL = "hand-written poll";
    private static final List<String> TIMER_IMPLS =
            List.of(Schedulers.WEFT, Schedulers.STPE, Schedulers.FJP, Schedulers.HWT);

    /** How long and how wide a run is. */
    enum Mode {
        SMOKE, QUICK, FULL
    }

    private final Mode mode;
    private final Path out;
    private final String include;
    private final PrintStream log;
    private final List<Row> rows = new ArrayList<>();

    private MicroSuite(Mode mode, Path out, String include, PrintStream log) {
        this.mode = mode;
        this.out = out;
        this.include = include;
        this.log = log;
    }

    /** One CSV row. */
    record Row(String group, String variant, String metric, String unit, boolean higherIsBetter, double[] samples,
            String baseline) {

        String csv() {
            double[] s = samples.clone();
            Arrays.sort(s);
            int n = s.length;
            double median = n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
            return String.join(",", group, variant, metric, unit, higherIsBetter ? "higher" : "lower",
                    number(median), number(s[0]), number(s[n - 1]), Integer.toString(n), baseline);
        }
    }

    /**
     * Runs the suite.
     *
     * @param args {@code --smoke | --quick | --full}, {@code --out FILE} (required), optionally
     *     {@code --include REGEX} (benchmark names to run, matched against {@code Class.method}; the timer-lateness
     *     measurement runs when the regex matches {@code TimerLateness})
     */
    public static void main(String[] args) throws Exception {
        try {
            run(args);
        } catch (IllegalArgumentException e) {
            System.err.println("micro: " + e.getMessage());
            System.err.println("usage: MicroSuite [--smoke|--quick|--full] --out FILE [--include REGEX]");
            System.exit(2);
        }
    }

    /**
     * Runs the suite as {@link #main} does, without exiting; returns the rows written.
     *
     * @throws IllegalArgumentException on bad arguments
     */
    static List<Row> run(String[] args) throws IOException, RunnerException, InterruptedException {
        Mode mode = Mode.QUICK;
        Path out = null;
        String include = ".*";
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--smoke" -> mode = Mode.SMOKE;
                case "--quick" -> mode = Mode.QUICK;
                case "--full" -> mode = Mode.FULL;
                case "--out" -> out = Path.of(value(args, ++i, "--out"));
                case "--include" -> include = value(args, ++i, "--include");
                default -> throw new IllegalArgumentException("unknown argument: " + args[i]);
            }
        }
        if (out == null) {
            throw new IllegalArgumentException("--out FILE is required");
        }
        MicroSuite suite = new MicroSuite(mode, out, include, System.err);
        suite.runAll();
        return List.copyOf(suite.rows);
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[i];
    }

    private void runAll() throws IOException, RunnerException, InterruptedException {
        long start = System.nanoTime();
        log.printf("micro: %s run, results to %s%n", mode.name().toLowerCase(Locale.ROOT), out);
        if (!include.equals("TimerLateness")) {
            runJmh();
        }
        if (Pattern.compile(include).matcher("TimerLateness").find()) {
            runLateness();
        }
        write();
        log.printf("micro: %d rows written to %s in %.0f s%n", rows.size(), out,
                (System.nanoTime() - start) / 1e9);
    }

    private void runJmh() throws RunnerException {
        ChainedOptionsBuilder options = new OptionsBuilder()
                .include(Pattern.quote(PACKAGE) + ".*(" + include + ")")
                .addProfiler(GCProfiler.class)
                .shouldFailOnError(true)
                .jvmArgsAppend("-Xms1g", "-Xmx1g");
        switch (mode) {
            case SMOKE -> options.forks(0).warmupIterations(0).measurementIterations(1)
                    .measurementTime(TimeValue.milliseconds(100)).param("size", "64");
            case QUICK -> options.forks(1).warmupIterations(2).warmupTime(TimeValue.milliseconds(500))
                    .measurementIterations(3).measurementTime(TimeValue.milliseconds(500))
                    .param("size", "64", "65536");
            case FULL -> options.forks(3).warmupIterations(5).warmupTime(TimeValue.seconds(2))
                    .measurementIterations(5).measurementTime(TimeValue.seconds(2));
        }
        VerboseMode verbose = mode == Mode.SMOKE ? VerboseMode.SILENT : VerboseMode.NORMAL;
        if (mode == Mode.SMOKE) {
            log.println("micro: JMH benchmarks in-process, one 100 ms iteration each");
        }
        Runner runner = new Runner(options.build(), OutputFormatFactory.createFormatInstance(log, verbose));
        Collection<RunResult> results = runner.run();
        for (RunResult r : results) {
            addRows(r);
        }
    }

    private void addRows(RunResult run) {
        BenchmarkParams params = run.getParams();
        String name = params.getBenchmark().substring(PACKAGE.length());
        List<Double> primary = new ArrayList<>();
        List<Double> alloc = new ArrayList<>();
        String unit = null;
        for (BenchmarkResult b : run.getBenchmarkResults()) {
            for (IterationResult it : b.getIterationResults()) {
                primary.add(it.getPrimaryResult().getScore());
                unit = it.getPrimaryResult().getScoreUnit();
                for (Map.Entry<String, Result> e : it.getSecondaryResults().entrySet()) {
                    if (e.getKey().endsWith("gc.alloc.rate.norm")) {
                        alloc.add(e.getValue().getScore());
                    }
                }
            }
        }
        if (primary.isEmpty()) {
            throw new IllegalStateException("no measurement iterations for " + name);
        }
        double[] scores = primary.stream().mapToDouble(Double::doubleValue).toArray();
        double[] allocs = alloc.stream().mapToDouble(Double::doubleValue).toArray();
        String group;
        String variant;
        String baseline;
        switch (name) {
            case "ChannelHandoff.buffered" -> {
                group = "channel handoff buffered " + params.getParam("shape");
                variant = params.getParam("impl");
                baseline = "ArrayBlockingQueue";
            }
            case "ChannelHandoff.pingPong" -> {
                group = "channel handoff rendezvous ping-pong";
                variant = params.getParam("impl");
                baseline = "SynchronousQueue";
                unit = "round trips/ms";
            }
            case "SelectBench.weft", "SelectBench.handWrittenPoll" -> {
                group = "select 4 sources one ready";
                variant = name.endsWith(".weft") ? "weft" : POLL;
                baseline = POLL;
            }
            case "TimerBench.scheduleCancel" -> {
                group = "timer schedule+cancel";
                variant = params.getParam("impl");
                baseline = Schedulers.STPE;
            }
            case "TimerBench.rearm" -> {
                group = "timer re-arm (idle timeout)";
                variant = params.getParam("impl");
                baseline = Schedulers.STPE;
            }
            default -> {
                if (!name.startsWith("MessageCodecBench.")) {
                    throw new IllegalStateException("no CSV mapping for benchmark " + name);
                }
                int size = Integer.parseInt(params.getParam("size"));
                String method = name.substring("MessageCodecBench.".length());
                String label = size >= 1024 ? size / 1024 + " KiB" : size + " B";
                group = method.startsWith("parseString") ? "message parse " + label + " from String"
                        : method.startsWith("parseBytes") ? "message parse " + label + " from UTF-8 bytes"
                        : "message format " + label;
                variant = method.endsWith("Weft") ? "weft" : HAND;
                baseline = HAND;
                rows.add(new Row(group, variant, "time per message", "ns", false, scores, baseline));
                double bytes = MiniMessage.sample(size).getBytes(StandardCharsets.UTF_8).length;
                double[] mbps = Arrays.stream(scores).map(ns -> bytes / ns * 1000).toArray();
                rows.add(new Row(group, variant, "throughput", "MB/s", true, mbps, baseline));
                addAlloc(group, variant, allocs, baseline);
                return;
            }
        }
        rows.add(new Row(group, variant, "throughput", unit, true, scores, baseline));
        addAlloc(group, variant, allocs, baseline);
    }

    private void addAlloc(String group, String variant, double[] allocs, String baseline) {
        if (allocs.length > 0) {
            rows.add(new Row(group, variant, "alloc per op", "B/op", false, allocs, baseline));
        }
    }

    private void runLateness() throws InterruptedException {
        int count = mode == Mode.SMOKE ? 10_000 : 1_000_000;
        int repetitions = switch (mode) {
            case SMOKE, QUICK -> 1;
            case FULL -> 5;
        };
        String group = "timers " + (count >= 1_000_000 ? count / 1_000_000 + "M" : count / 1000 + "k")
                + " due at once";
        Map<String, double[][]> byImpl = new LinkedHashMap<>();
        for (String impl : TIMER_IMPLS) {
            byImpl.put(impl, new double[3][repetitions]);
        }
        if (mode != Mode.SMOKE) {
            // this JVM ran no timer code yet (JMH measured in forks): warm every implementation up first
            for (String impl : TIMER_IMPLS) {
                TimerLateness.run(impl, 100_000);
            }
            log.println("micro: timers warmed up (100k each)");
        }
        for (int r = 0; r < repetitions; r++) {
            for (String impl : TIMER_IMPLS) { // interleaved: A B C D, A B C D ...
                System.gc();
                TimerLateness.Result res = TimerLateness.run(impl, count);
                double[][] v = byImpl.get(impl);
                v[0][r] = res.p50() / 1e6;
                v[1][r] = res.p99() / 1e6;
                v[2][r] = res.max() / 1e6;
                log.printf(Locale.ROOT, "micro: %s, %s: p50 %.2f ms, p99 %.2f ms, max %.2f ms"
                        + " (scheduled in %.0f ms of a %.0f ms lead%s)%n", group, impl, v[0][r], v[1][r],
                        v[2][r], res.scheduleNanos() / 1e6, res.leadNanos() / 1e6,
                        res.scheduleNanos() > res.leadNanos() ? ": OVERRAN, lateness includes scheduling" : "");
            }
        }
        for (Map.Entry<String, double[][]> e : byImpl.entrySet()) {
            rows.add(new Row(group, e.getKey(), "p50 lateness", "ms", false, e.getValue()[0], Schedulers.STPE));
            rows.add(new Row(group, e.getKey(), "p99 lateness", "ms", false, e.getValue()[1], Schedulers.STPE));
            rows.add(new Row(group, e.getKey(), "max lateness", "ms", false, e.getValue()[2], Schedulers.STPE));
        }
    }

    private void write() throws IOException {
        Path parent = out.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        try (Writer w = Files.newBufferedWriter(out, StandardCharsets.UTF_8)) {
            w.write(HEADER);
            w.write('\n');
            for (Row row : rows) {
                w.write(row.csv());
                w.write('\n');
            }
        }
    }

    private static String number(double v) {
        if (Double.isNaN(v) || Double.isInfinite(v)) {
            throw new IllegalStateException("not a finite number: " + v);
        }
        double a = Math.abs(v);
        String f = a >= 1000 ? "%.1f" : a >= 1 ? "%.3f" : "%.6f";
        return String.format(Locale.ROOT, f, v);
    }

}
