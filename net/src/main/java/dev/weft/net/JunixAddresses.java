package dev.weft.net;

import java.net.SocketAddress;
import java.net.SocketException;
import java.net.UnixDomainSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.newsclub.net.unix.AFUNIXSocketAddress;

/**
 * Converts between weft's Unix socket addresses — {@link UnixDomainSocketAddress} for a path (empty for an unnamed
 * socket) and {@link UnixAbstractAddress} for an abstract name — and junixsocket's {@link AFUNIXSocketAddress},
 * which stays inside the package. Stateless.
 */
final class JunixAddresses {

    /** The longest socket path: 107 bytes, the 108 bytes of {@code sun_path} less the terminating NUL. */
    static final int MAX_PATH_BYTES = 107;

    /** The address of a socket that is not bound: the sender of a datagram from an unbound socket, for example. */
    static final UnixDomainSocketAddress UNNAMED = UnixDomainSocketAddress.of("");

    private JunixAddresses() {
    }

    /**
     * Checks that {@code address} is a Unix socket address weft can bind or send to: a non-empty path that fits
     * in {@code sun_path}, or an abstract name.
     *
     * @param what the parameter name for the message, e.g. {@code "address"}
     */
    static SocketAddress requireBindable(SocketAddress address, String what) {
        Objects.requireNonNull(address, what);
        switch (address) {
            case UnixAbstractAddress a -> {
                return a;
            }
            case UnixDomainSocketAddress unix -> {
                String path = unix.getPath().toString();
                if (path.isEmpty()) {
                    throw new IllegalArgumentException(what + " must not be the unnamed address (an empty path): it"
                            + " names no socket");
                }
                int bytes = path.getBytes(StandardCharsets.UTF_8).length;
                if (bytes > MAX_PATH_BYTES) {
                    throw new IllegalArgumentException("unix socket path is too long: " + bytes + " bytes, the limit"
                            + " is " + MAX_PATH_BYTES + ": " + path);
                }
                return unix;
            }
            default -> throw new IllegalArgumentException(what + " must be a UnixDomainSocketAddress (a path) or a"
                    + " UnixAbstractAddress (an abstract name): " + address.getClass().getName() + " " + address);
        }
    }

    /** junixsocket's form of a checked address (see {@link #requireBindable}). */
    static AFUNIXSocketAddress toJunix(SocketAddress address) throws SocketException {
        if (address instanceof UnixAbstractAddress a) {
            byte[] name = a.nameBytes();
            byte[] bytes = new byte[name.length + 1]; // the leading NUL marks the abstract namespace
            System.arraycopy(name, 0, bytes, 1, name.length);
            return AFUNIXSocketAddress.of(bytes);
        }
        return AFUNIXSocketAddress.of(((UnixDomainSocketAddress) address).getPath());
    }

    /**
     * weft's form of an address junixsocket reported; {@link #UNNAMED} for null (an unbound sender).
     *
     * <p>junixsocket 2.11 reports the sender of a datagram with the whole 108-byte {@code sun_path}, so an
     * abstract name arrives with NUL padding after it: the trailing NULs are dropped, or a reply would go to a
     * different (padded) name. A peer whose abstract name really ends in NUL cannot be told apart; no tool
     * creates such names.
     */
    static SocketAddress fromJunix(@Nullable AFUNIXSocketAddress address) {
        if (address == null) {
            return UNNAMED;
        }
        byte[] bytes = address.getPathAsBytes();
        if (address.isInAbstractNamespace()) {
            int end = bytes.length;
            while (end > 1 && bytes[end - 1] == 0) {
                end--;
            }
            return end <= 1 ? UNNAMED : UnixAbstractAddress.ofBytes(Arrays.copyOfRange(bytes, 1, end));
        }
        String path = address.getPath();
        return path.isEmpty() ? UNNAMED : UnixDomainSocketAddress.of(path);
    }

    /** The address as logs and errors show it: the path, {@code @name}, or {@code (unnamed)}. */
    static String describe(SocketAddress address) {
        if (address instanceof UnixDomainSocketAddress unix) {
            String path = unix.getPath().toString();
            return path.isEmpty() ? "(unnamed)" : path;
        }
        return String.valueOf(address);
    }
}
