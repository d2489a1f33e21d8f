package dev.weft.runtime;

import java.time.Duration;
import java.util.Objects;

/** Saturating arithmetic on {@link TimeSource#nanoTime()} deadlines. Stateless. */
final class Deadlines {

    /** A deadline that never comes. */
    static final long NONE = Long.MAX_VALUE;

    private Deadlines() {
    }

    /** Returns {@code now + d}, clamped so that it never overflows into the past; negative durations mean now. */
    static long after(long now, Duration d) {
        Objects.requireNonNull(d, "duration");
        if (d.isNegative() || d.isZero()) {
            return now;
        }
        long nanos;
        try {
            nanos = d.toNanos();
        } catch (ArithmeticException tooLong) {
            return NONE;
        }
        long r = now + nanos;
        return (r < now || r == NONE) ? NONE - 1 : r;
    }

    /** Requires a non-negative duration, naming the parameter in the error. */
    static Duration requireNonNegative(Duration d, String name) {
        Objects.requireNonNull(d, name);
        if (d.isNegative()) {
            throw new IllegalArgumentException(name + " must not be negative: " + d);
        }
        return d;
    }

    /** Requires a positive duration, naming the parameter in the error. */
    static Duration requirePositive(Duration d, String name) {
        Objects.requireNonNull(d, name);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " must be positive: " + d);
        }
        return d;
    }
}
