package dev.weft.signals;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * kill(2) through the FFM API, with errno captured by the linker. Loaded on first use, so that programs that never
 * send a signal never link a native function (and never see the JVM's restricted-method warning).
 */
final class Kill {

    private static final int EPERM = 1;
    private static final int ESRCH = 3;

    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final MethodHandle KILL = link();

    private Kill() {
    }

    /** Links kill(2): a restricted method, allowed by {@code --enable-native-access=dev.weft.signals}. */
    @SuppressWarnings("restricted")
    private static MethodHandle link() {
        Linker linker = Linker.nativeLinker();
        MemorySegment address = linker.defaultLookup().find("kill")
                .orElseThrow(() -> new UnsupportedOperationException("the C library has no kill function"));
        return linker.downcallHandle(address,
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT),
                Linker.Option.captureCallState("errno"));
    }

    /** Calls kill(pid, number); an error becomes an exception that names the pid, the signal and errno. */
    static void kill(int pid, int number, String signalName) throws IOException {
        int result;
        int errno;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE);
            try {
                result = (int) KILL.invokeExact(state, pid, number);
            } catch (Throwable t) {
                throw new IOException("kill(" + pid + ", " + signalName + ") could not be called", t);
            }
            errno = result == 0 ? 0 : (int) ERRNO.get(state, 0L);
        }
        if (result == 0) {
            return;
        }
        switch (errno) {
            case ESRCH -> throw new NoSuchProcessException(pid);
            case EPERM -> throw new IOException("cannot send " + signalName + " to pid " + pid
                    + ": not permitted (EPERM: the process belongs to another user)");
            default -> throw new IOException("cannot send " + signalName + " to pid " + pid + ": errno " + errno);
        }
    }
}
