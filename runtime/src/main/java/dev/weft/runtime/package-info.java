/**
 * The weft runtime: structured concurrency for blocking-style code on virtual threads — scopes that own every
 * thread, channels that every event source shares, a select over them, timers, and an injectable clock.
 *
 * <h2>Scopes and tasks</h2>
 * A {@link dev.weft.runtime.Scope} owns the tasks forked in it; closing it cancels what still runs and waits for it.
 * A fail-fast scope cancels the siblings of the first task that fails and rethrows that failure from
 * {@code join()}:
 * <pre>{@code
 * try (Scope scope = Scope.open("fetch")) {
 *     Task<String> a = scope.fork("a", () -> fetch("a"));
 *     Task<String> b = scope.fork("b", () -> fetch("b"));
 *     scope.join();
 *     return a.resultNow() + b.resultNow();
 * }
 * }</pre>
 * {@code scope.start(...)} forks a task and waits until it reports it has started (a server's bound port);
 * {@code Scope.supervisor(...)} keeps siblings running when one fails; {@code Scope.builder().timeout(...)} gives a
 * scope a deadline; {@code Scope.shielded(...)} runs cleanup that must block after cancellation.
 *
 * <h2>Cancellation</h2>
 * Cancelling a task or a scope interrupts the tasks' threads and marks them cancelled. The mark is level-triggered:
 * every weft blocking call of a cancelled task throws {@link dev.weft.runtime.CancelledException}, even if the
 * interrupt flag was cleared. Every blocking method documents what cancellation does to it; channel operations and
 * select are cancel-safe — a cancelled wait consumes nothing and loses nothing.
 *
 * <h2>Channels</h2>
 * A {@link dev.weft.runtime.Channel} is a bounded (or rendezvous, unbounded, conflated) queue between tasks with an
 * {@link dev.weft.runtime.OverflowPolicy}, {@code close(cause)}, timeouts and iteration that ends at close:
 * <pre>{@code
 * Channel<String> lines = Channel.buffered(64);
 * scope.fork("reader", () -> {
 *     try (lines) {
 *         for (String l; (l = in.readLine()) != null; ) lines.send(l);
 *     }
 * });
 * for (String line : lines) handle(line);
 * }</pre>
 *
 * <h2>Select</h2>
 * {@link dev.weft.runtime.Select} waits on receive and send clauses, a timeout and a default, and fires exactly one:
 * <pre>{@code
 * while (running) {
 *     running = Select.<Boolean>create()
 *             .onReceive(requests, r -> { serve(r); return true; })
 *             .onReceive(shutdown, s -> false)
 *             .onTimeout(Duration.ofSeconds(30), () -> { ping(); return true; })
 *             .select();
 * }
 * }</pre>
 *
 * <h2>Timers and time</h2>
 * {@link dev.weft.runtime.Timers} gives a cancellation-aware sleep, one-shot timers and
 * {@link dev.weft.runtime.Ticker}s as channels, and a {@link dev.weft.runtime.ResettableTimer} for idle timeouts:
 * <pre>{@code
 * try (Ticker ticker = Timers.ticker(Duration.ofSeconds(10), MissedTickPolicy.SKIP)) {
 *     for (Instant tick : ticker) flushStats(tick);
 * }
 * }</pre>
 * Every timer, timeout and deadline reads the scope's {@link dev.weft.runtime.TimeSource}. Tests open their scope on
 * a {@link dev.weft.runtime.VirtualClock}, which moves only when told to, or jumps to the next timer whenever every
 * task is blocked:
 * <pre>{@code
 * VirtualClock clock = VirtualClock.autoAdvancing();
 * try (Scope scope = Scope.builder().name("test").timeSource(clock).open()) {
 *     scope.fork("backoff", () -> reconnectWithBackoff());   // its hour of sleeps takes microseconds
 *     scope.join();
 * }
 * }</pre>
 *
 * <h2>Threads</h2>
 * Every task is a virtual thread named {@code scope/task#n}. The only platform thread the runtime starts is the
 * timer wheel's ({@code weft-timer}), which runs timer actions that are short and never block. Nothing in the runtime
 * pins a carrier thread: waits park with {@link java.util.concurrent.locks.LockSupport}, and locks are
 * {@link java.util.concurrent.locks.ReentrantLock}s held only for a few steps.
 */
@NullMarked
package dev.weft.runtime;

import org.jspecify.annotations.NullMarked;
