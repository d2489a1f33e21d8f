package dev.weft.signals;

import dev.weft.runtime.Channel;
import dev.weft.runtime.ChannelClosedException;
import dev.weft.runtime.ReceiveChannel;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A subscription to one or more Unix signals, opened by {@link Signals#open(UnixSignal...)}: every arrival of one of
 * its signals becomes a {@link SignalDelivery} on {@link #deliveries()}.
 *
 * <pre>{@code
 * try (SignalSubscription hup = Signals.open(UnixSignal.HUP)) {
 *     for (SignalDelivery d : hup.deliveries()) {   // ends when the subscription is closed
 *         reloadConfiguration();
 *     }
 * }
 * }</pre>
 *
 * <p><b>Delivery.</b> The channel holds at most one delivery per signal of the subscription. An arrival while the
 * subscriber has not yet received the previous one of the same signal is merged into it (its
 * {@linkplain SignalDelivery#count() count} goes up), so a slow subscriber blocks neither the JVM's handler thread nor
 * the other subscribers, and never loses the fact that a signal arrived. Every subscriber of a signal gets every
 * arrival (fan-out).
 *
 * <p><b>Closing.</b> {@link #close()} closes the channel (deliveries already in it can still be received; a loop over
 * it then ends) and, when this was the last subscription of a signal, puts back the handler that was there before the
 * first one — for TERM, INT and HUP that is the JVM's own, which runs the shutdown hooks and exits.
 *
 * <p>Thread-safe.
 */
public final class SignalSubscription implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SignalSubscription.class);

    private final Set<UnixSignal> signals;
    private final Channel<SignalDelivery> channel;
    private final ReentrantLock lock = new ReentrantLock();
    private final List<SignalDelivery> held;
    private long arrivals;
    private boolean closed;

    SignalSubscription(Set<UnixSignal> signals) {
        this.signals = Collections.unmodifiableSet(EnumSet.copyOf(signals));
        // one slot per signal: arrivals of a signal already waiting in the channel are merged into that element
        this.channel = Channel.<SignalDelivery>builder().name("signals" + this.signals).capacity(this.signals.size())
                .build();
        this.held = new ArrayList<>(this.signals.size());
    }

    /**
     * Returns the signals this subscription receives.
     *
     * @return an unmodifiable set, not empty
     */
    public Set<UnixSignal> signals() {
        return signals;
    }

    /**
     * Returns the channel the deliveries arrive on; receive from it, iterate it, or use it in a
     * {@link dev.weft.runtime.Select}. It is closed by {@link #close()}.
     *
     * @return the channel, the same one on every call
     */
    public ReceiveChannel<SignalDelivery> deliveries() {
        return channel;
    }

    /**
     * Returns how many arrivals of its signals this subscription has seen since it was opened, whether or not they
     * have been received yet.
     *
     * @return the number of arrivals
     */
    public long arrivals() {
        lock.lock();
        try {
            return arrivals;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Returns whether {@link #close()} has been called.
     *
     * @return true once closed
     */
    public boolean isClosed() {
        lock.lock();
        try {
            return closed;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Called on the JVM's signal handler thread for each arrival. Never waits for the subscriber: the lock is only
     * held by other arrivals and by {@link #close()}, for a few non-blocking channel operations.
     */
    void arrived(UnixSignal signal, Instant when) {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            arrivals++;
            // take back what the subscriber has not received yet, merge the arrival in, and put it all back in the
            // same order; only this method sends, under the lock, so the channel always has room for it
            held.clear();
            for (Optional<SignalDelivery> d = channel.tryReceive(); d.isPresent(); d = channel.tryReceive()) {
                held.add(d.get());
            }
            boolean merged = false;
            for (int i = 0; i < held.size(); i++) {
                if (held.get(i).signal() == signal) {
                    held.set(i, held.get(i).plusOne(when));
                    merged = true;
                }
            }
            if (!merged) {
                held.add(new SignalDelivery(signal, 1, when, when));
            }
            for (SignalDelivery d : held) {
                if (!channel.trySend(d)) {
                    LOG.error("signal delivery lost, channel unexpectedly full: {}", d);
                }
            }
            held.clear();
        } catch (ChannelClosedException e) {
            LOG.debug("signal {} arrived while subscription {} was closing", signal, signals);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Ends the subscription: closes the channel (deliveries already in it stay receivable) and, for each signal whose
     * last subscription this was, restores the handler that was installed before weft's. Idempotent.
     */
    @Override
    public void close() {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
        } finally {
            lock.unlock();
        }
        try {
            SignalHandlers.unsubscribe(this);
        } finally {
            channel.close();
        }
    }

    @Override
    public String toString() {
        return "SignalSubscription" + signals + (isClosed() ? " (closed)" : "");
    }
}
