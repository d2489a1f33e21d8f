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
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Tests of {@link Select}: exactly one clause fires, send and receive clauses, timeout and default, closed channels,
 * fairness and bias, self-matching, cancellation and reuse. The races are in {@code SelectContentionTest}.
 */
@Timeout(value = 30, unit = SECONDS)
@ExtendWith(PinningGuard.class)
final class SelectTest {

    private static final Instant EPOCH = Instant.parse("2000-01-01T00:00:00Z");
    private static final Duration REAL_WAIT = Duration.ofSeconds(10);

    private final List<Scope> scopes = new ArrayList<>();

    @AfterEach
    void closeScopes() {
        for (int i = scopes.size() - 1; i >= 0; i--) {
            scopes.get(i).close();
        }
    }

    private Scope scope() {
        Scope s = Scope.open("select");
        scopes.add(s);
        return s;
    }

    private Scope scopeOn(VirtualClock clock) {
        Scope s = Scope.builder().name("select").timeSource(clock).open();
        scopes.add(s);
        return s;
    }

    /** Forks {@code body} and waits until its thread is parked (blocked in the select, for the tests here). */
    private static <T> Task<T> forkBlocked(Scope scope, String name, Callable<T> body) {
        AtomicReference<Thread> thread = new AtomicReference<>();
        Task<T> task = scope.fork(name, () -> {
            thread.set(Thread.currentThread());
            return body.call();
        });
        TestSupport.awaitCondition(() -> thread.get() != null, "task '" + name + "' to start");
        TestSupport.awaitBlocked(thread.get());
        return task;
    }

    private static <T> T join(Task<T> task) throws InterruptedException {
        try {
            return task.join(REAL_WAIT);
        } catch (TimeoutException e) {
            throw new AssertionError("task '" + task.name() + "' still running after " + REAL_WAIT, e);
        }
    }

    private static <E> Channel<E> bufferedWith(int capacity, List<E> elements) {
        Channel<E> ch = Channel.buffered(capacity);
        for (E e : elements) {
            assertThat(ch.trySend(e)).isTrue();
        }
        return ch;
    }

    // ---- exactly one clause ----

    @Test
    void select_twoChannelsEachWithAnElement_consumesExactlyOne() throws Exception {
        int pickedA = 0;
        int pickedB = 0;
        for (int i = 0; i < 200; i++) {
            Channel<String> a = bufferedWith(1, List.of("a"));
            Channel<String> b = bufferedWith(1, List.of("b"));
            String got = Select.<String>create().onReceive(a, v -> v).onReceive(b, v -> v).select();
            assertThat(a.size() + b.size()).as("elements left after select %d", i).isEqualTo(1);
            if (got.equals("a")) {
                pickedA++;
                assertThat(b.tryReceive()).contains("b");
            } else {
                pickedB++;
                assertThat(a.tryReceive()).contains("a");
            }
        }
        assertThat(pickedA).isPositive();
        assertThat(pickedB).isPositive();
    }

    @Test
    void select_readyReceiveAndBlockedSend_firesOnlyTheReceive() throws Exception {
        for (int i = 0; i < 50; i++) {
            Channel<String> in = bufferedWith(1, List.of("x"));
            Channel<String> out = bufferedWith(1, List.of("old"));
            String got = Select.<String>create()
                    .onSend(out, "new", () -> "sent")
                    .onReceive(in, v -> "got " + v)
                    .select();
            assertThat(got).isEqualTo("got x");
            assertThat(out.tryReceive()).contains("old");
            assertThat(out.tryReceive()).isEmpty();
        }
    }

    @Test
    void select_readySendAndEmptyReceive_firesOnlyTheSend() throws Exception {
        for (int i = 0; i < 50; i++) {
            Channel<String> in = Channel.buffered(1);
            Channel<String> out = Channel.buffered(1);
            String got = Select.<String>create()
                    .onReceive(in, v -> "got " + v)
                    .onSend(out, "new", () -> "sent")
                    .select();
            assertThat(got).isEqualTo("sent");
            assertThat(out.tryReceive()).contains("new");
            assertThat(in.size()).isZero();
        }
    }

