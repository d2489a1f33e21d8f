package dev.weft.runtime.testing;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Proves that {@link PinningGuard} sees a real pin on JDK 25 and that its verdict is right. Not guarded itself. */
@Timeout(value = 30, unit = SECONDS)
final class PinningGuardTest {

    /**
     * Parking inside a class initializer still pins on JDK 25 (JEP 491 freed only {@code synchronized}): the VM
     * frame that runs {@code <clinit>} cannot be unmounted. Initialized once per JVM, by the test below.
     */
    private static final class PinsWhileInitializing {
        static {
            LockSupport.parkNanos(Duration.ofMillis(2).toNanos());
        }

        static void initialize() {
            // touching the class runs the initializer
        }
    }

    @Test
    void recorder_virtualThreadParksInAClassInitializer_recordsThePinWithNameAndFrames() throws Exception {
        List<PinningGuard.Pin> pins;
        try (PinningGuard.Recorder recorder = PinningGuard.Recorder.start(PinningGuard.DEFAULT_THRESHOLD)) {
            Thread.ofVirtual().name("pin-test/clinit#1").start(PinsWhileInitializing::initialize).join();
            pins = recorder.stop();
        }

        assertThat(pins).filteredOn(p -> p.threadName().equals("pin-test/clinit#1")).singleElement()
                .satisfies(p -> {
                    assertThat(p.virtual()).isTrue();
                    assertThat(p.reason()).contains("<clinit>");
                    assertThat(p.blockingOperation()).contains("park");
                    assertThat(p.frames()).anyMatch(f -> f.contains("PinsWhileInitializing.<clinit>"));
                });
        assertThat(PinningGuard.verdict("PinningGuardTest", pins)).hasValueSatisfying(message -> assertThat(message)
                .contains("pin-test/clinit#1")
                .contains("<clinit>")
                .contains("PinningGuardTest"));
    }

    @Test
    void recorder_virtualThreadParksHoldingAMonitor_recordsNothing() throws Exception {
        Object monitor = new Object();
        List<PinningGuard.Pin> pins;
        try (PinningGuard.Recorder recorder = PinningGuard.Recorder.start(PinningGuard.DEFAULT_THRESHOLD)) {
            Thread.ofVirtual().name("pin-test/monitor#1").start(() -> {
                synchronized (monitor) {
                    LockSupport.parkNanos(Duration.ofMillis(2).toNanos());
                }
            }).join();
            pins = recorder.stop();
        }

        assertThat(pins).noneMatch(p -> p.threadName().equals("pin-test/monitor#1"));
    }

    @Test
    void verdict_noPins_passes() {
        assertThat(PinningGuard.verdict("X", List.of())).isEmpty();
    }

    @Test
    void verdict_onlyPlatformThreadPins_passes() {
        PinningGuard.Pin platform = new PinningGuard.Pin("main", false, "r", "op", Duration.ofMillis(1), List.of());

        assertThat(PinningGuard.verdict("X", List.of(platform))).isEmpty();
    }

    @Test
    void verdict_jdkVirtualThreadPinnedInJdkCode_passes() {
        PinningGuard.Pin subPoller = new PinningGuard.Pin("SubPoller-0", true, "Native or VM frame on stack",
                "Object.wait", Duration.ofMillis(1), List.of("sun.nio.ch.Poller.poll:120", "java.lang.Thread.run:1"));

        assertThat(PinningGuard.verdict("X", List.of(subPoller))).isEmpty();
    }

    @Test
    void verdict_weftTaskWaitedForAnotherThreadsClassInitializer_passes() {
        PinningGuard.Pin initWait = new PinningGuard.Pin("s/t#7", true,
                "Waited for initialization of dev.weft.runtime.Foo by another thread", "Object.wait",
                Duration.ofMillis(1), List.of("dev.weft.runtime.TaskImpl.run:60"));

        assertThat(PinningGuard.verdict("X", List.of(initWait))).isEmpty();
    }

    @Test
    void verdict_weftTaskContendedOnAClassLoadingLock_passes() {
        PinningGuard.Pin loading = new PinningGuard.Pin("sup/bad-2#2", true, "Freeze or preempt failed (2)",
                "Contended monitor enter", Duration.ofMillis(2), List.of(
                        "jdk.internal.loader.BuiltinClassLoader.loadClassOrNull:590",
                        "java.lang.ClassLoader.loadClass:490",
                        "org.slf4j.helpers.AbstractLogger.error:341",
                        "dev.weft.runtime.Scope.taskEnded:361"));

        assertThat(PinningGuard.verdict("X", List.of(loading))).isEmpty();
    }

    @Test
    void verdict_weftTaskContendedOnAMonitorTheVmTookToResolveAClass_passes() {
        PinningGuard.Pin resolving = new PinningGuard.Pin("srv/server#1", true, "Freeze or preempt failed (2)",
                "Contended monitor enter", Duration.ofNanos(88_652), List.of(
                        "java.net.ServerSocket.accept:440",
                        "dev.weft.runtime.TaskImpl.run:68"));

        assertThat(PinningGuard.verdict("X", List.of(resolving))).isEmpty();
    }

