package dev.weft.runtime;

import static dev.weft.runtime.TestSupport.awaitCondition;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.runtime.testing.PinningGuard;
import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

@Timeout(value = 60, unit = SECONDS)
@ExtendWith(PinningGuard.class)
final class ScopeScaleTest {

    /**
     * Measured on JDK 25 (G1): a finished task whose handle is kept costs about 460 bytes of heap (TaskImpl, its
     * terminated virtual thread and continuation, the body lambda, the done gate), so a scope that retained one
     * million finished tasks would hold about 440 MiB. The bound leaves room for GC and JIT noise and is still
     * about a tenth of that.
     */
    private static final long REAPING_HEAP_BOUND = 48L << 20;

    @Test
    void fork_100kTasksEachSendingItsNumber_allCompleteAndNothingIsLostOrDuplicated() throws Exception {
        int n = 100_000;
        Channel<Integer> results = Channel.unbounded();
        LongAdder ran = new LongAdder();
        try (Scope scope = Scope.open("wide")) {
            for (int i = 0; i < n; i++) {
                int id = i;
                scope.fork("t", () -> {
                    ran.increment();
                    results.send(id);
                });
            }
            scope.join();

            assertThat(scope.liveTasks()).isZero();
        }
        assertThat(ran.sum()).isEqualTo(n);
        BitSet seen = new BitSet(n);
        int received = 0;
        for (Optional<Integer> r = results.tryReceive(); r.isPresent(); r = results.tryReceive()) {
            assertThat(seen.get(r.get())).as("duplicate %s", r.get()).isFalse();
            seen.set(r.get());
            received++;
        }
        assertThat(received).isEqualTo(n);
        assertThat(seen.cardinality()).isEqualTo(n);
    }

    @Test
    void supervisor_runsAMillionShortTasks_holdsNoMemoryForFinishedOnes() throws Exception {
        int total = 1_000_000;
        int inFlight = 10_000;
        int sampleEvery = 10_000;
        Semaphore slots = new Semaphore(inFlight);
        LongAdder ran = new LongAdder();
        LongAdder failed = new LongAdder();
        List<WeakReference<Task<?>>> sample = new ArrayList<>();
        try (Scope scope = Scope.supervisor("reaper", (task, error) -> failed.increment())) {
            long before = usedHeapAfterGc();
            for (int i = 0; i < total; i++) {
                slots.acquire();
                Task<?> task = scope.fork("t", () -> {
                    try {
                        ran.increment();
                    } finally {
                        slots.release();
                    }
                });
                // the last tasks' threads may still sit in the scope's short list of exiting threads: sample earlier
                if (i % sampleEvery == 0 && i < total - 10 * sampleEvery) {
                    sample.add(new WeakReference<>(task));
                }
            }
            scope.join();
            long grown = usedHeapAfterGc() - before;

            assertThat(ran.sum()).isEqualTo(total);
            assertThat(failed.sum()).isZero();
            assertThat(scope.liveTasks()).isZero();
            assertThat(grown).as("heap growth after %s finished tasks", total).isLessThan(REAPING_HEAP_BOUND);
            awaitCondition(() -> {
                System.gc();
                return sample.stream().allMatch(ref -> ref.get() == null);
            }, Duration.ofSeconds(10), "every sampled finished task handle to be collected while the scope is open");
        }
    }

    private static long usedHeapAfterGc() {
        Runtime rt = Runtime.getRuntime();
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            System.gc();
            used = Math.min(used, rt.totalMemory() - rt.freeMemory());
        }
        return used;
    }
}
