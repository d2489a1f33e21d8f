package dev.weft.runtime;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Named.named;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntFunction;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Many producers and consumers on one channel, all virtual threads in a scope: every element sent is received
 * exactly once — also while receives and sends are cancelled mid-wait by timeouts, interrupts and task
 * cancellation. Each producer sends distinct longs; a ledger counts per value how often it was sent successfully
 * and how often received, and the two must match exactly.
 */
@Timeout(value = 60, unit = SECONDS)
final class ChannelContentionTest {

    private static final int PRODUCERS = 4;
    private static final int CONSUMERS = 4;
    private static final int PER_PRODUCER = 50_000;
    /** Values are {@code BASE + index}: distinct, and beyond the range of an int. */
    private static final long BASE = 1L << 40;

    static Stream<Named<Supplier<Channel<Long>>>> kinds() {
        return Stream.of(
                named("rendezvous", Channel::rendezvous),
                named("buffered(4)", () -> Channel.buffered(4)),
                named("buffered(1024)", () -> Channel.buffered(1024)),
                named("unbounded", Channel::unbounded));
    }

    @ParameterizedTest
    @MethodSource("kinds")
    void sendAndReceive_fourProducersFourConsumers_deliverEveryElementExactlyOnce(Supplier<Channel<Long>> kind)
            throws Exception {
        Channel<Long> ch = kind.get();
        Ledger ledger = new Ledger();
        try (Scope scope = Scope.open("contention")) {
            List<Task<Void>> producers = new ArrayList<>();
            for (int p = 0; p < PRODUCERS; p++) {
                int producer = p;
                producers.add(scope.fork("producer-" + p, () -> {
                    for (int i = 0; i < PER_PRODUCER; i++) {
                        long v = Ledger.value(producer, i);
                        ch.send(v);
                        ledger.sent(v);
                    }
                }));
            }
            for (int c = 0; c < CONSUMERS; c++) {
                scope.fork("consumer-" + c, () -> {
                    for (long v : ch) {
                        ledger.received(v);
                    }
                });
            }
            scope.fork("closer", () -> {
                for (Task<Void> producer : producers) {
                    producer.join();
                }
                ch.close();
            });
            scope.join();
        }
        assertThat(ledger.sentCount()).isEqualTo(PRODUCERS * PER_PRODUCER);
        ledger.assertReceivedExactlyWhatWasSent();
        assertThat(ch.droppedCount()).isZero();
    }

    @ParameterizedTest
    @MethodSource("kinds")
    void receive_cancelledMidWaitByTimeoutsInterruptsAndTaskCancellation_losesNothing(
            Supplier<Channel<Long>> kind) throws Exception {
        Channel<Long> ch = kind.get();
        Ledger ledger = new Ledger();
        LongAdder timeouts = new LongAdder();
        LongAdder interrupted = new LongAdder();
        LongAdder cancelled = new LongAdder();
        AtomicReferenceArray<Thread> threads = new AtomicReferenceArray<>(CONSUMERS);
        AtomicReferenceArray<Task<Void>> tasks = new AtomicReferenceArray<>(CONSUMERS);
        CountDownLatch go = new CountDownLatch(1);

        try (Scope scope = Scope.open("contention")) {
            IntFunction<Scope.Body> consumer = slot -> () -> {
                threads.set(slot, Thread.currentThread());
                ThreadLocalRandom rnd = ThreadLocalRandom.current();
                for (;;) {
                    try {
                        Optional<Long> v = rnd.nextBoolean()
                                ? ch.receive(Duration.ofNanos(rnd.nextInt(1_000, 50_000)))
                                : Optional.of(ch.receive());
                        if (v.isPresent()) {
                            ledger.received(v.get());
                        } else {
                            timeouts.increment();
                        }
                    } catch (InterruptedException e) {
                        interrupted.increment();
                    } catch (ChannelClosedException e) {
                        return;
                    } catch (CancelledException e) {
                        cancelled.increment();
                        throw e;
                    }
                }
            };
            for (int c = 0; c < CONSUMERS; c++) {
                tasks.set(c, scope.fork("consumer-" + c, consumer.apply(c)));
            }
            List<Task<Void>> producers = new ArrayList<>();
            for (int p = 0; p < PRODUCERS; p++) {
                int producer = p;
                producers.add(scope.fork("producer-" + p, () -> {
                    go.await();
                    for (int i = 0; i < PER_PRODUCER; i++) {
                        long v = Ledger.value(producer, i);
                        ch.send(v);
                        ledger.sent(v);
                        if (i % 16 == 0) {
                            Thread.yield(); // let the consumers empty the buffer now and then, so that they wait
                        }
                    }
                }));
            }
            Task<Void> chaos = scope.fork("chaos", () -> {
                // first, while the channel is empty, cancel every consumer's wait once each way
                for (int c = 0; c < CONSUMERS; c++) {
                    int slot = c;
                    cancelWaitBothWays(threads, tasks, slot, interrupted, cancelled,
                            () -> scope.fork("consumer-" + slot, consumer.apply(slot)));
                }
                go.countDown();
                ThreadLocalRandom rnd = ThreadLocalRandom.current();
                while (!producersDone(producers)) {
                    int c = rnd.nextInt(CONSUMERS);
                    if (rnd.nextBoolean()) {
                        interrupt(threads.get(c));
                    } else {
                        tasks.get(c).cancel();
                        tasks.set(c, scope.fork("consumer-" + c, consumer.apply(c)));
                    }
                    pace(rnd);
                }
            });
            scope.fork("closer", () -> {
                chaos.join();
                for (Task<Void> producer : producers) {
                    producer.join();
                }
                ch.close();
            });
            scope.join();
        }
        assertThat(ledger.sentCount()).isEqualTo(PRODUCERS * PER_PRODUCER);
        ledger.assertReceivedExactlyWhatWasSent();
        String counts = String.format("timeouts %d, interrupted %d, cancelled %d", timeouts.sum(), interrupted.sum(),
                cancelled.sum());
        assertThat(interrupted.sum()).as("receives ended by an interrupt (%s)", counts)
                .isGreaterThanOrEqualTo(CONSUMERS);
        assertThat(cancelled.sum()).as("receives ended by task cancellation (%s)", counts)
                .isGreaterThanOrEqualTo(CONSUMERS);
    }

