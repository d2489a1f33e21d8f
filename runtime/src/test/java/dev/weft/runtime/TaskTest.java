package dev.weft.runtime;

import static dev.weft.runtime.TestSupport.awaitBlocked;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.runtime.testing.PinningGuard;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

@Timeout(value = 30, unit = SECONDS)
@ExtendWith(PinningGuard.class)
final class TaskTest {

    private static Thread threadOf(Task<?> task) {
        return ((TaskImpl<?>) task).thread();
    }

    @Test
    void succeeded_joinAndResultNowReturnTheValue() throws Exception {
        try (Scope scope = Scope.open("s")) {
            Task<String> task = scope.fork("ok", () -> "value");

            assertThat(task.join()).isEqualTo("value");
            assertThat(task.join(Duration.ZERO)).isEqualTo("value");
            assertThat(task.state()).isEqualTo(Task.State.SUCCEEDED);
            assertThat(task.resultNow()).isEqualTo("value");
            assertThat(task.exception()).isEmpty();
            assertThat(task.toString()).contains("s/ok#1").contains("SUCCEEDED");
        }
    }

    @Test
    void voidBody_succeeds_resultIsNull() throws Exception {
        try (Scope scope = Scope.open("s")) {
            Task<Void> task = scope.fork("void", () -> { });

            assertThat(task.join()).isNull();
            assertThat(task.state()).isEqualTo(Task.State.SUCCEEDED);
        }
    }

    @Test
    void failedUnchecked_joinRethrowsItAndResultNowNamesTheState() throws Exception {
        IllegalStateException boom = new IllegalStateException("boom");
        try (Scope scope = Scope.supervisor("s", (t, e) -> { })) {
            Task<String> task = scope.fork("bad", () -> {
                throw boom;
            });

            assertThatThrownBy(task::join).isSameAs(boom);
            assertThat(scope.liveTasks()).as("the scope forgot the task before its join returned").isZero();
            assertThat(task.state()).isEqualTo(Task.State.FAILED);
            assertThat(task.exception()).containsSame(boom);
            assertThatThrownBy(task::resultNow).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("'s/bad#1'").hasMessageContaining("FAILED");
        }
    }

    @Test
    void failedChecked_joinThrowsTaskFailedExceptionNamingTheTask() throws Exception {
        IOException cause = new IOException("io");
        try (Scope scope = Scope.supervisor("s", (t, e) -> { })) {
            Task<String> task = scope.fork("reader", () -> {
                throw cause;
            });

            assertThatThrownBy(task::join).isInstanceOf(TaskFailedException.class).hasCause(cause)
                    .hasMessageContaining("'s/reader#1'")
                    .satisfies(e -> assertThat(((TaskFailedException) e).taskName()).isEqualTo("s/reader#1"));
            assertThatThrownBy(() -> task.join(Duration.ofSeconds(1))).isInstanceOf(TaskFailedException.class)
                    .hasCause(cause);
            assertThat(task.exception()).containsSame(cause);
        }
    }

    @Test
    void cancelled_joinThrowsCancelledAndThereIsNoResultOrException() throws Exception {
        Channel<String> never = Channel.rendezvous();
        try (Scope scope = Scope.open("s")) {
            Task<String> task = scope.fork("victim", () -> never.receive());
            awaitBlocked(threadOf(task));

            task.cancel();

            assertThatThrownBy(task::join).isInstanceOf(CancelledException.class)
                    .hasMessageContaining("'s/victim#1'");
            assertThat(task.state()).isEqualTo(Task.State.CANCELLED);
            assertThat(task.exception()).isEmpty();
            assertThatThrownBy(task::resultNow).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("CANCELLED");
            assertThat(scope.isCancelled()).as("a cancelled task does not cancel its fail-fast scope").isFalse();
            scope.join();
        }
    }

    @Test
    void running_resultNowThrowsAndStateIsRunning() throws Exception {
        Channel<String> input = Channel.rendezvous();
        try (Scope scope = Scope.open("s")) {
            Task<String> task = scope.fork("busy", () -> input.receive());

            assertThat(task.state()).isEqualTo(Task.State.RUNNING);
            assertThat(task.exception()).isEmpty();
            assertThatThrownBy(task::resultNow).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("RUNNING");

            input.send("done");
            assertThat(task.join()).isEqualTo("done");
        }
    }

    @Test
    void cancel_beforeTheThreadRuns_taskEndsCancelled() throws Exception {
        Channel<String> never = Channel.rendezvous();
        try (Scope scope = Scope.open("s")) {
            Task<String> task = scope.fork("early", () -> never.receive());
            task.cancel();       // usually before the virtual thread has run at all; cancelled either way

            assertThatThrownBy(task::join).isInstanceOf(CancelledException.class);
            assertThat(task.state()).isEqualTo(Task.State.CANCELLED);
        }
    }