    @Test
    void select_sameChannelInTwoClauses_firesOneOfThem() throws Exception {
        Channel<String> ch = Channel.rendezvous();
        Task<String> t = forkBlocked(scope(), "selector", () -> Select.<String>create()
                .onReceive(ch, v -> "first " + v)
                .onReceive(ch, v -> "second " + v)
                .select());
        ch.send("x");
        assertThat(join(t)).isIn("first x", "second x");
        assertThat(ch.trySend("y")).as("neither clause is still waiting").isFalse();
    }

    @Test
    void onSend_droppingChannelFull_isAlwaysReady() throws Exception {
        Channel<String> latest = Channel.conflated();
        assertThat(latest.trySend("old")).isTrue();
        String got = Select.<String>create().onSend(latest, "new", () -> "sent").select();
        assertThat(got).isEqualTo("sent");
        assertThat(latest.tryReceive()).contains("new");
        assertThat(latest.droppedCount()).isEqualTo(1);
    }

    // ---- waiting ----

    @Test
    void onReceive_nothingReady_firesWhenAnElementIsSent() throws Exception {
        Channel<String> a = Channel.buffered(1);
        Channel<String> b = Channel.buffered(1);
        Task<String> t = forkBlocked(scope(), "selector",
                () -> Select.<String>create().onReceive(a, v -> "a:" + v).onReceive(b, v -> "b:" + v).select());
        assertThat(b.trySend("hello")).isTrue();
        assertThat(join(t)).isEqualTo("b:hello");
        assertThat(a.size() + b.size()).isZero();
        assertThat(a.trySend("later")).isTrue();
        assertThat(a.tryReceive()).as("the select left no receiver behind").contains("later");
    }

    @Test
    void onReceive_rendezvous_firesWhenASenderArrives() throws Exception {
        Channel<String> a = Channel.rendezvous();
        Channel<String> b = Channel.rendezvous();
        Task<String> t = forkBlocked(scope(), "selector",
                () -> Select.<String>create().onReceive(a, v -> "a:" + v).onReceive(b, v -> "b:" + v).select());
        a.send("direct"); // returns once the select took it
        assertThat(join(t)).isEqualTo("a:direct");
        assertThat(b.trySend("nobody")).as("no receiver left on b").isFalse();
    }

    @Test
    void onSend_rendezvous_firesWhenAReceiverArrives() throws Exception {
        Channel<String> out = Channel.rendezvous();
        Channel<String> in = Channel.rendezvous();
        Task<String> t = forkBlocked(scope(), "selector", () -> Select.<String>create()
                .onSend(out, "payload", () -> "sent")
                .onReceive(in, v -> "got " + v)
                .select());
        assertThat(out.receive()).isEqualTo("payload");
        assertThat(join(t)).isEqualTo("sent");
        assertThat(in.trySend("late")).as("the receive clause withdrew").isFalse();
        assertThat(out.tryReceive()).as("the element was sent once").isEmpty();
    }

    @Test
    void onSend_fullBuffer_firesWhenRoomAppears() throws Exception {
        Channel<String> out = bufferedWith(1, List.of("old"));
        Channel<String> in = Channel.buffered(1);
        Task<String> t = forkBlocked(scope(), "selector", () -> Select.<String>create()
                .onSend(out, "new", () -> "sent")
                .onReceive(in, v -> "got " + v)
                .select());
        assertThat(out.receive()).isEqualTo("old");
        assertThat(join(t)).isEqualTo("sent");
        assertThat(out.tryReceive()).contains("new");
        assertThat(in.trySend("x")).isTrue();
        assertThat(in.size()).as("the receive clause took nothing").isEqualTo(1);
    }

