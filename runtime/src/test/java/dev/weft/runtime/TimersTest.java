package dev.weft.runtime;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.runtime.testing.PinningGuard;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Tests of {@link Timers}: sleep, one-shot timers, tickers with each {@link MissedTickPolicy}, and the resettable
 * timer. All but the last run on a {@link VirtualClock}, so they take microseconds and assert exact instants.
 */
@Timeout(value = 30, unit = SECONDS)
@ExtendWith(PinningGuard.class)
final class TimersTest {

    private static final Instant EPOCH = Instant.parse("2000-01-01T00:00:00Z");

    private final List<AutoCloseable> toClose = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
    }

    private Scope scopeOn(VirtualClock clock) {
        Scope scope = Scope.builder().name("timers").timeSource(clock).open();
        toClose.add(scope);
        return scope;
    }

    /**
     * Runs {@code body} as a task of {@code scope} (so it sees the scope's clock) and returns its result, failing
     * clearly instead of hanging if virtual time stops moving.
     */
    private static <T> T inTask(Scope scope, Callable<T> body) throws InterruptedException {
        Task<T> task = scope.fork("setup", body);
        try {
            return task.join(Duration.ofSeconds(10));
        } catch (TimeoutException stalled) {
            throw new AssertionError("task did not finish within 10 s of real time; virtual time stopped at "
                    + scope.timeSource().now(), stalled);
        }
    }

    private static Instant at(Duration sinceEpoch) {
        return EPOCH.plus(sinceEpoch);
    }

    private static Duration secs(double s) {
        return Duration.ofMillis(Math.round(s * 1000));
    }

    /** Takes every tick that is ready now, without advancing the clock. */
    private static List<Instant> drain(ReceiveChannel<Instant> ch) {
        List<Instant> got = new ArrayList<>();
        for (Optional<Instant> t = ch.tryReceive(); t.isPresent(); t = ch.tryReceive()) {
            got.add(t.get());
        }
        return got;
    }

    // ---- sleep ----

    @Test
    void sleep_autoAdvancingClock_advancesExactlyTheVirtualTime() throws Exception {
        VirtualClock clock = VirtualClock.autoAdvancing();
        Scope scope = scopeOn(clock);
        Task<Instant> t = scope.fork("sleeper", () -> {
            Timers.sleep(Duration.ofMinutes(90));
            return TimeSource.current().now();
        });
        assertThat(t.join()).isEqualTo(at(Duration.ofMinutes(90)));
        assertThat(clock.elapsed()).isEqualTo(Duration.ofMinutes(90));
    }

    @Test
    void sleep_manualClock_wakesOnlyWhenDeadlineReached() throws Exception {
        VirtualClock clock = VirtualClock.create();
        Scope scope = scopeOn(clock);
        Task<Instant> t = scope.fork("sleeper", () -> {
            Timers.sleep(Duration.ofSeconds(5));
            return TimeSource.current().now();
        });
        TestSupport.awaitCondition(() -> clock.pendingTimers() == 1, "the sleeper's wake-up timer");
        clock.advance(Duration.ofSeconds(5).minusNanos(1));
        assertThat(t.state()).isEqualTo(Task.State.RUNNING);
        clock.advance(Duration.ofNanos(1));
        assertThat(t.join()).isEqualTo(at(Duration.ofSeconds(5)));
        assertThat(clock.pendingTimers()).isZero();
    }

    @Test
    void sleep_zeroOrNegative_returnsAtOnce() throws Exception {
        VirtualClock clock = VirtualClock.create();
        Scope scope = scopeOn(clock);
        inTask(scope, () -> {
            Timers.sleep(Duration.ZERO);
            Timers.sleep(Duration.ofSeconds(-1));
            Timers.sleepUntil(EPOCH.minusSeconds(10));
            return null;
        });
        assertThat(clock.elapsed()).isZero();
    }

    @Test
    void sleepUntil_instant_wakesAtThatInstant() throws Exception {
        VirtualClock clock = VirtualClock.autoAdvancing();
        Scope scope = scopeOn(clock);
        Instant wake = inTask(scope, () -> {
            Timers.sleepUntil(at(Duration.ofHours(2)));
            return TimeSource.current().now();
        });
        assertThat(wake).isEqualTo(at(Duration.ofHours(2)));
    }

    @Test
    void sleep_taskCancelledWhileSleeping_throwsCancelledException() throws Exception {
        VirtualClock clock = VirtualClock.create();
        Scope scope = scopeOn(clock);
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Task<Void> t = scope.fork("sleeper", () -> {
            try {
                Timers.sleep(Duration.ofHours(1));
            } catch (Throwable e) {
                thrown.set(e);
                throw e;
            }
        });
        TestSupport.awaitCondition(() -> clock.pendingTimers() == 1, "the sleeper's wake-up timer");
        t.cancel();
        assertThatThrownBy(t::join).isInstanceOf(CancelledException.class);
        assertThat(t.state()).isEqualTo(Task.State.CANCELLED);
        assertThat(thrown.get()).isInstanceOf(CancelledException.class).hasMessageContaining("sleeper");
        assertThat(clock.elapsed()).isZero();
    }

    @Test
    void sleep_alreadyCancelledTaskWithFlagCleared_throwsCancelledException() throws Exception {
        Scope scope = scopeOn(VirtualClock.create());
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Task<Void> t = scope.fork("self-cancelling", () -> {
            Scope.current().orElseThrow().cancel();
            boolean wasInterrupted = Thread.interrupted();
            assertThat(wasInterrupted).as("cancel interrupts the task").isTrue();
            try {
                Timers.sleep(Duration.ofSeconds(1));
            } catch (Throwable e) {
                thrown.set(e);
                throw e;
            }
        });
        assertThatThrownBy(t::join).isInstanceOf(CancelledException.class);
        assertThat(thrown.get()).isInstanceOf(CancelledException.class).hasMessageContaining("timers");
    }

    @Test
    void sleep_plainThreadInterrupted_throwsInterruptedException() throws Exception {
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread sleeper = Thread.ofVirtual().name("plain-sleeper").start(() -> {
            try {
                Timers.sleep(Duration.ofHours(1)); // outside any scope: the system clock
            } catch (Throwable e) {
                thrown.set(e);
            }
        });
        TestSupport.awaitBlocked(sleeper);
        sleeper.interrupt();
        TestSupport.awaitTerminated(sleeper);
        assertThat(thrown.get()).isInstanceOf(InterruptedException.class);
    }

    @Test
    void sleep_null_throwsNamingDuration() {
        assertThatThrownBy(() -> Timers.sleep(null)).isInstanceOf(NullPointerException.class)
                .hasMessage("duration");
        assertThatThrownBy(() -> Timers.sleepUntil(null)).isInstanceOf(NullPointerException.class)
                .hasMessage("instant");
    }

    // ---- after / at ----

    @Test
    void after_delay_deliversOnceAtDeadlineThenCloses() throws Exception {
        VirtualClock clock = VirtualClock.create();
        Scope scope = scopeOn(clock);
        ReceiveChannel<Instant> ch = inTask(scope, () -> Timers.after(Duration.ofSeconds(5)));
        clock.advance(Duration.ofSeconds(5).minusNanos(1));
        assertThat(ch.tryReceive()).isEmpty();
        assertThat(ch.isClosedForReceive()).isFalse();
        clock.advance(Duration.ofNanos(1));
        assertThat(ch.tryReceive()).contains(at(Duration.ofSeconds(5)));
        assertThat(ch.isClosedForReceive()).isTrue();
        assertThatThrownBy(ch::tryReceive).isInstanceOf(ChannelClosedException.class);
        clock.advance(Duration.ofHours(1));
        assertThat(clock.pendingTimers()).isZero();
    }

    @Test
    void after_receiveInTask_returnsAtTheVirtualDeadline() throws Exception {
        VirtualClock clock = VirtualClock.autoAdvancing();
        Scope scope = scopeOn(clock);
        Instant got = inTask(scope, () -> Timers.after(Duration.ofMillis(1500)).receive());
        assertThat(got).isEqualTo(at(Duration.ofMillis(1500)));
        assertThat(clock.elapsed()).isEqualTo(Duration.ofMillis(1500));
    }

    @Test
    void after_zero_firesAtOnce() throws Exception {
        Scope scope = scopeOn(VirtualClock.create());
        ReceiveChannel<Instant> ch = inTask(scope, () -> Timers.after(Duration.ZERO));
        assertThat(ch.tryReceive()).contains(EPOCH);
        assertThat(ch.isClosedForReceive()).isTrue();
    }

    @Test
    void after_negativeOrNull_throwsNamingDelay() {
        assertThatThrownBy(() -> Timers.after(Duration.ofMillis(-1))).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("delay must not be negative: PT-0.001S");
        assertThatThrownBy(() -> Timers.after(null)).isInstanceOf(NullPointerException.class).hasMessage("delay");
    }

    @Test
    void at_futureInstant_deliversThatInstantWhenReached() throws Exception {
        VirtualClock clock = VirtualClock.create();
        Scope scope = scopeOn(clock);
        Instant when = at(Duration.ofMinutes(3));
        ReceiveChannel<Instant> ch = inTask(scope, () -> Timers.at(when));
        assertThat(clock.nextTimer()).contains(when);
        clock.advance(Duration.ofMinutes(2));
        assertThat(ch.tryReceive()).isEmpty();
        clock.advance(Duration.ofMinutes(2));
        assertThat(ch.tryReceive()).contains(when);
        assertThat(ch.isClosedForReceive()).isTrue();
    }

    @Test
    void at_pastInstant_firesAtOnce() throws Exception {
        VirtualClock clock = VirtualClock.create();
        Scope scope = scopeOn(clock);
        clock.advance(Duration.ofHours(1));
        ReceiveChannel<Instant> ch = inTask(scope, () -> Timers.at(EPOCH));
        assertThat(ch.tryReceive()).as("a past instant fires without the clock moving").isPresent();
        assertThat(ch.isClosedForReceive()).isTrue();
    }

    @Test
    void at_null_throwsNamingInstant() {
        assertThatThrownBy(() -> Timers.at(null)).isInstanceOf(NullPointerException.class).hasMessage("instant");
    }

    // ---- ticker ----

    @Test
    void ticker_promptConsumer_ticksOnThePeriodGrid() throws Exception {
        VirtualClock clock = VirtualClock.create();
        Scope scope = scopeOn(clock);
        Ticker ticker = inTask(scope, () -> Timers.ticker(Duration.ofSeconds(2)));
        toClose.add(ticker);
        assertThat(ticker.period()).isEqualTo(Duration.ofSeconds(2));
        assertThat(ticker.policy()).isEqualTo(MissedTickPolicy.SKIP);
        List<Instant> got = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            clock.advance(Duration.ofSeconds(1));
            got.addAll(drain(ticker));
        }
        assertThat(got).containsExactly(at(secs(2)), at(secs(4)));
        assertThat(ticker.missedTicks()).isZero();
    }

    /** Starts a 1 s ticker, lets 5.5 periods pass without receiving, then takes what is ready at 5.5 s. */
    private Ticker slowConsumer(VirtualClock clock, MissedTickPolicy policy, List<Instant> takenAt5s5)
            throws InterruptedException {
        Scope scope = scopeOn(clock);
        Ticker ticker = inTask(scope, () -> Timers.ticker(Duration.ofSeconds(1), policy));
        toClose.add(ticker);
        clock.advance(secs(5.5));
        takenAt5s5.addAll(drain(ticker));
        return ticker;
    }

    /**
     * After {@link #slowConsumer}: nothing for {@code quiet}, then a tick at {@code next} seconds and one a period
     * later; the missed count stays at 4.
     */
    private static void assertResumes(VirtualClock clock, Ticker ticker, Duration quiet, double next) {
        clock.advance(quiet);
        assertThat(ticker.tryReceive()).isEmpty();
        clock.advance(secs(0.01));
        assertThat(drain(ticker)).containsExactly(at(secs(next)));
        clock.advance(secs(1));
        assertThat(drain(ticker)).containsExactly(at(secs(next + 1)));
        assertThat(ticker.missedTicks()).isEqualTo(4);
    }

    @Test
    void ticker_burst_deliversLateTicksBackToBackThenKeepsTheGrid() throws Exception {
        VirtualClock clock = VirtualClock.create();
        List<Instant> late = new ArrayList<>();
        Ticker ticker = slowConsumer(clock, MissedTickPolicy.BURST, late);
        assertThat(late).containsExactly(at(secs(1)), at(secs(2)), at(secs(3)), at(secs(4)), at(secs(5)));
        assertThat(ticker.missedTicks()).isEqualTo(4);
        assertResumes(clock, ticker, secs(0.49), 6);
    }

    @Test
    void ticker_burstBacklogNotYetTaken_gridTicksJoinTheBacklog() throws Exception {
        VirtualClock clock = VirtualClock.create();
        Scope scope = scopeOn(clock);
        Ticker ticker = inTask(scope, () -> Timers.ticker(Duration.ofSeconds(1), MissedTickPolicy.BURST));
        toClose.add(ticker);
        clock.advance(secs(3));
        assertThat(ticker.tryReceive()).contains(at(secs(1)));
        assertThat(ticker.tryReceive()).contains(at(secs(2)));
        clock.advance(secs(2)); // ticks due at 4 and 5 fall behind the pending 3
        assertThat(drain(ticker)).containsExactly(at(secs(3)), at(secs(4)), at(secs(5)));
        assertThat(ticker.missedTicks()).isEqualTo(4);
    }

    @Test
    void ticker_delay_restartsTheCadenceOnePeriodAfterTheLateTickWasTaken() throws Exception {
        VirtualClock clock = VirtualClock.create();
        List<Instant> late = new ArrayList<>();
        Ticker ticker = slowConsumer(clock, MissedTickPolicy.DELAY, late);
        assertThat(late).containsExactly(at(secs(1)));
        assertThat(ticker.missedTicks()).as("ticks due at 2, 3, 4 and 5 s were dropped").isEqualTo(4);
        assertResumes(clock, ticker, secs(0.99), 6.5); // at 6.49 s the old grid's 6 s tick does not come
    }

    @Test
    void ticker_skip_dropsMissedTicksAndKeepsTheGrid() throws Exception {
        VirtualClock clock = VirtualClock.create();
        List<Instant> late = new ArrayList<>();
        Ticker ticker = slowConsumer(clock, MissedTickPolicy.SKIP, late);
        assertThat(late).containsExactly(at(secs(1)));
        assertThat(ticker.missedTicks()).isEqualTo(4);
        assertResumes(clock, ticker, secs(0.49), 6);
    }

    @Test
    void ticker_close_stopsTicksAndClosesTheChannel() throws Exception {
        VirtualClock clock = VirtualClock.create();
        Scope scope = scopeOn(clock);
        Ticker ticker = inTask(scope, () -> Timers.ticker(Duration.ofSeconds(1)));
        clock.advance(secs(1));
        ticker.close();
        assertThat(clock.pendingTimers()).as("the next tick is unscheduled").isZero();
        assertThat(ticker.tryReceive()).as("the pending tick is still delivered").contains(at(secs(1)));
        assertThat(ticker.isClosedForReceive()).isTrue();
        assertThatThrownBy(ticker::tryReceive).isInstanceOf(ChannelClosedException.class)
                .hasMessageContaining("ticker(PT1S)");
        clock.advance(secs(10));
        ticker.close(); // idempotent
        assertThat(ticker.toString()).contains("closed");
    }

    @Test
    void ticker_closeWhileConsumerWaits_wakesItWithClosed() throws Exception {
        VirtualClock clock = VirtualClock.create();
        Scope scope = scopeOn(clock);
        Ticker ticker = inTask(scope, () -> Timers.ticker(Duration.ofSeconds(1)));
        AtomicReference<Thread> thread = new AtomicReference<>();
        Task<Integer> consumer = scope.fork("consumer", () -> {
            thread.set(Thread.currentThread());
            int n = 0;
            for (Instant ignored : ticker) {
                n++;
            }
            return n;
        });
        clock.advance(secs(2));
        TestSupport.awaitCondition(() -> thread.get() != null, "consumer to start");
        TestSupport.awaitBlocked(thread.get());
        ticker.close();
        assertThat(consumer.join()).isBetween(1, 2);
    }

    @Test
    void ticker_badArguments_throwNamingTheParameter() {
        assertThatThrownBy(() -> Timers.ticker(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("period must be positive: PT0S");
        assertThatThrownBy(() -> Timers.ticker(Duration.ofSeconds(-1))).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("period must be positive: PT-1S");
        assertThatThrownBy(() -> Timers.ticker(null)).isInstanceOf(NullPointerException.class).hasMessage("period");
        assertThatThrownBy(() -> Timers.ticker(Duration.ofSeconds(1), null))
                .isInstanceOf(NullPointerException.class).hasMessage("policy");
    }

    @Test
    void ticker_inSelectOnAutoAdvancingClock_ticksBetweenMessages() throws Exception {
        VirtualClock clock = VirtualClock.autoAdvancing();
        Scope scope = scopeOn(clock);
        Channel<String> messages = Channel.rendezvous();
        List<String> events = inTask(scope, () -> {
            // forked from a task, so the clock cannot jump before the consumer is waiting too
            Scope.current().orElseThrow().fork("producer", () -> {
                Timers.sleep(secs(2.5));
                messages.send("hello");
            });
            List<String> seen = new ArrayList<>();
            try (Ticker ticker = Timers.ticker(Duration.ofSeconds(1))) {
                Select<String> select = Select.<String>create()
                        .onReceive(messages, m -> "message " + m + " at " + TimeSource.current().now())
                        .onReceive(ticker, tick -> "tick " + tick);
                while (seen.size() < 5) {
                    seen.add(select.select());
                }
            }
            return seen;
        });
        assertThat(events).containsExactly("tick " + at(secs(1)), "tick " + at(secs(2)),
                "message hello at " + at(secs(2.5)), "tick " + at(secs(3)), "tick " + at(secs(4)));
    }

    // ---- resettable ----

    @Test
    void resettable_untouched_expiresAfterTimeout() throws Exception {
        VirtualClock clock = VirtualClock.create();
        Scope scope = scopeOn(clock);
        ResettableTimer timer = inTask(scope, () -> Timers.resettable(Duration.ofSeconds(10)));
        toClose.add(timer);
        assertThat(timer.isArmed()).isTrue();
        assertThat(timer.timeout()).isEqualTo(Duration.ofSeconds(10));
        clock.advance(secs(10).minusNanos(1));
        assertThat(timer.tryReceive()).isEmpty();
        clock.advance(Duration.ofNanos(1));
        assertThat(timer.isArmed()).isFalse();
        assertThat(drain(timer)).containsExactly(at(secs(10)));
        clock.advance(secs(100));
        assertThat(timer.tryReceive()).as("one-shot until reset").isEmpty();
    }

    @Test
    void resettable_manyResets_neverFireEarly() throws Exception {
        VirtualClock clock = VirtualClock.create();
        Scope scope = scopeOn(clock);
        ResettableTimer timer = inTask(scope, () -> Timers.resettable(Duration.ofSeconds(10)));
        toClose.add(timer);
        for (int i = 0; i < 1000; i++) {
            clock.advance(secs(9.999));
            assertThat(timer.tryReceive()).as("reset %d", i).isEmpty();
            timer.reset();
        }
        assertThat(clock.pendingTimers()).as("resets re-arm lazily, one timer at most").isEqualTo(1);
        Duration lastReset = clock.elapsed();
        clock.advance(secs(10));
        assertThat(drain(timer)).containsExactly(at(lastReset.plus(secs(10))));
    }

    @Test
    void resettable_resetAfterUnreceivedExpiry_discardsIt() throws Exception {
        VirtualClock clock = VirtualClock.create();
        Scope scope = scopeOn(clock);
        ResettableTimer timer = inTask(scope, () -> Timers.resettable(Duration.ofSeconds(10)));
        toClose.add(timer);
        clock.advance(secs(15));
        timer.reset();
        assertThat(timer.tryReceive()).as("the expiry from before the reset").isEmpty();
        assertThat(timer.isArmed()).isTrue();
        clock.advance(secs(10));
        assertThat(drain(timer)).containsExactly(at(secs(25)));
    }

    @Test
    void resettable_stop_disarmsAndDiscardsUnreceivedExpiry() throws Exception {
        VirtualClock clock = VirtualClock.create();
        Scope scope = scopeOn(clock);
        ResettableTimer timer = inTask(scope, () -> Timers.resettable(Duration.ofSeconds(10)));
        toClose.add(timer);
        clock.advance(secs(5));
        timer.stop();
        assertThat(timer.isArmed()).isFalse();
        assertThat(clock.pendingTimers()).isZero();
        clock.advance(secs(60));
        assertThat(timer.tryReceive()).isEmpty();

        timer.reset(); // re-arms at 65 + 10
        clock.advance(secs(10));
        timer.stop();
        assertThat(timer.tryReceive()).as("stop discards the expiry at 75 s").isEmpty();
        timer.reset();
        clock.advance(secs(10));
        assertThat(drain(timer)).containsExactly(at(secs(85)));
    }

    @Test
    void resettable_resetWithNewTimeout_changesTimeoutForLaterResets() throws Exception {
        VirtualClock clock = VirtualClock.create();
        Scope scope = scopeOn(clock);
        ResettableTimer timer = inTask(scope, () -> Timers.resettable(Duration.ofSeconds(10)));
        toClose.add(timer);
        timer.reset(Duration.ofSeconds(3)); // earlier than the scheduled 10 s
        assertThat(timer.timeout()).isEqualTo(Duration.ofSeconds(3));
        clock.advance(secs(3));
        assertThat(drain(timer)).containsExactly(at(secs(3)));
        timer.reset();
        clock.advance(secs(3));
        assertThat(drain(timer)).containsExactly(at(secs(6)));
        timer.reset(Duration.ofSeconds(20)); // later
        clock.advance(secs(19.999));
        assertThat(timer.tryReceive()).isEmpty();
        clock.advance(secs(0.001));
        assertThat(drain(timer)).containsExactly(at(secs(26)));
        assertThat(clock.pendingTimers()).isZero();
    }

    @Test
    void resettable_badTimeouts_throwNamingTimeout() throws Exception {
        assertThatThrownBy(() -> Timers.resettable(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("timeout must be positive: PT0S");
        assertThatThrownBy(() -> Timers.resettable(null)).isInstanceOf(NullPointerException.class)
                .hasMessage("timeout");
        Scope scope = scopeOn(VirtualClock.create());
        ResettableTimer timer = inTask(scope, () -> Timers.resettable(Duration.ofSeconds(1)));
        toClose.add(timer);
        assertThatThrownBy(() -> timer.reset(Duration.ofSeconds(-2))).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("timeout must be positive: PT-2S");
        assertThat(timer.timeout()).isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void resettable_close_disarmsClosesAndRejectsReset() throws Exception {
        VirtualClock clock = VirtualClock.create();
        Scope scope = scopeOn(clock);
        ResettableTimer timer = inTask(scope, () -> Timers.resettable(Duration.ofSeconds(10)));
        timer.close();
        assertThat(timer.isArmed()).isFalse();
        assertThat(clock.pendingTimers()).isZero();
        assertThat(timer.isClosedForReceive()).isTrue();
        assertThatThrownBy(timer::tryReceive).isInstanceOf(ChannelClosedException.class);
        assertThatThrownBy(timer::reset).isInstanceOf(IllegalStateException.class)
                .hasMessage("timer 'timer(PT10S)' is closed");
        timer.close(); // idempotent
    }

    @Test
    void resettable_idleTimeoutInSelect_expiresOneTimeoutAfterTheLastMessage() throws Exception {
        VirtualClock clock = VirtualClock.autoAdvancing();
        Scope scope = scopeOn(clock);
        Channel<Integer> messages = Channel.rendezvous();
        List<Object> events = inTask(scope, () -> {
            Scope.current().orElseThrow().fork("producer", () -> {
                for (int i = 1; i <= 3; i++) {
                    Timers.sleep(Duration.ofSeconds(1));
                    messages.send(i);
                }
            });
            List<Object> seen = new ArrayList<>();
            try (ResettableTimer idle = Timers.resettable(secs(2.5))) {
                boolean more = true;
                while (more) {
                    more = Select.<Boolean>create()
                            .onReceive(messages, m -> {
                                idle.reset();
                                seen.add(m);
                                return true;
                            })
                            .onReceive(idle, expired -> {
                                seen.add(expired);
                                return false;
                            })
                            .select();
                }
            }
            return seen;
        });
        assertThat(events).containsExactly(1, 2, 3, at(secs(5.5)));
        assertThat(clock.elapsed()).isEqualTo(secs(5.5));
    }

    // ---- real time ----

    @Test
    void afterAndTicker_systemClock_deliverInOrder() throws Exception {
        Instant before = Instant.now();
        ReceiveChannel<Instant> once = Timers.after(Duration.ofMillis(20));
        Optional<Instant> fired = once.receive(Duration.ofSeconds(10));
        assertThat(fired).isPresent();
        assertThat(fired.get()).isAfter(before);
        assertThatThrownBy(() -> once.receive(Duration.ofSeconds(10))).isInstanceOf(ChannelClosedException.class);

        try (Ticker ticker = Timers.ticker(Duration.ofMillis(5))) {
            List<Instant> ticks = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                ticks.add(ticker.receive(Duration.ofSeconds(10)).orElseThrow());
            }
            assertThat(ticks).isSorted().doesNotHaveDuplicates();
        }
    }
}
