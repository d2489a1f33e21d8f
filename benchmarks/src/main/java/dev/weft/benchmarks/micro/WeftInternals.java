package dev.weft.benchmarks.micro;

import dev.weft.net.Message;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Method;

/**
 * Method handles on two package-private weft internals that have no public entry point of the same granularity:
 * the shared timer wheel ({@code TimerWheel.shared().schedule(deadlineNanos, action)} and
 * {@code TimerHandle.cancel()}), which is what every weft timer uses underneath, and the message writer
 * ({@code MessageText.format}), which {@link Message#toText()} caches so that it runs once per message.
 *
 * <p>Works because the benchmarks run on the class path (weft's modules are then unnamed and open to reflection).
 * Thread-safe: the handles are immutable and the wheel is thread-safe.
 */
final class WeftInternals {

    private static final MethodHandle SCHEDULE;
    private static final MethodHandle CANCEL;
    private static final MethodHandle FORMAT;
    private static final Object WHEEL;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            Class<?> wheelClass = Class.forName("dev.weft.runtime.TimerWheel");
            Method shared = wheelClass.getDeclaredMethod("shared");
            shared.setAccessible(true);
            WHEEL = shared.invoke(null);
            Method schedule = wheelClass.getDeclaredMethod("schedule", long.class, Runnable.class);
            schedule.setAccessible(true);
            SCHEDULE = lookup.unreflect(schedule).bindTo(WHEEL)
                    .asType(MethodType.methodType(Object.class, long.class, Runnable.class));
            Class<?> handleClass = Class.forName("dev.weft.runtime.TimerHandle");
            Method cancel = handleClass.getDeclaredMethod("cancel");
            cancel.setAccessible(true);
            CANCEL = lookup.unreflect(cancel).asType(MethodType.methodType(boolean.class, Object.class));
            Class<?> textClass = Class.forName("dev.weft.net.MessageText");
            Method format = textClass.getDeclaredMethod("format", Message.class);
            format.setAccessible(true);
            FORMAT = lookup.unreflect(format);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private WeftInternals() {}

    /** Schedules {@code action} on weft's shared timer wheel at {@code deadlineNanos} (System.nanoTime() scale). */
    static Object schedule(long deadlineNanos, Runnable action) {
        try {
            return (Object) SCHEDULE.invokeExact(deadlineNanos, action);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Cancels a handle returned by {@link #schedule}; true if it was still pending. */
    static boolean cancel(Object handle) {
        try {
            return (boolean) CANCEL.invokeExact(handle);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Writes the text form of {@code message} afresh (what the first {@link Message#toText()} call does). */
    static String format(Message message) {
        try {
            return (String) FORMAT.invokeExact(message);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            throw r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        throw new IllegalStateException(t);
    }
}
