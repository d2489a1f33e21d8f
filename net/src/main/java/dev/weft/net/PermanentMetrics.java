package dev.weft.net;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * A snapshot of a {@link PermanentConnection}'s counters and gauges, from {@link PermanentConnection#metrics()}.
 * Counters count from the connection's start.
 *
 * <p>Immutable and thread-safe.
 *
 * @param state the current state
 * @param connectAttemptsSucceeded connect attempts that connected a transport
 * @param connectAttemptsFailed connect attempts that failed (refused, timed out, TLS failure)
 * @param connections connections that reached READY
 * @param disconnections READY connections lost, by reason ({@code eof}, {@code error}, {@code heartbeat},
 *     {@code migrated}, {@code closed})
 * @param resolutionsSucceeded resolver answers
 * @param resolutionsFailed resolver failures (including those bridged by a stale answer)
 * @param staleResolutionsUsed passes that used the last good answer after a failure
 * @param messagesSent messages written to a connection
 * @param messagesBuffered messages put in the send buffer
 * @param messagesDropped messages dropped, by {@link PermanentEvent.DropReason}
 * @param bufferedNow messages in the send buffer now
 * @param bufferedBytesNow bytes in the send buffer now
 * @param bytesOut bytes written (UTF-8, with line terminators)
 * @param bytesIn bytes received as lines or messages (UTF-8, with line terminators)
 * @param consecutiveFailures failed attempts since the last healthy connection
 * @param currentBackoff the delay of the current or last backoff
 * @param sinceLastReady time since the connection was last READY (zero while READY), empty if it never was
 * @param lastTimeToReconnect how long the last reconnection took, from losing READY to READY again; empty if it
 *     never reconnected
 * @param eventsDropped events dropped because {@link PermanentConnection#events()} was full (nobody reads it)
 */
public record PermanentMetrics(
        ConnectionState state,
        long connectAttemptsSucceeded,
        long connectAttemptsFailed,
        long connections,
        Map<String, Long> disconnections,
        long resolutionsSucceeded,
        long resolutionsFailed,
        long staleResolutionsUsed,
        long messagesSent,
        long messagesBuffered,
        Map<PermanentEvent.DropReason, Long> messagesDropped,
        int bufferedNow,
        long bufferedBytesNow,
        long bytesOut,
        long bytesIn,
        int consecutiveFailures,
        Duration currentBackoff,
        Optional<Duration> sinceLastReady,
        Optional<Duration> lastTimeToReconnect,
        long eventsDropped) {

    /** Copies the maps. */
    public PermanentMetrics {
        disconnections = Map.copyOf(disconnections);
        messagesDropped = Map.copyOf(messagesDropped);
    }
}
