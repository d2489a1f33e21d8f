package dev.weft.process;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts the platform threads this module needs for calls that block in native code: reading and writing a child's
 * pipes, opening and reading a FIFO (DESIGN.md, principle 8).
 *
 * <p>Why not virtual threads: on JDK 25 a virtual thread blocked in {@code FileInputStream.read} on a pipe (which is
 * what {@link Process#getInputStream()} is) is not unmounted; the JDK compensates by adding a carrier thread to the
 * scheduler for as long as the read blocks. That costs a platform thread anyway, and it grows the scheduler's pool
 * up to its maximum ({@code jdk.virtualThreadScheduler.maxPoolSize}, 256): beyond that, more blocked readers starve
 * every virtual thread. Measured: 100 virtual threads blocked reading 100 children's stdout made the scheduler grow
 * to 101 carrier threads; with 300, it stopped at 256, the other 44 readers never ran, and a loopback echo server on
 * virtual threads did not answer within 5 s. A dedicated platform thread per open stream costs the same thread
 * without touching the scheduler (300 children read this way: 2 carriers, echo p99 about 2 ms), and its count is
 * bounded by the number of open streams the program chose to have. A bounded pool would not do: a reader blocks
 * for as long as its child lives, so a pool of n would stop reading the (n+1)th child.
 *
 * <p>Each thread is a daemon named {@code weft-...}, with a small stack, and is owned by the object that started it
 * ({@link ByteSource}, {@link ByteSink}), which its owner's close stops; a {@link ChildProcess}'s threads are awaited
 * by the process's task in its scope.
 */
final class PlatformThreads {

    private static final Logger LOG = LoggerFactory.getLogger(PlatformThreads.class);
    /** Enough for a read loop; the default (1 MiB, or 8 MiB from ulimit) is reserved address space per thread. */
    private static final long STACK_SIZE = 256 * 1024;

    private PlatformThreads() {
    }

    /** Starts {@code body} on a new daemon platform thread; the returned handle tells when it has ended. */
    static Handle start(String name, Runnable body) {
        CountDownLatch ended = new CountDownLatch(1);
        Thread t = Thread.ofPlatform().name(name).daemon().stackSize(STACK_SIZE).unstarted(() -> {
            try {
                body.run();
            } catch (RuntimeException | Error e) {
                LOG.warn("{} failed", name, e);
            } finally {
                ended.countDown();
            }
        });
        t.start();
        return new Handle(t, ended);
    }

    /** A started thread. */
    record Handle(Thread thread, CountDownLatch ended) {
        /**
         * Waits until the thread has ended, at most {@code timeout}.
         *
         * @return true if it ended
         * @throws InterruptedException if the waiting thread is interrupted
         */
        boolean await(Duration timeout) throws InterruptedException {
            return ended.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
        }

        boolean isAlive() {
            return ended.getCount() > 0;
        }
    }
}
