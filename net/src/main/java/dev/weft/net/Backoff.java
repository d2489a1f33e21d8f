package dev.weft.net;

import dev.failsafe.RetryPolicy;
import dev.failsafe.RetryPolicyConfig;
import java.time.Duration;
import java.util.Objects;
import java.util.function.DoubleSupplier;

/**
 * The reconnect delays of a {@link PermanentConnection}, read from a Failsafe {@link RetryPolicy}: its delay
 * ({@code withBackoff} initial delay or {@code withDelay}), max delay, delay factor and jitter. weft computes and
 * sleeps the delays itself on the connection's clock — never on Failsafe's scheduler — and retries forever, whatever
 * the policy's retry limit.
 *
 * <p>Attempt 0 is immediate. Attempt {@code n ≥ 1} waits {@code min(delay × factor^(n-1), maxDelay)}, then ±jitter,
 * then clamped to {@code [0, maxDelay]}, so the maximum is a hard ceiling (Failsafe and gRPC apply jitter after the
 * cap and can exceed it). A policy without backoff waits its fixed delay every time.
 *
 * <pre>{@code
 * RetryPolicy<Object> slowCap = RetryPolicy.builder()
 *         .withBackoff(Duration.ofMillis(500), Duration.ofMinutes(2), 1.5)
 *         .withJitter(0.1)
 *         .withMaxRetries(-1)
 *         .build();
 * PermanentConnection.builder("backend", 4040).backoff(slowCap);
 * }</pre>
 *
 * <p>Immutable and thread-safe.
 */
public final class Backoff {

    private final Duration initial;
    private final Duration max;
    private final double factor;
    private final double jitterFactor;
    private final Duration jitter;

    private Backoff(Duration initial, Duration max, double factor, double jitterFactor, Duration jitter) {
        this.initial = initial;
        this.max = max;
        this.factor = factor;
        this.jitterFactor = jitterFactor;
        this.jitter = jitter;
    }

    /**
     * Returns weft's default reconnect policy: 1 s initial delay, ×2, capped at 30 s, ±20 % jitter, forever. A
     * Kubernetes rollout brings pods back within seconds, so a 30 s cap recovers faster than gRPC's 120 s and is
     * still gentle; the jitter keeps many clients that lost the same backend from reconnecting in lock step.
     *
     * @return a new policy
     */
    public static RetryPolicy<Object> standard() {
        return RetryPolicy.builder()
                .withBackoff(Duration.ofSeconds(1), Duration.ofSeconds(30), 2.0)
                .withJitter(0.2)
                .withMaxRetries(-1)
                .build();
    }

    /**
     * Returns the gRPC connection-backoff preset: 1 s initial delay, ×1.6, capped at 120 s, ±20 % jitter, forever.
     *
     * @return a new policy
     */
    public static RetryPolicy<Object> grpc() {
        return RetryPolicy.builder()
                .withBackoff(Duration.ofSeconds(1), Duration.ofSeconds(120), 1.6)
                .withJitter(0.2)
                .withMaxRetries(-1)
                .build();
    }

    /**
     * Reads the delays of a Failsafe retry policy.
     *
     * @param policy the policy; its delay must be positive
     * @return the backoff
     * @throws IllegalArgumentException if the policy has no positive delay, or a random delay range (not supported)
     */
    public static Backoff of(RetryPolicy<?> policy) {
        Objects.requireNonNull(policy, "policy");
        RetryPolicyConfig<?> c = policy.getConfig();
        if (c.getDelayMin() != null || c.getDelayMax() != null) {
            throw new IllegalArgumentException("policy must not use a random delay (withDelay(min, max)): use"
                    + " withBackoff and withJitter");
        }
        if (c.getDelayFn() != null) {
            throw new IllegalArgumentException("policy must not use a delay function (withDelayFn): use withBackoff"
                    + " and withJitter");
        }
        Duration delay = c.getDelay();
        if (delay == null || delay.isZero() || delay.isNegative()) {
            throw new IllegalArgumentException("policy delay must be positive: " + delay);
        }
        Duration max = c.getMaxDelay() == null ? delay : c.getMaxDelay();
        double factor = c.getMaxDelay() == null ? 1.0 : c.getDelayFactor();
        Duration jitter = c.getJitter() == null ? Duration.ZERO : c.getJitter();
        return new Backoff(delay, max, factor, c.getJitterFactor(), jitter);
    }

    /**
     * Returns the delay before attempt {@code failures}: zero for 0, else the capped exponential delay with
     * jitter, never above the maximum.
     *
     * @param failures consecutive failures so far, 0 or more
     * @param random a source of uniform values in {@code [0, 1)}
     * @return the delay
     */
    public Duration delay(int failures, DoubleSupplier random) {
        if (failures < 0) {
            throw new IllegalArgumentException("failures must not be negative: " + failures);
        }
        if (failures == 0) {
            return Duration.ZERO;
        }
        double base = initial.toNanos() * Math.pow(factor, Math.min(failures - 1, 1_000));
        base = Math.min(base, max.toNanos());
        double spread = jitterFactor > 0 ? base * jitterFactor : jitter.toNanos();
        double jittered = base + (random.getAsDouble() * 2 - 1) * spread;
        long nanos = (long) Math.max(0, Math.min(jittered, max.toNanos()));
        return Duration.ofNanos(nanos);
    }

    /**
     * Returns the delay before the first retry (attempt 1), without jitter.
     *
     * @return the initial delay
     */
    public Duration initial() {
        return initial;
    }

    /**
     * Returns the hard ceiling of every delay.
     *
     * @return the maximum delay
     */
    public Duration max() {
        return max;
    }

    /**
     * Returns the factor each delay is multiplied by.
     *
     * @return the factor (1 for a fixed delay)
     */
    public double factor() {
        return factor;
    }

    /**
     * Returns the jitter as a fraction of the delay (0.2 = ±20 %); 0 when the policy has a fixed jitter duration
     * or none.
     *
     * @return the jitter factor
     */
    public double jitterFactor() {
        return jitterFactor;
    }

    @Override
    public String toString() {
        return "Backoff[initial=" + initial + ", factor=" + factor + ", max=" + max + ", jitter="
                + (jitterFactor > 0 ? "±" + Math.round(jitterFactor * 100) + "%" : jitter) + "]";
    }
}