    // ---- timeout and default ----

    @Test
    void onTimeout_nothingReady_firesAtTheVirtualDeadline() throws Exception {
        VirtualClock clock = VirtualClock.autoAdvancing();
        Channel<String> a = Channel.rendezvous();
        Channel<String> full = bufferedWith(1, List.of("f"));
        Task<String> t = scopeOn(clock).fork("selector", () -> Select.<String>create()
                .onReceive(a, v -> "a")
                .onSend(full, "x", () -> "sent")
                .onTimeout(Duration.ofSeconds(5), () -> "timeout at " + TimeSource.current().now())
                .select());
        assertThat(join(t)).isEqualTo("timeout at " + EPOCH.plusSeconds(5));
        assertThat(clock.elapsed()).isEqualTo(Duration.ofSeconds(5));
        assertThat(full.size()).isEqualTo(1);
        assertThat(a.trySend("late")).as("no receiver left on a").isFalse();
    }

    @Test
    void onTimeout_elementArrivesFirst_receiveFiresAndTheTimerIsWithdrawn() throws Exception {
        VirtualClock clock = VirtualClock.autoAdvancing();
        Channel<String> ch = Channel.rendezvous();
        Task<String> t = scopeOn(clock).fork("selector", () -> {
            Scope.current().orElseThrow().fork("sender", () -> {
                Timers.sleep(Duration.ofSeconds(2));
                ch.send("hi");
            });
            return Select.<String>create()
                    .onReceive(ch, v -> v + " at " + TimeSource.current().now())
                    .onTimeout(Duration.ofSeconds(5), () -> "timeout")
                    .select();
        });
        assertThat(join(t)).isEqualTo("hi at " + EPOCH.plusSeconds(2));
        assertThat(clock.pendingTimers()).isZero();
        assertThat(clock.elapsed()).isEqualTo(Duration.ofSeconds(2));
    }

    @Test
    void onTimeout_zero_firesOnlyWhenNothingIsReady() throws Exception {
        Channel<String> ch = Channel.buffered(1);
        Select<String> select = Select.<String>create()
                .onReceive(ch, v -> "got " + v)
                .onTimeout(Duration.ZERO, () -> "timeout");
        assertThat(select.select()).isEqualTo("timeout");
        assertThat(ch.trySend("x")).isTrue();
        assertThat(select.select()).isEqualTo("got x");
    }

    @Test
    void onTimeout_withoutOtherClauses_waitsLikeSleep() throws Exception {
        VirtualClock clock = VirtualClock.autoAdvancing();
        Task<Instant> t = scopeOn(clock).fork("sleeper", () -> Select.<Instant>create()
                .onTimeout(Duration.ofMinutes(3), () -> TimeSource.current().now())
                .select());
        assertThat(join(t)).isEqualTo(EPOCH.plus(Duration.ofMinutes(3)));
    }

    @Test
    void onDefault_nothingReady_firesAtOnce() throws Exception {
        Channel<String> rendezvous = Channel.rendezvous();
        Channel<String> full = bufferedWith(1, List.of("f"));
        String got = Select.<String>create()
                .onReceive(rendezvous, v -> "got")
                .onSend(full, "x", () -> "sent")
                .onTimeout(Duration.ofHours(1), () -> "timeout")
                .onDefault(() -> "default")
                .select();
        assertThat(got).isEqualTo("default");
        assertThat(full.size()).isEqualTo(1);
        assertThat(rendezvous.trySend("late")).as("the default select registered nowhere").isFalse();
    }

    @Test
    void onDefault_clauseReady_firesTheClauseNotTheDefault() throws Exception {
        Channel<String> ch = bufferedWith(1, List.of("x"));
        Select<String> select = Select.<String>create().onReceive(ch, v -> "got " + v).onDefault(() -> "default");
        assertThat(select.select()).isEqualTo("got x");
        assertThat(select.select()).isEqualTo("default");
    }

