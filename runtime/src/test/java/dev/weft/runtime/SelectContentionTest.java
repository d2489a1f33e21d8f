package dev.weft.runtime;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.runtime.testing.PinningGuard;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntSupplier;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Races on {@link Select}: many selectors on shared channels, selects matching selects, and selects cancelled at
 * random while elements move. Every element carries a distinct long, so a lost, duplicated or phantom transfer shows
 * up as a difference between what was sent and what was received. Every scope has a deadline, so a deadlock fails
 * the test instead of hanging it.
 */
@Timeout(value = 60, unit = SECONDS)
@ExtendWith(PinningGuard.class)
final class SelectContentionTest {

    private static final Duration DEADLINE = Duration.ofSeconds(30);
    /** The churn cancels at least this many workers, so that a fast run still cancels selects in every state. */
    private static final int MIN_CANCELLATIONS = 50;

    private static Scope boundedScope(String name) {
        return Scope.builder().name(name).timeout(DEADLINE).open();
    }

    private static List<Long> sorted(Queue<Long> values) {
        return values.stream().sorted().toList();
    }

    private static List<Long> range(long fromInclusive, long toExclusive) {
        return LongStream.range(fromInclusive, toExclusive).boxed().toList();
    }

    private static List<Channel<Long>> fourChannels() {
        return List.of(Channel.rendezvous(), Channel.buffered(1), Channel.buffered(16), Channel.unbounded());
    }

    /**
     * Receives with a select over every channel until all of them are closed and drained, adding each element to
     * {@code into}. The select is reused until a channel closes, then rebuilt over the ones still open.
     */
    private static void selectUntilAllClosed(List<Channel<Long>> channels, Queue<Long> into)
            throws InterruptedException {
        List<Channel<Long>> open = new ArrayList<>(channels);
        while (!open.isEmpty()) {
            Select<Integer> select = Select.create();
            for (int i = 0; i < open.size(); i++) {
                int index = i;
                select.onReceiveOrClosed(open.get(i), r -> switch (r) {
                    case Received.Value<Long> v -> {
                        into.add(v.value());
                        yield -1;
                    }
                    case Received.Closed<Long> c -> index;
                });
            }
            int closed;
            do {
                closed = select.select();
            } while (closed < 0);
            open.remove(closed);
        }
    }

    @Test
    void select_manyProducersIntoFourChannels_consumersReceiveExactlyWhatWasSent() throws Exception {
        List<Channel<Long>> channels = fourChannels();
        int producers = 8;
        int perProducer = 5_000;
        Queue<Long> received = new ConcurrentLinkedQueue<>();
        try (Scope scope = boundedScope("fan-in")) {
            List<Task<Void>> sending = new ArrayList<>();
            for (int p = 0; p < producers; p++) {
                long base = (long) p * perProducer;
                sending.add(scope.fork("producer-" + p, () -> {
                    ThreadLocalRandom random = ThreadLocalRandom.current();
                    for (long v = base; v < base + perProducer; v++) {
                        channels.get(random.nextInt(channels.size())).send(v);
                    }
                }));
            }
            for (int c = 0; c < 4; c++) {
                scope.fork("consumer-" + c, () -> selectUntilAllClosed(channels, received));
            }
            scope.fork("closer", () -> {
                for (Task<Void> t : sending) {
                    t.join();
                }
                channels.forEach(Channel::close);
            });
            scope.join();
        }
        assertThat(sorted(received)).isEqualTo(range(0, (long) producers * perProducer));
    }

    @Test
    void select_selectsMatchingSelectsOnRendezvous_everyTransferCountedOnceOnBothSides() throws Exception {
        Channel<Long> a = Channel.rendezvous();
        Channel<Long> b = Channel.rendezvous();
        int perSide = 32;
        int rounds = 1_000;
        Queue<Long> sentOnA = new ConcurrentLinkedQueue<>();
        Queue<Long> receivedFromA = new ConcurrentLinkedQueue<>();
        Queue<Long> sentOnB = new ConcurrentLinkedQueue<>();
        Queue<Long> receivedFromB = new ConcurrentLinkedQueue<>();
        try (Scope scope = boundedScope("select-vs-select")) {
            for (int i = 0; i < perSide; i++) {
                long base = (long) i * rounds;
                // {send on A, receive on B}
                scope.fork("x-" + i, () -> {
                    for (long v = base; v < base + rounds; v++) {
                        long mine = v;
                        Select.<Boolean>create()
                                .onSend(a, mine, () -> sentOnA.add(mine))
                                .onReceive(b, receivedFromB::add)
                                .select();
                    }
                });
                // {receive on A, send on B}
                scope.fork("y-" + i, () -> {
                    for (long v = 1_000_000 + base; v < 1_000_000 + base + rounds; v++) {
                        long mine = v;
                        Select.<Boolean>create()
                                .onReceive(a, receivedFromA::add)
                                .onSend(b, mine, () -> sentOnB.add(mine))
                                .select();
                    }
                });
            }
            scope.join(); // DeadlineExceededException if they deadlock
        }
        int total = perSide * rounds;
        assertThat(sentOnA.size() + receivedFromB.size()).as("selects fired by the x side").isEqualTo(total);
        assertThat(receivedFromA.size() + sentOnB.size()).as("selects fired by the y side").isEqualTo(total);
        assertThat(sorted(receivedFromA)).as("A: received == sent").isEqualTo(sorted(sentOnA))
                .doesNotHaveDuplicates();
        assertThat(sorted(receivedFromB)).as("B: received == sent").isEqualTo(sorted(sentOnB))
                .doesNotHaveDuplicates();
    }

