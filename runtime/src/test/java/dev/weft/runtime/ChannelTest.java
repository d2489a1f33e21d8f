package dev.weft.runtime;

import static dev.weft.runtime.ChannelContractTest.drain;
import static dev.weft.runtime.ChannelContractTest.forkCapturing;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.runtime.ChannelContractTest.Forked;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.RejectedExecutionException;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Behaviour of one channel kind or overflow policy, and the builder's checks. What every kind shares is in
 * {@link ChannelContractTest}.
 */
@Timeout(value = 30, unit = SECONDS)
final class ChannelTest {

    private final List<Long> undelivered = new CopyOnWriteArrayList<>();

    private Channel<Long> channel(String name, int capacity, OverflowPolicy overflow) {
        return Channel.<Long>builder().name(name).capacity(capacity).overflow(overflow)
                .onUndelivered(undelivered::add).build();
    }

    // ---- factories and builder ----

    @Test
    void factories_buildTheKindTheyName() {
        assertKind(Channel.rendezvous(), 0, OverflowPolicy.BLOCK);
        assertKind(Channel.buffered(8), 8, OverflowPolicy.BLOCK);
        assertKind(Channel.buffered(8, OverflowPolicy.DROP_NEWEST), 8, OverflowPolicy.DROP_NEWEST);
        assertKind(Channel.unbounded(), Integer.MAX_VALUE, OverflowPolicy.BLOCK);
        assertKind(Channel.conflated(), 1, OverflowPolicy.DROP_OLDEST);
    }

    private static void assertKind(Channel<?> ch, int capacity, OverflowPolicy overflow) {
        assertThat(ch.capacity()).isEqualTo(capacity);
        assertThat(ch.overflow()).isEqualTo(overflow);
        assertThat(ch.name()).isEqualTo("channel");
        assertThat(ch.size()).isZero();
        assertThat(ch.droppedCount()).isZero();
        assertThat(ch.isClosedForSend()).isFalse();
        assertThat(ch.isClosedForReceive()).isFalse();
    }