    @Test
    void onDefault_waitingRendezvousSender_isReadyNotDefault() throws Exception {
        Channel<String> ch = Channel.rendezvous();
        Task<Void> sender = forkBlocked(scope(), "sender", () -> {
            ch.send("waiting");
            return null;
        });
        assertThat(Select.<String>create().onReceive(ch, v -> v).onDefault(() -> "default").select())
                .isEqualTo("waiting");
        join(sender);
    }

    @Test
    void onDefault_alone_returnsTheDefault() throws Exception {
        assertThat(Select.<String>create().onDefault(() -> "only").select()).isEqualTo("only");
    }

    // ---- closed channels ----

    @Test
    void onReceive_closedChannel_throwsChannelClosedWithTheCause() {
        Channel<String> ch = Channel.<String>builder().name("jobs").build();
        IllegalStateException cause = new IllegalStateException("upstream died");
        ch.close(cause);
        Select<String> select = Select.<String>create().onReceive(ch, v -> v);
        assertThatThrownBy(select::select).isInstanceOfSatisfying(ChannelClosedException.class, e -> {
            assertThat(e.channelName()).isEqualTo("jobs");
            assertThat(e).hasMessage("channel 'jobs' is closed and drained: " + cause).hasCause(cause);
        });
    }

    @Test
    void onReceive_closedWithBufferedElements_deliversThemBeforeClosed() throws Exception {
        Channel<String> ch = bufferedWith(2, List.of("1", "2"));
        ch.close();
        Select<String> select = Select.<String>create().onReceive(ch, v -> v);
        assertThat(select.select()).isEqualTo("1");
        assertThat(select.select()).isEqualTo("2");
        assertThatThrownBy(select::select).isInstanceOf(ChannelClosedException.class).hasNoCause();
    }

    @Test
    void onReceiveOrClosed_closedChannel_getsClosedWithTheCause() throws Exception {
        Channel<String> ch = Channel.<String>builder().name("lines").capacity(1).build();
        Channel<String> other = Channel.rendezvous();
        RuntimeException cause = new RuntimeException("peer reset");
        ch.close(cause);
        Received<String> r = Select.<Received<String>>create()
                .onReceive(other, Received.Value::new)
                .onReceiveOrClosed(ch, x -> x)
                .select();
        assertThat(r).isEqualTo(new Received.Closed<String>("lines", Optional.of(cause)));
    }

    @Test
    void onReceiveOrClosed_value_getsValue() throws Exception {
        Channel<String> ch = bufferedWith(1, List.of("v"));
        Received<String> r = Select.<Received<String>>create().onReceiveOrClosed(ch, x -> x).select();
        assertThat(r).isEqualTo(new Received.Value<>("v"));
    }

    @Test
    void onReceive_closedWhileWaiting_throwsInsteadOfHanging() throws Exception {
        Channel<String> ch = Channel.<String>builder().name("jobs").build();
        Channel<String> other = Channel.buffered(1);
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Task<String> t = forkBlocked(scope(), "selector", () -> {
            try {
                return Select.<String>create().onReceive(ch, v -> v).onReceive(other, v -> v).select();
            } catch (ChannelClosedException e) {
                thrown.set(e);
                return "closed";
            }
        });
        ch.close(new IllegalStateException("bye"));
        assertThat(join(t)).isEqualTo("closed");
        assertThat(thrown.get()).hasMessageContaining("jobs").hasCauseInstanceOf(IllegalStateException.class);
        assertThat(other.trySend("x")).isTrue();
        assertThat(other.size()).as("the other clause withdrew").isEqualTo(1);
    }

    @Test
    void onReceiveOrClosed_closedWhileWaiting_getsClosed() throws Exception {
        Channel<String> ch = Channel.<String>builder().name("events").build();
        Task<Received<String>> t = forkBlocked(scope(), "selector",
                () -> Select.<Received<String>>create().onReceiveOrClosed(ch, r -> r).select());
        ch.close();
        assertThat(join(t)).isEqualTo(new Received.Closed<String>("events", Optional.empty()));
    }