    /**
     * Keeps {@code slots} workers running, each in its own scope, and replaces one at random over and over by
     * cancelling either its task or its scope (without waiting for it to end, so that cancelled workers overlap with
     * live ones), until {@code progress} reaches {@code target} and at least {@link #MIN_CANCELLATIONS} were
     * cancelled. Runs as a task itself (a virtual thread, scheduled like the workers, so the churn keeps pace with
     * them on a loaded machine). Fails if progress stops for half the {@link #DEADLINE}: something was lost.
     *
     * @return how many workers were cancelled
     */
    private static int churn(String name, Scope.Body worker, IntSupplier progress, int target, int slots)
            throws InterruptedException {
        try (Scope churning = boundedScope(name + "-churn")) {
            Task<Integer> canceller = churning.fork("canceller", () -> {
                ThreadLocalRandom random = ThreadLocalRandom.current();
                long deadline = System.nanoTime() + DEADLINE.toNanos() / 2;
                List<Scope> scopes = new ArrayList<>();
                List<Task<Void>> tasks = new ArrayList<>();
                List<Scope> retired = new ArrayList<>();
                int cancelled = 0;
                try {
                    for (int s = 0; s < slots; s++) {
                        scopes.add(Scope.open(name + "-" + s));
                        tasks.add(scopes.get(s).fork(name, worker));
                    }
                    while (progress.getAsInt() < target || cancelled < MIN_CANCELLATIONS) {
                        if (System.nanoTime() - deadline > 0) {
                            throw new AssertionError(name + " progress stuck at " + progress.getAsInt() + " of "
                                    + target + " after " + cancelled + " cancellations");
                        }
                        for (int i = random.nextInt(30); i > 0; i--) {
                            Thread.yield(); // let the workers move a random amount
                        }
                        int s = random.nextInt(slots);
                        if (random.nextBoolean()) {
                            tasks.get(s).cancel();
                        } else {
                            scopes.get(s).cancel();
                        }
                        retired.add(scopes.get(s)); // closed later: a cancelled worker is not a failure
                        cancelled++;
                        scopes.set(s, Scope.open(name + "-" + s));
                        tasks.set(s, scopes.get(s).fork(name, worker));
                    }
                } finally {
                    scopes.addAll(retired);
                    for (Scope s : scopes) {
                        s.close();
                    }
                }
                return cancelled;
            });
            return canceller.join();
        }
    }

    @Test
    void select_receiveSelectsCancelledAtRandom_everyElementReceivedExactlyOnce() throws Exception {
        List<Channel<Long>> channels = fourChannels();
        int producers = 4;
        int perProducer = 5_000;
        int total = producers * perProducer;
        Queue<Long> received = new ConcurrentLinkedQueue<>();
        AtomicInteger receivedCount = new AtomicInteger();
        int cancelled;
        try (Scope producing = boundedScope("producers")) {
            for (int p = 0; p < producers; p++) {
                long base = (long) p * perProducer;
                producing.fork("producer-" + p, () -> {
                    ThreadLocalRandom random = ThreadLocalRandom.current();
                    for (long v = base; v < base + perProducer; v++) {
                        channels.get(random.nextInt(channels.size())).send(v);
                    }
                });
            }
            Scope.Body consumer = () -> {
                Select<Boolean> select = Select.create();
                for (Channel<Long> ch : channels) {
                    select.onReceive(ch, v -> received.add(v) && receivedCount.incrementAndGet() > 0);
                }
                for (;;) {
                    select.select();
                }
            };
            cancelled = churn("consumer", consumer, receivedCount::get, total, 3);
            producing.join();
        }
        assertThat(sorted(received)).as("received by the consumers, %d of which were cancelled", cancelled)
                .isEqualTo(range(0, total));
        for (Channel<Long> ch : channels) {
            assertThat(ch.tryReceive()).as("left in %s", ch).isEmpty();
        }
    }

    @Test
    void select_sendSelectsCancelledAtRandom_elementsReportedSentAreExactlyThoseReceived() throws Exception {
        int senders = 3;
        Channel<Long> small = Channel.buffered(2);
        Channel<Long> larger = Channel.buffered(5);
        List<Channel<Long>> channels = List.of(small, larger);
        int target = 10_000;
        AtomicLong next = new AtomicLong();
        Queue<Long> reportedSent = new ConcurrentLinkedQueue<>();
        AtomicInteger sentCount = new AtomicInteger();
        Queue<Long> received = new ConcurrentLinkedQueue<>();
        int cancelled;
        try (Scope receiving = boundedScope("receivers")) {
            for (int r = 0; r < 2; r++) {
                receiving.fork("receiver-" + r, () -> selectUntilAllClosed(channels, received));
            }
            Scope.Body sender = () -> {
                for (;;) {
                    long v = next.getAndIncrement();
                    Select.<Boolean>create()
                            .onSend(small, v, () -> reportedSent.add(v) && sentCount.incrementAndGet() > 0)
                            .onSend(larger, v, () -> reportedSent.add(v) && sentCount.incrementAndGet() > 0)
                            .select();
                }
            };
            cancelled = churn("sender", sender, sentCount::get, target, senders);
            small.close();
            larger.close();
            receiving.join();
        }
        assertThat(sorted(received)).as("received vs reported sent, with %d senders cancelled", cancelled)
                .isEqualTo(sorted(reportedSent))
                .doesNotHaveDuplicates();
        // each cancelled sender loses at most the one select it was in, and so do the ones the churn stops at the end
        assertThat(next.get() - reportedSent.size()).as("select attempts that were cancelled before sending")
                .isLessThanOrEqualTo(cancelled + (long) senders);
    }
}
