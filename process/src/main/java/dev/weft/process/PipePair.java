package dev.weft.process;

import dev.weft.net.Connection;
import java.io.IOException;
import java.nio.channels.Pipe;
import java.util.Objects;

/**
 * Two anonymous pipes crossed into a duplex link — like {@code socketpair(2)} — with a {@link Connection} at each
 * end: what one end writes, the other reads, as lines ({@link Connection#lines()}), raw bytes
 * ({@link Connection#input()}, {@link Connection#output()}) or messages ({@code MessageConnection.over(end)}).
 *
 * <pre>{@code
 * try (PipePair pair = PipePair.open("worker")) {
 *     MessageConnection boss = MessageConnection.over(pair.first());
 *     MessageConnection worker = MessageConnection.over(pair.second());
 *     ...
 * }
 * }</pre>
 *
 * <p>The pipes are {@link Pipe}s: on Linux their channels park a blocked virtual thread on the JDK's poller, so
 * unlike a child's pipes they need no platform thread. Closing an end closes its write side (the other end reads
 * end of stream) and its read side.
 *
 * <p>Thread-safe, like the connections.
 */
public final class PipePair implements AutoCloseable {

    private final Connection first;
    private final Connection second;

    private PipePair(Connection first, Connection second) {
        this.first = first;
        this.second = second;
    }

    /**
     * Opens two pipes and puts a connection on each end.
     *
     * @param name the pair's name; the ends are called {@code pipe <name> 1} and {@code pipe <name> 2}
     * @return the pair
     * @throws IOException if the OS refuses a pipe (out of file descriptors)
     */
    public static PipePair open(String name) throws IOException {
        Objects.requireNonNull(name, "name");
        Pipe oneToTwo = Pipe.open();
        Pipe twoToOne;
        try {
            twoToOne = Pipe.open();
        } catch (IOException e) {
            oneToTwo.sink().close();
            oneToTwo.source().close();
            throw e;
        }
        return new PipePair(Connection.of("pipe " + name + " 1", twoToOne.source(), oneToTwo.sink()),
                Connection.of("pipe " + name + " 2", oneToTwo.source(), twoToOne.sink()));
    }

    /**
     * Returns the first end.
     *
     * @return the connection that writes to {@link #second()} and reads from it
     */
    public Connection first() {
        return first;
    }

    /**
     * Returns the second end.
     *
     * @return the connection that writes to {@link #first()} and reads from it
     */
    public Connection second() {
        return second;
    }

    /** Closes both ends; idempotent. */
    @Override
    public void close() {
        first.close();
        second.close();
    }
}