    @Test
    void onSend_closedChannel_throwsAndHandsTheElementToTheUndeliveredHook() {
        List<String> undelivered = new ArrayList<>();
        Channel<String> ch = Channel.<String>builder().name("out").capacity(4).onUndelivered(undelivered::add)
                .build();
        ch.close();
        Select<String> select = Select.<String>create().onSend(ch, "e", () -> "sent");
        assertThatThrownBy(select::select).isInstanceOf(ChannelClosedException.class)
                .hasMessage("channel 'out' is closed");
        assertThat(undelivered).containsExactly("e");
        assertThat(ch.droppedCount()).isEqualTo(1);
    }

    @Test
    void onSend_closedWhileWaiting_throwsAndHandsTheElementToTheUndeliveredHook() throws Exception {
        List<String> undelivered = new ArrayList<>();
        Channel<String> ch = Channel.<String>builder().name("out").onUndelivered(undelivered::add).build();
        Task<String> t = forkBlocked(scope(), "selector", () -> {
            try {
                return Select.<String>create().onSend(ch, "e", () -> "sent").select();
            } catch (ChannelClosedException e) {
                return "closed: " + e.getMessage();
            }
        });
        ch.close();
        assertThat(join(t)).isEqualTo("closed: channel 'out' is closed");
        assertThat(undelivered).containsExactly("e");
    }

    @Test
    void onSend_fullRejectChannel_throwsRejected() {
        Channel<String> ch = Channel.<String>builder().name("strict").capacity(1).overflow(OverflowPolicy.REJECT)
                .build();
        assertThat(ch.trySend("first")).isTrue();
        Select<String> select = Select.<String>create().onSend(ch, "second", () -> "sent");
        assertThatThrownBy(select::select).isInstanceOf(RejectedExecutionException.class)
                .hasMessage("channel 'strict' is full (capacity 1, overflow policy REJECT)");
        assertThat(ch.tryReceive()).contains("first");
        assertThat(ch.tryReceive()).isEmpty();
    }

    // ---- fairness and bias ----

    @Test
    void select_unbiasedWithTwoAlwaysReadyChannels_picksEachClauseRoughlyHalfTheTime() throws Exception {
        int n = 10_000;
        Channel<Integer> a = Channel.buffered(n);
        Channel<Integer> b = Channel.buffered(n);
        for (int i = 0; i < n; i++) {
            a.trySend(i);
            b.trySend(i);
        }
        int[] picks = new int[2];
        Select<Integer> select = Select.<Integer>create().onReceive(a, v -> 0).onReceive(b, v -> 1);
        for (int i = 0; i < n; i++) {
            picks[select.select()]++;
        }
        assertThat(picks[0] + picks[1]).isEqualTo(n);
        assertThat(a.size() + b.size()).as("one element consumed per select").isEqualTo(n);
        assertThat(picks[0]).as("first clause picks of %d", n).isGreaterThanOrEqualTo(3 * n / 10);
        assertThat(picks[1]).as("second clause picks of %d", n).isGreaterThanOrEqualTo(3 * n / 10);
    }

    @Test
    void biased_twoAlwaysReadyChannels_alwaysPicksTheFirstDeclared() throws Exception {
        int n = 1_000;
        Channel<Integer> first = Channel.buffered(n);
        Channel<Integer> second = Channel.buffered(n);
        for (int i = 0; i < n; i++) {
            first.trySend(i);
            second.trySend(i);
        }
        Select<String> select = Select.<String>create()
                .onReceive(first, v -> "first")
                .onReceive(second, v -> "second")
                .biased();
        for (int i = 0; i < n; i++) {
            assertThat(select.select()).as("select %d", i).isEqualTo("first");
        }
        assertThat(second.size()).isEqualTo(n);
        assertThat(select.select()).as("the first is drained now").isEqualTo("second");
    }