    @ParameterizedTest
    @MethodSource("kinds")
    void send_cancelledMidWaitByTimeoutsInterruptsAndTaskCancellation_receivedEqualsExactlyWhatWasSent(
            Supplier<Channel<Long>> kind) throws Exception {
        Channel<Long> ch = kind.get();
        boolean sendsCanWait = ch.capacity() != Integer.MAX_VALUE;
        Ledger ledger = new Ledger();
        LongAdder timeouts = new LongAdder();
        LongAdder interrupted = new LongAdder();
        LongAdder cancelled = new LongAdder();
        AtomicReferenceArray<Thread> threads = new AtomicReferenceArray<>(PRODUCERS);
        AtomicReferenceArray<Task<Void>> tasks = new AtomicReferenceArray<>(PRODUCERS);
        /* The next index each producer claims; an element whose send failed is abandoned, not retried. */
        AtomicIntegerArray next = new AtomicIntegerArray(PRODUCERS);
        CountDownLatch go = new CountDownLatch(1);

        try (Scope scope = Scope.open("contention")) {
            for (int c = 0; c < CONSUMERS; c++) {
                scope.fork("consumer-" + c, () -> {
                    go.await();
                    for (long v : ch) {
                        ledger.received(v);
                    }
                });
            }
            scope.fork("production", () -> {
                try (Scope producers = Scope.open("producers")) {
                    IntFunction<Scope.Body> producer = p -> () -> {
                        threads.set(p, Thread.currentThread());
                        ThreadLocalRandom rnd = ThreadLocalRandom.current();
                        int i;
                        while ((i = next.getAndIncrement(p)) < PER_PRODUCER) {
                            long v = Ledger.value(p, i);
                            try {
                                if (rnd.nextBoolean()) {
                                    if (ch.send(v, Duration.ofNanos(rnd.nextInt(1_000, 50_000)))) {
                                        ledger.sent(v);
                                    } else {
                                        timeouts.increment();
                                    }
                                } else {
                                    ch.send(v);
                                    ledger.sent(v);
                                }
                            } catch (InterruptedException e) {
                                interrupted.increment();
                            } catch (CancelledException e) {
                                cancelled.increment();
                                throw e;
                            }
                        }
                    };
                    for (int p = 0; p < PRODUCERS; p++) {
                        tasks.set(p, producers.fork("producer-" + p, producer.apply(p)));
                    }
                    ThreadLocalRandom rnd = ThreadLocalRandom.current();
                    if (sendsCanWait) {
                        // first, while nobody receives, cancel every producer's wait once each way
                        for (int p = 0; p < PRODUCERS; p++) {
                            int slot = p;
                            cancelWaitBothWays(threads, tasks, slot, interrupted, cancelled,
                                    () -> producers.fork("producer-" + slot, producer.apply(slot)));
                        }
                    }
                    go.countDown();
                    while (!allClaimed(next)) {
                        int p = rnd.nextInt(PRODUCERS);
                        if (rnd.nextBoolean()) {
                            interrupt(threads.get(p));
                        } else {
                            tasks.get(p).cancel();
                            tasks.set(p, producers.fork("producer-" + p, producer.apply(p)));
                        }
                        pace(rnd);
                    }
                    producers.join();
                }
                ch.close();
            });
            scope.join();
        }
        long failed = timeouts.sum() + interrupted.sum() + cancelled.sum();
        assertThat(ledger.sentCount() + failed).as("every element was attempted once: sent or failed")
                .isEqualTo((long) PRODUCERS * PER_PRODUCER);
        ledger.assertReceivedExactlyWhatWasSent();
        if (sendsCanWait) {
            String counts = String.format("sent %d, timeouts %d, interrupted %d, cancelled %d", ledger.sentCount(),
                    timeouts.sum(), interrupted.sum(), cancelled.sum());
            assertThat(interrupted.sum()).as("sends ended by an interrupt (%s)", counts)
                    .isGreaterThanOrEqualTo(PRODUCERS);
            assertThat(cancelled.sum()).as("sends ended by task cancellation (%s)", counts)
                    .isGreaterThanOrEqualTo(PRODUCERS);
        }
        assertThat(ch.droppedCount()).as("failed sends are not drops: the caller keeps the element").isZero();
    }

