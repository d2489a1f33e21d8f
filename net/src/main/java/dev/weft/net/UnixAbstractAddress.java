package dev.weft.net;

import java.io.Serial;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * An address in the Linux abstract socket namespace: a Unix socket name that is not a file. It needs no directory,
 * leaves nothing behind, and disappears when the last socket bound to it closes; {@code ss -x} shows it as
 * {@code @name}.
 *
 * <pre>{@code
 * try (UnixDatagramEndpoint endpoint = UnixDatagramEndpoint.builder(UnixAbstractAddress.of("myd.events")).bind()) {
 *     ...
 * }
 * }</pre>
 *
 * <p>The JDK's {@link java.net.UnixDomainSocketAddress} holds paths only; this is the address weft's junixsocket
 * based types ({@link UnixDatagramEndpoint}, {@link UnixSeqpacketServer}, {@link UnixSeqpacketConnection}) take and
 * report for abstract names. The name is stored as its UTF-8 bytes, without the leading NUL byte the kernel uses to
 * mark the namespace; names that arrive from other programs keep their exact bytes, so a reply reaches them even
 * if they are not valid UTF-8.
 *
 * <p>Immutable and thread-safe. Two addresses are equal when their names have the same bytes.
 */
public final class UnixAbstractAddress extends SocketAddress {

    /** The longest name: 107 bytes (the 108 bytes of {@code sun_path}, less the leading NUL). */
    public static final int MAX_NAME_BYTES = 107;

    @Serial
    private static final long serialVersionUID = 1L;

    /** The name's bytes (UTF-8 for names made here), without the leading NUL. */
    private final byte[] name;

    private UnixAbstractAddress(byte[] name) {
        this.name = name;
    }

    /**
     * Returns the abstract address {@code name}.
     *
     * @param name the name without the leading NUL, for example {@code "myd.events"}
     * @return the address
     * @throws IllegalArgumentException if the name is empty, contains a NUL character, or is longer than
     *     {@value #MAX_NAME_BYTES} bytes in UTF-8
     */
    public static UnixAbstractAddress of(String name) {
        Objects.requireNonNull(name, "name");
        if (name.isEmpty()) {
            throw new IllegalArgumentException("abstract socket name must not be empty");
        }
        if (name.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("abstract socket name must not contain NUL (the namespace marker is"
                    + " added for you): " + name.replace('\0', '@'));
        }
        byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
        if (bytes.length > MAX_NAME_BYTES) {
            throw new IllegalArgumentException("abstract socket name is too long: " + bytes.length
                    + " bytes in UTF-8, the limit is " + MAX_NAME_BYTES + ": " + name);
        }
        return new UnixAbstractAddress(bytes);
    }

    /** An address from the exact bytes of a name that arrived from the kernel (without the leading NUL). */
    static UnixAbstractAddress ofBytes(byte[] name) {
        return new UnixAbstractAddress(name.clone());
    }

    /**
     * Returns the name, decoded from UTF-8 (a byte that is not valid UTF-8 becomes {@code U+FFFD}).
     *
     * @return the name without the leading NUL
     */
    public String name() {
        return new String(name, StandardCharsets.UTF_8);
    }

    /** The name's bytes, not copied; never handed out of the package. */
    byte[] nameBytes() {
        return name;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof UnixAbstractAddress a && Arrays.equals(name, a.name);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(name);
    }

    /**
     * Returns the name in the notation of {@code ss} and {@code socat}: {@code @} and the name.
     *
     * @return for example {@code @myd.events}
     */
    @Override
    public String toString() {
        return "@" + name();
    }
}
