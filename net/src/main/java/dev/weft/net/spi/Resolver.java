package dev.weft.net.spi;

import java.io.IOException;
import java.net.UnknownHostException;

/**
 * A name resolver: turns a host name into the addresses it has now, with how long that answer may be used.
 *
 * <p>weft's own implementation is {@code dev.weft.net.DnsResolver} (dnsjava: A and AAAA in parallel,
 * {@code /etc/resolv.conf} servers, search domains and {@code ndots}). Implement this interface to resolve through
 * something else — a service registry, a static table in a test, a sidecar.
 *
 * <p>A resolver keeps no cache of its own that hides the remaining TTL: it reports the TTL of the answer it got, and
 * the caller (a permanent connection) tracks expiry against its own clock, so a virtual clock in a test governs
 * re-resolution.
 *
 * <p>Implementations must be thread-safe: one resolver is shared by many connections.
 */
public interface Resolver {

    /**
     * Resolves {@code host} to its current addresses, blocking until an answer arrives or the resolver's query
     * timeout passes.
     *
     * <p>IP literals ({@code 10.0.0.7}, {@code ::1}, {@code [::1]}) resolve to themselves without a query.
     *
     * @param host a host name or an IP literal
     * @return the addresses, never empty, with the answer's time to live
     * @throws UnknownHostException if the name does not exist or has no address records (a negative answer: the
     *     caller may retry later, but it is not a failure of the resolver)
     * @throws IOException if no server gave an answer: timeout, SERVFAIL, refused, network error (the caller may use
     *     a stale answer it still has)
     * @throws InterruptedException if the calling thread is interrupted while waiting; nothing is left running
     */
    Resolution resolve(String host) throws IOException, InterruptedException;
}
