package dev.weft.process;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * The few libc calls the JDK does not offer, through the FFM API (restricted methods: run with
 * {@code --enable-native-access=dev.weft.process}): {@code mkfifo(3)}, and a non-blocking {@code open(2)} used to
 * release a thread blocked opening a FIFO. errno is captured with {@link Linker.Option#captureCallState}, since the
 * JVM may overwrite the thread's errno between the call and reading it. Linux flag values.
 */
@SuppressWarnings("restricted")
final class Native {

    static final int ENOENT = 2;
    static final int ENXIO = 6;
    static final int EACCES = 13;
    static final int EEXIST = 17;

    static final int O_RDONLY = 0;
    static final int O_WRONLY = 1;
    static final int O_NONBLOCK = 04000;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final MethodHandle MKFIFO = downcall("mkfifo", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT),
            Linker.Option.captureCallState("errno"));
    private static final MethodHandle OPEN = downcall("open",
            FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT), Linker.Option.captureCallState("errno"),
            Linker.Option.firstVariadicArg(2));
    private static final MethodHandle CLOSE = downcall("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle STRERROR = downcall("strerror", FunctionDescriptor.of(ADDRESS, JAVA_INT));

    private Native() {
    }

    private static MethodHandle downcall(String name, FunctionDescriptor descriptor, Linker.Option... options) {
        MemorySegment symbol = LINKER.defaultLookup().find(name)
                .orElseThrow(() -> new UnsupportedOperationException("libc has no " + name + "()"));
        return LINKER.downcallHandle(symbol, descriptor, options);
    }

    /**
     * Creates a FIFO with {@code mkfifo(3)}.
     *
     * @throws FileAlreadyExistsException if something exists at the path (EEXIST)
     * @throws NoSuchFileException if the parent directory does not exist (ENOENT)
     * @throws AccessDeniedException if the directory is not writable (EACCES)
     * @throws IOException for any other errno, with its text
     */
    static void mkfifo(Path path, int mode) throws IOException {
        int errno;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            MemorySegment p = arena.allocateFrom(path.toString());
            int r = (int) MKFIFO.invokeExact(state, p, mode);
            if (r == 0) {
                return;
            }
            errno = (int) ERRNO.get(state, 0L);
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("mkfifo call failed", t);
        }
        String file = path.toString();
        throw switch (errno) {
            case EEXIST -> new FileAlreadyExistsException(file, null, "cannot create a FIFO: a file already exists"
                    + " there (delete it first, or open the existing FIFO)");
            case ENOENT -> new NoSuchFileException(file, null, "cannot create a FIFO: the parent directory does not"
                    + " exist");
            case EACCES -> new AccessDeniedException(file, null, "cannot create a FIFO: permission denied");
            default -> new IOException("mkfifo " + file + " failed: " + strerror(errno) + " (errno " + errno + ")");
        };
    }

    /**
     * Opens {@code path} with {@code O_NONBLOCK} and closes it at once: opening a FIFO for writing this way
     * succeeds only if a reader is (blocked) opening it, and releases that reader; opening it for reading always
     * succeeds and releases a writer blocked opening it.
     *
     * @return 0, or the errno (ENXIO: no reader)
     */
    static int openAndClose(Path path, int flags) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            int fd = (int) OPEN.invokeExact(state, arena.allocateFrom(path.toString()), flags | O_NONBLOCK, 0);
            if (fd < 0) {
                return (int) ERRNO.get(state, 0L);
            }
            int ignored = (int) CLOSE.invokeExact(fd);
            return 0;
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("open call failed", t);
        }
    }

    /** The text of an errno. */
    static String strerror(int errno) {
        try {
            MemorySegment s = (MemorySegment) STRERROR.invokeExact(errno);
            return s.reinterpret(1024).getString(0);
        } catch (Throwable t) {
            return "errno " + errno;
        }
    }
}
