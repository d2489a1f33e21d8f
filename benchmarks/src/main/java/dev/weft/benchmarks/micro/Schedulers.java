package dev.weft.benchmarks.micro;

import io.netty.util.HashedWheelTimer;
import io.netty.util.Timeout;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;

/**
 * The timer implementations the timer benchmarks compare, behind one small interface: weft's shared timer wheel
 * (1 ms ticks), {@link ScheduledThreadPoolExecutor} (1 thread, remove-on-cancel), JDK 25's {@link ForkJoinPool}
 * {@code schedule} (a 1-thread pool; ForkJoinPool implements ScheduledExecutorService since JDK 25) and Netty's
 * {@link HashedWheelTimer} (1 ms ticks like weft's wheel instead of its 100 ms default, 512 slots).
 *
 * <p>Not thread-safe as a whole; the underlying timers are.
 */
interface Schedulers {

    /** Implementation names, as used in JMH params and CSV variants. */
    String WEFT = "weft";
    String STPE = "ScheduledThreadPoolExecutor";
    String FJP = "ForkJoinPool";
    String HWT = "HashedWheelTimer";

    /** Schedules {@code action} {@code delayNanos} from now; returns a handle for {@link #cancel}. */
    Object schedule(long delayNanos, Runnable action);

    /** Cancels a handle from {@link #schedule}. */
    void cancel(Object handle);

    /** Stops the timer's threads (weft's shared wheel is left running). */
    void close();

    /** Creates the named implementation. */
    static Schedulers create(String impl) {
        ThreadFactory daemon = r -> {
            Thread t = new Thread(r, "bench-timer-" + impl);
            t.setDaemon(true);
            return t;
        };
        return switch (impl) {
            case WEFT -> new Schedulers() {
                @Override
                public Object schedule(long delayNanos, Runnable action) {
                    return WeftInternals.schedule(System.nanoTime() + delayNanos, action);
                }

                @Override
                public void cancel(Object handle) {
                    WeftInternals.cancel(handle);
                }

                @Override
                public void close() {
                    // the shared wheel belongs to weft
                }
            };
            case STPE -> {
                ScheduledThreadPoolExecutor stpe = new ScheduledThreadPoolExecutor(1, daemon);
                stpe.setRemoveOnCancelPolicy(true);
                yield executor(stpe);
            }
            case FJP -> executor(new ForkJoinPool(1));
            case HWT -> {
                HashedWheelTimer timer = new HashedWheelTimer(daemon, 1, TimeUnit.MILLISECONDS, 512);
                timer.start();
                yield new Schedulers() {
                    @Override
                    public Object schedule(long delayNanos, Runnable action) {
                        return timer.newTimeout(t -> action.run(), delayNanos, TimeUnit.NANOSECONDS);
                    }

                    @Override
                    public void cancel(Object handle) {
                        ((Timeout) handle).cancel();
                    }

                    @Override
                    public void close() {
                        timer.stop();
                    }
                };
            }
            default -> throw new IllegalArgumentException("unknown timer impl: " + impl);
        };
    }

    private static Schedulers executor(ScheduledExecutorService executor) {
        return new Schedulers() {
            @Override
            public Object schedule(long delayNanos, Runnable action) {
                return executor.schedule(action, delayNanos, TimeUnit.NANOSECONDS);
            }

            @Override
            public void cancel(Object handle) {
                ((ScheduledFuture<?>) handle).cancel(false);
            }

            @Override
            public void close() {
                executor.shutdownNow();
            }
        };
    }
}