    @Test
    void capacity_negative_isRejectedNamingTheValue() {
        assertThatThrownBy(() -> Channel.builder().capacity(-1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("capacity must not be negative: -1");
        assertThatThrownBy(() -> Channel.buffered(-5)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at least 1: -5");
        assertThatThrownBy(() -> Channel.buffered(-5, OverflowPolicy.DROP_OLDEST))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("-5");
    }

    @ParameterizedTest
    @EnumSource(value = OverflowPolicy.class, names = "BLOCK", mode = EnumSource.Mode.EXCLUDE)
    void overflowPolicy_otherThanBlockWithCapacityZero_isRejectedNamingThePolicy(OverflowPolicy policy) {
        assertThatThrownBy(() -> Channel.<Long>builder().name("events").overflow(policy).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("overflow policy " + policy)
                .hasMessageContaining("capacity must be at least 1")
                .hasMessageContaining("events");
        assertThatThrownBy(() -> Channel.buffered(0, policy)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(policy.name());
    }

    @Test
    void buffered_capacityZero_isRejectedPointingToRendezvous() {
        assertThatThrownBy(() -> Channel.buffered(0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at least 1: 0").hasMessageContaining("rendezvous()");
    }

    @Test
    void builder_nullArguments_areRejectedNamingTheParameter() {
        Channel.Builder<Long> b = Channel.builder();

        assertThatThrownBy(() -> b.name(null)).isInstanceOf(NullPointerException.class).hasMessage("name");
        assertThatThrownBy(() -> b.overflow(null)).isInstanceOf(NullPointerException.class).hasMessage("overflow");
        assertThatThrownBy(() -> b.onUndelivered(null)).isInstanceOf(NullPointerException.class)
                .hasMessage("onUndelivered");
    }

    // ---- rendezvous ----

    @Test
    void rendezvous_trySendWithoutAWaitingReceiver_returnsFalseAndBuffersNothing() {
        Channel<Long> ch = channel("r", 0, OverflowPolicy.BLOCK);

        assertThat(ch.trySend(1L)).isFalse();
        assertThat(ch.size()).isZero();
        assertThat(ch.tryReceive()).isEmpty();
        assertThat(undelivered).isEmpty();
    }

    @Test
    void rendezvous_sendReturns_onlyOnceTheReceiverHasTheElement() throws Exception {
        Channel<Long> ch = channel("r", 0, OverflowPolicy.BLOCK);
        try (Scope scope = Scope.open("test")) {
            Forked<Boolean> sender = forkCapturing(scope, "sender", () -> {
                ch.send(5L);
                return true;
            });
            TestSupport.awaitBlocked(sender.thread());
            assertThat(sender.isDone()).isFalse();
            assertThat(ch.size()).as("a rendezvous channel buffers nothing").isZero();
            assertThat(ch.isClosedForReceive()).isFalse();

            assertThat(ch.tryReceive()).as("tryReceive takes from a waiting sender").contains(5L);

            assertThat(sender.value()).isTrue();
        }
    }

    // ---- buffered, BLOCK ----

    @Test
    void buffered_blockedSenders_moveIntoTheBufferInArrivalOrder() throws Exception {
        Channel<Long> ch = channel("b", 2, OverflowPolicy.BLOCK);
        ch.send(1L);
        ch.send(2L);
        try (Scope scope = Scope.open("test")) {
            Forked<Boolean> third = forkCapturing(scope, "third", () -> {
                ch.send(3L);
                return true;
            });
            TestSupport.awaitBlocked(third.thread());
            Forked<Boolean> fourth = forkCapturing(scope, "fourth", () -> {
                ch.send(4L);
                return true;
            });
            TestSupport.awaitBlocked(fourth.thread());

            assertThat(ch.receive()).isEqualTo(1L);
            assertThat(third.value()).isTrue();
            assertThat(ch.size()).as("3 moved into the freed slot").isEqualTo(2);
            assertThat(fourth.isDone()).isFalse();

            assertThat(ch.receive()).isEqualTo(2L);
            assertThat(fourth.value()).isTrue();
            assertThat(drain(ch)).containsExactly(3L, 4L);
        }
        assertThat(ch.droppedCount()).isZero();
    }

    @Test
    void buffered_trySendBeyondCapacity_returnsFalse() {
        Channel<Long> ch = channel("b", 3, OverflowPolicy.BLOCK);

        assertThat(LongStream.rangeClosed(1, 5).mapToObj(ch::trySend).toList())
                .containsExactly(true, true, true, false, false);
        assertThat(ch.size()).isEqualTo(3);
        assertThat(ch.droppedCount()).isZero();
        assertThat(drain(ch)).containsExactly(1L, 2L, 3L);
    }

    // ---- overflow policies ----

    @Test
    void dropOldest_whenFull_dropsTheOldestCountsItAndHandsItToTheHook() throws Exception {
        Channel<Long> ch = channel("latest", 3, OverflowPolicy.DROP_OLDEST);

        for (long i = 1; i <= 5; i++) {
            ch.send(i);
        }
        assertThat(ch.trySend(6L)).isTrue();
        assertThat(ch.send(7L, Duration.ZERO)).isTrue();

        assertThat(ch.droppedCount()).isEqualTo(4);
        assertThat(undelivered).containsExactly(1L, 2L, 3L, 4L);
        assertThat(drain(ch)).containsExactly(5L, 6L, 7L);
    }

    @Test
    void dropNewest_whenFull_dropsTheNewElementCountsItAndHandsItToTheHook() throws Exception {
        Channel<Long> ch = channel("first", 3, OverflowPolicy.DROP_NEWEST);

        for (long i = 1; i <= 5; i++) {
            ch.send(i);
        }
        assertThat(ch.trySend(6L)).isTrue();
        assertThat(ch.send(7L, Duration.ZERO)).isTrue();

        assertThat(ch.droppedCount()).isEqualTo(4);
        assertThat(undelivered).containsExactly(4L, 5L, 6L, 7L);
        assertThat(drain(ch)).containsExactly(1L, 2L, 3L);
    }

    @Test
    void dropPolicy_withAWaitingReceiver_handsTheElementOverWithoutDropping() throws Exception {
        Channel<Long> ch = channel("first", 1, OverflowPolicy.DROP_NEWEST);
        try (Scope scope = Scope.open("test")) {
            Forked<Long> receiver = forkCapturing(scope, "receiver", ch::receive);
            TestSupport.awaitBlocked(receiver.thread());

            ch.send(1L);
            ch.send(2L);
            ch.send(3L);

            assertThat(receiver.value()).isEqualTo(1L);
        }
        assertThat(drain(ch)).containsExactly(2L);
        assertThat(undelivered).containsExactly(3L);
        assertThat(ch.droppedCount()).isEqualTo(1);
    }

    @Test
    void reject_whenFull_throwsNamingTheChannelAndCapacityAndTheCallerKeepsTheElement() throws Exception {
        Channel<Long> ch = channel("jobs", 2, OverflowPolicy.REJECT);
        ch.send(1L);
        ch.send(2L);

        assertThatThrownBy(() -> ch.send(3L)).isInstanceOf(RejectedExecutionException.class)
                .hasMessageContaining("'jobs'").hasMessageContaining("capacity 2")
                .hasMessageContaining("REJECT");
        assertThatThrownBy(() -> ch.send(3L, Duration.ofSeconds(1))).isInstanceOf(RejectedExecutionException.class);
        assertThat(ch.trySend(3L)).as("trySend reports a full buffer with false").isFalse();

        assertThat(ch.droppedCount()).as("a rejection is not a drop: the caller keeps the element").isZero();
        assertThat(undelivered).isEmpty();
        assertThat(ch.receive()).isEqualTo(1L);
        ch.send(3L);
        assertThat(drain(ch)).containsExactly(2L, 3L);
    }

    @Test
    void undeliveredHook_thatThrows_isSwallowedAndTheDropStillCounted() throws Exception {
        Channel<Long> ch = Channel.<Long>builder().name("fragile").capacity(1).overflow(OverflowPolicy.DROP_NEWEST)
                .onUndelivered(e -> {
                    throw new IllegalStateException("hook failed on " + e);
                }).build();

        ch.send(1L);
        ch.send(2L);
        ch.close();
        assertThatThrownBy(() -> ch.send(3L)).isInstanceOf(ChannelClosedException.class);

        assertThat(ch.droppedCount()).isEqualTo(2);
        assertThat(ch.receive()).isEqualTo(1L);
    }

    @Test
    void undeliveredHook_runsOnTheSendingThreadOutsideTheChannelLock() throws Exception {
        List<String> calls = new CopyOnWriteArrayList<>();
        ChannelImpl<?>[] self = new ChannelImpl<?>[1];
        Channel<Long> ch = Channel.<Long>builder().name("observed").capacity(1).overflow(OverflowPolicy.DROP_OLDEST)
                .onUndelivered(e -> calls.add(e + " on " + Thread.currentThread().getName() + ", lock held: "
                        + self[0].lock.isHeldByCurrentThread()))
                .build();
        self[0] = (ChannelImpl<?>) ch;
        String me = Thread.currentThread().getName();

        ch.send(1L);
        ch.send(2L);
        ch.close();
        assertThatThrownBy(() -> ch.send(3L)).isInstanceOf(ChannelClosedException.class);

        assertThat(calls).containsExactly("1 on " + me + ", lock held: false", "3 on " + me + ", lock held: false");
    }

    @Test
    void droppedCount_countsPolicyDropsAndSendsOnAClosedChannel() throws Exception {
        Channel<Long> ch = channel("mixed", 1, OverflowPolicy.DROP_NEWEST);
        ch.send(1L);
        ch.send(2L);
        ch.close();

        assertThatThrownBy(() -> ch.send(3L)).isInstanceOf(ChannelClosedException.class);

        assertThat(ch.droppedCount()).isEqualTo(2);
        assertThat(undelivered).containsExactly(2L, 3L);
        assertThat(ch.isClosedForReceive()).as("1 is still buffered").isFalse();
        assertThat(ch.receive()).isEqualTo(1L);
        assertThat(ch.isClosedForReceive()).isTrue();
    }

    // ---- conflated ----

    @Test
    void conflated_keepsOnlyTheLatestElementAndReportsTheRest() throws Exception {
        Channel<Long> ch = Channel.<Long>builder().name("state").capacity(1).overflow(OverflowPolicy.DROP_OLDEST)
                .onUndelivered(undelivered::add).build();

        ch.send(1L);
        ch.send(2L);
        assertThat(ch.trySend(3L)).isTrue();

        assertThat(ch.size()).isEqualTo(1);
        assertThat(ch.receive()).isEqualTo(3L);
        assertThat(ch.tryReceive()).isEmpty();
        assertThat(ch.droppedCount()).isEqualTo(2);
        assertThat(undelivered).containsExactly(1L, 2L);
    }

    @Test
    void conflated_factory_keepsOnlyTheLatestElement() throws Exception {
        Channel<String> ch = Channel.conflated();
        ch.send("a");
        ch.send("b");

        assertThat(ch.receive()).isEqualTo("b");
        assertThat(ch.droppedCount()).isEqualTo(1);
    }

    // ---- unbounded ----

    @Test
    void unbounded_manySendsWithoutAReceiver_neverWaitAndKeepTheirOrder() throws Exception {
        Channel<Long> ch = Channel.unbounded();
        int n = 100_000;

        for (long i = 0; i < n; i++) {
            ch.send(i);
        }

        assertThat(ch.size()).isEqualTo(n);
        assertThat(drain(ch)).containsExactlyElementsOf(LongStream.range(0, n).boxed().toList());
    }

    // ---- close and state ----

    @Test
    void isClosedForReceive_withBufferedElements_becomesTrueOnlyOnceDrained() throws Exception {
        Channel<Long> ch = channel("b", 4, OverflowPolicy.BLOCK);
        ch.send(1L);
        ch.send(2L);
        ch.close();

        assertThat(ch.isClosedForSend()).isTrue();
        assertThat(ch.isClosedForReceive()).isFalse();
        ch.receive();
        assertThat(ch.isClosedForReceive()).isFalse();
        ch.receive();
        assertThat(ch.isClosedForReceive()).isTrue();
    }

    @Test
    void close_withoutAHook_stillCountsTheDropOfAFailedSend() {
        Channel<Long> ch = Channel.buffered(1);
        ch.close();

        assertThatThrownBy(() -> ch.trySend(1L)).isInstanceOf(ChannelClosedException.class)
                .hasMessage("channel 'channel' is closed");
        assertThat(ch.droppedCount()).isEqualTo(1);
    }

    @Test
    void toString_showsNameKindPolicySizeAndClosedState() throws Exception {
        Channel<Long> ch = channel("jobs", 4, OverflowPolicy.DROP_NEWEST);
        ch.send(1L);
        ch.send(2L);
        ch.close();

        assertThat(ch).hasToString("Channel[jobs, capacity 4, DROP_NEWEST, 2 buffered, closed]");
        assertThat(Channel.rendezvous()).hasToString("Channel[channel, rendezvous, 0 buffered]");
        assertThat(Channel.unbounded()).hasToString("Channel[channel, unbounded, 0 buffered]");
    }
}
