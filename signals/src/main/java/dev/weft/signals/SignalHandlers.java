package dev.weft.signals;

import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The process-wide table of weft's signal handlers: at most one {@code sun.misc} handler per signal, installed with
 * its first subscription and replaced by the previous handler when its last subscription closes. The handler runs on
 * the platform thread the JVM starts for each arrival and fans the arrival out to every subscription of the signal.
 */
final class SignalHandlers {

    private static final Logger LOG = LoggerFactory.getLogger(SignalHandlers.class);

    /** Signals refused up front, with the reason (see {@link Signals}). */
    private static final Map<UnixSignal, String> REFUSED = new EnumMap<>(UnixSignal.class);

    static {
        REFUSED.put(UnixSignal.QUIT, "the JVM reserves it for printing a thread dump");
        REFUSED.put(UnixSignal.KILL, "it cannot be caught or ignored by any process");
        REFUSED.put(UnixSignal.STOP, "it cannot be caught or ignored by any process");
        REFUSED.put(UnixSignal.SEGV, "the JVM handles it itself (implicit null checks, safepoint polls)");
        REFUSED.put(UnixSignal.ILL, "the JVM handles it itself (traps in compiled code)");
        REFUSED.put(UnixSignal.FPE, "the JVM handles it itself (integer division by zero)");
        REFUSED.put(UnixSignal.BUS, "the JVM handles it itself (errors touching memory-mapped files)");
        REFUSED.put(UnixSignal.USR2, "HotSpot uses it internally to suspend and resume threads");
    }

    private static final ReentrantLock LOCK = new ReentrantLock();
    private static final Map<UnixSignal, Installed> INSTALLED = new EnumMap<>(UnixSignal.class);

    private SignalHandlers() {
    }

    /** The signals weft's handler is installed for now. */
    static Set<UnixSignal> installed() {
        LOCK.lock();
        try {
            return INSTALLED.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(INSTALLED.keySet()));
        } finally {
            LOCK.unlock();
        }
    }

    static Optional<String> refusal(UnixSignal signal) {
        return Optional.ofNullable(REFUSED.get(signal));
    }

    /** Subscribes to every signal of the set, or to none of them if one cannot be handled. */
    static SignalSubscription subscribe(Set<UnixSignal> signals) {
        for (UnixSignal s : signals) {
            String why = REFUSED.get(s);
            if (why != null) {
                throw new IllegalArgumentException("signal " + s + " cannot be received: " + why);
            }
        }
        SignalSubscription subscription = new SignalSubscription(signals);
        LOCK.lock();
        try {
            List<UnixSignal> installedNow = new ArrayList<>();
            try {
                for (UnixSignal s : signals) {
                    if (!INSTALLED.containsKey(s)) {
                        INSTALLED.put(s, install(s));
                        installedNow.add(s);
                    }
                }
            } catch (RuntimeException e) {
                for (UnixSignal s : installedNow) {
                    restore(s, INSTALLED.remove(s));
                }
                throw e;
            }
            for (UnixSignal s : signals) {
                INSTALLED.get(s).subscribers.add(subscription);
            }
        } finally {
            LOCK.unlock();
        }
        return subscription;
    }

    static void unsubscribe(SignalSubscription subscription) {
        LOCK.lock();
        try {
            for (UnixSignal s : subscription.signals()) {
                Installed installed = INSTALLED.get(s);
                if (installed == null || !installed.subscribers.remove(subscription)) {
                    continue;
                }
                if (installed.subscribers.isEmpty()) {
                    INSTALLED.remove(s);
                    restore(s, installed);
                }
            }
        } finally {
            LOCK.unlock();
        }
    }

    private static Installed install(UnixSignal signal) {
        Object jvmSignal;
        try {
            jvmSignal = JvmSignals.signal(signal.name());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "signal " + signal + " cannot be received: this platform does not know it (" + e.getMessage()
                            + ")", e);
        }
        Installed installed = new Installed(signal, jvmSignal);
        try {
            installed.previous = JvmSignals.handle(jvmSignal, installed.handler);
        } catch (IllegalArgumentException e) {
            String hint = switch (signal) {
                case HUP, INT, TERM -> "; the JVM runs with -Xrs (or -XX:+ReduceSignalUsage), which leaves HUP, INT,"
                        + " TERM and QUIT to the operating system's defaults";
                default -> "";
            };
            throw new IllegalArgumentException("signal " + signal + " cannot be received: the JVM refuses it ("
                    + e.getMessage() + ")" + hint, e);
        }
        LOG.debug("installed the weft handler for {} (previous: {})", signal, installed.previous);
        return installed;
    }

    private static void restore(UnixSignal signal, Installed installed) {
        Object replaced = JvmSignals.handle(installed.jvmSignal, installed.previous);
        if (replaced != installed.handler) {
            // someone installed a handler over ours meanwhile: theirs stays, ours was already out of the way
            JvmSignals.handle(installed.jvmSignal, replaced);
            LOG.warn("the handler of {} was replaced by {} while weft's was installed; left it in place",
                    signal, replaced);
        } else {
            LOG.debug("restored the previous handler of {}: {}", signal, installed.previous);
        }
    }

    /** weft's handler for one signal and what to put back when it is no longer needed. */
    private static final class Installed {
        final UnixSignal signal;
        final Object jvmSignal;
        final Object handler;
        final List<SignalSubscription> subscribers = new CopyOnWriteArrayList<>();
        Object previous;

        Installed(UnixSignal signal, Object jvmSignal) {
            this.signal = signal;
            this.jvmSignal = jvmSignal;
            this.handler = JvmSignals.handler(this::arrived, "weft handler for " + signal);
            this.previous = handler;
        }

        /** Runs on the platform thread the JVM starts for each arrival. */
        private void arrived() {
            Instant now = Instant.now();
            for (SignalSubscription s : subscribers) {
                try {
                    s.arrived(signal, now);
                } catch (RuntimeException e) {
                    LOG.error("delivering {} to {} failed", signal, s, e);
                }
            }
        }
    }
}
