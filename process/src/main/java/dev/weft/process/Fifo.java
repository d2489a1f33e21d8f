package dev.weft.process;

import dev.weft.net.Connection;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Named FIFOs ({@code mkfifo(3)}): created through the FFM API, read and written as {@link ByteSource} and
 * {@link ByteSink}, and usable as a line connection for messages.
 *
 * <pre>{@code
 * Path in = Fifo.create(dir.resolve("requests"));
 * Path out = Fifo.create(dir.resolve("replies"));
 * // another process writes requests into "requests" and reads replies from "replies"
 * try (MessageConnection peer = MessageConnection.over(Fifo.connect(in, out))) {
 *     for (Message m : peer.messages()) { ... }
 * }
 * }</pre>
 *
 * <p><b>Blocking.</b> Opening a FIFO for reading blocks until a writer opens it (and the other way round), and reads
 * and writes block in native code. None of that happens on a virtual-thread carrier: {@link #openForReading} and
 * {@link #openForWriting} return at once, and the open, the reads and the writes run on the source's or sink's own
 * platform thread (see {@link ByteSource}); the caller waits on channels. Closing a source or sink that is still
 * waiting for its peer to open releases it (with a non-blocking {@code open(2)} of the other side).
 *
 * <p>Native access: {@link #create} calls a restricted method; run with
 * {@code --enable-native-access=dev.weft.process} to avoid the JDK's warning. Linux only. Thread-safe (static
 * methods only).
 */
public final class Fifo {

    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");
    private static final int S_IFMT = 0170000;
    private static final int S_IFIFO = 0010000;
    private static final AtomicLong IDS = new AtomicLong();

    private Fifo() {
    }

    /**
     * Creates a FIFO readable and writable by the owner only ({@code rw-------}).
     *
     * @param path where to create it
     * @return {@code path}
     * @throws java.nio.file.FileAlreadyExistsException if a file exists there
     * @throws NoSuchFileException if the parent directory does not exist
     * @throws IOException for another failure of {@code mkfifo(3)}, with the OS's reason
     */
    public static Path create(Path path) throws IOException {
        return create(path, OWNER_ONLY);
    }

    /**
     * Creates a FIFO with these permissions (exactly these: the process's umask does not apply).
     *
     * @param path where to create it
     * @param permissions its permissions
     * @return {@code path}
     * @throws java.nio.file.FileAlreadyExistsException if a file exists there
     * @throws NoSuchFileException if the parent directory does not exist
     * @throws IOException for another failure of {@code mkfifo(3)}, with the OS's reason
     */
    public static Path create(Path path, Set<PosixFilePermission> permissions) throws IOException {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(permissions, "permissions");
        Native.mkfifo(path, 0600);
        Files.setPosixFilePermissions(path, permissions);
        return path;
    }

    /**
     * Returns whether {@code path} is a FIFO.
     *
     * @param path the path
     * @return true if it exists and is a FIFO
     */
    public static boolean isFifo(Path path) {
        try {
            int mode = (Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
            return (mode & S_IFMT) == S_IFIFO;
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return false;
        }
    }

    /**
     * Opens a FIFO for reading. Returns at once; the source's thread opens the FIFO (waiting for a writer) and
     * reads it. A failure to open closes the source's channel with the {@link IOException} as its cause.
     *
     * @param path an existing FIFO
     * @return the source; close it when done
     * @throws NoSuchFileException if nothing exists at the path
     * @throws IOException if the path is not a FIFO
     */
    public static ByteSource openForReading(Path path) throws IOException {
        requireFifo(path);
        long id = IDS.incrementAndGet();
        return ByteSource.start("fifo " + path, "weft-fifo-" + id + "-reader",
                () -> Files.newInputStream(path, StandardOpenOption.READ),
                () -> release(path, Native.O_WRONLY), ByteSource.DEFAULT_MAX_LINE_LENGTH, 0);
    }

    /**
     * Opens a FIFO for writing. Returns at once; the sink's thread opens the FIFO (waiting for a reader) and writes
     * what is queued. A failure to open fails the next write, with the cause.
     *
     * @param path an existing FIFO
     * @return the sink; close it to let the reader see end of file
     * @throws NoSuchFileException if nothing exists at the path
     * @throws IOException if the path is not a FIFO
     */
    public static ByteSink openForWriting(Path path) throws IOException {
        requireFifo(path);
        long id = IDS.incrementAndGet();
        return ByteSink.start("fifo " + path, "weft-fifo-" + id + "-writer",
                () -> Files.newOutputStream(path, StandardOpenOption.WRITE),
                () -> release(path, Native.O_RDONLY));
    }

    /**
     * Returns a line connection that reads from one FIFO and writes to another — for a message protocol with
     * another process ({@code MessageConnection.over(Fifo.connect(in, out))}). Closing the connection closes both.
     *
     * @param readFrom the FIFO to read from
     * @param writeTo the FIFO to write to
     * @return the connection, named {@code fifo <readFrom> > <writeTo>}
     * @throws NoSuchFileException if a path does not exist
     * @throws IOException if a path is not a FIFO
     */
    public static Connection connect(Path readFrom, Path writeTo) throws IOException {
        requireFifo(readFrom);
        requireFifo(writeTo);
        ByteSource in = openForReading(readFrom);
        ByteSink out = openForWriting(writeTo);
        return Connection.of("fifo " + readFrom + " > " + writeTo, in.channel(), out.channel());
    }

    private static void requireFifo(Path path) throws IOException {
        Objects.requireNonNull(path, "path");
        if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            throw new NoSuchFileException(path.toString(), null, "no FIFO here (create it with Fifo.create)");
        }
        if (!isFifo(path) && !isFifo(path.toRealPath())) {
            throw new IOException(path + " is not a FIFO");
        }
    }

    /**
     * Releases a thread blocked opening the FIFO from the other side, by opening the other side without blocking and
     * closing it. The owner retries this until its thread has opened (it may not have reached {@code open} yet: a
     * writer-side open then fails with ENXIO, a reader-side one comes too early).
     */
    private static void release(Path path, int flags) {
        Native.openAndClose(path, flags);
    }
}
