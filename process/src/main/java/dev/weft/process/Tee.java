package dev.weft.process;

import dev.weft.net.LineFramer;
import dev.weft.runtime.Channel;
import dev.weft.runtime.ChannelClosedException;
import dev.weft.runtime.Scope;
import dev.weft.runtime.SendChannel;
import dev.weft.runtime.Task;
import dev.weft.runtime.TaskFailedException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Copies one byte stream to several consumers — a file, a channel of lines, a channel of byte chunks, an output
 * stream — without losing data when one of them is slow.
 *
 * <pre>{@code
 * Channel<String> lines = Channel.buffered(64);
 * Task<Long> copied = Tee.start(scope, "build output", child.stdout().input(),
 *         Tee.toFile(log), Tee.toLines(lines));
 * for (String line : lines) { ... }          // the file gets every byte even while this loop is slow
 * }</pre>
 *
 * <p><b>Policy: back-pressure.</b> Each target has its own queue of at most {@value #QUEUE} chunks (of up to
 * 8 KiB) and its own task that drains it. The copying task reads a chunk from the source and puts it into every
 * target's queue; when a target's queue is full it waits — so the slowest target sets the pace, the source is read
 * no faster than that (a child writing into it blocks on its pipe), and no target misses a byte. Memory is bounded
 * by {@value #QUEUE} chunks per target. Chunks are shared between targets and must not be modified:
 * {@link #toChunks} gets its own copy.
 *
 * <p><b>End and failure.</b> At the end of the source every queue is drained, files and streams are closed, and
 * channels are closed. If a target fails (a full disk) or the source fails, the tee stops: the channel targets are
 * closed with an exception as their cause (the failure, or the cancellation it caused), and the task fails with
 * the failure. Lines longer than the limit are discarded and logged at WARN. The task's result is the number
 * of bytes copied.
 *
 * <p>Thread-safe: a target is used by its own task only.
 */
public final class Tee {

    /** The capacity, in chunks, of each target's queue. */
    public static final int QUEUE = 16;

    private static final int CHUNK = 8192;
    private static final Logger LOG = LoggerFactory.getLogger(Tee.class);

    private Tee() {
    }

    /**
     * Where a tee copies to. Create one with {@link #toFile}, {@link #toLines}, {@link #toChunks} or
     * {@link #toStream}.
     */
    public sealed interface Target permits FileTarget, LinesTarget, ChunksTarget, StreamTarget {
    }

    record FileTarget(Path path, boolean append) implements Target {
    }

    record LinesTarget(SendChannel<String> channel, int maxLineLength) implements Target {
    }

    record ChunksTarget(SendChannel<byte[]> channel) implements Target {
    }

    record StreamTarget(OutputStream stream) implements Target {
    }

    /**
     * A file that gets every byte; created or truncated when the tee starts.
     *
     * @param path the file
     * @return the target
     */
    public static Target toFile(Path path) {
        return new FileTarget(Objects.requireNonNull(path, "path"), false);
    }

    /**
     * A channel of lines, split like {@link ByteSource#lines()} (lines longer than 1 MiB are discarded); closed at
     * the end of the source.
     *
     * @param channel the channel; the tee waits while it is full
     * @return the target
     */
    public static Target toLines(SendChannel<String> channel) {
        return new LinesTarget(Objects.requireNonNull(channel, "channel"), ByteSource.DEFAULT_MAX_LINE_LENGTH);
    }

    /**
     * A channel of byte chunks, each a copy of up to 8 KiB of the source; closed at the end of the source.
     *
     * @param channel the channel; the tee waits while it is full
     * @return the target
     */
    public static Target toChunks(SendChannel<byte[]> channel) {
        return new ChunksTarget(Objects.requireNonNull(channel, "channel"));
    }

    /**
     * An output stream, written from a virtual thread and closed at the end of the source.
     *
     * @param stream the stream
     * @return the target
     */
    public static Target toStream(OutputStream stream) {
        return new StreamTarget(Objects.requireNonNull(stream, "stream"));
    }

    /**
     * Starts copying {@code source} to every target in a task of {@code scope}; the source is closed at the end.
     *
     * @param scope the scope that owns the copying task (and, nested in it, one task per target)
     * @param name the task's name
     * @param source the stream to copy, read by the task (give it a {@link ByteSource#input()} for a child's
     *     output, so that the task waits on a channel, not in native code)
     * @param targets at least one target
     * @return the copying task; its result is the number of bytes copied
     * @throws IllegalArgumentException if there are no targets
     */
    public static Task<Long> start(Scope scope, String name, InputStream source, Target... targets) {
        Objects.requireNonNull(scope, "scope");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(targets, "targets");
        List<Target> list = List.copyOf(Arrays.asList(targets));
        if (list.isEmpty()) {
            throw new IllegalArgumentException("a tee needs at least one target");
        }
        return scope.fork(name, () -> copy(name, source, list));
    }

    private static long copy(String name, InputStream source, List<Target> targets) throws Exception {
        List<Channel<byte[]>> queues = new ArrayList<>();
        long total = 0;
        try (source; Scope inner = Scope.open("tee " + name)) {
            for (int i = 0; i < targets.size(); i++) {
                Channel<byte[]> q = Channel.<byte[]>builder().name("tee " + name + " target " + i).capacity(QUEUE)
                        .build();
                queues.add(q);
                Target t = targets.get(i);
                inner.fork("target " + i, () -> drain(q, t));
            }
            byte[] buf = new byte[CHUNK];
            int n;
            try {
                while ((n = source.read(buf)) >= 0) {
                    if (n == 0) {
                        continue;
                    }
                    byte[] chunk = Arrays.copyOf(buf, n);
                    for (Channel<byte[]> q : queues) {
                        q.send(chunk);
                    }
                    total += n;
                }
            } catch (ChannelClosedException e) {
                // a target failed and closed its queue: join() below reports its failure
            } catch (IOException e) {
                queues.forEach(q -> q.close(e));
                throw e;
            }
            queues.forEach(Channel::close);
            try {
                inner.join();
            } catch (TaskFailedException e) {
                throw e.getCause() instanceof Exception cause ? cause : e; // a target's own failure, unwrapped
            }
        }
        return total;
    }

    private static void drain(Channel<byte[]> queue, Target target) throws Exception {
        try {
            switch (target) {
                case FileTarget f -> {
                    try (OutputStream out = Files.newOutputStream(f.path(), StandardOpenOption.CREATE,
                            f.append() ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING,
                            StandardOpenOption.WRITE)) {
                        for (byte[] chunk : queue) {
                            out.write(chunk);
                        }
                    }
                }
                case StreamTarget s -> {
                    try (OutputStream out = s.stream()) {
                        for (byte[] chunk : queue) {
                            out.write(chunk);
                        }
                    }
                }
                case ChunksTarget c -> {
                    try (SendChannel<byte[]> out = c.channel()) {
                        for (byte[] chunk : queue) {
                            out.send(chunk.clone());
                        }
                    }
                }
                case LinesTarget l -> {
                    LineFramer framer = LineFramer.of(l.maxLineLength(), new LineFramer.Sink() {
                        @Override
                        public void line(String line) throws InterruptedException {
                            l.channel().send(line);
                        }

                        @Override
                        public void oversized(long length) {
                            LOG.warn("tee target {}: discarded a line of {} bytes (limit {})", queue.name(), length,
                                    l.maxLineLength());
                        }
                    });
                    for (byte[] chunk : queue) {
                        framer.feed(chunk, 0, chunk.length);
                    }
                    framer.endOfStream();
                    l.channel().close();
                }
            }
        } catch (Exception e) {
            queue.close(e); // the copier's next send fails at once
            closeTarget(target, e);
            throw e;
        }
    }

    private static void closeTarget(Target target, Exception cause) {
        switch (target) {
            case ChunksTarget c -> c.channel().close(cause);
            case LinesTarget l -> l.channel().close(cause);
            default -> { }
        }
    }
}
