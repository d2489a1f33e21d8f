package dev.weft.net;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * A datagram: its payload bytes and an address — the sender of a datagram that was received, the recipient of one
 * to send.
 *
 * <pre>{@code
 * endpoint.send(Datagram.of("PING", new InetSocketAddress("::1", 4040)));
 * Datagram reply = endpoint.datagrams().receive();
 * System.out.println(reply.text() + " from " + reply.address());
 * }</pre>
 *
 * <p>Immutable and thread-safe: the payload is copied when the datagram is made and again when {@link #payload()}
 * hands it out; {@link #buffer()} and {@link #text()} read it without a copy. Two datagrams are equal when their
 * payloads hold the same bytes and their addresses are equal.
 *
 * @param payload the bytes, possibly none
 * @param address the sender (received) or the recipient (to send)
 */
public record Datagram(byte[] payload, SocketAddress address) {

    /**
     * Makes a datagram from a copy of {@code payload}.
     *
     * @param payload the bytes, possibly none
     * @param address the sender or the recipient
     */
    public Datagram {
        Objects.requireNonNull(payload, "payload");
        Objects.requireNonNull(address, "address");
        payload = payload.clone();
    }

    /**
     * Makes a datagram whose payload is {@code text} in UTF-8.
     *
     * @param text the text
     * @param address the sender or the recipient
     * @return the datagram
     */
    public static Datagram of(String text, SocketAddress address) {
        Objects.requireNonNull(text, "text");
        return new Datagram(text.getBytes(StandardCharsets.UTF_8), address);
    }

    /**
     * Returns a copy of the payload.
     *
     * @return the bytes
     */
    @Override
    public byte[] payload() {
        return payload.clone();
    }

    /** The payload itself, not copied, for the endpoint that sends it; never handed out of the package. */
    byte[] sharedPayload() {
        return payload;
    }

    /**
     * Returns the payload's size in bytes.
     *
     * @return the number of bytes
     */
    public int length() {
        return payload.length;
    }

    /**
     * Returns a read-only view of the payload, without copying it.
     *
     * @return a read-only buffer positioned at the first byte
     */
    public ByteBuffer buffer() {
        return ByteBuffer.wrap(payload).asReadOnlyBuffer();
    }

    /**
     * Returns the payload decoded as UTF-8; malformed bytes become {@code U+FFFD}.
     *
     * @return the text
     */
    public String text() {
        return new String(payload, StandardCharsets.UTF_8);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Datagram d && Arrays.equals(payload, d.payload) && address.equals(d.address);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(payload) + address.hashCode();
    }

    @Override
    public String toString() {
        String where = address instanceof InetSocketAddress inet ? "udp " + Addresses.format(inet) : address.toString();
        return "Datagram[" + payload.length + " bytes, " + where + "]";
    }
}
