package dev.weft.benchmarks;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Turns the suites' CSV results into {@code results/latest.md}: an environment block, a summary of weft against the
 * baseline peer of every group (ratios, turned so that above 1 means weft is better), and each group's table.
 *
 * <pre>
 * java -cp ... dev.weft.benchmarks.Report --raw benchmarks/results/raw --out benchmarks/results/latest.md \
 *     --mode quick --command "benchmarks/run --quick"
 * </pre>
 */
public final class Report {

    /** The header every suite writes. */
    static final String HEADER = "group,variant,metric,unit,better,median,min,max,samples,baseline";

    /** One result row. */
    record Row(String group, String variant, String metric, String unit, boolean higherIsBetter, double median,
               double min, double max, int samples, String baseline) {
    }

    /** weft against the baseline for one group and metric. */
    record Comparison(String group, String metric, String unit, Row weft, Row baseline) {
        /** Above 1: weft is better (faster, cheaper); below 1: the baseline is. */
        double ratio() {
            if (weft.higherIsBetter()) {
                return baseline.median() == 0 ? Double.NaN : weft.median() / baseline.median();
            }
            return weft.median() == 0 ? Double.NaN : baseline.median() / weft.median();
        }
    }

    private Report() {
    }

    /**
     * Reads one CSV file of the format {@link #HEADER}.
     *
     * @throws IllegalArgumentException naming the file and line of a malformed row
     */
    static List<Row> read(Path file) throws IOException {
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        if (lines.isEmpty() || !lines.getFirst().strip().equals(HEADER)) {
            throw new IllegalArgumentException(file + ": the first line must be the header '" + HEADER + "'");
        }
        List<Row> rows = new ArrayList<>();
        for (int i = 1; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty()) {
                continue;
            }
            String[] f = line.split(",", -1);
            String where = file + ":" + (i + 1);
            if (f.length != 10) {
                throw new IllegalArgumentException(where + ": expected 10 fields, got " + f.length + ": " + line);
            }
            if (!f[4].equals("higher") && !f[4].equals("lower")) {
                throw new IllegalArgumentException(where + ": 'better' must be higher or lower, not '" + f[4] + "'");
            }
            try {
                rows.add(new Row(f[0], f[1], f[2], f[3], f[4].equals("higher"), Double.parseDouble(f[5]),
                        Double.parseDouble(f[6]), Double.parseDouble(f[7]), Integer.parseInt(f[8]), f[9]));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(where + ": not a number: " + e.getMessage(), e);
            }
        }
        return rows;
    }

    /** weft's rows against their group's baseline, metric by metric; the first weft variant of a group counts. */
    static List<Comparison> compare(List<Row> rows) {
        Map<String, Comparison> out = new LinkedHashMap<>();
        for (Row weft : rows) {
            if (!weft.variant().startsWith("weft") || weft.variant().equals(weft.baseline())) {
                continue;
            }
            String key = weft.group() + "\u0000" + weft.metric();
            if (out.containsKey(key)) {
                continue;
            }
            rows.stream().filter(r -> r.group().equals(weft.group()) && r.metric().equals(weft.metric())
                            && r.variant().equals(weft.baseline()))
                    .findFirst()
                    .ifPresent(base -> out.put(key, new Comparison(weft.group(), weft.metric(), weft.unit(), weft,
                            base)));
        }
        return List.copyOf(out.values());
    }

    /** Below this, a median is taken as zero (allocation rates of a few bytes per thousand operations). */
    static final double ZERO = 0.01;

    /** The ratio as the report shows it; medians that are both about zero have no meaningful ratio. */
    static String ratioText(Comparison c) {
        double w = Math.abs(c.weft().median());
        double b = Math.abs(c.baseline().median());
        if (w < ZERO && b < ZERO) {
            return "both ≈ 0";
        }
        if (!c.weft().higherIsBetter() && w < ZERO) {
            return "weft ≈ 0";
        }
        if (c.weft().higherIsBetter() && b < ZERO) {
            return "baseline ≈ 0";
        }
        double r = c.ratio();
        return String.format(Locale.ROOT, "%.2f", r) + (r < 0.8 ? " ⚠" : "");
    }

    static String number(double v) {
        if (Double.isNaN(v)) {
            return "n/a";
        }
        double a = Math.abs(v);
        if (a >= 1000) {
            return String.format(Locale.ROOT, "%,.0f", v);
        }
        if (a >= 100) {
            return String.format(Locale.ROOT, "%.0f", v);
        }
        if (a >= 10) {
            return String.format(Locale.ROOT, "%.1f", v);
        }
        return String.format(Locale.ROOT, "%.3g", v);
    }

    /** The Markdown report. */
    static String render(List<Row> rows, String environment, String mode, String command) {
        StringBuilder md = new StringBuilder();
        md.append("# weft benchmark results\n\n");
        md.append("Produced by `").append(command).append("` (").append(mode).append(" mode) on ")
                .append(Instant.now().truncatedTo(ChronoUnit.SECONDS)).append(". Every number below comes from this ")
                .append("one run on this one machine; compare only within it.\n\n");
        md.append("## Environment\n\n```\n").append(environment.strip()).append("\n```\n\n");
        md.append("## weft against the baseline peer\n\n");
        md.append("Ratio = weft ÷ baseline, turned so that **above 1 means weft is better** (faster, or cheaper); ")
                .append("⚠ marks weft losing by more than 20 %.\n\n");
        md.append("| group | metric | weft | baseline | baseline's | ratio |\n|---|---|---|---|---|---|\n");
        for (Comparison c : compare(rows)) {
            md.append("| ").append(c.group()).append(" | ").append(c.metric()).append(" (").append(c.unit())
                    .append(c.weft().higherIsBetter() ? ", higher is better" : ", lower is better").append(") | ")
                    .append(number(c.weft().median())).append(" | ").append(c.baseline().variant()).append(" | ")
                    .append(number(c.baseline().median())).append(" | ").append(ratioText(c)).append(" |\n");
        }
        md.append("\n## Every group\n");
        Map<String, List<Row>> groups = new LinkedHashMap<>();
        for (Row r : rows) {
            groups.computeIfAbsent(r.group(), k -> new ArrayList<>()).add(r);
        }
        for (Map.Entry<String, List<Row>> g : groups.entrySet()) {
            md.append("\n### ").append(g.getKey()).append("\n\n");
            md.append("baseline: ").append(g.getValue().getFirst().baseline()).append("\n\n");
            md.append("| variant | metric | unit | median | min | max | samples | vs baseline |\n")
                    .append("|---|---|---|---|---|---|---|---|\n");
            for (Row r : g.getValue()) {
                Optional<Row> base = g.getValue().stream().filter(b -> b.metric().equals(r.metric())
                        && b.variant().equals(r.baseline())).findFirst();
                String vs = base.map(b -> ratioText(new Comparison(r.group(), r.metric(), r.unit(), r, b))
                        .replace(" ⚠", "")).orElse("");
                md.append("| ").append(r.variant()).append(" | ").append(r.metric()).append(" | ").append(r.unit())
                        .append(" | ").append(number(r.median())).append(" | ").append(number(r.min())).append(" | ")
                        .append(number(r.max())).append(" | ").append(r.samples()).append(" | ").append(vs)
                        .append(" |\n");
            }
        }
        return md.toString();
    }

    /** The environment block: JDK, commit, cores, kernel, CPU, the virtual-thread pollers of a JDK 25 JVM. */
    static String environment(String flags) {
        StringBuilder env = new StringBuilder();
        env.append("JDK:     ").append(System.getProperty("java.vm.name")).append(' ')
                .append(System.getProperty("java.runtime.version")).append(" (").append(System.getProperty("java.home"))
                .append(")\n");
        env.append("commit:  ").append(commit()).append('\n');
        env.append("flags:   ").append(flags).append('\n');
        env.append("cores:   ").append(Runtime.getRuntime().availableProcessors()).append('\n');
        env.append("kernel:  ").append(run("uname", "-srm").strip()).append('\n');
        env.append("CPU:     ").append(cpuModel()).append('\n');
        env.append("pollers: (jcmd <pid> Thread.vthread_pollers on a JVM with the same flags)\n");
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        env.append(run(jcmd.toString(), String.valueOf(ProcessHandle.current().pid()), "Thread.vthread_pollers")
                .lines().map(l -> "  " + l).reduce("", (a, b) -> a + b + "\n"));
        return env.toString();
    }

    /** The commit the numbers belong to, and whether the code differed from it (results files aside). */
    static String commit() {
        String head = run("git", "rev-parse", "--short=12", "HEAD").strip();
        if (!head.matches("[0-9a-f]{7,40}")) {
            return "unknown (" + head + ")";
        }
        String changes = run("git", "status", "--porcelain", "--untracked-files=no", "--", ":/",
                ":(top,exclude)benchmarks/results").strip();
        return changes.isEmpty() ? head : head + " with uncommitted changes";
    }

    private static String cpuModel() {
        try (Stream<String> lines = Files.lines(Path.of("/proc/cpuinfo"))) {
            return lines.filter(l -> l.startsWith("model name")).findFirst()
                    .map(l -> l.substring(l.indexOf(':') + 1).strip()).orElse("unknown");
        } catch (IOException | UncheckedIOException e) {
            return "unknown (" + e.getMessage() + ")";
        }
    }

    private static String run(String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return "(" + String.join(" ", command) + " did not finish)";
            }
            return out;
        } catch (IOException e) {
            return "(" + String.join(" ", command) + ": " + e.getMessage() + ")";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "(interrupted)";
        }
    }

    /**
     * Writes the report.
     *
     * @param args {@code --raw DIR --out FILE [--mode M] [--command C] [--flags F]}
     * @throws IOException if a file cannot be read or written
     */
    public static void main(String[] args) throws IOException {
        Map<String, String> a = new LinkedHashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            a.put(args[i], args[i + 1]);
        }
        if (!a.containsKey("--raw") || !a.containsKey("--out")) {
            System.err.println("usage: Report --raw DIR --out FILE [--mode M] [--command C] [--flags F]");
            System.exit(2);
        }
        List<Row> rows = new ArrayList<>();
        try (Stream<Path> files = Files.list(Path.of(a.get("--raw")))) {
            for (Path f : files.filter(f -> f.toString().endsWith(".csv")).sorted().toList()) {
                rows.addAll(read(f));
            }
        }
        String md = render(rows, environment(a.getOrDefault("--flags", "(see benchmarks/README.md)")),
                a.getOrDefault("--mode", "?"), a.getOrDefault("--command", "benchmarks/run"));
        Files.writeString(Path.of(a.get("--out")), md, StandardCharsets.UTF_8);
        System.err.println("wrote " + a.get("--out") + " (" + rows.size() + " rows)");
    }
}
