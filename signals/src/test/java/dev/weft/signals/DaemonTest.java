package dev.weft.signals;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.runtime.Channel;
import dev.weft.runtime.testing.PinningGuard;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@link Daemon#run} in this JVM: completion, failure, and a graceful stop by a TERM sent to our own pid while the
 * daemon's subscription is open. Forced exits halt the JVM, so they are tested in child JVMs ({@link ChildJvmTest}).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
@ExtendWith(PinningGuard.class)
final class DaemonTest {

    private static final Duration GRACE = Duration.ofSeconds(30);

    @AfterEach
    void handlersRestored() {
        assertThat(SignalHandlers.installed()).isEmpty();
    }

    @Test
    void run_bodyReturns_completedWithStatus0() throws Exception {
        AtomicBoolean forkedRan = new AtomicBoolean();
        DaemonExit exit = Daemon.run("returns", GRACE, scope -> {
            scope.fork("helper", () -> forkedRan.set(true));
        });
        assertThat(exit).isEqualTo(new DaemonExit.Completed());
        assertThat(exit.status()).isZero();
        assertThat(forkedRan).isTrue();
    }

    @Test
    void run_bodyFails_failedWithStatus1AndTheCause() throws Exception {
        IOException boom = new IOException("boom");
        DaemonExit exit = Daemon.run("fails", GRACE, scope -> {
            throw boom;
        });
        assertThat(exit).isEqualTo(new DaemonExit.Failed(boom));
        assertThat(exit.status()).isEqualTo(1);
    }

    @Test
    void run_forkedTaskFails_failedAndBodyCancelled() throws Exception {
        IllegalStateException boom = new IllegalStateException("helper failed");
        DaemonExit exit = Daemon.run("helper-fails", GRACE, scope -> {
            scope.fork("helper", () -> {
                throw boom;
            });
            Channel.<String>rendezvous().receive();
        });
        assertThat(exit).isInstanceOf(DaemonExit.Failed.class);
        assertThat(((DaemonExit.Failed) exit).failure()).isSameAs(boom);
    }

    @Test
    void run_termToOwnPid_cancelsTheBodyAndReturnsStopped143() throws Exception {
        CountDownLatch ready = new CountDownLatch(1);
        AtomicBoolean cleanedUp = new AtomicBoolean();
        CompletableFuture<DaemonExit> exit = new CompletableFuture<>();
        Thread runner = Thread.ofPlatform().name("weft-test-daemon").start(() -> {
            try {
                exit.complete(Daemon.run("stoppable", GRACE, scope -> {
                    try {
                        ready.countDown();
                        Channel.<String>rendezvous().receive();
                    } finally {
                        cleanedUp.set(true);
                    }
                }));
            } catch (Throwable t) {
                exit.completeExceptionally(t);
            }
        });
        assertThat(ready.await(30, TimeUnit.SECONDS)).isTrue();
        // the daemon's TERM subscription is open from before the body starts until run returns
        assertThat(SignalHandlers.installed()).contains(UnixSignal.TERM, UnixSignal.INT);
        Signals.send(ProcessHandle.current().pid(), UnixSignal.TERM);
        DaemonExit result = exit.get(30, TimeUnit.SECONDS);
        runner.join();
        assertThat(result).isEqualTo(new DaemonExit.Stopped(UnixSignal.TERM, java.util.Optional.empty()));
        assertThat(result.status()).isEqualTo(143);
        assertThat(cleanedUp).isTrue();
    }

    @Test
    void run_badArguments_throw() {
        assertThatThrownBy(() -> Daemon.run("x", Duration.ZERO, scope -> { }))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("grace must be positive: PT0S");
        assertThatThrownBy(() -> Daemon.run("x", Duration.ofSeconds(-1), scope -> { }))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("grace must be positive: PT-1S");
        assertThatThrownBy(() -> Daemon.run(null, GRACE, scope -> { })).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> Daemon.run("x", GRACE, null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void exitStatuses_followTheDocumentedMapping() {
        assertThat(new DaemonExit.Stopped(UnixSignal.INT, java.util.Optional.empty()).status()).isEqualTo(130);
        assertThat(new DaemonExit.Stopped(UnixSignal.TERM, java.util.Optional.of(new IOException())).status())
                .isEqualTo(143);
        assertThat(Daemon.FORCED_EXIT_STATUS).isEqualTo(137);
        assertThat(List.of(new DaemonExit.Completed().status(), new DaemonExit.Failed(new IOException()).status()))
                .containsExactly(0, 1);
    }
}