    @Test
    void biased_sendClauseFirst_winsOverReadyReceive() throws Exception {
        Channel<String> out = Channel.buffered(100);
        Channel<String> in = bufferedWith(1, List.of("x"));
        Select<String> select = Select.<String>create()
                .onSend(out, "s", () -> "sent")
                .onReceive(in, v -> "got")
                .biased();
        for (int i = 0; i < 100; i++) {
            assertThat(select.select()).isEqualTo("sent");
        }
        assertThat(select.select()).as("out is full now").isEqualTo("got");
    }

    // ---- self-matching ----

    @Test
    void select_sendAndReceiveOnTheSameRendezvous_doesNotMatchItself() throws Exception {
        VirtualClock clock = VirtualClock.autoAdvancing();
        Channel<String> ch = Channel.rendezvous();
        Task<String> t = scopeOn(clock).fork("selector", () -> Select.<String>create()
                .onSend(ch, "mine", () -> "sent")
                .onReceive(ch, v -> "received " + v)
                .onTimeout(Duration.ofSeconds(1), () -> "timeout")
                .select());
        assertThat(join(t)).isEqualTo("timeout");
        assertThat(ch.tryReceive()).as("no sender left behind").isEmpty();
        assertThat(ch.trySend("x")).as("no receiver left behind").isFalse();
    }

    @Test
    void select_sendAndReceiveOnTheSameRendezvous_matchesOtherThreads() throws Exception {
        Channel<String> ch = Channel.rendezvous();
        Callable<String> body = () -> Select.<String>create()
                .onSend(ch, "mine", () -> "sent")
                .onReceive(ch, v -> "received " + v)
                .select();
        Task<String> t1 = forkBlocked(scope(), "selector-1", body);
        assertThat(ch.receive()).isEqualTo("mine");
        assertThat(join(t1)).isEqualTo("sent");

        Task<String> t2 = forkBlocked(scope(), "selector-2", body);
        ch.send("theirs");
        assertThat(join(t2)).isEqualTo("received theirs");
        assertThat(ch.tryReceive()).isEmpty();
    }

    @Test
    void select_twoSelectorsSendingAndReceivingOnOneRendezvous_matchEachOther() throws Exception {
        Channel<String> ch = Channel.rendezvous();
        Scope scope = scope();
        Task<String> a = scope.fork("a", () -> Select.<String>create()
                .onSend(ch, "from a", () -> "a sent")
                .onReceive(ch, v -> "a got " + v)
                .select());
        Task<String> b = scope.fork("b", () -> Select.<String>create()
                .onSend(ch, "from b", () -> "b sent")
                .onReceive(ch, v -> "b got " + v)
                .select());
        assertThat(List.of(join(a), join(b))).isIn(List.of("a sent", "b got from a"),
                List.of("a got from b", "b sent"));
        assertThat(ch.tryReceive()).isEmpty();
    }

    // ---- cancellation ----

    /** Blocks a select on a rendezvous, a buffered and a send clause; returns the task. */
    private static Task<String> blockedSelect(Scope scope, Channel<String> rendezvous, Channel<String> buffered,
            Channel<String> out, AtomicReference<Throwable> thrown) {
        return forkBlocked(scope, "selector", () -> {
            try {
                return Select.<String>create()
                        .onReceive(rendezvous, v -> "rendezvous " + v)
                        .onReceive(buffered, v -> "buffered " + v)
                        .onSend(out, "out", () -> "sent")
                        .select();
            } catch (Throwable e) {
                thrown.set(e);
                throw e;
            }
        });
    }

