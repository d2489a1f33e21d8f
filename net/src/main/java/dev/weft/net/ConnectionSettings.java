package dev.weft.net;

import java.time.Duration;
import java.util.Objects;

/**
 * What a {@link StreamConnection} needs besides its transport: the line limit, the size of its line channel, and
 * the write rate.
 *
 * @param maxLineLength the longest accepted line in bytes
 * @param lineBuffer the capacity of the lines channel (back-pressure beyond it)
 * @param rateBytes bytes per rate interval, or 0 for unlimited
 * @param rateInterval the rate interval
 */
record ConnectionSettings(int maxLineLength, int lineBuffer, long rateBytes, Duration rateInterval) {

    static Builder builder() {
        return new Builder();
    }

    WriteRateLimiter newLimiter() {
        return rateBytes == 0 ? null : new WriteRateLimiter(rateBytes, rateInterval);
    }

    /** Builds settings; shared by {@link Connector} and {@link StreamServer.Builder}. */
    static final class Builder {
        private int maxLineLength = Connection.DEFAULT_MAX_LINE_LENGTH;
        private int lineBuffer = 64;
        private long rateBytes;
        private Duration rateInterval = Duration.ofSeconds(1);

        void maxLineLength(int bytes) {
            if (bytes <= 0) {
                throw new IllegalArgumentException("maxLineLength must be positive: " + bytes);
            }
            this.maxLineLength = bytes;
        }

        void writeRate(long bytes, Duration interval) {
            Objects.requireNonNull(interval, "interval");
            if (bytes <= 0) {
                throw new IllegalArgumentException("write rate bytes must be positive: " + bytes);
            }
            if (interval.isNegative() || interval.isZero()) {
                throw new IllegalArgumentException("write rate interval must be positive: " + interval);
            }
            this.rateBytes = bytes;
            this.rateInterval = interval;
        }

        ConnectionSettings build() {
            return new ConnectionSettings(maxLineLength, lineBuffer, rateBytes, rateInterval);
        }
    }
}
