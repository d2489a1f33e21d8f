package dev.weft.benchmarks.micro;

import dev.weft.runtime.Channel;
import dev.weft.runtime.Select;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * One ready source out of four: a reused weft {@link Select} with four receive clauses against a hand-written poll
 * of four {@link ArrayBlockingQueue}s (start index rotating for fairness, as weft's unbiased select starts at a
 * random clause). Each operation puts one element into the next source in turn (so the ready one rotates) and takes
 * it out through the select or the poll; single thread, nothing ever waits.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@State(Scope.Thread)
public class SelectBench {

    private static final int SOURCES = 4;
    private static final Integer ITEM = 7;

    private final List<Channel<Integer>> channels = new ArrayList<>();
    private final List<Queue<Integer>> queues = new ArrayList<>();
    private Select<Integer> select;
    private int next;
    private int pollStart;

    /** Creates the sources and the select. */
    @Setup
    public void setUp() {
        Select<Integer> s = Select.create();
        for (int i = 0; i < SOURCES; i++) {
            Channel<Integer> c = Channel.buffered(16);
            channels.add(c);
            queues.add(new ArrayBlockingQueue<>(16));
            int tag = i;
            s.onReceive(c, v -> v + tag);
        }
        select = s;
    }

    /** weft: trySend to the next channel, then select. */
    @Benchmark
    public int weft() throws InterruptedException {
        int i = next;
        next = (i + 1) & (SOURCES - 1);
        channels.get(i).trySend(ITEM);
        return select.select();
    }

    /** The peer: offer to the next queue, then poll the four queues from a rotating start. */
    @Benchmark
    public int handWrittenPoll() {
        int i = next;
        next = (i + 1) & (SOURCES - 1);
        queues.get(i).offer(ITEM);
        int start = pollStart;
        pollStart = (start + 1) & (SOURCES - 1);
        for (int k = 0; k < SOURCES; k++) {
            int q = (start + k) & (SOURCES - 1);
            Integer v = queues.get(q).poll();
            if (v != null) {
                return v + q;
            }
        }
        throw new IllegalStateException("no queue had data");
    }
}
