package dev.weft.benchmarks.macro;

import java.util.Arrays;
import java.util.stream.Collectors;

/** The echo servers of the macro suite, with the variant name used in the CSV. */
enum ServerKind {
    /** weft {@code StreamServer}: a virtual thread per connection, {@code lines()} and {@code send}. */
    WEFT("weft"),
    /** A plain NIO selector loop on one thread (the baseline). */
    NIO("nio-selector"),
    /** Netty 4.2 epoll, one event loop, {@code LineBasedFrameDecoder}. */
    NETTY("netty-epoll"),
    /** Raw virtual threads on {@code java.net.Socket} with a {@code BufferedReader}. */
    VT_SOCKET("vt-socket"),
    /** A platform thread (256 KiB stack) per connection on {@code java.net.Socket}. */
    PLATFORM("platform-thread"),
    /** weft {@code MessageConnection} served by a {@code Dispatcher}. */
    WEFT_MESSAGE("weft-message"),
    /** Netty epoll, line decoder, {@code Message.parse} and {@code toText}. */
    NETTY_MESSAGE("netty-message");

    final String variant;

    ServerKind(String variant) {
        this.variant = variant;
    }

    static ServerKind of(String name) {
        for (ServerKind k : values()) {
            if (k.variant.equals(name) || k.name().equalsIgnoreCase(name)) {
                return k;
            }
        }
        throw new IllegalArgumentException("unknown server kind: " + name + " (known: " + names() + ")");
    }

    static String names() {
        return Arrays.stream(values()).map(k -> k.variant).collect(Collectors.joining("|"));
    }
}
