package dev.weft.net;

import dev.weft.runtime.TimeSource;
import dev.weft.runtime.Timers;
import java.time.Duration;

/**
 * A token bucket for one connection's writes: up to {@code bytes} per {@code interval}, refilled continuously, with
 * a burst of one interval's worth. A writer over its budget sleeps (a cancellation-aware weft sleep on the current
 * time source), so only that connection waits; a writer cancelled while it waits writes nothing and spends no
 * budget. Guarded by the connection's write lock.
 */
final class WriteRateLimiter {

    private final long bytesPerInterval;
    private final long intervalNanos;
    private double tokens;
    private long last;
    private boolean started;

    WriteRateLimiter(long bytesPerInterval, Duration interval) {
        this.bytesPerInterval = bytesPerInterval;
        this.intervalNanos = interval.toNanos();
        this.tokens = bytesPerInterval;
    }

    /** Waits until {@code n} bytes may be written; a write larger than the burst waits for it in several steps. */
    void acquire(long n) throws InterruptedException {
        TimeSource time = TimeSource.current();
        if (!started) {
            started = true;
            last = time.nanoTime();
        }
        long left = n;
        boolean done = false;
        try {
            while (left > 0) {
                refill(time.nanoTime());
                long take = Math.min(left, bytesPerInterval);
                if (tokens >= take) {
                    tokens -= take;
                    left -= take;
                    continue;
                }
                double missing = take - tokens;
                long waitNanos = (long) Math.ceil(missing * intervalNanos / bytesPerInterval);
                Timers.sleep(Duration.ofNanos(Math.max(waitNanos, 1)));
            }
            done = true;
        } finally {
            if (!done) {
                // cancelled or interrupted: nothing is written, so the budget taken so far goes back
                tokens = Math.min(bytesPerInterval, tokens + (n - left));
            }
        }
    }

    private void refill(long now) {
        long elapsed = now - last;
        if (elapsed > 0) {
            tokens = Math.min(bytesPerInterval, tokens + (double) elapsed * bytesPerInterval / intervalNanos);
            last = now;
        }
    }
}
