package dev.weft.net.spi;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * One answer of a {@link Resolver}: the addresses a host name has, and how long the answer may be used.
 *
 * <p>Immutable and thread-safe.
 *
 * @param host the name that was asked for, as the caller gave it
 * @param addresses the addresses, IPv4 and IPv6 in the order the resolver found them, without duplicates; never
 *     empty
 * @param ttl how long the answer may be used before asking again: the smallest TTL of the records it is made of,
 *     unclamped (the caller applies its own limits); {@link Duration#ZERO} means "do not reuse"
 */
public record Resolution(String host, List<InetAddress> addresses, Duration ttl) {

    /**
     * Makes an answer, copying {@code addresses} and removing duplicates while keeping the first occurrence.
     *
     * @throws IllegalArgumentException if {@code addresses} is empty or {@code ttl} is negative
     */
    public Resolution {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(addresses, "addresses");
        Objects.requireNonNull(ttl, "ttl");
        if (addresses.isEmpty()) {
            throw new IllegalArgumentException("addresses must not be empty for " + host);
        }
        if (ttl.isNegative()) {
            throw new IllegalArgumentException("ttl must not be negative: " + ttl);
        }
        addresses = addresses.stream().map(a -> Objects.requireNonNull(a, "address")).distinct().toList();
    }

    /**
     * The IPv6 addresses of this answer, in order.
     *
     * @return the IPv6 addresses, possibly empty
     */
    public List<InetAddress> ipv6() {
        return addresses.stream().filter(a -> a instanceof Inet6Address).toList();
    }

    /**
     * The IPv4 addresses of this answer, in order.
     *
     * @return the IPv4 addresses, possibly empty
     */
    public List<InetAddress> ipv4() {
        return addresses.stream().filter(a -> !(a instanceof Inet6Address)).toList();
    }
}
