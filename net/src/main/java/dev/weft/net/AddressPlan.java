package dev.weft.net;

import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.jspecify.annotations.Nullable;

/**
 * The order in which a {@link PermanentConnection} tries its addresses in one connect pass.
 *
 * <p>Deduplicate; order by family preference and interleave the families (RFC 8305 §4, gRFC A61); optionally
 * shuffle each family with a seeded random (gRFC A62's {@code shuffleAddressList}, to spread many clients over the
 * replicas); start after the address whose connection was just lost, or one position later after each failed pass
 * (KAFKA-15817: do not go straight back to the address that just failed); and move addresses that failed within the
 * penalty time to the end.
 *
 * <p>Not thread-safe: owned by the connection's state-machine thread.
 */
final class AddressPlan {

    private final boolean ipv6First;
    private final @Nullable Random shuffle;
    private final long penaltyNanos;
    private final Map<SocketAddress, Long> failedAt = new HashMap<>();
    private int rotation;

    AddressPlan(boolean ipv6First, @Nullable Long shuffleSeed, Duration penalty) {
        this.ipv6First = ipv6First;
        this.shuffle = shuffleSeed == null ? null : new Random(shuffleSeed);
        this.penaltyNanos = penalty.toNanos();
    }

    /**
     * Returns the addresses of the next pass in the order to try them.
     *
     * @param addresses the current addresses, in the resolver's order
     * @param lost the address whose connection was lost just before this pass, or null
     * @param now the current time of the connection's clock, in nanoseconds
     */
    List<SocketAddress> order(List<? extends SocketAddress> addresses, @Nullable SocketAddress lost, long now) {
        List<SocketAddress> unique = new ArrayList<>(new LinkedHashSet<>(addresses));
        List<SocketAddress> v6 = new ArrayList<>();
        List<SocketAddress> v4 = new ArrayList<>();
        List<SocketAddress> other = new ArrayList<>();
        for (SocketAddress a : unique) {
            if (a instanceof InetSocketAddress inet && inet.getAddress() != null) {
                (inet.getAddress() instanceof Inet6Address ? v6 : v4).add(a);
            } else {
                other.add(a);
            }
        }
        if (shuffle != null) {
            Collections.shuffle(v6, shuffle);
            Collections.shuffle(v4, shuffle);
        }
        List<SocketAddress> first = ipv6First ? v6 : v4;
        List<SocketAddress> second = ipv6First ? v4 : v6;
        List<SocketAddress> ordered = new ArrayList<>(unique.size());
        for (int i = 0; i < Math.max(first.size(), second.size()); i++) {
            if (i < first.size()) {
                ordered.add(first.get(i));
            }
            if (i < second.size()) {
                ordered.add(second.get(i));
            }
        }
        ordered.addAll(other);
        if (ordered.isEmpty()) {
            return ordered;
        }
        int start;
        int lostAt = lost == null ? -1 : ordered.indexOf(lost);
        if (lostAt >= 0) {
            start = (lostAt + 1) % ordered.size();
            rotation = 0;
        } else {
            start = Math.floorMod(rotation, ordered.size());
        }
        Collections.rotate(ordered, -start);
        List<SocketAddress> fresh = new ArrayList<>(ordered.size());
        List<SocketAddress> penalized = new ArrayList<>();
        for (SocketAddress a : ordered) {
            Long failed = failedAt.get(a);
            (failed != null && now - failed < penaltyNanos ? penalized : fresh).add(a);
        }
        fresh.addAll(penalized);
        return fresh;
    }

    /** Records that connecting to {@code address} failed at {@code now}. */
    void failed(SocketAddress address, long now) {
        failedAt.put(address, now);
    }

    /** Records that {@code address} connected: it is no longer penalized. */
    void succeeded(SocketAddress address) {
        failedAt.remove(address);
    }

    /** Records that a whole pass failed: the next pass starts one position later. */
    void passFailed() {
        rotation++;
    }

    /** Forgets failures older than the penalty, so the map does not grow with addresses that left DNS. */
    void prune(long now) {
        failedAt.values().removeIf(t -> now - t >= penaltyNanos);
    }
}
