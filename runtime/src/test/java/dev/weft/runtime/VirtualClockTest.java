package dev.weft.runtime;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.runtime.testing.PinningGuard;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Tests of {@link VirtualClock}: manual advancing (timer order, the instant each timer sees), the inspection methods,
 * and auto-advance (the clock jumps only when every task on it is blocked in a weft wait).
 */
@Timeout(value = 30, unit = SECONDS)
@ExtendWith(PinningGuard.class)
final class VirtualClockTest {

    private static final Instant EPOCH = Instant.parse("2000-01-01T00:00:00Z");
    /** Real time a test waits for virtual-time work that should finish at once; generous for loaded machines. */
    private static final Duration REAL_WAIT = Duration.ofSeconds(10);

    private static Instant at(Duration sinceEpoch) {
        return EPOCH.plus(sinceEpoch);
    }

    private static TimerHandle schedule(VirtualClock clock, Duration at, Runnable action) {
        return clock.engine().schedule(at.toNanos(), action);
    }

    /** Joins a task on an auto-advancing clock, failing clearly (instead of hanging) if the clock stalls. */
    private static <T> T joinOrStall(Task<T> task, VirtualClock clock) throws InterruptedException {
        try {
            return task.join(REAL_WAIT);
        } catch (TimeoutException stalled) {
            throw new AssertionError("task '" + task.name() + "' did not finish within " + REAL_WAIT
                    + " of real time: auto-advance stalled at " + clock.now() + " with " + clock.pendingTimers()
                    + " pending timer(s), next at " + clock.nextTimer().map(Instant::toString).orElse("none"),
                    stalled);
        }
    }

    // ---- manual ----

    @Test
    void create_startsAtTheFixedEpochWithNothingPending() {
        VirtualClock clock = VirtualClock.create();
        assertThat(clock.now()).isEqualTo(EPOCH);
        assertThat(clock.elapsed()).isZero();
        assertThat(clock.nanoTime()).isZero();
        assertThat(clock.pendingTimers()).isZero();
        assertThat(clock.nextTimer()).isEmpty();
        assertThat(clock.toString()).contains(EPOCH.toString()).doesNotContain("auto-advance");
        assertThat(VirtualClock.autoAdvancing().toString()).contains("auto-advance");
    }

    @Test
    void startingAt_instant_nowIsThatInstant() {
        Instant start = Instant.parse("2031-05-06T07:08:09.123Z");
        VirtualClock clock = VirtualClock.startingAt(start);
        clock.advance(Duration.ofMillis(877));
        assertThat(clock.now()).isEqualTo(Instant.parse("2031-05-06T07:08:10Z"));
        assertThat(clock.elapsed()).isEqualTo(Duration.ofMillis(877));
        assertThatThrownBy(() -> VirtualClock.startingAt(null)).isInstanceOf(NullPointerException.class)
                .hasMessage("start");
    }

    @Test
    void advance_timersScheduledOutOfOrder_fireInDeadlineOrderEachSeeingItsDeadline() {
        VirtualClock clock = VirtualClock.create();
        List<String> fired = Collections.synchronizedList(new ArrayList<>());
        for (int s : new int[] {3, 1, 4, 2}) {
            schedule(clock, Duration.ofSeconds(s), () -> fired.add(s + "s@" + clock.now()));
        }
        assertThat(clock.pendingTimers()).isEqualTo(4);
        clock.advance(Duration.ofSeconds(10));
        assertThat(fired).containsExactly("1s@" + at(Duration.ofSeconds(1)), "2s@" + at(Duration.ofSeconds(2)),
                "3s@" + at(Duration.ofSeconds(3)), "4s@" + at(Duration.ofSeconds(4)));
        assertThat(clock.now()).isEqualTo(at(Duration.ofSeconds(10)));
        assertThat(clock.pendingTimers()).isZero();
    }