    /**
     * Interrupts the blocked task in {@code slot} and waits until that ended a wait, then cancels the task (blocked
     * again) and waits until that ended a wait, and puts a fresh task in the slot.
     */
    private static void cancelWaitBothWays(AtomicReferenceArray<Thread> threads,
            AtomicReferenceArray<Task<Void>> tasks, int slot, LongAdder interrupted, LongAdder cancelled,
            Supplier<Task<Void>> replacement) {
        TestSupport.awaitCondition(() -> threads.get(slot) != null, "task " + slot + " to start");
        Thread thread = threads.get(slot);
        long interruptedBefore = interrupted.sum();
        TestSupport.awaitBlocked(thread);
        thread.interrupt();
        TestSupport.awaitCondition(() -> interrupted.sum() > interruptedBefore, "an interrupted wait in " + slot);
        long cancelledBefore = cancelled.sum();
        TestSupport.awaitBlocked(thread);
        tasks.get(slot).cancel();
        TestSupport.awaitCondition(() -> cancelled.sum() > cancelledBefore, "a cancelled wait in " + slot);
        threads.set(slot, null);
        tasks.set(slot, replacement.get());
        TestSupport.awaitCondition(() -> threads.get(slot) != null, "task " + slot + " to start");
    }

    /** Interrupts the thread of a slot, unless its new task has not started yet. */
    private static void interrupt(Thread thread) {
        if (thread != null) {
            thread.interrupt();
        }
    }

    /** Spaces out the chaos a little, so that the tasks it hits make progress in between. */
    private static void pace(ThreadLocalRandom rnd) throws InterruptedException {
        if (rnd.nextInt(4) == 0) {
            Timers.sleep(Duration.ofNanos(rnd.nextInt(1_000, 20_000)));
        } else {
            Thread.yield();
        }
    }

    private static boolean producersDone(List<Task<Void>> producers) {
        return producers.stream().allMatch(t -> t.state() != Task.State.RUNNING);
    }

    private static boolean allClaimed(AtomicIntegerArray next) {
        for (int p = 0; p < next.length(); p++) {
            if (next.get(p) < PER_PRODUCER) {
                return false;
            }
        }
        return true;
    }

    /** How often each value was sent successfully and how often it was received. Thread-safe. */
    private static final class Ledger {
        private static final int TOTAL = PRODUCERS * PER_PRODUCER;
        private static final int EXAMPLES = 20;

        private final AtomicIntegerArray sent = new AtomicIntegerArray(TOTAL);
        private final AtomicIntegerArray received = new AtomicIntegerArray(TOTAL);
        private final LongAdder sentCount = new LongAdder();
        private final List<Long> unknown = new CopyOnWriteArrayList<>();

        static long value(int producer, int i) {
            return BASE + (long) producer * PER_PRODUCER + i;
        }

        void sent(long v) {
            sent.incrementAndGet((int) (v - BASE));
            sentCount.increment();
        }

        void received(long v) {
            long index = v - BASE;
            if (index < 0 || index >= TOTAL) {
                unknown.add(v);
            } else {
                received.incrementAndGet((int) index);
            }
        }

        long sentCount() {
            return sentCount.sum();
        }

        void assertReceivedExactlyWhatWasSent() {
            List<Long> lost = new ArrayList<>();
            List<Long> duplicated = new ArrayList<>();
            List<Long> neverSent = new ArrayList<>();
            int lostCount = 0;
            int duplicatedCount = 0;
            int neverSentCount = 0;
            for (int i = 0; i < TOTAL; i++) {
                int s = sent.get(i);
                int r = received.get(i);
                assertThat(s).as("value %d was recorded as sent %d times", BASE + i, s).isLessThanOrEqualTo(1);
                if (s == 1 && r == 0 && lostCount++ < EXAMPLES) {
                    lost.add(BASE + i);
                }
                if (r > 1 && duplicatedCount++ < EXAMPLES) {
                    duplicated.add(BASE + i);
                }
                if (s == 0 && r > 0 && neverSentCount++ < EXAMPLES) {
                    neverSent.add(BASE + i);
                }
            }
            assertThat(unknown).as("received values nobody sent").isEmpty();
            assertThat(lost).as("%d values sent but never received, e.g.", lostCount).isEmpty();
            assertThat(duplicated).as("%d values received more than once, e.g.", duplicatedCount).isEmpty();
            assertThat(neverSent).as("%d values received though their send failed, e.g.", neverSentCount).isEmpty();
        }
    }
}
