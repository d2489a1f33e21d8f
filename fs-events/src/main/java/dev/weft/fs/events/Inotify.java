package dev.weft.fs.events;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The Linux inotify, eventfd, poll, read, write and close calls through the FFM API ({@code java.lang.foreign}),
 * with {@code errno} captured by the linker ({@link Linker.Option#captureCallState}) because the JVM may change it
 * between the call and any later read. Constants are the Linux values, the same on x86-64 and AArch64
 * ({@code <sys/inotify.h>}, {@code <asm-generic/fcntl.h>}, {@code <asm-generic/errno-base.h>}).
 *
 * <p>The handles are looked up on first use of {@link #bindings()}; on a system without these symbols, or when
 * native access is denied to this module, that throws and the watcher falls back to the JDK's watch service.
 * Thread-safe: the handles are immutable; each caller passes its own errno segment.
 */
final class Inotify {

    static final int IN_MODIFY = 0x2;
    static final int IN_ATTRIB = 0x4;
    static final int IN_CLOSE_WRITE = 0x8;
    static final int IN_MOVED_FROM = 0x40;
    static final int IN_MOVED_TO = 0x80;
    static final int IN_CREATE = 0x100;
    static final int IN_DELETE = 0x200;
    static final int IN_DELETE_SELF = 0x400;
    static final int IN_MOVE_SELF = 0x800;
    static final int IN_UNMOUNT = 0x2000;
    static final int IN_Q_OVERFLOW = 0x4000;
    static final int IN_IGNORED = 0x8000;
    static final int IN_ONLYDIR = 0x0100_0000;
    static final int IN_DONT_FOLLOW = 0x0200_0000;
    static final int IN_EXCL_UNLINK = 0x0400_0000;
    static final int IN_ISDIR = 0x4000_0000;

    static final int O_NONBLOCK = 0x800;
    static final int O_CLOEXEC = 0x80000;
    static final short POLLIN = 0x1;

    static final int EINTR = 4;
    static final int ENOENT = 2;
    static final int EACCES = 13;
    static final int ENOTDIR = 20;
    static final int ENFILE = 23;
    static final int EMFILE = 24;
    static final int ENOSPC = 28;
    static final int EAGAIN = 11;

    /** The size of {@code struct inotify_event} without its name. */
    static final int EVENT_HEADER = 16;

    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));

    private final MethodHandle init1;
    private final MethodHandle addWatch;
    private final MethodHandle rmWatch;
    private final MethodHandle read;
    private final MethodHandle poll;
    private final MethodHandle eventfd;
    private final MethodHandle write;
    private final MethodHandle close;

    private static volatile Inotify bindings;

    private Inotify() {
        Linker linker = Linker.nativeLinker();
        SymbolLookup libc = linker.defaultLookup();
        Linker.Option errno = Linker.Option.captureCallState("errno");
        init1 = handle(linker, libc, "inotify_init1", FunctionDescriptor.of(JAVA_INT, JAVA_INT), errno);
        addWatch = handle(linker, libc, "inotify_add_watch",
                FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT), errno);
        rmWatch = handle(linker, libc, "inotify_rm_watch", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT), errno);
        read = handle(linker, libc, "read", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG), errno);
        poll = handle(linker, libc, "poll", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT), errno);
        eventfd = handle(linker, libc, "eventfd", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT), errno);
        write = handle(linker, libc, "write", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG), errno);
        close = handle(linker, libc, "close", FunctionDescriptor.of(JAVA_INT, JAVA_INT), errno);
    }

    @SuppressWarnings("restricted") // the reason this module needs --enable-native-access
    private static MethodHandle handle(Linker linker, SymbolLookup libc, String name, FunctionDescriptor fd,
            Linker.Option option) {
        MemorySegment symbol = libc.find(name)
                .orElseThrow(() -> new UnsupportedOperationException("no " + name + " in the C library"));
        return linker.downcallHandle(symbol, fd, option);
    }

    /**
     * Returns the bindings, looking them up on the first call.
     *
     * @throws UnsupportedOperationException if this is not Linux or a symbol is missing
     * @throws IllegalCallerException if native access is denied to this module
     */
    static Inotify bindings() {
        Inotify b = bindings;
        if (b == null) {
            String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
            if (!os.contains("linux")) {
                throw new UnsupportedOperationException("inotify needs Linux; this is " + os);
            }
            synchronized (Inotify.class) {
                b = bindings;
                if (b == null) {
                    b = new Inotify();
                    bindings = b;
                }
            }
        }
        return b;
    }

    /** Allocates a segment to receive {@code errno}; one per thread that makes calls. */
    static MemorySegment errnoSegment(Arena arena) {
        return arena.allocate(CAPTURE);
    }

    static int errno(MemorySegment state) {
        return (int) ERRNO.get(state, 0L);
    }

    int init1(MemorySegment state, int flags) {
        try {
            return (int) init1.invokeExact(state, flags);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    int addWatch(MemorySegment state, int fd, MemorySegment path, int mask) {
        try {
            return (int) addWatch.invokeExact(state, fd, path, mask);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    int rmWatch(MemorySegment state, int fd, int wd) {
        try {
            return (int) rmWatch.invokeExact(state, fd, wd);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    long read(MemorySegment state, int fd, MemorySegment buffer, long size) {
        try {
            return (long) read.invokeExact(state, fd, buffer, size);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    int poll(MemorySegment state, MemorySegment fds, long count, int timeoutMillis) {
        try {
            return (int) poll.invokeExact(state, fds, count, timeoutMillis);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    int eventfd(MemorySegment state, int initval, int flags) {
        try {
            return (int) eventfd.invokeExact(state, initval, flags);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    long write(MemorySegment state, int fd, MemorySegment buffer, long size) {
        try {
            return (long) write.invokeExact(state, fd, buffer, size);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    int close(MemorySegment state, int fd) {
        try {
            return (int) close.invokeExact(state, fd);
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    private static RuntimeException unexpected(Throwable t) {
        if (t instanceof RuntimeException r) {
            return r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException("native call failed", t);
    }

    /** Returns the symbolic name of an errno value, for messages. */
    static String errnoName(int errno) {
        return switch (errno) {
            case ENOENT -> "ENOENT (no such file or directory)";
            case EINTR -> "EINTR";
            case EAGAIN -> "EAGAIN";
            case EACCES -> "EACCES (permission denied)";
            case ENOTDIR -> "ENOTDIR (not a directory)";
            case ENFILE -> "ENFILE (system file table full)";
            case EMFILE -> "EMFILE (too many open files or inotify instances)";
            case ENOSPC -> "ENOSPC (inotify watch limit reached)";
            case 9 -> "EBADF";
            case 12 -> "ENOMEM";
            case 22 -> "EINVAL";
            default -> "errno " + errno;
        };
    }

    /** Reads a {@code /proc/sys/fs/inotify} limit, or "unknown". */
    static String limit(String name) {
        try {
            // not Files.readString: it sizes its read by the file's size, which procfs reports as 0, and returns
            // only the first byte ("1" for 16384)
            return String.join("", Files.readAllLines(Path.of("/proc/sys/fs/inotify", name),
                    StandardCharsets.US_ASCII)).strip();
        } catch (Exception e) {
            return "unknown";
        }
    }
}