    @Test
    void verdict_initializerOfAJdkClassBlocks_passesButOfAWeftClassFails() {
        List<String> frames = List.of("dev.weft.runtime.TaskImpl.run:68");
        PinningGuard.Pin jdk = new PinningGuard.Pin("s/t#1", true, "VM call to java.net.Socket.<clinit> on stack",
                "LockSupport.park", Duration.ofMillis(1), frames);
        PinningGuard.Pin weft = new PinningGuard.Pin("s/t#2", true,
                "VM call to dev.weft.runtime.Foo.<clinit> on stack", "LockSupport.park", Duration.ofMillis(1), frames);

        assertThat(PinningGuard.verdict("X", List.of(jdk))).isEmpty();
        assertThat(PinningGuard.verdict("X", List.of(weft))).hasValueSatisfying(m -> assertThat(m).contains("s/t#2"));
        // the one exception: a weft initializer that only met a contended monitor (its SLF4J logger being created)
        PinningGuard.Pin contended = new PinningGuard.Pin("backend/accept#1", true,
                "VM call to dev.weft.net.StreamConnection.<clinit> on stack", "Contended monitor enter",
                Duration.ofNanos(228_248), List.of("dev.weft.net.StreamConnection.<clinit>:26"));
        assertThat(PinningGuard.verdict("X", List.of(contended))).isEmpty();
    }

    @Test
    void verdict_weftTaskBlocksInANativeFrame_fails() {
        PinningGuard.Pin nativeFrame = new PinningGuard.Pin("s/t#3", true, "Native or VM frame on stack",
                "LockSupport.park", Duration.ofMillis(1), List.of("dev.weft.runtime.Waiter.await:120"));

        assertThat(PinningGuard.verdict("X", List.of(nativeFrame))).hasValueSatisfying(m -> assertThat(m)
                .contains("s/t#3").contains("Native or VM frame on stack").contains("dev.weft.runtime.Waiter.await"));
    }

    @Test
    void counts_virtualThreadWithWeftNameOrWeftFrame_countsOthersDoNot() {
        List<String> jdkFrames = List.of("java.lang.Thread.run:1");
        List<String> weftFrames = List.of("java.util.concurrent.locks.LockSupport.park:1",
                "dev.weft.runtime.ChannelImpl.receive:99");
        String reason = "Native or VM frame on stack";

        assertThat(PinningGuard.counts(new PinningGuard.Pin("s/t#1", true, reason, "op", Duration.ZERO, jdkFrames)))
                .as("named like a task").isTrue();
        assertThat(PinningGuard.counts(new PinningGuard.Pin("", true, reason, "op", Duration.ZERO, weftFrames)))
                .as("weft on the stack").isTrue();
        assertThat(PinningGuard.counts(new PinningGuard.Pin("vt", true, reason, "op", Duration.ZERO, jdkFrames)))
                .as("JDK thread, JDK code").isFalse();
        assertThat(PinningGuard.counts(new PinningGuard.Pin("s/t#1", false, reason, "op", Duration.ZERO, weftFrames)))
                .as("platform thread").isFalse();
    }

    @Test
    void verdict_virtualThreadPins_failsListingEachThreadReasonOperationAndFrames() {
        PinningGuard.Pin a = new PinningGuard.Pin("s/reader#1", true, "Native or VM frame on stack",
                "LockSupport.park", Duration.ofMillis(3), List.of("a.B.c:10", "d.E.f:20"));
        PinningGuard.Pin b = new PinningGuard.Pin("s/writer#2", true, "unknown", "Object.wait",
                Duration.ofMillis(1), List.of());
        PinningGuard.Pin platform = new PinningGuard.Pin("main", false, "r", "op", Duration.ofMillis(1), List.of());

        assertThat(PinningGuard.verdict("dev.weft.FooTest", List.of(a, platform, b))).hasValueSatisfying(m ->
                assertThat(m)
                        .startsWith("2 virtual thread pins (jdk.VirtualThreadPinned) while dev.weft.FooTest ran:")
                        .contains("thread 's/reader#1' pinned for PT0.003S in LockSupport.park: "
                                + "Native or VM frame on stack")
                        .contains("at a.B.c:10")
                        .contains("at d.E.f:20")
                        .contains("thread 's/writer#2'")
                        .doesNotContain("'main'"));
    }

    @Test
    void parseDuration_unitsAndBadInput() {
        assertThat(PinningGuard.parseDuration("20ms")).isEqualTo(Duration.ofMillis(20));
        assertThat(PinningGuard.parseDuration("0 ns")).isEqualTo(Duration.ZERO);
        assertThat(PinningGuard.parseDuration("5us")).isEqualTo(Duration.ofNanos(5_000));
        assertThat(PinningGuard.parseDuration("1s")).isEqualTo(Duration.ofSeconds(1));
        assertThatThrownBy(() -> PinningGuard.parseDuration("ms")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("weft.pinning.threshold");
        assertThatThrownBy(() -> PinningGuard.parseDuration("3 hours")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unit");
    }
}
