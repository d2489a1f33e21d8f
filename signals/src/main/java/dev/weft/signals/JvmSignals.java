package dev.weft.signals;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Proxy;

/**
 * The JVM's signal API ({@code sun.misc.Signal} and {@code sun.misc.SignalHandler}, exported by module
 * {@code jdk.unsupported}), reached through method handles: javac warns about every source reference to
 * {@code sun.misc} ("internal proprietary API"), a warning no option or annotation suppresses, and the build treats
 * warnings as errors. A handler is a {@link Proxy} implementing {@code sun.misc.SignalHandler}; handlers are passed
 * around as plain objects.
 */
final class JvmSignals {

    private static final Class<?> SIGNAL;
    private static final Class<?> HANDLER;
    private static final MethodHandle NEW_SIGNAL;
    private static final MethodHandle HANDLE;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.publicLookup();
            SIGNAL = Class.forName("sun.misc.Signal");
            HANDLER = Class.forName("sun.misc.SignalHandler");
            NEW_SIGNAL = lookup.findConstructor(SIGNAL, MethodType.methodType(void.class, String.class));
            HANDLE = lookup.findStatic(SIGNAL, "handle", MethodType.methodType(HANDLER, SIGNAL, HANDLER));
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private JvmSignals() {
    }

    /**
     * Returns the JVM's signal object for a name such as {@code "TERM"}.
     *
     * @throws IllegalArgumentException if the platform does not know the name
     */
    static Object signal(String name) {
        try {
            return NEW_SIGNAL.invoke(name);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("sun.misc.Signal(" + name + ") failed", t);
        }
    }

    /**
     * Installs a handler and returns the one it replaced, as {@code sun.misc.Signal.handle} does.
     *
     * @throws IllegalArgumentException if the JVM refuses the signal
     */
    static Object handle(Object signal, Object handler) {
        try {
            return HANDLE.invoke(signal, handler);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("sun.misc.Signal.handle(" + signal + ") failed", t);
        }
    }

    /** Returns a {@code sun.misc.SignalHandler} that runs {@code onSignal} and prints as {@code description}. */
    static Object handler(Runnable onSignal, String description) {
        InvocationHandler ih = (proxy, method, args) -> switch (method.getName()) {
            case "handle" -> {
                onSignal.run();
                yield null;
            }
            case "equals" -> proxy == args[0];
            case "hashCode" -> System.identityHashCode(proxy);
            case "toString" -> description;
            default -> throw new UnsupportedOperationException(method.toString());
        };
        return Proxy.newProxyInstance(JvmSignals.class.getClassLoader(), new Class<?>[] {HANDLER}, ih);
    }
}
