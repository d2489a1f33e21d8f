package dev.weft.runtime;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The contract every channel kind keeps (JCTools' {@code QueueSanityTest} shape): {@link Contract} holds the tests
 * that hold for every kind, {@link BlockingContract} adds those for kinds whose sends wait (rendezvous and bounded
 * buffers under {@link OverflowPolicy#BLOCK}), and each {@link Nested} class runs them on one kind. Behaviour that
 * belongs to one kind or policy only is in {@link ChannelTest}.
 */
@Timeout(value = 30, unit = SECONDS)
final class ChannelContractTest {

    static final String NAME = "contract-channel";
    /** How long a test waits for a forked task to report; only reached when something is broken. */
    static final long WAIT_SECONDS = 10;

    @Nested
    final class Rendezvous extends BlockingContract {
        @Override
        Channel.Builder<Long> configure(Channel.Builder<Long> builder) {
            return builder;
        }

        @Override
        int capacity() {
            return 0;
        }

        @Override
        String kindInToString() {
            return "rendezvous";
        }
    }

    @Nested
    final class BufferedOne extends BlockingContract {
        @Override
        Channel.Builder<Long> configure(Channel.Builder<Long> builder) {
            return builder.capacity(1);
        }

        @Override
        int capacity() {
            return 1;
        }

        @Override
        String kindInToString() {
            return "capacity 1, BLOCK";
        }
    }

    @Nested
    final class BufferedSixteen extends BlockingContract {
        @Override
        Channel.Builder<Long> configure(Channel.Builder<Long> builder) {
            return builder.capacity(16);
        }

        @Override
        int capacity() {
            return 16;
        }

        @Override
        String kindInToString() {
            return "capacity 16, BLOCK";
        }
    }

    @Nested
    final class Unbounded extends Contract {
        @Override
        Channel.Builder<Long> configure(Channel.Builder<Long> builder) {
            return builder.capacity(Integer.MAX_VALUE);
        }

        @Override
        int capacity() {
            return Integer.MAX_VALUE;
        }

        @Override
        String kindInToString() {
            return "unbounded";
        }
    }

    @Nested
    final class Conflated extends Contract {
        @Override
        Channel.Builder<Long> configure(Channel.Builder<Long> builder) {
            return builder.capacity(1).overflow(OverflowPolicy.DROP_OLDEST);
        }

        @Override
        int capacity() {
            return 1;
        }

        @Override
        boolean lossless() {
            return false;
        }

        @Override
        String kindInToString() {
            return "capacity 1, DROP_OLDEST";
        }
    }

    /** Tests for kinds whose sends wait while the buffer is full (or, for rendezvous, until a receiver comes). */
    @Timeout(value = 30, unit = SECONDS)
    abstract static class BlockingContract extends Contract {

        /** Fills the buffer without a receiver; returns what it holds, in order (nothing for rendezvous). */
        List<Long> fill(Channel<Long> ch) {
            List<Long> filled = new ArrayList<>();
            for (long i = 1; i <= capacity(); i++) {
                assertThat(ch.trySend(i)).as("trySend #%d into a buffer of %d", i, capacity()).isTrue();
                filled.add(i);
            }
            assertThat(ch.trySend(1000L)).as("trySend into a full buffer").isFalse();
            return filled;
        }

        @Test
        void send_whenFull_waitsUntilAReceiverTakesAnElement() throws Exception {
            Channel<Long> ch = newChannel();
            List<Long> filled = fill(ch);
            try (Scope scope = Scope.open("test")) {
                Forked<Boolean> sender = forkCapturing(scope, "sender", () -> {
                    ch.send(99L);
                    return true;
                });
                TestSupport.awaitBlocked(sender.thread());
                assertThat(sender.isDone()).as("send into a full channel returned").isFalse();
                assertThat(ch.size()).isEqualTo(capacity());

                List<Long> received = new ArrayList<>();
                received.add(ch.receive());
                assertThat(sender.value()).isTrue();
                received.addAll(drain(ch));
                assertThat(received).containsExactlyElementsOf(concat(filled, 99L));
            }
            assertNothingDropped();
        }

        @Test
        void trySend_whenFull_returnsFalseAndKeepsTheElement() {
            Channel<Long> ch = newChannel();
            List<Long> filled = fill(ch);

            assertThat(ch.trySend(77L)).isFalse();

            assertThat(drain(ch)).containsExactlyElementsOf(filled);
            assertNothingDropped();
        }

        @Test
        void send_withTimeoutWhenFull_timesOutInVirtualTimeAndKeepsTheElement() throws Exception {
            Channel<Long> ch = newChannel();
            List<Long> filled = fill(ch);
            VirtualClock clock = VirtualClock.autoAdvancing();
            try (Scope scope = Scope.builder().name("virtual").timeSource(clock).open()) {
                Task<Boolean> sender = scope.fork("sender", () -> ch.send(99L, Duration.ofMinutes(5)));

                assertThat(sender.join()).as("send(e, 5 min) into a full channel").isFalse();
            }
            assertThat(clock.elapsed()).isEqualTo(Duration.ofMinutes(5));
            assertThat(drain(ch)).as("99 must not have been transferred").containsExactlyElementsOf(filled);
            assertNothingDropped();
        }

        @Test
        void send_withTimeout_completesWhenAReceiverComesBeforeTheDeadline() throws Exception {
            Channel<Long> ch = newChannel();
            List<Long> filled = fill(ch);
            VirtualClock clock = VirtualClock.autoAdvancing();
            try (Scope scope = Scope.builder().name("virtual").timeSource(clock).open()) {
                // fork both from a task, so the clock cannot jump while only the first one is blocked
                Task<List<Long>> received = scope.fork("test", () -> {
                    Task<Boolean> sender = scope.fork("sender", () -> ch.send(99L, Duration.ofMinutes(5)));
                    Task<List<Long>> receiver = scope.fork("receiver", () -> {
                        Timers.sleep(Duration.ofMinutes(1));
                        List<Long> got = new ArrayList<>();
                        for (int i = 0; i <= filled.size(); i++) {
                            got.add(ch.receive());
                        }
                        return got;
                    });
                    assertThat(sender.join()).isTrue();
                    return receiver.join();
                });

                assertThat(received.join()).containsExactlyElementsOf(concat(filled, 99L));
            }
            assertThat(clock.elapsed()).isEqualTo(Duration.ofMinutes(1));
            assertNothingDropped();
        }

        @Test
        void close_wakesAWaitingSender_whichThrowsClosedAndReportsTheDrop() throws Exception {
            Channel<Long> ch = newChannel();
            List<Long> filled = fill(ch);
            IOException cause = new IOException("producer failed");
            try (Scope scope = Scope.open("test")) {
                Forked<Boolean> sender = forkCapturing(scope, "sender", () -> {
                    ch.send(99L);
                    return true;
                });
                TestSupport.awaitBlocked(sender.thread());

                ch.close(cause);

                assertThat(sender.failure()).isInstanceOf(ChannelClosedException.class)
                        .hasMessageContaining(NAME).hasCause(cause);
            }
            assertThat(ch.droppedCount()).isEqualTo(1);
            assertThat(undelivered).containsExactly(99L);
            List<Long> received = new ArrayList<>();
            for (int i = 0; i < filled.size(); i++) {
                received.add(ch.receive());
            }
            assertThat(received).as("buffered before close").containsExactlyElementsOf(filled);
            assertThatThrownBy(ch::receive).isInstanceOf(ChannelClosedException.class).hasCause(cause);
        }

        @Test
        void send_interruptedWhileWaiting_throwsAndDoesNotTransferTheElement() throws Exception {
            Channel<Long> ch = newChannel();
            List<Long> filled = fill(ch);
            try (Scope scope = Scope.open("test")) {
                Forked<Boolean> sender = forkCapturing(scope, "sender", () -> {
                    ch.send(99L);
                    return true;
                });
                TestSupport.awaitBlocked(sender.thread());

                sender.thread().interrupt();

                assertThat(sender.failure()).isInstanceOf(InterruptedException.class);
            }
            assertThat(drain(ch)).as("99 must not have been transferred").containsExactlyElementsOf(filled);
            assertWithdrawnSenderLeftNothing(ch);
        }

        @Test
        void send_scopeCancelledWhileWaiting_throwsCancelledAndDoesNotTransferTheElement() throws Exception {
            Channel<Long> ch = newChannel();
            List<Long> filled = fill(ch);
            try (Scope scope = Scope.open("victims")) {
                Forked<Boolean> sender = forkCapturing(scope, "sender", () -> {
                    ch.send(99L);
                    return true;
                });
                TestSupport.awaitBlocked(sender.thread());

                scope.cancel();

                assertThat(sender.failure()).isInstanceOf(CancelledException.class)
                        .hasMessageContaining("victims");
            }
            assertThat(drain(ch)).as("99 must not have been transferred").containsExactlyElementsOf(filled);
            assertWithdrawnSenderLeftNothing(ch);
        }

        /** A withdrawn sender must not be found by a later receiver: it would take an element nobody sent. */
        private void assertWithdrawnSenderLeftNothing(Channel<Long> ch) throws InterruptedException {
            assertThat(ch.receive(Duration.ZERO)).isEmpty();
            assertThat(ch.isClosedForReceive()).isFalse();
            assertNothingDropped();
        }
    }

    /** Tests every channel kind passes. */
    @Timeout(value = 30, unit = SECONDS)
    abstract static class Contract {

        /** What the channel's undelivered-element hook saw. */
        final List<Long> undelivered = new CopyOnWriteArrayList<>();

        /** Sets the capacity and policy of the kind under test. */
        abstract Channel.Builder<Long> configure(Channel.Builder<Long> builder);

        /** The buffer size of the kind: 0 for rendezvous, {@link Integer#MAX_VALUE} for unbounded. */
        abstract int capacity();

        /** The words {@code toString()} uses for the kind. */
        abstract String kindInToString();

        /** False for kinds that drop elements instead of waiting (conflated). */
        boolean lossless() {
            return true;
        }

        final Channel<Long> newChannel() {
            return configure(Channel.<Long>builder().name(NAME).onUndelivered(undelivered::add)).build();
        }

        /** Sends up to three elements that fit without a receiver (none for rendezvous); returns them. */
        final List<Long> preload(Channel<Long> ch) {
            List<Long> sent = new ArrayList<>();
            for (long i = 1; i <= Math.min(capacity(), 3); i++) {
                assertThat(ch.trySend(i)).isTrue();
                sent.add(i);
            }
            if (!lossless()) {
                // a conflated channel keeps only the last one
                return sent.isEmpty() ? sent : List.of(sent.getLast());
            }
            return sent;
        }

        final void assertNothingDropped() {
            assertThat(undelivered).as("elements given to the undelivered hook").isEmpty();
        }

        @Test
        void receive_fromAProducerTask_returnsElementsInSendOrderAndAccountsForAll() throws Exception {
            Channel<Long> ch = newChannel();
            int n = 500;
            List<Long> received = new ArrayList<>();
            try (Scope scope = Scope.open("test")) {
                scope.fork("producer", () -> {
                    try (ch) {
                        for (long i = 1; i <= n; i++) {
                            ch.send(i);
                        }
                    }
                });
                for (;;) {
                    try {
                        received.add(ch.receive());
                    } catch (ChannelClosedException closed) {
                        break;
                    }
                }
                scope.join();
            }
            assertStrictlyIncreasing(received);
            assertThat(received).as("the last element is never dropped").endsWith((long) n);
            assertEverythingReceivedOrDropped(ch, received, n);
        }

        @Test
        void receive_whenEmpty_waitsUntilAnElementIsSent() throws Exception {
            Channel<Long> ch = newChannel();
            try (Scope scope = Scope.open("test")) {
                Forked<Long> receiver = forkCapturing(scope, "receiver", ch::receive);
                TestSupport.awaitBlocked(receiver.thread());
                assertThat(receiver.isDone()).as("receive on an empty channel returned").isFalse();

                assertThat(ch.trySend(42L)).as("trySend to a waiting receiver").isTrue();

                assertThat(receiver.value()).isEqualTo(42L);
            }
            assertThat(ch.size()).isZero();
            assertNothingDropped();
        }

        @Test
        void tryReceive_whenEmpty_returnsEmptyWithoutWaiting() throws Exception {
            Channel<Long> ch = newChannel();

            assertThat(ch.tryReceive()).isEmpty();
            assertThat(ch.receive(Duration.ZERO)).isEmpty();
        }

        @Test
        void receive_zeroTimeoutWithAnElementAvailable_returnsIt() throws Exception {
            Channel<Long> ch = newChannel();
            List<Long> preloaded = preload(ch);
            for (Long expected : preloaded) {
                assertThat(ch.receive(Duration.ZERO)).contains(expected);
            }
            assertThat(ch.receive(Duration.ZERO)).isEmpty();
        }

        @Test
        void trySend_withoutAReceiver_neverWaitsAndKeepsWhatFits() {
            Channel<Long> ch = newChannel();
            int attempts = 20;
            int accepted = 0;
            for (long i = 1; i <= attempts; i++) {
                if (ch.trySend(i)) {
                    accepted++;
                }
            }
            int kept = Math.min(attempts, capacity());

            assertThat(ch.size()).isEqualTo(kept);
            if (lossless()) {
                assertThat(accepted).isEqualTo(kept);
                assertThat(drain(ch)).containsExactlyElementsOf(LongStream.rangeClosed(1, kept).boxed().toList());
                assertNothingDropped();
            } else {
                assertThat(accepted).as("a dropping channel accepts every send").isEqualTo(attempts);
                assertThat(drain(ch)).containsExactly((long) attempts);
                assertThat(ch.droppedCount()).isEqualTo(attempts - kept);
                assertThat(undelivered).hasSize(attempts - kept);
            }
        }

        @Test
        void receive_withTimeoutOnAnEmptyChannel_timesOutInVirtualTimeAndConsumesNothing() throws Exception {
            Channel<Long> ch = newChannel();
            VirtualClock clock = VirtualClock.autoAdvancing();
            try (Scope scope = Scope.builder().name("virtual").timeSource(clock).open()) {
                Task<Optional<Long>> receiver = scope.fork("receiver", () -> ch.receive(Duration.ofMinutes(5)));

                assertThat(receiver.join()).isEmpty();
            }
            assertThat(clock.elapsed()).isEqualTo(Duration.ofMinutes(5));
            assertThat(clock.pendingTimers()).isZero();
            assertWithdrawnReceiverTakesNothing(ch);
        }

        @Test
        void receive_withTimeout_returnsAnElementSentBeforeTheDeadline() throws Exception {
            Channel<Long> ch = newChannel();
            VirtualClock clock = VirtualClock.autoAdvancing();
            try (Scope scope = Scope.builder().name("virtual").timeSource(clock).open()) {
                // fork both from a task, so the clock cannot jump while only the first one is blocked
                Task<Optional<Long>> received = scope.fork("test", () -> {
                    Task<Optional<Long>> receiver = scope.fork("receiver", () -> ch.receive(Duration.ofMinutes(5)));
                    scope.fork("sender", () -> {
                        Timers.sleep(Duration.ofMinutes(1));
                        ch.send(42L);
                    });
                    return receiver.join();
                });

                assertThat(received.join()).contains(42L);
            }
            assertThat(clock.elapsed()).isEqualTo(Duration.ofMinutes(1));
            assertNothingDropped();
        }

        @Test
        void close_withBufferedElements_deliversThemThenReceiveThrowsClosed() throws Exception {
            Channel<Long> ch = newChannel();
            List<Long> preloaded = preload(ch);

            ch.close();

            assertThat(ch.isClosedForSend()).isTrue();
            assertThat(ch.isClosedForReceive()).isEqualTo(preloaded.isEmpty());
            List<Long> received = new ArrayList<>();
            for (int i = 0; i < preloaded.size(); i++) {
                received.add(i % 2 == 0 ? ch.receive() : ch.tryReceive().orElseThrow());
            }
            assertThat(received).containsExactlyElementsOf(preloaded);
            assertThat(ch.isClosedForReceive()).isTrue();
            assertThatThrownBy(ch::receive).isInstanceOf(ChannelClosedException.class)
                    .hasMessage("channel '" + NAME + "' is closed and drained").hasNoCause()
                    .satisfies(e -> assertThat(((ChannelClosedException) e).channelName()).isEqualTo(NAME));
            assertThatThrownBy(ch::tryReceive).isInstanceOf(ChannelClosedException.class);
            assertThatThrownBy(() -> ch.receive(Duration.ofSeconds(1))).isInstanceOf(ChannelClosedException.class);
        }

        @Test
        void close_withCause_receiversSeeTheCauseAfterDraining() throws Exception {
            Channel<Long> ch = newChannel();
            List<Long> preloaded = preload(ch);
            IOException cause = new IOException("disk on fire");

            ch.close(cause);

            for (Long expected : preloaded) {
                assertThat(ch.receive()).isEqualTo(expected);
            }
            assertThatThrownBy(ch::receive).isInstanceOf(ChannelClosedException.class).hasCause(cause)
                    .hasMessageContaining(NAME).hasMessageContaining("disk on fire");
        }

        @Test
        void close_wakesAWaitingReceiver_whichThrowsClosedWithTheCause() throws Exception {
            Channel<Long> ch = newChannel();
            IllegalStateException cause = new IllegalStateException("upstream gone");
            try (Scope scope = Scope.open("test")) {
                Forked<Long> receiver = forkCapturing(scope, "receiver", ch::receive);
                Forked<Optional<Long>> timedReceiver = forkCapturing(scope, "timed-receiver",
                        () -> ch.receive(Duration.ofHours(1)));
                TestSupport.awaitBlocked(receiver.thread());
                TestSupport.awaitBlocked(timedReceiver.thread());

                ch.close(cause);

                assertThat(receiver.failure()).isInstanceOf(ChannelClosedException.class).hasCause(cause);
                assertThat(timedReceiver.failure()).isInstanceOf(ChannelClosedException.class).hasCause(cause);
            }
        }

        @Test
        void close_calledAgain_isIgnoredAndTheFirstCauseWins() throws Exception {
            Channel<Long> first = newChannel();
            IOException firstCause = new IOException("first");
            first.close(firstCause);
            first.close(new IOException("second"));
            first.close();
            assertThatThrownBy(first::receive).hasCause(firstCause);

            Channel<Long> plain = newChannel();
            plain.close();
            plain.close(new IOException("late"));
            assertThatThrownBy(plain::receive).isInstanceOf(ChannelClosedException.class).hasNoCause();
            assertThat(plain.isClosedForSend()).isTrue();
        }

        @Test
        void send_onAClosedChannel_throwsCountsADropAndCallsTheHook() throws Exception {
            Channel<Long> ch = newChannel();
            IOException cause = new IOException("gone");
            ch.close(cause);

            assertThatThrownBy(() -> ch.send(1L)).isInstanceOf(ChannelClosedException.class)
                    .hasMessage("channel '" + NAME + "' is closed: " + cause).hasCause(cause);
            assertThatThrownBy(() -> ch.send(2L, Duration.ofSeconds(1))).isInstanceOf(ChannelClosedException.class);
            assertThatThrownBy(() -> ch.trySend(3L)).isInstanceOf(ChannelClosedException.class);

            assertThat(ch.droppedCount()).isEqualTo(3);
            assertThat(undelivered).containsExactly(1L, 2L, 3L);
        }

        @Test
        void iterator_endsAtClose_afterDeliveringEverything() throws Exception {
            Channel<Long> ch = newChannel();
            int n = 200;
            List<Long> received = new ArrayList<>();
            try (Scope scope = Scope.open("test")) {
                scope.fork("producer", () -> {
                    try (ch) {
                        for (long i = 1; i <= n; i++) {
                            ch.send(i);
                        }
                    }
                });
                for (long e : ch) {
                    received.add(e);
                }
                scope.join();
            }
            assertStrictlyIncreasing(received);
            assertEverythingReceivedOrDropped(ch, received, n);
        }

        @Test
        void stream_endsAtClose_afterDeliveringEverything() throws Exception {
            Channel<Long> ch = newChannel();
            int n = 200;
            List<Long> received;
            try (Scope scope = Scope.open("test")) {
                scope.fork("producer", () -> {
                    try (ch) {
                        for (long i = 1; i <= n; i++) {
                            ch.send(i);
                        }
                    }
                });
                received = ch.stream().toList();
                scope.join();
            }
            assertStrictlyIncreasing(received);
            assertEverythingReceivedOrDropped(ch, received, n);
        }

        @Test
        void iterator_ofAChannelClosedWithACause_throwsClosedWithThatCauseAfterTheElements() {
            Channel<Long> ch = newChannel();
            List<Long> preloaded = preload(ch);
            IOException cause = new IOException("producer failed");
            ch.close(cause);

            Iterator<Long> it = ch.iterator();
            List<Long> received = new ArrayList<>();
            for (int i = 0; i < preloaded.size(); i++) {
                received.add(it.next());
            }

            assertThat(received).containsExactlyElementsOf(preloaded);
            assertThatThrownBy(it::hasNext).isInstanceOf(ChannelClosedException.class).hasCause(cause);
        }

        @Test
        void stream_ofAChannelClosedWithACause_throwsClosedWithThatCause() {
            Channel<Long> ch = newChannel();
            preload(ch);
            IOException cause = new IOException("producer failed");
            ch.close(cause);

            assertThatThrownBy(() -> ch.stream().toList()).isInstanceOf(ChannelClosedException.class)
                    .hasCause(cause);
        }

        @Test
        void iterator_ofAPlainlyClosedChannel_hasNoNextAndNextThrowsNoSuchElement() {
            Channel<Long> ch = newChannel();
            ch.close();
            Iterator<Long> it = ch.iterator();

            assertThat(it.hasNext()).isFalse();
            assertThatThrownBy(it::next).isInstanceOf(NoSuchElementException.class)
                    .hasMessageContaining(NAME);
        }

        @Test
        void iterator_interruptedWhileWaiting_throwsCancelledRestoresTheInterruptAndLosesNothing() throws Exception {
            Channel<Long> ch = newChannel();
            try (Scope scope = Scope.open("test")) {
                Forked<Boolean> victim = forkCapturing(scope, "victim", () -> {
                    try {
                        ch.iterator().hasNext();
                        return false;
                    } catch (CancelledException e) {
                        return Thread.currentThread().isInterrupted();
                    }
                });
                TestSupport.awaitBlocked(victim.thread());

                victim.thread().interrupt();

                assertThat(victim.value()).as("threw CancelledException with the interrupt flag restored").isTrue();
            }
            assertWithdrawnReceiverTakesNothing(ch);
        }

        @Test
        void receive_interruptedWhileWaiting_throwsAndLosesNothing() throws Exception {
            Channel<Long> ch = newChannel();
            try (Scope scope = Scope.open("test")) {
                Forked<Long> victim = forkCapturing(scope, "victim", ch::receive);
                TestSupport.awaitBlocked(victim.thread());

                victim.thread().interrupt();

                assertThat(victim.failure()).isInstanceOf(InterruptedException.class);
            }
            assertWithdrawnReceiverTakesNothing(ch);
        }

        @Test
        void receive_scopeCancelledWhileWaiting_throwsCancelledAndLosesNothing() throws Exception {
            Channel<Long> ch = newChannel();
            try (Scope scope = Scope.open("victims")) {
                Forked<Long> victim = forkCapturing(scope, "victim", ch::receive);
                Forked<Optional<Long>> timedVictim = forkCapturing(scope, "timed-victim",
                        () -> ch.receive(Duration.ofHours(1)));
                TestSupport.awaitBlocked(victim.thread());
                TestSupport.awaitBlocked(timedVictim.thread());

                scope.cancel();

                assertThat(victim.failure()).isInstanceOf(CancelledException.class).hasMessageContaining("victims");
                assertThat(timedVictim.failure()).isInstanceOf(CancelledException.class);
            }
            assertWithdrawnReceiverTakesNothing(ch);
        }

        @Test
        void receive_inACancelledTaskAfterTheInterruptWasCleared_stillThrowsCancelledAndConsumesNothing()
                throws Exception {
            Channel<Long> ch = newChannel();
            List<Long> preloaded = preload(ch);
            try (Scope scope = Scope.open("test")) {
                CountDownLatch never = new CountDownLatch(1);
                Forked<List<Throwable>> victim = forkCapturing(scope, "victim", () -> {
                    try {
                        never.await();
                    } catch (InterruptedException cancelled) {
                        // the cancellation's interrupt; the flag is now clear
                    }
                    assertThat(Thread.interrupted()).isFalse();
                    List<Throwable> failures = new ArrayList<>();
                    for (Callable<?> op : List.<Callable<?>>of(ch::receive, () -> ch.receive(Duration.ofHours(1)),
                            () -> ch.stream().toList())) {
                        try {
                            failures.add(new AssertionError("returned " + op.call()));
                        } catch (CancelledException expected) {
                            failures.add(expected);
                        }
                    }
                    return failures;
                });
                TestSupport.awaitBlocked(victim.thread());

                victim.task().cancel();

                assertThat(victim.value()).hasSize(3).allSatisfy(e -> assertThat(e)
                        .isInstanceOf(CancelledException.class).hasMessageContaining("victim"));
            }
            assertThat(drain(ch)).as("a cancelled receive consumes nothing").containsExactlyElementsOf(preloaded);
        }

        @Test
        void send_inACancelledTask_throwsCancelledAndKeepsTheElement() throws Exception {
            Channel<Long> ch = newChannel();
            try (Scope scope = Scope.open("victims")) {
                scope.cancel();
                Forked<Boolean> victim = forkCapturing(scope, "victim", () -> {
                    Thread.interrupted();
                    ch.send(7L);
                    return true;
                });

                assertThat(victim.failure()).isInstanceOf(CancelledException.class).hasMessageContaining("victims");
            }
            assertThat(ch.size()).isZero();
            assertThat(ch.droppedCount()).isZero();
            assertNothingDropped();
        }

        @Test
        void sendAndTrySend_withANullElement_throwNullPointerNamingIt() {
            Channel<Long> ch = newChannel();

            assertThatThrownBy(() -> ch.send(null)).isInstanceOf(NullPointerException.class).hasMessage("element");
            assertThatThrownBy(() -> ch.send(null, Duration.ofSeconds(1))).isInstanceOf(NullPointerException.class)
                    .hasMessage("element");
            assertThatThrownBy(() -> ch.trySend(null)).isInstanceOf(NullPointerException.class)
                    .hasMessage("element");
            assertThat(ch.size()).isZero();
            assertThat(ch.droppedCount()).isZero();
        }

        @Test
        void timeouts_negativeOrNull_areRejectedNamingTheParameter() {
            Channel<Long> ch = newChannel();
            Duration negative = Duration.ofSeconds(-1);

            assertThatThrownBy(() -> ch.receive(negative)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("timeout must not be negative: PT-1S");
            assertThatThrownBy(() -> ch.send(1L, negative)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("timeout must not be negative: PT-1S");
            assertThatThrownBy(() -> ch.receive(null)).isInstanceOf(NullPointerException.class)
                    .hasMessage("timeout");
            assertThatThrownBy(() -> ch.send(1L, null)).isInstanceOf(NullPointerException.class)
                    .hasMessage("timeout");
            assertThat(ch.size()).as("a rejected send sends nothing").isZero();
        }

        @Test
        void close_withANullCause_throwsAndLeavesTheChannelOpen() {
            Channel<Long> ch = newChannel();

            assertThatThrownBy(() -> ch.close(null)).isInstanceOf(NullPointerException.class).hasMessage("cause");
            assertThat(ch.isClosedForSend()).isFalse();
        }

        @Test
        void toString_namesTheChannelItsKindItsSizeAndWhetherItIsClosed() {
            Channel<Long> ch = newChannel();
            List<Long> preloaded = preload(ch);

            assertThat(ch.toString()).contains(NAME, kindInToString(), preloaded.size() + " buffered")
                    .doesNotContain("closed");
            ch.close();
            assertThat(ch.toString()).contains(NAME, "closed");
        }

        /** After a receiver withdrew, an element sent must reach the next receiver, not the withdrawn one. */
        final void assertWithdrawnReceiverTakesNothing(Channel<Long> ch) throws Exception {
            try (Scope scope = Scope.open("after")) {
                Forked<Long> next = forkCapturing(scope, "next-receiver", ch::receive);
                TestSupport.awaitBlocked(next.thread());

                assertThat(ch.trySend(7L)).isTrue();

                assertThat(next.value()).isEqualTo(7L);
            }
            assertThat(ch.size()).isZero();
            assertNothingDropped();
        }

        /** Each element 1..n was either received or given to the hook (and counted), never both, never twice. */
        final void assertEverythingReceivedOrDropped(Channel<Long> ch, List<Long> received, int n) {
            assertThat(ch.droppedCount()).isEqualTo(undelivered.size());
            List<Long> all = new ArrayList<>(received);
            all.addAll(undelivered);
            assertThat(all).hasSize(n);
            assertThat(new TreeSet<>(all)).containsExactlyElementsOf(LongStream.rangeClosed(1, n).boxed().toList());
            if (lossless()) {
                assertThat(received).hasSize(n);
            }
        }
    }

    // ---- helpers shared with ChannelTest ----

    static void assertStrictlyIncreasing(List<Long> values) {
        for (int i = 1; i < values.size(); i++) {
            assertThat(values.get(i)).as("element %d of %s", i, values).isGreaterThan(values.get(i - 1));
        }
    }

    /** Takes what the channel holds now, without waiting. */
    static List<Long> drain(Channel<Long> ch) {
        List<Long> out = new ArrayList<>();
        for (Optional<Long> e = ch.tryReceive(); e.isPresent(); e = ch.tryReceive()) {
            out.add(e.get());
        }
        return out;
    }

    static List<Long> concat(List<Long> first, long last) {
        List<Long> out = new ArrayList<>(first);
        out.add(last);
        return out;
    }

    /**
     * Forks a task whose body's result or exception is captured instead of failing the task or the scope; returns
     * once the task's thread runs.
     */
    static <T> Forked<T> forkCapturing(Scope scope, String name, Callable<T> body)
            throws InterruptedException, ExecutionException, TimeoutException {
        CompletableFuture<T> outcome = new CompletableFuture<>();
        CompletableFuture<Thread> thread = new CompletableFuture<>();
        Task<Void> task = scope.fork(name, () -> {
            thread.complete(Thread.currentThread());
            try {
                outcome.complete(body.call());
            } catch (Throwable t) {
                outcome.completeExceptionally(t);
            }
        });
        return new Forked<>(task, thread.get(WAIT_SECONDS, SECONDS), outcome);
    }

    /** A task forked by {@link #forkCapturing}: its thread, and what its body returned or threw. */
    record Forked<T>(Task<Void> task, Thread thread, CompletableFuture<T> outcome) {

        boolean isDone() {
            return outcome.isDone();
        }

        /** Waits for the body to return and gives its result; fails if it threw. */
        T value() throws InterruptedException, ExecutionException, TimeoutException {
            return outcome.get(WAIT_SECONDS, SECONDS);
        }

        /** Waits for the body to throw and gives the exception; fails if it returned. */
        Throwable failure() throws InterruptedException, TimeoutException {
            try {
                T v = outcome.get(WAIT_SECONDS, SECONDS);
                throw new AssertionError("expected task '" + task.name() + "' to fail, but it returned " + v);
            } catch (ExecutionException e) {
                return e.getCause();
            } catch (CancellationException e) {
                // CompletableFuture reports a body that threw a CancellationException (like CancelledException)
                // as cancelled; the body's exception is the cause
                return e.getCause() != null ? e.getCause() : e;
            }
        }
    }
}