    @Test
    void cancel_afterTheTaskEnded_changesNothing() throws Exception {
        try (Scope scope = Scope.open("s")) {
            Task<String> task = scope.fork("done", () -> "v");
            task.join();

            task.cancel();
            task.cancel();

            assertThat(task.state()).isEqualTo(Task.State.SUCCEEDED);
            assertThat(task.resultNow()).isEqualTo("v");
            assertThat(scope.isCancelled()).isFalse();
        }
    }

    @Test
    void cancel_taskReturnsNormallyAfterwards_endsSucceeded() throws Exception {
        Channel<String> never = Channel.rendezvous();
        try (Scope scope = Scope.open("s")) {
            Task<String> task = scope.fork("shrugs", () -> {
                try {
                    return never.receive();
                } catch (CancelledException e) {
                    return "fallback";
                }
            });
            awaitBlocked(threadOf(task));

            task.cancel();

            assertThat(task.join()).isEqualTo("fallback");
            assertThat(task.state()).isEqualTo(Task.State.SUCCEEDED);
        }
    }

    @Test
    void cancel_taskWithANestedScope_cancelsTheNestedTasksThroughClose() throws Exception {
        Channel<String> never = Channel.rendezvous();
        AtomicReference<Task<String>> leaf = new AtomicReference<>();
        try (Scope scope = Scope.open("s")) {
            Task<Void> parent = scope.fork("parent", () -> {
                try (Scope nested = Scope.open("nested")) {
                    leaf.set(nested.fork("leaf", () -> never.receive()));
                    nested.join();
                }
            });
            TestSupport.awaitCondition(() -> leaf.get() != null, "the leaf to be forked");
            awaitBlocked(threadOf(leaf.get()));
            awaitBlocked(threadOf(parent));

            parent.cancel();

            assertThatThrownBy(parent::join).isInstanceOf(CancelledException.class);
            assertThat(leaf.get().state()).isEqualTo(Task.State.CANCELLED);
            assertThat(threadOf(leaf.get()).isAlive()).isFalse();
        }
    }

    @Test
    void join_withTimeoutThatPasses_throwsTimeoutAndLeavesTheTaskRunning() throws Exception {
        VirtualClock clock = VirtualClock.autoAdvancing();
        Channel<String> input = Channel.rendezvous();
        try (Scope scope = Scope.builder().name("s").timeSource(clock).open()) {
            Task<String> slow = scope.fork("slow", () -> input.receive());
            Task<Throwable> joiner = scope.fork("joiner", () -> {
                try {
                    slow.join(Duration.ofMinutes(5));
                    return null;
                } catch (TimeoutException e) {
                    return e;
                }
            });

            assertThat(joiner.join()).isInstanceOf(TimeoutException.class)
                    .hasMessageContaining("'s/slow#1'").hasMessageContaining("PT5M");
            assertThat(clock.elapsed()).isEqualTo(Duration.ofMinutes(5));
            assertThat(slow.state()).isEqualTo(Task.State.RUNNING);

            input.send("late");
            assertThat(slow.join()).isEqualTo("late");
        }
    }

    @Test
    void join_callerCancelledWhileWaiting_throwsCancelledAndTheJoinedTaskGoesOn() throws Exception {
        Channel<String> input = Channel.rendezvous();
        try (Scope scope = Scope.open("s")) {
            Task<String> target = scope.fork("target", () -> input.receive());
            Task<String> joiner = scope.fork("joiner", () -> target.join());
            awaitBlocked(threadOf(joiner));

            joiner.cancel();

            assertThatThrownBy(joiner::join).isInstanceOf(CancelledException.class);
            assertThat(joiner.state()).isEqualTo(Task.State.CANCELLED);
            assertThat(target.state()).isEqualTo(Task.State.RUNNING);
            input.send("still fine");
            assertThat(target.join()).isEqualTo("still fine");
        }
    }

    @Test
    void join_callerInterrupted_throwsInterruptedAndTheTaskGoesOn() throws Exception {
        Channel<String> input = Channel.rendezvous();
        try (Scope scope = Scope.open("s")) {
            Task<String> task = scope.fork("target", () -> input.receive());
            Thread.currentThread().interrupt();

            assertThatThrownBy(task::join).isInstanceOf(InterruptedException.class);
            assertThat(task.state()).isEqualTo(Task.State.RUNNING);
            input.send("v");
            assertThat(task.join()).isEqualTo("v");
        }
    }

    @Test
    void join_badTimeout_isRejectedNamingTheParameter() throws Exception {
        try (Scope scope = Scope.open("s")) {
            Task<String> task = scope.fork("t", () -> "v");

            assertThatThrownBy(() -> task.join(Duration.ofMillis(-1))).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("timeout must not be negative");
            assertThatThrownBy(() -> task.join(null)).isInstanceOf(NullPointerException.class)
                    .hasMessage("timeout");
            scope.join();
        }
    }
}
