package dev.weft.samples.switchboard;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A log file that can be reopened by name, for log rotation: after {@code mv switchboard.log old.log}, a
 * {@link #reopen()} (on {@code SIGHUP} or {@code LOG_ROTATE}) makes the following lines go to a new
 * {@code switchboard.log}, while the old file keeps what was written before. Used as {@code System.err}, which is
 * where the samples' SLF4J binding (slf4j-simple) writes. Thread-safe.
 */
public final class LogFile extends OutputStream {

    private final Path path;
    private final ReentrantLock lock = new ReentrantLock();
    private OutputStream out;
    private boolean closed;

    private LogFile(Path path) throws IOException {
        this.path = path;
        this.out = openStream(path);
    }

    /**
     * Opens (appending) or creates the log file.
     *
     * @param path the file
     * @return the log file
     * @throws IOException if it cannot be opened; the message names the path
     */
    public static LogFile open(Path path) throws IOException {
        return new LogFile(Objects.requireNonNull(path, "path"));
    }

    private static OutputStream openStream(Path path) throws IOException {
        try {
            return new FileOutputStream(path.toFile(), true);
        } catch (IOException e) {
            throw new IOException("cannot open log file " + path + ": " + e.getMessage(), e);
        }
    }

    /**
     * A print stream over this file that flushes each line, to install as {@code System.err}.
     *
     * @return the print stream
     */
    public PrintStream printStream() {
        return new PrintStream(this, true, StandardCharsets.UTF_8);
    }

    /**
     * Closes the current file and opens the path again (creating it if it was moved away). If the new file cannot be
     * opened, writing goes on to the old one and the error is thrown.
     *
     * @throws IOException if the path cannot be opened
     */
    public void reopen() throws IOException {
        OutputStream fresh = openStream(path);
        OutputStream old;
        lock.lock();
        try {
            if (closed) {
                fresh.close();
                return;
            }
            old = out;
            out = fresh;
        } finally {
            lock.unlock();
        }
        old.close();
    }

    @Override
    public void write(int b) throws IOException {
        lock.lock();
        try {
            out.write(b);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        lock.lock();
        try {
            out.write(b, off, len);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void flush() throws IOException {
        lock.lock();
        try {
            out.flush();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void close() throws IOException {
        lock.lock();
        try {
            closed = true;
            out.close();
        } finally {
            lock.unlock();
        }
    }
}