    private static void assertConsumedNothing(Channel<String> rendezvous, Channel<String> buffered,
            Channel<String> out) {
        assertThat(rendezvous.trySend("late")).as("no receiver left on the rendezvous").isFalse();
        assertThat(buffered.trySend("kept")).isTrue();
        assertThat(buffered.tryReceive()).as("the buffered element stays").contains("kept");
        assertThat(out.tryReceive()).as("nothing was sent").isEmpty();
    }

    @Test
    void select_taskCancelledWhileWaiting_throwsCancelledAndConsumesNothing() throws Exception {
        Channel<String> rendezvous = Channel.rendezvous();
        Channel<String> buffered = Channel.buffered(1);
        Channel<String> out = Channel.rendezvous();
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Task<String> t = blockedSelect(scope(), rendezvous, buffered, out, thrown);
        t.cancel();
        assertThatThrownBy(() -> join(t)).isInstanceOf(CancelledException.class);
        assertThat(thrown.get()).isInstanceOf(CancelledException.class).hasMessageContaining("selector");
        assertConsumedNothing(rendezvous, buffered, out);
    }

    @Test
    void select_scopeCancelledWhileWaiting_throwsCancelledAndConsumesNothing() throws Exception {
        Channel<String> rendezvous = Channel.rendezvous();
        Channel<String> buffered = Channel.buffered(1);
        Channel<String> out = Channel.rendezvous();
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Scope scope = scope();
        Task<String> t = blockedSelect(scope, rendezvous, buffered, out, thrown);
        scope.cancel();
        assertThatThrownBy(() -> join(t)).isInstanceOf(CancelledException.class);
        assertThat(thrown.get()).isInstanceOf(CancelledException.class).hasMessageContaining("scope 'select'");
        assertConsumedNothing(rendezvous, buffered, out);
    }

    @Test
    void select_threadInterruptedWhileWaiting_throwsInterruptedAndConsumesNothing() throws Exception {
        Channel<String> rendezvous = Channel.rendezvous();
        Channel<String> buffered = Channel.buffered(1);
        Channel<String> out = Channel.rendezvous();
        AtomicReference<Object> outcome = new AtomicReference<>();
        Thread thread = Thread.ofVirtual().name("plain-selector").start(() -> {
            try {
                outcome.set(Select.<String>create()
                        .onReceive(rendezvous, v -> v)
                        .onReceive(buffered, v -> v)
                        .onSend(out, "out", () -> "sent")
                        .select());
            } catch (Throwable e) {
                outcome.set(e);
            }
        });
        TestSupport.awaitBlocked(thread);
        thread.interrupt();
        TestSupport.awaitTerminated(thread);
        assertThat(outcome.get()).isInstanceOf(InterruptedException.class);
        assertConsumedNothing(rendezvous, buffered, out);
    }

    @Test
    void select_alreadyCancelledTask_throwsWithoutTakingAReadyElement() throws Exception {
        Channel<String> ready = bufferedWith(1, List.of("x"));
        Task<String> t = scope().fork("self-cancelling", () -> {
            Scope.current().orElseThrow().cancel();
            Thread.interrupted(); // level-triggered: the flag does not matter
            return Select.<String>create().onReceive(ready, v -> v).onDefault(() -> "default").select();
        });
        assertThatThrownBy(() -> join(t)).isInstanceOf(CancelledException.class);
        assertThat(ready.tryReceive()).contains("x");
    }

    // ---- reuse ----

