package dev.weft.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(120)
final class TimerWheelTest {

    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);
    private static final long AWAIT_SECONDS = 30;

    private final List<TimerWheel> wheels = new ArrayList<>();

    @AfterEach
    void shutDownWheels() {
        wheels.forEach(TimerWheel::shutdown);
    }

    private TimerWheel newWheel(String name) {
        TimerWheel wheel = new TimerWheel(name);
        wheels.add(wheel);
        return wheel;
    }

    private static void await(CountDownLatch latch, String what) throws InterruptedException {
        assertThat(latch.await(AWAIT_SECONDS, TimeUnit.SECONDS)).as("timed out waiting for %s", what).isTrue();
    }

    /** Polls a condition until it holds, failing after a deadline. */
    private static void awaitCondition(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(AWAIT_SECONDS);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime() - deadline).as("timed out waiting for %s", what).isNegative();
            LockSupport.parkNanos(MS);
        }
    }

    @Test
    void schedule_deadlineInPast_runsPromptlyOnTheDaemonWheelThread() throws InterruptedException {
        TimerWheel wheel = newWheel("tw-past");
        AtomicReference<Thread> ranOn = new AtomicReference<>();
        CountDownLatch ran = new CountDownLatch(1);

        wheel.schedule(System.nanoTime() - TimeUnit.SECONDS.toNanos(1), () -> {
            ranOn.set(Thread.currentThread());
            ran.countDown();
        });

        await(ran, "the past-deadline action");
        assertThat(ranOn.get().getName()).isEqualTo("tw-past");
        assertThat(ranOn.get().isDaemon()).isTrue();
        assertThat(ranOn.get().isVirtual()).isFalse();
        assertThat(wheel.pending()).isZero();
    }

    @Test
    void schedule_distinctDeadlines_fireInDeadlineOrder() throws InterruptedException {
        TimerWheel wheel = newWheel("tw-order");
        int n = 60;
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            order.add(i);
        }
        Collections.shuffle(order, new Random(7));
        Queue<Integer> fired = new ConcurrentLinkedQueue<>();
        CountDownLatch all = new CountDownLatch(n);
        long base = System.nanoTime() + 20 * MS;

        for (int i : order) {
            wheel.schedule(base + i * 2 * MS, () -> {
                fired.add(i);
                all.countDown();
            });
        }

        await(all, "all ordered actions");
        assertThat(List.copyOf(fired)).isSorted().hasSize(n);
    }

    @Test
    void cancel_beforeDue_returnsTrueAndTheActionNeverRuns() throws InterruptedException {
        TimerWheel wheel = newWheel("tw-cancel");
        AtomicInteger cancelledRuns = new AtomicInteger();
        CountDownLatch later = new CountDownLatch(1);
        long now = System.nanoTime();

        TimerHandle handle = wheel.schedule(now + 20 * MS, cancelledRuns::incrementAndGet);
        wheel.schedule(now + 60 * MS, later::countDown);

        assertThat(handle.cancel()).isTrue();
        assertThat(handle.cancel()).as("second cancel").isFalse();
        await(later, "the later timer");
        assertThat(cancelledRuns).hasValue(0);
        assertThat(wheel.pending()).isZero();
    }

    @Test
    void cancel_afterRun_returnsFalse() throws InterruptedException {
        TimerWheel wheel = newWheel("tw-cancel-late");
        CountDownLatch ran = new CountDownLatch(1);

        TimerHandle handle = wheel.schedule(System.nanoTime() + MS, ran::countDown);

        await(ran, "the action");
        assertThat(handle.cancel()).isFalse();
        assertThat(wheel.pending()).isZero();
    }

    @Test
    void schedule_concurrentFromVirtualThreadsHalfCancelled_runsExactlyTheUncancelledOnce() throws Exception {
        TimerWheel wheel = newWheel("tw-concurrent");
        int threads = 8;
        int perThread = 100_000;
        AtomicIntegerArray runs = new AtomicIntegerArray(threads * perThread);
        boolean[] cancelled = new boolean[threads * perThread];
        long start = System.nanoTime();
        long lastDeadline = start + 100 * MS;

        List<Future<?>> producers = new ArrayList<>();
        try (ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int p = 0; p < threads; p++) {
                int first = p * perThread;
                producers.add(executor.submit(() -> {
                    ThreadLocalRandom random = ThreadLocalRandom.current();
                    TimerHandle[] handles = new TimerHandle[perThread];
                    for (int i = 0; i < perThread; i++) {
                        int id = first + i;
                        handles[i] = wheel.schedule(start + random.nextLong(100 * MS), () -> runs.incrementAndGet(id));
                        if ((i & 3) == 1) { // cancelled at once: mostly still in the inbox
                            cancelled[id] = handles[i].cancel();
                        }
                    }
                    for (int i = 3; i < perThread; i += 4) { // cancelled later: mostly in the wheel or fired
                        cancelled[first + i] = handles[i].cancel();
                    }
                }));
            }
            for (Future<?> producer : producers) {
                producer.get();
            }
        }
        CountDownLatch sentinel = new CountDownLatch(1);
        wheel.schedule(lastDeadline + 5 * MS, sentinel::countDown);
        await(sentinel, "the timer after every other deadline");

        int expectedRuns = 0;
        for (int i = 0; i < runs.length(); i++) {
            int expected = cancelled[i] ? 0 : 1;
            expectedRuns += expected;
            assertThat(runs.get(i)).as("runs of timer %d (cancelled=%b)", i, cancelled[i]).isEqualTo(expected);
        }
        assertThat(expectedRuns).as("runs").isGreaterThanOrEqualTo(threads * perThread / 2);
        assertThat(wheel.pending()).isZero();
    }

    @Test
    void schedule_millionTimersDueWithin200ms_allFireAndPendingReturnsToZero() throws InterruptedException {
        TimerWheel wheel = newWheel("tw-million");
        int n = 1_000_000;
        CountDownLatch all = new CountDownLatch(n);
        Runnable action = all::countDown;
        ThreadLocalRandom random = ThreadLocalRandom.current();
        long start = System.nanoTime();

        for (int i = 0; i < n; i++) {
            wheel.schedule(start + random.nextLong(200 * MS), action);
        }

        await(all, "a million actions");
        assertThat(wheel.pending()).isZero();
    }

    @Test
    void schedule_farDeadlines_stayPendingAndCancelCleanly() throws InterruptedException {
        TimerWheel wheel = newWheel("tw-far");
        AtomicInteger farRuns = new AtomicInteger();
        long now = System.nanoTime();
        List<TimerHandle> far = List.of(
                wheel.schedule(now + TimeUnit.DAYS.toNanos(3), farRuns::incrementAndGet),
                wheel.schedule(now + TimeUnit.DAYS.toNanos(3 * 365), farRuns::incrementAndGet), // overflow list
                wheel.schedule(Deadlines.NONE, farRuns::incrementAndGet));
        CountDownLatch near = new CountDownLatch(1);

        wheel.schedule(now + 5 * MS, near::countDown);
        await(near, "the near timer");

        assertThat(wheel.pending()).isEqualTo(far.size());
        assertThat(far).allSatisfy(handle -> assertThat(handle.cancel()).isTrue());
        assertThat(far).allSatisfy(handle -> assertThat(handle.cancel()).isFalse());
        assertThat(wheel.pending()).isZero();
        CountDownLatch after = new CountDownLatch(1);
        wheel.schedule(System.nanoTime() + MS, after::countDown);
        await(after, "a timer after the cancellations");
        assertThat(farRuns).hasValue(0);
    }

    @Test
    void schedule_actionThrows_laterActionsStillRun() throws InterruptedException {
        TimerWheel wheel = newWheel("tw-throws");
        CountDownLatch later = new CountDownLatch(2);
        long now = System.nanoTime();

        wheel.schedule(now + MS, () -> {
            throw new IllegalStateException("expected by the test: an action that throws");
        });
        wheel.schedule(now + 10 * MS, later::countDown);
        wheel.schedule(now + 20 * MS, later::countDown);

        await(later, "the actions after the throwing one");
    }

    @Test
    void schedule_randomDeadlinesWithin50ms_neverFireEarly() throws InterruptedException {
        TimerWheel wheel = newWheel("tw-early");
        int n = 10_000;
        long[] deadlines = new long[n];
        long[] firedAt = new long[n];
        CountDownLatch all = new CountDownLatch(n);
        ThreadLocalRandom random = ThreadLocalRandom.current();

        for (int i = 0; i < n; i++) {
            int id = i;
            deadlines[i] = System.nanoTime() + random.nextLong(50 * MS);
            wheel.schedule(deadlines[i], () -> {
                firedAt[id] = System.nanoTime();
                all.countDown();
            });
        }

        await(all, "all actions");
        for (int i = 0; i < n; i++) {
            assertThat(firedAt[i] - deadlines[i]).as("lateness of timer %d", i).isNotNegative();
        }
    }

    @Test
    void schedule_earlierDeadlineWhileWheelSleeps_wakesTheWheel() throws InterruptedException {
        TimerWheel wheel = newWheel("tw-wake");
        AtomicReference<Thread> wheelThread = new AtomicReference<>();
        CountDownLatch first = new CountDownLatch(1);
        wheel.schedule(System.nanoTime(), () -> {
            wheelThread.set(Thread.currentThread());
            first.countDown();
        });
        await(first, "the first action");
        wheel.schedule(System.nanoTime() + TimeUnit.MINUTES.toNanos(10), () -> { });
        awaitCondition("the wheel to sleep on the far timer",
                () -> wheelThread.get().getState() == Thread.State.TIMED_WAITING);
        CountDownLatch near = new CountDownLatch(1);

        wheel.schedule(System.nanoTime() + 20 * MS, near::countDown);

        assertThat(near.await(5, TimeUnit.SECONDS)).as("near timer fired while the wheel slept").isTrue();
    }

    @Test
    void wheel_emptyAfterActivity_lingersThenParksWithoutTimeout() throws InterruptedException {
        TimerWheel wheel = newWheel("tw-idle");
        AtomicReference<Thread> wheelThread = new AtomicReference<>();
        CountDownLatch fired = new CountDownLatch(1);
        wheel.schedule(System.nanoTime(), () -> {
            wheelThread.set(Thread.currentThread());
            fired.countDown();
        });
        await(fired, "the action");
        TimerHandle cancelled = wheel.schedule(System.nanoTime() + TimeUnit.MINUTES.toNanos(10), () -> { });
        assertThat(cancelled.cancel()).isTrue();

        // an idle process ends with no periodic wake-up: after the linger the wheel thread parks untimed
        awaitCondition("the wheel thread to park without a timeout",
                () -> wheelThread.get().getState() == Thread.State.WAITING);
        CountDownLatch again = new CountDownLatch(1);
        wheel.schedule(System.nanoTime() + MS, again::countDown);
        await(again, "a timer scheduled into the idle wheel");
    }

    @Test
    void schedule_moreThanTheInboxThresholdWhileTheWheelLingers_allFireOnceAndNeverEarly()
            throws InterruptedException {
        TimerWheel wheel = newWheel("tw-linger");
        CountDownLatch first = new CountDownLatch(1);
        wheel.schedule(System.nanoTime(), first::countDown);
        await(first, "the first action"); // the wheel is empty again: it lingers, parked until about 1 s from now
        int n = TimerWheel.INBOX_WAKE_THRESHOLD + 1000;
        long base = System.nanoTime() + TimerWheel.LINGER_NANOS + 100 * MS; // after the linger ends
        long[] deadlines = new long[n];
        long[] firedAt = new long[n];
        AtomicInteger runs = new AtomicInteger();
        CountDownLatch all = new CountDownLatch(n);
        for (int i = 0; i < n; i++) {
            int id = i;
            deadlines[i] = base + (i % 100) * MS;
            wheel.schedule(deadlines[i], () -> {
                firedAt[id] = System.nanoTime();
                runs.incrementAndGet();
                all.countDown();
            });
        }
        CountDownLatch near = new CountDownLatch(1);
        wheel.schedule(System.nanoTime() + MS, near::countDown); // earlier than the linger: wakes the wheel

        assertThat(near.await(5, TimeUnit.SECONDS)).as("near timer fired while far ones waited").isTrue();
        await(all, "all far actions");
        assertThat(runs).hasValue(n);
        for (int i = 0; i < n; i++) {
            assertThat(firedAt[i] - deadlines[i]).as("lateness of timer %d", i).isNotNegative();
        }
    }

    @Test
    void schedule_afterShutdown_throwsRejected() {
        TimerWheel wheel = newWheel("tw-shutdown");
        wheel.schedule(System.nanoTime() + TimeUnit.HOURS.toNanos(1), () -> { });

        wheel.shutdown();

        assertThatThrownBy(() -> wheel.schedule(System.nanoTime(), () -> { }))
                .isInstanceOf(RejectedExecutionException.class)
                .hasMessageContaining("tw-shutdown");
    }

    @Test
    void shared_calledTwice_returnsOneInstance() {
        assertThat(TimerWheel.shared()).isSameAs(TimerWheel.shared());
        assertThat(TimerWheel.shared().toString()).contains("weft-timer");
    }

    @Test
    void wheel_randomTicksOverAllLevelsAndOverflow_expireAtTheFirstAdvancePastTheirTick() {
        Random random = new Random(20261125);
        TimerWheel owner = newWheel("tw-unused"); // never started: owns the nodes for cancel()
        TimerWheel.Wheel wheel = new TimerWheel.Wheel(0);
        // Start just below a top-level boundary so that ticks fold back into the top level.
        long now = (1L << 36) - 50_000;
        wheel.advance(now);
        Map<TimerWheel.Timer, Long> live = new IdentityHashMap<>();
        AtomicLong fired = new AtomicLong();
        for (int i = 0; i < 20_000; i++) {
            live.put(addRandom(owner, wheel, now, random), 0L);
        }

        long steps = 0;
        while (true) {
            long next = wheel.nextExpiration();
            if (next == Long.MAX_VALUE) {
                break;
            }
            assertThat(next).as("next expiration").isGreaterThan(now);
            long previous = now;
            now = random.nextInt(4) == 0 ? next + random.nextLong(1 + (next - previous)) : next;
            wheel.advance(now);
            steps++;
            for (TimerWheel.Timer t; (t = wheel.pollExpired()) != null; ) {
                long tick = wheel.tickOf(t.deadline);
                assertThat(live.remove(t)).as("%s fired once and was live", t).isNotNull();
                assertThat(tick).as("tick of %s, fired at advance to %d from %d", t, now, previous)
                        .isGreaterThan(previous).isLessThanOrEqualTo(now);
                fired.incrementAndGet();
            }
            if (random.nextInt(8) == 0 && !live.isEmpty()) {
                TimerWheel.Timer victim = live.keySet().iterator().next();
                assertThat(victim.cancel()).isTrue();
                wheel.remove(victim);
                live.remove(victim);
            }
            if (random.nextInt(4) == 0) {
                live.put(addRandom(owner, wheel, now, random), 0L);
            }
        }

        assertThat(live).isEmpty();
        assertThat(fired.get()).isGreaterThan(15_000);
        assertThat(steps).isLessThan(2_000_000);
    }

    @Test
    void wheel_tickAlreadyElapsed_goesStraightToExpired() {
        TimerWheel owner = newWheel("tw-unused");
        TimerWheel.Wheel wheel = new TimerWheel.Wheel(0);
        wheel.advance(100);
        TimerWheel.Timer due = new TimerWheel.Timer(owner, 100 * TimerWheel.TICK_NANOS, () -> { });
        TimerWheel.Timer next = new TimerWheel.Timer(owner, 100 * TimerWheel.TICK_NANOS + 1, () -> { });

        wheel.add(due);
        wheel.add(next);

        assertThat(wheel.pollExpired()).isSameAs(due);
        assertThat(wheel.pollExpired()).isNull();
        assertThat(wheel.nextExpiration()).isEqualTo(101);
    }

    /** Adds a timer whose tick is after {@code now}, at a random scale from 1 tick to beyond the levels' range. */
    private static TimerWheel.Timer addRandom(TimerWheel owner, TimerWheel.Wheel wheel, long now, Random random) {
        int bits = random.nextInt(39) + 1;
        long tick = now + 1 + random.nextLong(1L << bits);
        long deadline = tick * TimerWheel.TICK_NANOS - random.nextLong(TimerWheel.TICK_NANOS);
        TimerWheel.Timer timer = new TimerWheel.Timer(owner, deadline, () -> { });
        wheel.add(timer);
        return timer;
    }
}
