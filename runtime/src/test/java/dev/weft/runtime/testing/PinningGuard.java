package dev.weft.runtime.testing;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordedThread;
import jdk.jfr.consumer.RecordingStream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A JUnit 5 extension that fails a test class if a virtual thread pinned its carrier while the class ran (after
 * Helidon's {@code PinningRecorder}).
 *
 * <pre>{@code
 * @ExtendWith(PinningGuard.class)
 * final class ScopeTest { ... }
 * }</pre>
 *
 * <p>Before the class's first test it starts a JFR {@link RecordingStream} of {@code jdk.VirtualThreadPinned} with
 * threshold {@linkplain #DEFAULT_THRESHOLD zero} and stack traces; after its last test it stops the stream (which
 * delivers every event recorded so far) and fails the class with an {@link AssertionError} listing each pin: the
 * virtual thread's name, why it was pinned, the blocking operation, and the top frames.
 *
 * <p><b>What counts</b> ({@link #counts(Pin)}): a pin of a virtual thread that is weft's or the tests' — named
 * like a weft task ({@code scope/task#n}) or with a {@code dev.weft.} frame on its stack, so a helper virtual thread
 * a test starts is covered too. Some pins are ignored, because they are not ours to fix and would only make the
 * build flaky:
 * <ul>
 *   <li>pins of the JDK's own virtual threads running JDK code (JDK 25's NIO {@code SubPoller} threads pin briefly
 *       while another thread initializes {@code sun.nio.ch.Poller});</li>
 *   <li>the JVM loading, linking and initializing classes that are not weft's: a wait for a class initializer
 *       running on another thread ({@code "Waited for initialization of ... by another thread"}), a JDK or library
 *       class initializer that blocks ({@code "VM call to java.net.Foo.<clinit> on stack"}), a contended
 *       class-loading lock under {@code ClassLoader.loadClass} (seen when two tasks log through SLF4J for the first
 *       time at once), and a contended monitor the VM takes while it resolves a class for the running bytecode
 *       ({@code "Contended monitor enter"} with {@code "Freeze or preempt failed (2)"}, 2 being HotSpot's
 *       {@code freeze_pinned_cs}: a critical section only the JDK itself can open; seen at {@code new Socket} in
 *       {@code ServerSocket.accept} while the test thread first created a socket). All of these happen once per
 *       class per JVM, when two threads touch it first together, and last microseconds.</li>
 * </ul>
 * A weft thread that blocks inside a native frame ({@code "Native or VM frame on stack"}), or in the initializer of a
 * {@code dev.weft.} class, does count — unless that initializer only waited for a contended monitor (its static
 * SLF4J logger being created while another thread creates one: seen once in ten runs of 200 connections starting
 * together). On JDK 25 {@code synchronized} no longer pins (JEP 491), so what remains is
 * always worth seeing. The threshold is zero because pins in tests are short (a rendezvous hand-off takes
 * microseconds) and a pin that is short in a test is long in production. Override it with
 * {@code -Dweft.pinning.threshold=20ms} (a number with unit {@code ns}, {@code us}, {@code ms} or {@code s}).
 *
 * <p>The JFR stream is JVM-wide, so classes must not run concurrently with a guarded class (JUnit's default).
 * Running it needs {@code jdk.jfr} in the boot layer: {@code --add-modules jdk.jfr}, plus
 * {@code --add-reads <module>=jdk.jfr} when the guard is patched into a named module (see runtime/pom.xml).
 */
public final class PinningGuard implements BeforeAllCallback, AfterAllCallback {

    /** The JFR event this guard records. */
    public static final String EVENT = "jdk.VirtualThreadPinned";

    /** Pins at least this long count: all of them. */
    public static final Duration DEFAULT_THRESHOLD = Duration.ZERO;

    /** How many frames of each pin's stack the failure message shows. */
    static final int TOP_FRAMES = 12;

    /** A weft task thread's name: {@code scope/task#n}. */
    private static final Pattern WEFT_THREAD = Pattern.compile(".+/.+#\\d+");

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(PinningGuard.class);

    /** Creates the extension; JUnit calls this for {@code @ExtendWith(PinningGuard.class)}. */
    public PinningGuard() {
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        context.getStore(NAMESPACE).put(Recorder.class, Recorder.start(threshold()));
    }

    @Override
    public void afterAll(ExtensionContext context) {
        Recorder recorder = context.getStore(NAMESPACE).remove(Recorder.class, Recorder.class);
        if (recorder == null) {
            return;
        }
        List<Pin> pins = recorder.stop();
        Optional<String> failure = verdict(context.getRequiredTestClass().getName(), pins);
        if (failure.isPresent()) {
            throw new AssertionError(failure.get());
        }
    }

    /**
     * Decides whether one recorded pin fails the run (see the class comment): a virtual thread that is weft's or the
     * tests', pinned by something other than the VM's class loading or initialization.
     *
     * @param pin the recorded pin
     * @return whether it counts as a pinning regression
     */
    public static boolean counts(Pin pin) {
        if (!pin.virtual() || jvmClassLoading(pin)) {
            return false;
        }
        return WEFT_THREAD.matcher(pin.threadName()).matches()
                || pin.frames().stream().anyMatch(f -> f.startsWith("dev.weft."));
    }

    /** Whether the pin is the JVM loading, linking or initializing a class that is not weft's (one-off, brief). */
    static boolean jvmClassLoading(Pin pin) {
        String reason = pin.reason();
        if (reason.startsWith("Waited for initialization of ")) {
            return true;
        }
        if (reason.startsWith("VM call to ") && reason.endsWith(".<clinit> on stack")) {
            // a weft initializer that blocks counts (I/O or a sleep there would be our bug), except a contended
            // monitor: two threads first touching a class whose static logger field initializes SLF4J at once
            return !reason.startsWith("VM call to dev.weft.")
                    || pin.blockingOperation().equals("Contended monitor enter");
        }
        if (reason.equals("Freeze or preempt failed (2)")
                && pin.blockingOperation().equals("Contended monitor enter")) {
            return true;
        }
        return pin.frames().stream().anyMatch(f -> f.startsWith("java.lang.ClassLoader.loadClass"));
    }

    /**
     * Decides whether the recorded pins fail the run: any pin that {@linkplain #counts counts} does.
     *
     * @param subject what ran while they were recorded (the test class name), for the message
     * @param pins the recorded pins, in any order
     * @return the failure message, or empty if nothing counted
     */
    public static Optional<String> verdict(String subject, List<Pin> pins) {
        List<Pin> bad = pins.stream().filter(PinningGuard::counts).toList();
        if (bad.isEmpty()) {
            return Optional.empty();
        }
        StringBuilder sb = new StringBuilder()
                .append(bad.size()).append(bad.size() == 1 ? " virtual thread pin" : " virtual thread pins")
                .append(" (").append(EVENT).append(") while ").append(subject).append(" ran:");
        for (Pin p : bad) {
            sb.append("\n  thread '").append(p.threadName()).append("' pinned for ").append(p.duration())
                    .append(" in ").append(p.blockingOperation()).append(": ").append(p.reason());
            for (String frame : p.frames().subList(0, Math.min(TOP_FRAMES, p.frames().size()))) {
                sb.append("\n      at ").append(frame);
            }
            if (p.frames().size() > TOP_FRAMES) {
                sb.append("\n      ...");
            }
        }
        return Optional.of(sb.toString());
    }

    static Duration threshold() {
        String s = System.getProperty("weft.pinning.threshold");
        return s == null || s.isBlank() ? DEFAULT_THRESHOLD : parseDuration(s.strip());
    }

    static Duration parseDuration(String s) {
        int i = 0;
        while (i < s.length() && Character.isDigit(s.charAt(i))) {
            i++;
        }
        if (i == 0) {
            throw new IllegalArgumentException("weft.pinning.threshold must be a number with a unit: " + s);
        }
        long n = Long.parseLong(s.substring(0, i));
        return switch (s.substring(i).strip()) {
            case "ns" -> Duration.ofNanos(n);
            case "us" -> Duration.ofNanos(n * 1_000);
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            default -> throw new IllegalArgumentException(
                    "weft.pinning.threshold unit must be ns, us, ms or s: " + s);
        };
    }

    /**
     * One recorded pin.
     *
     * @param threadName the pinned thread's name
     * @param virtual whether the pinned thread is virtual
     * @param reason why it was pinned (JFR's {@code pinnedReason}), or "unknown"
     * @param blockingOperation what it blocked in (JFR's {@code blockingOperation}), or "unknown"
     * @param duration how long the carrier was held
     * @param frames the pinned thread's stack as JFR recorded it (its top 64 frames by default), innermost first,
     *     each {@code class.method:line}
     */
    public record Pin(String threadName, boolean virtual, String reason, String blockingOperation,
            Duration duration, List<String> frames) {

        /** Copies the frame list; nulls are not allowed. */
        public Pin {
            Objects.requireNonNull(threadName, "threadName");
            Objects.requireNonNull(reason, "reason");
            Objects.requireNonNull(blockingOperation, "blockingOperation");
            Objects.requireNonNull(duration, "duration");
            frames = List.copyOf(frames);
        }

        static Pin of(RecordedEvent e) {
            RecordedThread t = e.getThread();
            String name = t == null ? "<unknown thread>" : t.getJavaName();
            boolean virtual = t == null || t.isVirtual();
            List<String> frames = new ArrayList<>();
            RecordedStackTrace st = e.getStackTrace();
            if (st != null) {
                for (RecordedFrame f : st.getFrames()) {
                    frames.add(f.getMethod().getType().getName() + "." + f.getMethod().getName()
                            + (f.getLineNumber() > 0 ? ":" + f.getLineNumber() : ""));
                }
            }
            return new Pin(name == null ? "<unnamed>" : name, virtual, field(e, "pinnedReason"),
                    field(e, "blockingOperation"), e.getDuration(), frames);
        }

        private static String field(RecordedEvent e, String name) {
            if (!e.hasField(name)) {
                return "unknown";
            }
            Object v = e.getValue(name);
            return v == null ? "unknown" : v.toString();
        }
    }

    /**
     * A running recording of {@link #EVENT}. {@link #stop()} ends it and returns what it saw.
     */
    public static final class Recorder implements AutoCloseable {
        private final RecordingStream stream;
        private final Instant startedAt;
        private final List<Pin> pins = Collections.synchronizedList(new ArrayList<>());
        private boolean stopped;

        private Recorder(RecordingStream stream, Instant startedAt) {
            this.stream = stream;
            this.startedAt = startedAt;
        }

        /**
         * Starts recording pins at least {@code threshold} long, with stack traces.
         *
         * @param threshold the shortest pin to record; zero records all
         * @return the running recorder
         */
        public static Recorder start(Duration threshold) {
            RecordingStream rs = new RecordingStream();
            Recorder r = new Recorder(rs, Instant.now());
            rs.enable(EVENT).withThreshold(threshold).withStackTrace();
            rs.onEvent(EVENT, e -> {
                // a stream may replay the tail of a chunk written before it started: skip pins that ended earlier
                if (!e.getEndTime().isBefore(r.startedAt)) {
                    r.pins.add(Pin.of(e));
                }
            });
            rs.startAsync();
            return r;
        }

        /**
         * Stops the recording, waiting until every event recorded so far has been delivered.
         *
         * @return the pins recorded between {@link #start} and now
         */
        public synchronized List<Pin> stop() {
            if (!stopped) {
                stopped = true;
                try {
                    stream.stop();
                } finally {
                    stream.close();
                }
            }
            synchronized (pins) {
                return List.copyOf(pins);
            }
        }

        /** Stops the recording and discards what it saw. */
        @Override
        public void close() {
            stop();
        }
    }
}
