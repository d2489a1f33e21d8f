package dev.weft.benchmarks.micro;

import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Many timers due at the same instant: schedules {@code count} actions all due at one deadline (far enough ahead to
 * schedule them all), waits until every one has run and records each one's lateness (run time minus deadline).
 * A measurement outside JMH, since the figure of interest is a per-timer distribution, not a rate.
 *
 * <p>Not thread-safe: one run at a time.
 */
final class TimerLateness {

    /** Lateness figures of one run, in nanoseconds. */
    record Result(long p50, long p99, long max, long scheduleNanos, long leadNanos) {}

    private TimerLateness() {}

    /**
     * Runs {@code count} timers on {@code impl} (see {@link Schedulers}) and returns their lateness.
     *
     * @throws InterruptedException if interrupted while waiting for the timers
     */
    static Result run(String impl, int count) throws InterruptedException {
        if (count < 1) {
            throw new IllegalArgumentException("count must be positive: " + count);
        }
        Schedulers timers = Schedulers.create(impl);
        try {
            long[] lateness = new long[count];
            AtomicInteger fired = new AtomicInteger();
            CountDownLatch all = new CountDownLatch(1);
            // ~2.5 us per schedule leaves room to schedule them all before the deadline on a loaded 2-core box
            long lead = Math.max(TimeUnit.MILLISECONDS.toNanos(200), count * 2_500L);
            long start = System.nanoTime();
            long deadline = start + lead;
            Runnable record = () -> {
                long late = System.nanoTime() - deadline;
                int i = fired.getAndIncrement();
                lateness[i] = late;
                if (i == count - 1) {
                    all.countDown();
                }
            };
            for (int i = 0; i < count; i++) {
                timers.schedule(deadline - System.nanoTime(), record);
            }
            long scheduled = System.nanoTime() - start;
            if (!all.await(lead / 1_000_000 + 120_000, TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException(impl + ": only " + fired.get() + " of " + count + " timers fired");
            }
            Arrays.sort(lateness);
            return new Result(lateness[count / 2], lateness[(int) Math.min(count - 1, (long) count * 99 / 100)],
                    lateness[count - 1], scheduled, lead);
        } finally {
            timers.close();
        }
    }
}
