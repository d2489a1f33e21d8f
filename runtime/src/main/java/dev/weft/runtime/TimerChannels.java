package dev.weft.runtime;

import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;

/** The timer channels of {@link Timers}: a ticker and a resettable timer, each a channel with a clock behind it. */
final class TimerChannels {

    private TimerChannels() {
    }

    static <E> ChannelImpl<E> channelOf(ReceiveChannel<E> timer) {
        return switch (timer) {
            case ChannelImpl<E> c -> c;
            case TickerImpl t -> ChannelImpl.element(t.channel);
            case ResettableTimerImpl t -> ChannelImpl.element(t.channel);
        };
    }

    /** The instant of the time source at a given nanoTime, by offset from now. */
    static Instant instantAt(TimeSource ts, long nanoTime) {
        return ts.now().minusNanos(ts.nanoTime() - nanoTime);
    }

    /** Delegates the receive side to a channel. */
    abstract static sealed class Delegating permits TickerImpl, ResettableTimerImpl {
        final ChannelImpl<Instant> channel;

        Delegating(String name) {
            // BLOCK, not DROP_OLDEST: the timer offers with trySend, which must fail while the slot is full so that
            // a ticker can apply its missed-tick policy (a dropping channel would silently replace the pending tick)
            this.channel = new ChannelImpl<>(name, 1, OverflowPolicy.BLOCK, null);
        }

        public String name() {
            return channel.name();
        }

        public Instant receive() throws InterruptedException {
            return channel.receive();
        }

        public Optional<Instant> receive(Duration timeout) throws InterruptedException {
            return channel.receive(timeout);
        }

        public Optional<Instant> tryReceive() {
            return channel.tryReceive();
        }

        public boolean isClosedForReceive() {
            return channel.isClosedForReceive();
        }

        public Iterator<Instant> iterator() {
            return channel.iterator();
        }

        public Stream<Instant> stream() {
            return channel.stream();
        }
    }

    /**
     * A ticker. Its channel holds one tick; the timer action offers each tick with {@code trySend}, and the missed
     * tick policy acts when that fails (the slot is full) and when the consumer takes a tick.
     */
    static final class TickerImpl extends Delegating implements Ticker {
        private final TimeSource timeSource;
        private final Clockwork clock;
        private final long periodNanos;
        private final Duration period;
        private final MissedTickPolicy policy;
        private final ReentrantLock lock = new ReentrantLock();
        private long next;
        private long owed;
        private long missed;
        private boolean paused;
        private boolean closed;
        private TimerHandle handle;

        TickerImpl(TimeSource timeSource, Duration period, MissedTickPolicy policy) {
            super("ticker(" + period + ")");
            this.timeSource = timeSource;
            this.clock = Clockwork.of(timeSource);
            this.period = period;
            this.periodNanos = period.toNanos();
            this.policy = policy;
        }

        void start() {
            channel.afterReceive(this::taken); // before the first tick can be taken
            lock.lock();
            try {
                next = Deadlines.after(clock.nanoTime(), period);
                handle = clock.schedule(next, this::fire);
            } finally {
                lock.unlock();
            }
        }

        private void fire() {
            lock.lock();
            try {
                if (closed) {
                    return;
                }
                Instant tick = instantAt(timeSource, next);
                boolean delivered = owed == 0 && channel.trySend(tick);
                if (!delivered) {
                    missed++;
                    if (policy == MissedTickPolicy.BURST) {
                        owed++;
                    } else if (policy == MissedTickPolicy.DELAY) {
                        paused = true;
                        return;
                    }
                }
                next += periodNanos;
                handle = clock.schedule(next, this::fire);
            } finally {
                lock.unlock();
            }
        }

        private void taken() {
            lock.lock();
            try {
                if (closed) {
                    return;
                }
                if (policy == MissedTickPolicy.BURST && owed > 0) {
                    Instant late = instantAt(timeSource, next - owed * periodNanos);
                    if (channel.trySend(late)) {
                        owed--;
                    }
                } else if (policy == MissedTickPolicy.DELAY && paused) {
                    paused = false;
                    long now = clock.nanoTime();
                    // the tick due at `next` was counted when it missed; count the later ones of the old grid too
                    missed += Math.max(0, (now - next) / periodNanos);
                    next = now + periodNanos;
                    handle = clock.schedule(next, this::fire);
                }
            } finally {
                lock.unlock();
            }
        }