    @Test
    void advance_sameDeadline_firesInSchedulingOrder() {
        VirtualClock clock = VirtualClock.create();
        List<Integer> fired = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            int n = i;
            schedule(clock, Duration.ofSeconds(1), () -> fired.add(n));
        }
        clock.advance(Duration.ofSeconds(1));
        assertThat(fired).hasSize(20).isSorted();
    }

    @Test
    void advance_actionSchedulesWithinTheWindow_firesItInTheSameAdvanceAtItsOwnDeadline() {
        VirtualClock clock = VirtualClock.create();
        List<Instant> fired = new ArrayList<>();
        schedule(clock, Duration.ofSeconds(1), () -> {
            fired.add(clock.now());
            schedule(clock, Duration.ofMillis(1500), () -> fired.add(clock.now()));
            schedule(clock, Duration.ofSeconds(7), () -> fired.add(clock.now()));
        });
        clock.advance(Duration.ofSeconds(2));
        assertThat(fired).containsExactly(at(Duration.ofSeconds(1)), at(Duration.ofMillis(1500)));
        assertThat(clock.nextTimer()).contains(at(Duration.ofSeconds(7)));
    }

    @Test
    void advance_stopsJustBeforeALaterTimer() {
        VirtualClock clock = VirtualClock.create();
        AtomicInteger fired = new AtomicInteger();
        schedule(clock, Duration.ofSeconds(5), fired::incrementAndGet);
        clock.advance(Duration.ofSeconds(5).minusNanos(1));
        assertThat(fired).hasValue(0);
        clock.advance(Duration.ZERO);
        assertThat(fired).hasValue(0);
        clock.advance(Duration.ofNanos(1));
        assertThat(fired).hasValue(1);
    }

    @Test
    void advance_negativeOrNull_throwsNamingDuration() {
        VirtualClock clock = VirtualClock.create();
        assertThatThrownBy(() -> clock.advance(Duration.ofSeconds(-1))).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("duration must not be negative: PT-1S");
        assertThatThrownBy(() -> clock.advance(null)).isInstanceOf(NullPointerException.class)
                .hasMessage("duration");
        assertThat(clock.elapsed()).isZero();
    }

    @Test
    void advance_actionThrows_runsTheOthersDueThenAndRethrows() {
        VirtualClock clock = VirtualClock.create();
        List<String> ran = new ArrayList<>();
        schedule(clock, Duration.ofSeconds(1), () -> ran.add("first"));
        schedule(clock, Duration.ofSeconds(1), () -> {
            throw new IllegalStateException("boom");
        });
        schedule(clock, Duration.ofSeconds(1), () -> ran.add("third"));
        assertThatThrownBy(() -> clock.advance(Duration.ofSeconds(1))).isInstanceOf(IllegalStateException.class)
                .hasMessage("boom");
        assertThat(ran).containsExactly("first", "third");
    }

    @Test
    void advanceTo_instant_movesThereFiringWhatIsDue() {
        VirtualClock clock = VirtualClock.create();
        List<Instant> fired = new ArrayList<>();
        schedule(clock, Duration.ofMinutes(1), () -> fired.add(clock.now()));
        schedule(clock, Duration.ofMinutes(3), () -> fired.add(clock.now()));
        clock.advanceTo(at(Duration.ofMinutes(2)));
        assertThat(clock.now()).isEqualTo(at(Duration.ofMinutes(2)));
        assertThat(fired).containsExactly(at(Duration.ofMinutes(1)));

        clock.advanceTo(EPOCH); // the past: time never goes back
        assertThat(clock.now()).isEqualTo(at(Duration.ofMinutes(2)));
        assertThat(fired).hasSize(1);
        assertThatThrownBy(() -> clock.advanceTo(null)).isInstanceOf(NullPointerException.class)
                .hasMessage("instant");
    }

    @Test
    void advanceToNextTimer_jumpsToEarliestFiringAllDueThen() {
        VirtualClock clock = VirtualClock.create();
        assertThat(clock.advanceToNextTimer()).as("nothing pending").isFalse();
        assertThat(clock.elapsed()).isZero();

        List<String> fired = new ArrayList<>();
        schedule(clock, Duration.ofSeconds(5), () -> fired.add("5a"));
        schedule(clock, Duration.ofSeconds(3), () -> fired.add("3a"));
        schedule(clock, Duration.ofSeconds(3), () -> fired.add("3b"));
        assertThat(clock.nextTimer()).contains(at(Duration.ofSeconds(3)));
        assertThat(clock.pendingTimers()).isEqualTo(3);

        assertThat(clock.advanceToNextTimer()).isTrue();
        assertThat(clock.now()).isEqualTo(at(Duration.ofSeconds(3)));
        assertThat(fired).containsExactly("3a", "3b");
        assertThat(clock.nextTimer()).contains(at(Duration.ofSeconds(5)));
        assertThat(clock.pendingTimers()).isEqualTo(1);

        assertThat(clock.advanceToNextTimer()).isTrue();
        assertThat(clock.now()).isEqualTo(at(Duration.ofSeconds(5)));
        assertThat(fired).containsExactly("3a", "3b", "5a");
        assertThat(clock.advanceToNextTimer()).isFalse();
        assertThat(clock.now()).isEqualTo(at(Duration.ofSeconds(5)));
    }

    @Test
    void pendingTimers_cancelledTimer_isNotCountedNorFired() {
        VirtualClock clock = VirtualClock.create();
        AtomicInteger fired = new AtomicInteger();
        TimerHandle early = schedule(clock, Duration.ofSeconds(1), fired::incrementAndGet);
        schedule(clock, Duration.ofSeconds(2), fired::incrementAndGet);
        assertThat(early.cancel()).isTrue();
        assertThat(early.cancel()).as("idempotent").isFalse();
        assertThat(clock.pendingTimers()).isEqualTo(1);
        assertThat(clock.nextTimer()).contains(at(Duration.ofSeconds(2)));
        clock.advance(Duration.ofSeconds(2));
        assertThat(fired).hasValue(1);
    }

    @Test
    void manualClock_blockedReceiveWithTimeout_timesOutOnlyWhenAdvanced() throws Exception {
        VirtualClock clock = VirtualClock.create();
        Channel<String> ch = Channel.rendezvous();
        try (Scope scope = Scope.builder().name("manual").timeSource(clock).open()) {
            Task<Instant> t = scope.fork("receiver", () -> {
                assertThat(ch.receive(Duration.ofSeconds(5))).isEmpty();
                return TimeSource.current().now();
            });
            TestSupport.awaitCondition(() -> clock.pendingTimers() == 1, "the receive's timeout timer");
            assertThat(clock.nextTimer()).contains(at(Duration.ofSeconds(5)));
            clock.advance(Duration.ofSeconds(4));
            assertThat(t.state()).isEqualTo(Task.State.RUNNING);
            clock.advance(Duration.ofSeconds(1));
            assertThat(t.join()).isEqualTo(at(Duration.ofSeconds(5)));
        }
    }

    // ---- auto-advance ----

    @Test
    void autoAdvance_tasksSleepingDifferentDurations_finishAtOnceWithElapsedTheLongestSleep() throws Exception {
        VirtualClock clock = VirtualClock.autoAdvancing();
        List<Duration> sleeps = List.of(Duration.ofHours(3), Duration.ofMinutes(1), Duration.ofDays(2),
                Duration.ofSeconds(30));
        long realStart = System.nanoTime();
        try (Scope scope = Scope.builder().name("sleepers").timeSource(clock).open()) {
            Task<List<Instant>> all = scope.fork("coordinator", () -> {
                // forked from a running task, so the clock cannot move before every sleeper is asleep
                List<Task<Instant>> tasks = new ArrayList<>();
                for (Duration d : sleeps) {
                    tasks.add(Scope.current().orElseThrow().fork("sleep-" + d, () -> {
                        Timers.sleep(d);
                        return TimeSource.current().now();
                    }));
                }
                List<Instant> woke = new ArrayList<>();
                for (Task<Instant> t : tasks) {
                    woke.add(t.join());
                }
                return woke;
            });
            assertThat(joinOrStall(all, clock)).containsExactly(at(Duration.ofHours(3)), at(Duration.ofMinutes(1)),
                    at(Duration.ofDays(2)), at(Duration.ofSeconds(30)));
            scope.join();
        }
        assertThat(clock.elapsed()).isEqualTo(Duration.ofDays(2));
        assertThat(Duration.ofNanos(System.nanoTime() - realStart)).as("real time").isLessThan(REAL_WAIT);
    }

    @Test
    void autoAdvance_pingPongWithTimeouts_clockMovesOnlyWhenEveryTaskIsBlocked() throws Exception {
        VirtualClock clock = VirtualClock.autoAdvancing();
        Channel<Integer> ping = Channel.rendezvous();
        Channel<Integer> pong = Channel.buffered(1);
        int rounds = 2000;
        AtomicReference<Task<Instant>> server = new AtomicReference<>();
        try (Scope scope = Scope.builder().name("ping-pong").timeSource(clock).open()) {
            Task<Integer> client = scope.fork("client", () -> {
                // the client forks the server, so the clock cannot jump before both run
                server.set(Scope.current().orElseThrow().fork("server", () -> {
                    for (;;) {
                        Optional<Integer> n = ping.receive(Duration.ofHours(1));
                        if (n.isEmpty()) {
                            return TimeSource.current().now(); // the client went quiet
                        }
                        assertThat(pong.send(n.get() + 1, Duration.ofHours(1))).isTrue();
                    }
                }));
                int v = 0;
                for (int i = 0; i < rounds; i++) {
                    assertThat(ping.send(v, Duration.ofMinutes(1))).as("round %d send", i).isTrue();
                    v = pong.receive(Duration.ofMinutes(1)).orElseThrow(() -> new AssertionError("pong timed out"));
                }
                assertThat(TimeSource.current().now()).as("no timeout ran while the other task was working")
                        .isEqualTo(EPOCH);
                return v;
            });
            assertThat(joinOrStall(client, clock)).isEqualTo(rounds);
            assertThat(joinOrStall(server.get(), clock)).as("the server's last receive timed out after an hour")
                    .isEqualTo(at(Duration.ofHours(1)));
        }
        assertThat(clock.elapsed()).isEqualTo(Duration.ofHours(1));
    }

    @Test
    void autoAdvance_senderSleepsBeforeSending_receiverGetsItBeforeItsTimeout() throws Exception {
        VirtualClock clock = VirtualClock.autoAdvancing();
        Channel<String> ch = Channel.rendezvous();
        try (Scope scope = Scope.builder().name("late-sender").timeSource(clock).open()) {
            Task<String> receiver = scope.fork("receiver", () -> {
                Scope.current().orElseThrow().fork("sender", () -> {
                    Timers.sleep(Duration.ofSeconds(3));
                    ch.send("hi");
                });
                return ch.receive(Duration.ofSeconds(10)).orElse("timed out") + " at " + TimeSource.current().now();
            });
            assertThat(joinOrStall(receiver, clock)).isEqualTo("hi at " + at(Duration.ofSeconds(3)));
            scope.join();
        }
        assertThat(clock.elapsed()).as("the receiver's 10 s timeout timer was withdrawn")
                .isEqualTo(Duration.ofSeconds(3));
        assertThat(clock.pendingTimers()).isZero();
    }

    @Test
    void autoAdvance_receiveWithTimeout_timesOutAtExactlyTheVirtualDeadline() throws Exception {
        VirtualClock clock = VirtualClock.autoAdvancing();
        Channel<String> empty = Channel.buffered(4);
        Channel<String> full = Channel.buffered(1);
        assertThat(full.trySend("x")).isTrue();
        try (Scope scope = Scope.builder().name("timeouts").timeSource(clock).open()) {
            Task<List<Instant>> t = scope.fork("waiter", () -> {
                List<Instant> when = new ArrayList<>();
                assertThat(empty.receive(Duration.ofMillis(7250))).isEmpty();
                when.add(TimeSource.current().now());
                assertThat(full.send("y", Duration.ofMinutes(2))).isFalse();
                when.add(TimeSource.current().now());
                return when;
            });
            assertThat(joinOrStall(t, clock)).containsExactly(at(Duration.ofMillis(7250)),
                    at(Duration.ofMillis(7250).plusMinutes(2)));
        }
        assertThat(full.tryReceive()).contains("x");
        assertThat(full.tryReceive()).as("the timed-out send left nothing behind").isEmpty();
    }

    @Test
    void autoAdvance_taskBlockedOutsideWeft_keepsTheClockUntilReleased() throws Exception {
        VirtualClock clock = VirtualClock.autoAdvancing();
        CountDownLatch latch = new CountDownLatch(1);
        AtomicReference<Thread> sleeperThread = new AtomicReference<>();
        AtomicReference<Thread> blockerThread = new AtomicReference<>();
        AtomicReference<Duration> elapsedWhileAllBlocked = new AtomicReference<>();
        AtomicReference<Throwable> observerFailure = new AtomicReference<>();
        Thread testThread = Thread.currentThread();
        try (Scope scope = Scope.builder().name("latch").timeSource(clock).open()) {
            scope.fork("blocker", () -> {
                blockerThread.set(Thread.currentThread());
                latch.await(); // a JDK wait: the clock must treat this task as running
            });
            Task<Instant> sleeper = scope.fork("sleeper", () -> {
                sleeperThread.set(Thread.currentThread());
                Timers.sleep(Duration.ofSeconds(1));
                return TimeSource.current().now();
            });
            // An observer outside the scope looks while this thread too is parked in join(): every participant
            // but the blocker is in a weft wait, and the decision to jump is taken as the last of them parks.
            Thread observer = Thread.ofVirtual().name("observer").start(() -> {
                try {
                    TestSupport.awaitCondition(() -> sleeperThread.get() != null && blockerThread.get() != null,
                            "both tasks to start");
                    TestSupport.awaitBlocked(blockerThread.get());
                    TestSupport.awaitCondition(() -> clock.pendingTimers() == 1, "the sleeper's timer");
                    TestSupport.awaitBlocked(sleeperThread.get()); // fails if the clock jumped and woke it
                    TestSupport.awaitBlocked(testThread);
                    elapsedWhileAllBlocked.set(clock.elapsed());
                } catch (Throwable e) {
                    observerFailure.set(e);
                } finally {
                    latch.countDown();
                }
            });
            assertThat(joinOrStall(sleeper, clock)).isEqualTo(at(Duration.ofSeconds(1)));
            TestSupport.awaitTerminated(observer);
            scope.join();
        }
        assertThat(observerFailure.get()).as("the observer's view").isNull();
        assertThat(elapsedWhileAllBlocked.get()).as("elapsed while the blocker waited on a latch").isZero();
        assertThat(clock.elapsed()).isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void autoAdvance_timerWhoseActionWakesNobody_stillAdvancesToTheNextOne() throws Exception {
        // A one-shot timer nobody receives from fires into its channel without waking a task: auto-advance must
        // keep going to the sleeper's deadline instead of stalling with every task blocked.
        VirtualClock clock = VirtualClock.autoAdvancing();
        try (Scope scope = Scope.builder().name("unreceived").timeSource(clock).open()) {
            Task<Instant> t = scope.fork("sleeper", () -> {
                ReceiveChannel<Instant> ignored = Timers.after(Duration.ofSeconds(1));
                Timers.sleep(Duration.ofSeconds(2));
                assertThat(ignored.tryReceive()).contains(at(Duration.ofSeconds(1)));
                return TimeSource.current().now();
            });
            assertThat(joinOrStall(t, clock)).isEqualTo(at(Duration.ofSeconds(2)));
        }
    }

    @Test
    void scopeDeadline_autoAdvancingClock_cancelsTasksAndJoinThrowsDeadlineExceeded() throws Exception {
        VirtualClock clock = VirtualClock.autoAdvancing();
        AtomicReference<Throwable> seenByTask = new AtomicReference<>();
        Task<Void> slow;
        try (Scope scope = Scope.builder().name("bounded").timeSource(clock).timeout(Duration.ofSeconds(30))
                .open()) {
            slow = scope.fork("slow", () -> {
                try {
                    Timers.sleep(Duration.ofHours(1));
                } catch (CancelledException e) {
                    seenByTask.set(e);
                    throw e;
                }
            });
            assertThatThrownBy(scope::join).isInstanceOfSatisfying(DeadlineExceededException.class, e -> {
                assertThat(e.scopeName()).isEqualTo("bounded");
                assertThat(e.timeout()).isEqualTo(Duration.ofSeconds(30));
                assertThat(e).hasMessageContaining("bounded").hasMessageContaining("PT30S");
            });
        }
        assertThat(slow.state()).isEqualTo(Task.State.CANCELLED);
        assertThat(seenByTask.get()).isInstanceOf(CancelledException.class).hasMessageContaining("deadline");
        assertThat(clock.elapsed()).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void scopeDeadline_manualClock_firesWhenAdvancedPastIt() throws Exception {
        VirtualClock clock = VirtualClock.create();
        try (Scope scope = Scope.builder().name("bounded").timeSource(clock).timeout(Duration.ofMinutes(5))
                .open()) {
            Task<Void> slow = scope.fork("slow", () -> Timers.sleep(Duration.ofHours(1)));
            clock.advance(Duration.ofMinutes(5).minusNanos(1));
            assertThat(scope.isCancelled()).isFalse();
            clock.advance(Duration.ofNanos(1));
            assertThat(scope.isCancelled()).isTrue();
            assertThatThrownBy(scope::join).isInstanceOf(DeadlineExceededException.class);
            assertThat(slow.state()).isEqualTo(Task.State.CANCELLED);
        }
        assertThat(clock.elapsed()).isEqualTo(Duration.ofMinutes(5));
    }

    @Test
    void autoAdvance_manyTasksWithTheSameDeadlines_eachWakesAtItsDeadlineNotLater() throws Exception {
        // All wake-ups due at one instant fire as one batch; a task woken early in the batch that sleeps again must
        // not move the clock on while later wake-ups of the batch have not run yet.
        VirtualClock clock = VirtualClock.autoAdvancing();
        int tasks = 200;
        int rounds = 5;
        AtomicInteger wrong = new AtomicInteger();
        AtomicReference<String> firstWrong = new AtomicReference<>();
        try (Scope scope = Scope.builder().name("lockstep").timeSource(clock).open()) {
            Task<Void> coordinator = scope.fork("coordinator", () -> {
                try (Scope sleepers = Scope.open("sleepers")) {
                    for (int i = 0; i < tasks; i++) {
                        sleepers.fork("sleeper-" + i, () -> {
                            for (int r = 1; r <= rounds; r++) {
                                Timers.sleep(Duration.ofSeconds(1));
                                Instant now = TimeSource.current().now();
                                if (!now.equals(at(Duration.ofSeconds(r)))) {
                                    wrong.incrementAndGet();
                                    firstWrong.compareAndSet(null, "round " + r + " woke at " + now);
                                }
                            }
                        });
                    }
                    sleepers.join();
                }
            });
            joinOrStall(coordinator, clock);
        }
        assertThat(wrong).as("wake-ups at another instant than their deadline, first: %s", firstWrong.get())
                .hasValue(0);
        assertThat(clock.elapsed()).isEqualTo(Duration.ofSeconds(rounds));
    }

    @Test
    void autoAdvance_thousandTasksSleepingRandomDurations_eachWakesOnTimeAndClockEndsAtTheMax() throws Exception {
        VirtualClock clock = VirtualClock.autoAdvancing();
        Random random = new Random(42);
        long[] sleepMillis = new long[1000];
        for (int i = 0; i < sleepMillis.length; i++) {
            sleepMillis[i] = 1 + random.nextInt(3_600_000);
        }
        long max = Arrays.stream(sleepMillis).max().orElseThrow();
        AtomicInteger late = new AtomicInteger();
        AtomicInteger woke = new AtomicInteger();
        try (Scope scope = Scope.builder().name("thousand").timeSource(clock).open()) {
            Task<Void> coordinator = scope.fork("coordinator", () -> {
                try (Scope sleepers = Scope.open("sleepers")) {
                    for (long ms : sleepMillis) {
                        sleepers.fork("sleep-" + ms, () -> {
                            Timers.sleep(Duration.ofMillis(ms));
                            if (!TimeSource.current().now().equals(at(Duration.ofMillis(ms)))) {
                                late.incrementAndGet();
                            }
                            woke.incrementAndGet();
                        });
                    }
                    sleepers.join();
                }
            });
            joinOrStall(coordinator, clock);
        }
        assertThat(woke).hasValue(1000);
        assertThat(late).as("tasks that woke at another instant than their deadline").hasValue(0);
        assertThat(clock.elapsed()).isEqualTo(Duration.ofMillis(max));
    }
}
