package dev.weft.benchmarks.micro;

import dev.weft.runtime.Channel;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedTransferQueue;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Hand-off of elements between virtual threads: weft's {@link Channel} against {@link ArrayBlockingQueue},
 * {@link LinkedTransferQueue} and (for the rendezvous) {@link SynchronousQueue}.
 *
 * <p>Each invocation starts fresh virtual threads and moves a batch of elements through the pipe; the score is
 * elements (or round trips) per millisecond, thread start and join included but amortised over the batch. JCTools
 * queues (the spinning ceiling the issue mentions) are not an allowed dependency and are not measured.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class ChannelHandoff {

    /** Elements per invocation of the buffered benchmark. */
    static final int BATCH = 20_000;
    /** Round trips per invocation of the ping-pong benchmark. */
    static final int ROUND_TRIPS = 5_000;
    /** Capacity of every buffered pipe. */
    static final int CAPACITY = 1024;

    private static final Object ITEM = new Object();
    private static final Object DONE = new Object();

    /** The two operations the benchmark needs; one implementation per peer. */
    interface Pipe {
        void put(Object element) throws InterruptedException;

        Object take() throws InterruptedException;
    }

    record ChannelPipe(Channel<Object> channel) implements Pipe {
        @Override
        public void put(Object element) throws InterruptedException {
            channel.send(element);
        }

        @Override
        public Object take() throws InterruptedException {
            return channel.receive();
        }
    }

    record QueuePipe(BlockingQueue<Object> queue) implements Pipe {
        @Override
        public void put(Object element) throws InterruptedException {
            queue.put(element);
        }

        @Override
        public Object take() throws InterruptedException {
            return queue.take();
        }
    }

    static Pipe buffered(String impl) {
        return switch (impl) {
            case "weft" -> new ChannelPipe(Channel.buffered(CAPACITY));
            case "ArrayBlockingQueue" -> new QueuePipe(new ArrayBlockingQueue<>(CAPACITY));
            // LinkedTransferQueue is unbounded; put never blocks, so it is bounded here only by the batch
            case "LinkedTransferQueue" -> new QueuePipe(new LinkedTransferQueue<>());
            default -> throw new IllegalArgumentException("unknown impl: " + impl);
        };
    }

    static Pipe rendezvous(String impl) {
        return switch (impl) {
            case "weft" -> new ChannelPipe(Channel.rendezvous());
            case "SynchronousQueue" -> new QueuePipe(new SynchronousQueue<>());
            case "LinkedTransferQueue" -> new LinkedTransferPipe(new LinkedTransferQueue<>());
            default -> throw new IllegalArgumentException("unknown impl: " + impl);
        };
    }

    /** LinkedTransferQueue used as a rendezvous: {@code transfer} waits for the consumer. */
    record LinkedTransferPipe(LinkedTransferQueue<Object> queue) implements Pipe {
        @Override
        public void put(Object element) throws InterruptedException {
            queue.transfer(element);
        }

        @Override
        public Object take() throws InterruptedException {
            return queue.take();
        }
    }

    /** Buffered producers → consumers. */
    @State(Scope.Benchmark)
    public static class Buffered {
        /** Who carries the elements. */
        @Param({"weft", "ArrayBlockingQueue", "LinkedTransferQueue"})
        public String impl;

        /** Producers->consumers. */
        @Param({"1->1", "2->1", "1->2"})
        public String shape;

        Pipe pipe;
        int producers;
        int consumers;

        /** Creates the pipe once per trial (it is empty again after every invocation). */
        @Setup
        public void setUp() {
            pipe = buffered(impl);
            producers = shape.charAt(0) - '0';
            consumers = shape.charAt(shape.length() - 1) - '0';
        }
    }

    /** Rendezvous ping-pong: one element there, one back. */
    @State(Scope.Benchmark)
    public static class PingPong {
        /** Who carries the elements. */
        @Param({"weft", "SynchronousQueue", "LinkedTransferQueue"})
        public String impl;

        Pipe there;
        Pipe back;

        /** Creates the two pipes once per trial. */
        @Setup
        public void setUp() {
            there = rendezvous(impl);
            back = rendezvous(impl);
        }
    }

    /** Moves {@link #BATCH} elements from the producers to the consumers, all virtual threads. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long buffered(Buffered s) throws InterruptedException {
        Pipe pipe = s.pipe;
        long[] received = new long[s.consumers];
        Thread[] consumers = new Thread[s.consumers];
        for (int c = 0; c < consumers.length; c++) {
            int me = c;
            consumers[c] = Thread.ofVirtual().start(() -> {
                long n = 0;
                try {
                    while (pipe.take() != DONE) {
                        n++;
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                received[me] = n;
            });
        }
        int share = BATCH / s.producers;
        Thread[] producers = new Thread[s.producers];
        for (int p = 0; p < producers.length; p++) {
            producers[p] = Thread.ofVirtual().start(() -> {
                try {
                    for (int i = 0; i < share; i++) {
                        pipe.put(ITEM);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
        }
        for (Thread p : producers) {
            p.join();
        }
        for (int c = 0; c < consumers.length; c++) {
            pipe.put(DONE);
        }
        long total = 0;
        for (int c = 0; c < consumers.length; c++) {
            consumers[c].join();
            total += received[c];
        }
        if (total != (long) share * s.producers) {
            throw new IllegalStateException("lost elements: " + total);
        }
        return total;
    }

    /** {@link #ROUND_TRIPS} round trips between two virtual threads over two rendezvous pipes. */
    @Benchmark
    @OperationsPerInvocation(ROUND_TRIPS)
    public void pingPong(PingPong s) throws InterruptedException {
        Pipe there = s.there;
        Pipe back = s.back;
        Thread ponger = Thread.ofVirtual().start(() -> {
            try {
                for (int i = 0; i < ROUND_TRIPS; i++) {
                    back.put(there.take());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        Thread pinger = Thread.ofVirtual().start(() -> {
            try {
                for (int i = 0; i < ROUND_TRIPS; i++) {
                    there.put(ITEM);
                    back.take();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        pinger.join();
        ponger.join();
    }
}