        @Override
        public Duration period() {
            return period;
        }

        @Override
        public MissedTickPolicy policy() {
            return policy;
        }

        @Override
        public long missedTicks() {
            lock.lock();
            try {
                return missed;
            } finally {
                lock.unlock();
            }
        }

        @Override
        public void close() {
            TimerHandle h;
            lock.lock();
            try {
                if (closed) {
                    return;
                }
                closed = true;
                h = handle;
            } finally {
                lock.unlock();
            }
            if (h != null) {
                h.cancel();
            }
            channel.close();
        }

        @Override
        public String toString() {
            return "Ticker[" + period + ", " + policy + (closed ? ", closed]" : "]");
        }
    }

    /**
     * A resettable one-shot timer. {@code reset()} only moves the deadline; the scheduled action, when it runs,
     * re-schedules itself for the moved deadline (the lazy re-arm of Netty's idle-state handler), so a reset per
     * message costs no scheduler operation unless the deadline moves earlier.
     */
    static final class ResettableTimerImpl extends Delegating implements ResettableTimer {
        private final TimeSource timeSource;
        private final Clockwork clock;
        private final ReentrantLock lock = new ReentrantLock();
        private Duration timeout;
        private long deadline = Deadlines.NONE;
        private long scheduledFor = Deadlines.NONE;
        private TimerHandle handle;
        private boolean firedSinceReset;
        private boolean closed;

        ResettableTimerImpl(TimeSource timeSource, Duration timeout) {
            super("timer(" + timeout + ")");
            this.timeSource = timeSource;
            this.clock = Clockwork.of(timeSource);
            this.timeout = timeout;
        }

        @Override
        public void reset() {
            arm(null);
        }

        @Override
        public void reset(Duration newTimeout) {
            arm(Deadlines.requirePositive(newTimeout, "timeout"));
        }

        private void arm(Duration newTimeout) {
            boolean drain;
            lock.lock();
            try {
                if (closed) {
                    throw new IllegalStateException("timer '" + name() + "' is closed");
                }
                if (newTimeout != null) {
                    timeout = newTimeout;
                }
                deadline = Deadlines.after(clock.nanoTime(), timeout);
                if (handle == null || deadline - scheduledFor < 0) {
                    if (handle != null) {
                        handle.cancel();
                    }
                    scheduledFor = deadline;
                    handle = clock.schedule(deadline, this::fire);
                }
                drain = firedSinceReset;
                firedSinceReset = false;
                if (drain) {
                    channel.tryReceive();
                }
            } finally {
                lock.unlock();
            }
        }

        private void fire() {
            lock.lock();
            try {
                handle = null;
                scheduledFor = Deadlines.NONE;
                if (closed || deadline == Deadlines.NONE) {
                    return;
                }
                long now = clock.nanoTime();
                if (now - deadline < 0) {
                    scheduledFor = deadline;
                    handle = clock.schedule(deadline, this::fire);
                    return;
                }
                Instant at = instantAt(timeSource, deadline);
                deadline = Deadlines.NONE;
                firedSinceReset = true;
                channel.trySend(at);
            } finally {
                lock.unlock();
            }
        }

        @Override
        public void stop() {
            lock.lock();
            try {
                deadline = Deadlines.NONE;
                if (handle != null) {
                    handle.cancel();
                    handle = null;
                    scheduledFor = Deadlines.NONE;
                }
                if (firedSinceReset) {
                    firedSinceReset = false;
                    channel.tryReceive();
                }
            } finally {
                lock.unlock();
            }
        }

        @Override
        public boolean isArmed() {
            lock.lock();
            try {
                return deadline != Deadlines.NONE;
            } finally {
                lock.unlock();
            }
        }

        @Override
        public Duration timeout() {
            lock.lock();
            try {
                return timeout;
            } finally {
                lock.unlock();
            }
        }

        @Override
        public void close() {
            lock.lock();
            try {
                if (closed) {
                    return;
                }
                closed = true;
                deadline = Deadlines.NONE;
                if (handle != null) {
                    handle.cancel();
                    handle = null;
                }
            } finally {
                lock.unlock();
            }
            channel.close();
        }

        @Override
        public String toString() {
            return "ResettableTimer[" + timeout() + (isArmed() ? ", armed]" : "]");
        }
    }
}