    @Test
    void select_reused_firesOncePerCallAndMeasuresEachTimeoutFromItsOwnStart() throws Exception {
        VirtualClock clock = VirtualClock.autoAdvancing();
        Channel<String> ch = bufferedWith(2, List.of("a", "b"));
        Task<List<String>> t = scopeOn(clock).fork("loop", () -> {
            Select<String> select = Select.<String>create()
                    .onReceive(ch, v -> v + "@" + TimeSource.current().now())
                    .onTimeout(Duration.ofSeconds(1), () -> "timeout@" + TimeSource.current().now());
            List<String> got = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                got.add(select.select());
            }
            return got;
        });
        assertThat(join(t)).containsExactly("a@" + EPOCH, "b@" + EPOCH, "timeout@" + EPOCH.plusSeconds(1),
                "timeout@" + EPOCH.plusSeconds(2));
    }

    // ---- handlers and bad input ----

    @Test
    void select_handlerThrows_propagatesAfterTheElementWasTaken() {
        Channel<String> ch = bufferedWith(1, List.of("x"));
        Select<String> select = Select.<String>create().onReceive(ch, v -> {
            throw new IllegalArgumentException("cannot handle " + v);
        });
        assertThatThrownBy(select::select).isInstanceOf(IllegalArgumentException.class).hasMessage("cannot handle x");
        assertThat(ch.size()).isZero();
    }

    @Test
    void select_noClauses_throwsIllegalState() {
        assertThatThrownBy(() -> Select.create().select()).isInstanceOf(IllegalStateException.class)
                .hasMessage("select has no clauses");
    }

    @Test
    void onTimeoutOrDefault_twice_throwsIllegalState() {
        Select<String> select = Select.<String>create().onTimeout(Duration.ofSeconds(1), () -> "t")
                .onDefault(() -> "d");
        assertThatThrownBy(() -> select.onTimeout(Duration.ofSeconds(2), () -> "t2"))
                .isInstanceOf(IllegalStateException.class).hasMessage("select already has a timeout clause");
        assertThatThrownBy(() -> select.onDefault(() -> "d2")).isInstanceOf(IllegalStateException.class)
                .hasMessage("select already has a default clause");
    }

    @Test
    void onTimeout_negativeOrNull_throwsNamingTimeout() {
        Select<String> select = Select.create();
        assertThatThrownBy(() -> select.onTimeout(Duration.ofSeconds(-1), () -> "t"))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("timeout must not be negative: PT-1S");
        assertThatThrownBy(() -> select.onTimeout(null, () -> "t")).isInstanceOf(NullPointerException.class)
                .hasMessage("timeout");
        assertThatThrownBy(() -> select.onTimeout(Duration.ofSeconds(1), null))
                .isInstanceOf(NullPointerException.class).hasMessage("handler");
        // none of the failed calls left a half-added timeout behind
        assertThat(select.onTimeout(Duration.ofSeconds(1), () -> "t")).isSameAs(select);
    }

    @Test
    void clauses_nullArguments_throwNamingTheParameter() {
        Select<String> select = Select.create();
        Channel<String> ch = Channel.buffered(1);
        assertThatThrownBy(() -> select.<String>onReceive(null, v -> v)).isInstanceOf(NullPointerException.class)
                .hasMessage("channel");
        assertThatThrownBy(() -> select.onReceive(ch, null)).isInstanceOf(NullPointerException.class)
                .hasMessage("handler");
        assertThatThrownBy(() -> select.onReceiveOrClosed(null, r -> "r")).isInstanceOf(NullPointerException.class)
                .hasMessage("channel");
        assertThatThrownBy(() -> select.onReceiveOrClosed(ch, null)).isInstanceOf(NullPointerException.class)
                .hasMessage("handler");
        assertThatThrownBy(() -> select.onSend(null, "e", () -> "s")).isInstanceOf(NullPointerException.class)
                .hasMessage("channel");
        assertThatThrownBy(() -> select.onSend(ch, null, () -> "s")).isInstanceOf(NullPointerException.class)
                .hasMessage("element");
        assertThatThrownBy(() -> select.onSend(ch, "e", null)).isInstanceOf(NullPointerException.class)
                .hasMessage("handler");
        assertThatThrownBy(() -> select.onDefault(null)).isInstanceOf(NullPointerException.class)
                .hasMessage("handler");
        assertThatThrownBy(select::select).as("no clause was added by the failed calls")
                .isInstanceOf(IllegalStateException.class).hasMessage("select has no clauses");
    }
}
