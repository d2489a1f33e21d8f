package dev.weft.runtime;

import static dev.weft.runtime.TestSupport.awaitBlocked;
import static dev.weft.runtime.TestSupport.awaitCondition;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.runtime.testing.PinningGuard;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

@Timeout(value = 30, unit = SECONDS)
@ExtendWith(PinningGuard.class)
final class ScopeTest {

    private static final Duration LONG = Duration.ofHours(1);

    private static Thread threadOf(Task<?> task) {
        return ((TaskImpl<?>) task).thread();
    }

    private static void awaitEnded(Task<?> task) {
        awaitCondition(() -> task.state() != Task.State.RUNNING, "task " + task + " to end");
    }

    // ---- waiting for itself, nested scopes of a cancelled task ----

    @Test
    @SuppressWarnings("try") // the test calls close() on the scope from one of its tasks on purpose
    void joinAndClose_fromOwnTask_areRejectedNamingTaskAndScope() throws Exception {
        try (Scope scope = Scope.open("self")) {
            Task<String> joiner = scope.fork("joiner", () -> {
                try {
                    scope.join();
                    return "joined";
                } catch (IllegalStateException e) {
                    return e.getMessage();
                }
            });
            Task<String> closer = scope.fork("closer", () -> {
                try {
                    scope.close();
                    return "closed";
                } catch (IllegalStateException e) {
                    return e.getMessage();
                }
            });
            assertThat(joiner.join()).isEqualTo("task 'self/joiner#1' cannot join its own scope 'self': it would"
                    + " wait for itself");
            assertThat(closer.join()).contains("cannot close its own scope 'self'");
            scope.join();
        }
    }

    @Test
    void close_afterTaskJoinRethrewTheFailure_doesNotThrowItAgain() {
        IllegalStateException boom = new IllegalStateException("boom");
        assertThatThrownBy(() -> {
            try (Scope scope = Scope.open("reported")) {
                scope.fork("t", () -> {
                    throw boom;
                }).join();
            }
        }).isSameAs(boom).satisfies(e -> assertThat(e.getSuppressed()).isEmpty());
    }

    @Test
    void close_nestedScopeLeftOpenByAnEndedTask_isCancelledAndClosedWithTheParent() throws Exception {
        Channel<String> never = Channel.rendezvous();
        AtomicReference<Scope> leaked = new AtomicReference<>();
        Task<String> orphanTask;
        try (Scope scope = Scope.open("parent")) {
            Task<Task<String>> opener = scope.fork("opener", () -> {
                Scope nested = Scope.open("leaked"); // never closed by its task
                leaked.set(nested);
                return nested.fork("receiver", () -> never.receive());
            });
            orphanTask = opener.join();
            awaitBlocked(threadOf(orphanTask));
        }
        assertThat(orphanTask.state()).isEqualTo(Task.State.CANCELLED);
        assertThat(leaked.get().isCancelled()).isTrue();
        assertThatThrownBy(() -> leaked.get().fork("late", () -> "x")).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("scope 'leaked' is closed");
    }

    @Test
    void taskCancel_cancelsTheScopesTheTaskOpened() throws Exception {
        Channel<String> never = Channel.rendezvous();
        AtomicReference<Task<String>> inner = new AtomicReference<>();
        CountDownLatch innerForked = new CountDownLatch(1);
        try (Scope scope = Scope.open("outer")) {
            Task<Void> opener = scope.fork("opener", () -> {
                try (Scope nested = Scope.open("nested")) {
                    inner.set(nested.fork("receiver", () -> never.receive()));
                    innerForked.countDown();
                    nested.join();
                }
            });
            innerForked.await();
            awaitBlocked(threadOf(inner.get()));

            opener.cancel();

            awaitEnded(inner.get());
            assertThat(inner.get().state()).isEqualTo(Task.State.CANCELLED);
            awaitEnded(opener);
            assertThat(opener.state()).isEqualTo(Task.State.CANCELLED);
            assertThat(scope.isCancelled()).as("cancelling one task does not cancel its scope").isFalse();
        }
    }

    // ---- fail-fast ----

    @Test
    void join_taskFailsUnchecked_cancelsBlockedSiblingsAndRethrowsTheSameException() throws Exception {
        Channel<String> never = Channel.rendezvous();
        IllegalStateException boom = new IllegalStateException("boom");
        try (Scope scope = Scope.open("ff")) {
            Task<String> receiver = scope.fork("receiver", () -> never.receive());
            Task<Void> sleeper = scope.fork("sleeper", () -> Timers.sleep(LONG));
            awaitBlocked(threadOf(receiver));
            awaitBlocked(threadOf(sleeper));

            Task<Void> failer = scope.fork("failer", () -> {
                throw boom;
            });

            assertThatThrownBy(scope::join).isSameAs(boom);
            assertThat(failer.state()).isEqualTo(Task.State.FAILED);
            assertThat(receiver.state()).isEqualTo(Task.State.CANCELLED);
            assertThat(sleeper.state()).isEqualTo(Task.State.CANCELLED);
            assertThat(scope.isCancelled()).isTrue();
            assertThat(scope.liveTasks()).isZero();
        }
    }

    @Test
    void join_taskFailsChecked_wrapsInTaskFailedExceptionNamingTheTask() throws Exception {
        IOException disk = new IOException("disk on fire");
        try (Scope scope = Scope.open("ff")) {
            scope.fork("reader", () -> {
                throw disk;
            });

            assertThatThrownBy(scope::join)
                    .isInstanceOf(TaskFailedException.class)
                    .hasCause(disk)
                    .hasMessageContaining("'ff/reader#1'")
                    .satisfies(e -> assertThat(((TaskFailedException) e).taskName()).isEqualTo("ff/reader#1"));
        }
    }

    @Test
    void join_siblingFailsWhileBeingCancelled_laterFailureIsSuppressed() throws Exception {
        Channel<String> never = Channel.rendezvous();
        IllegalStateException first = new IllegalStateException("first");
        try (Scope scope = Scope.open("ff")) {
            Task<String> cleanup = scope.fork("bad-cleanup", () -> {
                try {
                    return never.receive();
                } catch (CancelledException e) {
                    throw new IllegalArgumentException("second", e);
                }
            });
            awaitBlocked(threadOf(cleanup));
            scope.fork("failer", () -> {
                throw first;
            });

            assertThatThrownBy(scope::join).isSameAs(first);
            assertThat(first.getSuppressed()).singleElement()
                    .isInstanceOf(IllegalArgumentException.class)
                    .extracting(Throwable::getMessage).isEqualTo("second");
            assertThat(cleanup.state()).isEqualTo(Task.State.FAILED);
        }
    }

    @Test
    void join_taskThrowsError_rethrowsTheErrorAsItIs() throws Exception {
        AssertionError error = new AssertionError("broken invariant");
        try (Scope scope = Scope.open("ff")) {
            scope.fork("checker", () -> {
                throw error;
            });

            assertThatThrownBy(scope::join).isSameAs(error);
        }
    }

    @Test
    void join_allTasksSucceed_returnsAndResultsAreAvailable() throws Exception {
        try (Scope scope = Scope.open("ok")) {
            Task<Integer> a = scope.fork("a", () -> 1);
            Task<Integer> b = scope.fork("b", () -> 2);

            scope.join();

            assertThat(a.resultNow() + b.resultNow()).isEqualTo(3);
            assertThat(scope.isCancelled()).isFalse();
            assertThat(scope.liveTasks()).isZero();
        }
    }

    // ---- supervisor ----

    @Test
    void supervisor_taskFails_handlerGetsItAndSiblingsKeepRunningAndJoinReturns() throws Exception {
        Channel<Object[]> failures = Channel.unbounded();
        Channel<String> input = Channel.rendezvous();
        IllegalStateException boom = new IllegalStateException("boom");
        try (Scope scope = Scope.supervisor("sup", (task, error) -> failures.trySend(new Object[] {task, error}))) {
            Task<String> sibling = scope.fork("sibling", () -> input.receive());
            Task<Void> failer = scope.fork("failer", () -> {
                throw boom;
            });

            Object[] reported = failures.receive();
            assertThat(reported[0]).isSameAs(failer);
            assertThat(reported[1]).isSameAs(boom);
            assertThat(sibling.state()).isEqualTo(Task.State.RUNNING);
            assertThat(scope.isCancelled()).isFalse();

            input.send("still here");
            scope.join();

            assertThat(sibling.resultNow()).isEqualTo("still here");
            assertThat(failer.state()).isEqualTo(Task.State.FAILED);
            assertThat(failer.exception()).containsSame(boom);
        }
        assertThat(failures.tryReceive()).isEmpty();
    }

    @Test
    void supervisor_handlerThrows_isLoggedAndTheScopeGoesOn() throws Exception {
        Channel<String> handled = Channel.unbounded();
        try (Scope scope = Scope.supervisor("sup", (task, error) -> {
            handled.trySend(task.name());
            throw new IllegalStateException("expected by the test: a failure handler that throws");
        })) {
            scope.fork("bad-1", () -> {
                throw new IOException("one");
            });
            scope.fork("bad-2", () -> {
                throw new IOException("two");
            });
            scope.join();

            Task<String> later = scope.fork("later", () -> "fine");
            scope.join();

            assertThat(later.resultNow()).isEqualTo("fine");
            assertThat(List.of(handled.receive(), handled.receive())).containsExactlyInAnyOrder("bad-1", "bad-2");
            assertThat(scope.isCancelled()).isFalse();
            assertThat(scope.liveTasks()).isZero();
        }
    }

    // ---- deadline ----

    @Test
    void join_deadlinePassesOnVirtualClock_cancelsTasksAndThrowsDeadlineExceeded() throws Exception {
        VirtualClock clock = VirtualClock.create();
        try (Scope scope = Scope.builder().name("slow").timeSource(clock).timeout(Duration.ofSeconds(5)).open()) {
            Task<Void> sleeper = scope.fork("sleeper", () -> Timers.sleep(LONG));
            awaitBlocked(threadOf(sleeper));

            clock.advance(Duration.ofSeconds(4));
            assertThat(scope.isCancelled()).isFalse();
            assertThat(sleeper.state()).isEqualTo(Task.State.RUNNING);

            clock.advance(Duration.ofSeconds(1));

            assertThatThrownBy(scope::join)
                    .isInstanceOf(DeadlineExceededException.class)
                    .hasMessageContaining("'slow'")
                    .hasMessageContaining("PT5S")
                    .satisfies(e -> {
                        DeadlineExceededException d = (DeadlineExceededException) e;
                        assertThat(d.scopeName()).isEqualTo("slow");
                        assertThat(d.timeout()).isEqualTo(Duration.ofSeconds(5));
                    });
            assertThat(sleeper.state()).isEqualTo(Task.State.CANCELLED);
            assertThat(clock.elapsed()).isEqualTo(Duration.ofSeconds(5));
        }
    }

    @Test
    void join_deadlineOnAutoAdvancingClock_firesAtTheDeadlineNotAtTheSleep() throws Exception {
        VirtualClock clock = VirtualClock.autoAdvancing();
        Instant deadline = clock.now().plusSeconds(7);
        try (Scope scope = Scope.builder().name("auto").timeSource(clock).deadline(deadline).open()) {
            scope.fork("sleeper", () -> Timers.sleep(LONG));

            assertThatThrownBy(scope::join).isInstanceOf(DeadlineExceededException.class);
            assertThat(clock.now()).isEqualTo(deadline);
        }
    }

    @Test
    void join_tasksEndBeforeTheDeadlineOnAutoAdvancingClock_clockDoesNotJumpToTheDeadline() throws Exception {
        VirtualClock clock = VirtualClock.autoAdvancing();
        Scope scope = Scope.builder().name("quick").timeSource(clock).timeout(Duration.ofSeconds(5)).open();
        Task<String> quick = scope.fork("quick", () -> "done");
        assertThat(quick.join()).isEqualTo("done");
        assertThat(scope.liveTasks()).as("forgotten by the scope once joined").isZero();   // so close cancels nothing

        scope.close();      // returns once the task's thread has terminated: its clock bookkeeping is done

        // the only pending timer is the scope's deadline and no task waits for anything: time must not jump to it
        assertThat(clock.elapsed()).isZero();
        assertThat(scope.isCancelled()).isFalse();
        assertThatCode(scope::join).doesNotThrowAnyException();
    }

    // ---- cancel ----

    @Test
    void cancel_nestedScopesOpenedInTasks_cancelsTheWholeSubtree() throws Exception {
        Channel<String> never = Channel.rendezvous();
        ConcurrentLinkedQueue<Task<?>> leaves = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<Scope> nested = new ConcurrentLinkedQueue<>();
        CountDownLatch allForked = new CountDownLatch(2);
        Task<Void> parent;
        try (Scope outer = Scope.open("outer")) {
            parent = outer.fork("parent", () -> {
                try (Scope middle = Scope.open("middle")) {
                    nested.add(middle);
                    leaves.add(middle.fork("leaf", () -> never.receive()));
                    middle.fork("child", () -> {
                        try (Scope inner = Scope.supervisor("inner", (t, e) -> { })) {
                            nested.add(inner);
                            leaves.add(inner.fork("deep-leaf", () -> never.receive()));
                            allForked.countDown();
                            inner.join();
                        }
                    });
                    allForked.countDown();
                    middle.join();
                }
            });
            allForked.await();
            for (Task<?> leaf : leaves) {
                awaitBlocked(threadOf(leaf));
            }

            outer.cancel();
            outer.join();

            assertThat(parent.state()).isEqualTo(Task.State.CANCELLED);
        }
        assertThat(leaves).hasSize(2).allSatisfy(leaf -> {
            assertThat(leaf.state()).isEqualTo(Task.State.CANCELLED);
            assertThat(threadOf(leaf).isAlive()).isFalse();
        });
        assertThat(nested).hasSize(2).allSatisfy(s -> assertThat(s.isCancelled()).isTrue());
    }

    @Test
    void fork_afterCancel_taskStartsCancelledAndInterrupted() throws Exception {
        Channel<String> never = Channel.rendezvous();
        AtomicBoolean interruptedAtStart = new AtomicBoolean();
        try (Scope scope = Scope.open("cancelled")) {
            scope.cancel();
            Task<String> late = scope.fork("late", () -> {
                interruptedAtStart.set(Thread.currentThread().isInterrupted());
                return never.receive();
            });
            scope.join();

            assertThat(late.state()).isEqualTo(Task.State.CANCELLED);
            assertThat(interruptedAtStart).isTrue();
        }
    }

    @Test
    void cancel_calledTwice_isIdempotent() throws Exception {
        try (Scope scope = Scope.open("twice")) {
            Task<Void> sleeper = scope.fork("sleeper", () -> Timers.sleep(LONG));
            scope.cancel();
            scope.cancel();
            scope.join();

            assertThat(sleeper.state()).isEqualTo(Task.State.CANCELLED);
            assertThat(scope.isCancelled()).isTrue();
        }
    }

    // ---- close ----

    @Test
    void close_tasksStillRunning_cancelsThemAndWaitsUntilTheirThreadsTerminate() throws Exception {
        Channel<String> never = Channel.rendezvous();
        List<Task<?>> tasks = new ArrayList<>();
        Scope scope = Scope.open("closing");
        tasks.add(scope.fork("receiver", () -> never.receive()));
        tasks.add(scope.fork("sleeper", () -> Timers.sleep(LONG)));
        tasks.add(scope.fork("joiner", () -> tasks.getFirst().join()));
        tasks.add(scope.fork("done", () -> "quick"));
        for (Task<?> t : tasks.subList(0, 3)) {
            awaitBlocked(threadOf(t));
        }

        scope.close();

        assertThat(tasks).allSatisfy(t -> assertThat(threadOf(t).isAlive()).as("%s alive", t).isFalse());
        assertThat(tasks.subList(0, 3)).allSatisfy(t -> assertThat(t.state()).isEqualTo(Task.State.CANCELLED));
        assertThat(scope.liveTasks()).isZero();
    }

    @Test
    void close_afterJoin_everyThreadHasTerminated() throws Exception {
        List<Task<?>> tasks = new ArrayList<>();
        try (Scope scope = Scope.open("join-close")) {
            for (int i = 0; i < 100; i++) {
                tasks.add(scope.fork("t", () -> "x"));
            }
            scope.join();
        }
        assertThat(tasks).allSatisfy(t -> assertThat(threadOf(t).isAlive()).isFalse());
    }

    @Test
    void close_calledTwice_isIdempotent() {
        Scope scope = Scope.open("twice");
        scope.fork("failer", () -> {
            throw new IllegalStateException("expected by the test");
        });

        assertThatThrownBy(scope::close).isInstanceOf(IllegalStateException.class);
        assertThatCode(scope::close).doesNotThrowAnyException();
        assertThat(scope.liveTasks()).isZero();
    }

    @Test
    void fork_afterClose_throwsIllegalStateNamingTheScope() {
        Scope scope = Scope.open("finished");
        scope.close();

        assertThatThrownBy(() -> scope.fork("late", () -> "x"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("'finished'")
                .hasMessageContaining("'late'");
        assertThatThrownBy(() -> scope.start("late-start", started -> started.started(1)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("'finished'");
    }

    @Test
    void close_callerInterrupted_stillWaitsForTasksAndRestoresTheInterrupt() throws Exception {
        Channel<String> never = Channel.rendezvous();
        Channel<String> release = Channel.rendezvous();
        AtomicReference<String> cleanedUp = new AtomicReference<>();
        AtomicBoolean closeReturned = new AtomicBoolean();
        AtomicBoolean releasedWhileCloseWaited = new AtomicBoolean();
        Scope scope = Scope.open("stubborn");
        Task<String> task = scope.fork("slow-cleanup", () -> {
            try {
                return never.receive();
            } catch (CancelledException e) {
                cleanedUp.set(Scope.shielded(Duration.ofMinutes(1), release::receive));
                throw e;
            }
        });
        awaitBlocked(threadOf(task));
        Thread closer = Thread.currentThread();
        Thread helper = Thread.ofPlatform().name("releaser").start(() -> {
            try {
                awaitBlocked(closer);            // the closer waits in close()...
                awaitCondition(() -> cleanedUp.get() == null && threadOf(task).getState() == Thread.State.WAITING,
                        "the task to wait in its shielded cleanup");
                releasedWhileCloseWaited.set(!closeReturned.get());
                release.send("released");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });

        closer.interrupt();
        scope.close();
        closeReturned.set(true);

        assertThat(Thread.interrupted()).as("interrupt restored").isTrue();
        helper.join();
        assertThat(releasedWhileCloseWaited).isTrue();
        assertThat(cleanedUp).hasValue("released");
        assertThat(task.state()).isEqualTo(Task.State.CANCELLED);
        assertThat(threadOf(task).isAlive()).isFalse();
    }

    @Test
    void close_withUnreportedFailure_throwsIt() {
        IOException cause = new IOException("lost?");
        Scope scope = Scope.open("unreported");
        Task<Void> failer = scope.fork("failer", () -> {
            throw cause;
        });
        awaitEnded(failer);

        assertThatThrownBy(scope::close)
                .isInstanceOf(TaskFailedException.class)
                .hasCause(cause)
                .hasMessageContaining("unreported/failer#1");
    }

    @Test
    void close_afterJoinReportedTheFailure_doesNotThrowItAgain() {
        Scope scope = Scope.open("reported");
        scope.fork("failer", () -> {
            throw new IllegalStateException("expected by the test");
        });
        assertThatThrownBy(scope::join).isInstanceOf(IllegalStateException.class);

        assertThatCode(scope::close).doesNotThrowAnyException();
    }

    @Test
    void close_inTryWithResourcesWhenTheBodyThrows_failureBecomesSuppressed() {
        IllegalStateException taskFailure = new IllegalStateException("task");
        IllegalArgumentException bodyFailure = new IllegalArgumentException("body");

        assertThatThrownBy(() -> {
            try (Scope scope = Scope.open("twr")) {
                awaitEnded(scope.fork("failer", () -> {
                    throw taskFailure;
                }));
                throw bodyFailure;
            }
        }).isSameAs(bodyFailure);
        assertThat(bodyFailure.getSuppressed()).containsExactly(taskFailure);
    }

    // ---- context: nesting, time source, current(), names ----

    @Test
    void open_insideATask_isNestedAndInheritsTheTimeSource() throws Exception {
        VirtualClock clock = VirtualClock.autoAdvancing();
        AtomicReference<TimeSource> innerSource = new AtomicReference<>();
        AtomicReference<Optional<Scope>> currentInInner = new AtomicReference<>();
        AtomicReference<Scope> innerScope = new AtomicReference<>();
        try (Scope outer = Scope.builder().name("outer").timeSource(clock).open()) {
            outer.fork("opener", () -> {
                try (Scope inner = Scope.open("inner")) {
                    innerScope.set(inner);
                    innerSource.set(inner.timeSource());
                    inner.fork("sleeper", () -> {
                        currentInInner.set(Scope.current());
                        Timers.sleep(LONG);
                    });
                    inner.join();
                }
            });
            outer.join();
        }
        assertThat(innerSource.get()).isSameAs(clock);
        assertThat(currentInInner.get()).containsSame(innerScope.get());
        assertThat(clock.elapsed()).isEqualTo(LONG);
    }

    @Test
    void current_outsideAnyTask_isEmpty() throws Exception {
        assertThat(Scope.current()).isEmpty();
        assertThat(Scope.shielded(Duration.ofSeconds(1), Scope::current)).isEmpty();
    }

    @Test
    void current_insideATask_isTheTasksScopeAlsoInsideAShield() throws Exception {
        try (Scope scope = Scope.open("here")) {
            Task<Optional<Scope>> plain = scope.fork("plain", Scope::current);
            Task<Optional<Scope>> shielded = scope.fork("shielded",
                    () -> Scope.shielded(Duration.ofSeconds(1), Scope::current));
            scope.join();

            assertThat(plain.resultNow()).containsSame(scope);
            assertThat(shielded.resultNow()).containsSame(scope);
        }
    }

    @Test
    void fork_threadNames_areScopeSlashTaskHashNumber() throws Exception {
        try (Scope scope = Scope.open("names")) {
            Callable<String> name = () -> Thread.currentThread().getName();
            Task<String> a = scope.fork("worker", name);
            Task<String> b = scope.fork("worker", name);
            Task<String> c = scope.fork("other", name);
            Task<Boolean> virtual = scope.fork("kind", () -> Thread.currentThread().isVirtual());
            scope.join();

            assertThat(List.of(a.resultNow(), b.resultNow(), c.resultNow()))
                    .containsExactly("names/worker#1", "names/worker#2", "names/other#3");
            assertThat(virtual.resultNow()).isTrue();
            assertThat(a.name()).isEqualTo("worker");
            assertThat(a.scope()).isSameAs(scope);
            assertThat(scope.name()).isEqualTo("names");
        }
    }

    // ---- start handshake ----

    @Test
    void start_serverReportsItsBoundPort_returnsItAndAClientCanConnect() throws Exception {
        InetAddress loopback = InetAddress.getByAddress(new byte[] {127, 0, 0, 1});
        try (Scope scope = Scope.open("srv")) {
            int port = scope.start("server", started -> {
                try (ServerSocket server = new ServerSocket(0, 50, loopback)) {
                    started.started(server.getLocalPort());
                    try (Socket client = server.accept()) {
                        client.getOutputStream().write(42);
                    }
                }
            });

            assertThat(port).isPositive();
            try (Socket socket = new Socket(loopback, port); InputStream in = socket.getInputStream()) {
                assertThat(in.read()).isEqualTo(42);
            }
            scope.join();
        }
    }

    @Test
    void start_taskFailsBeforeStarted_throwsToTheCallerAndTheScopeDoesNotFail() throws Exception {
        Channel<String> input = Channel.rendezvous();
        IOException bindFailed = new IOException("address in use");
        IllegalStateException unchecked = new IllegalStateException("bad config");
        try (Scope scope = Scope.open("starter")) {
            Task<String> sibling = scope.fork("sibling", () -> input.receive());

            assertThatThrownBy(() -> scope.start("checked", started -> {
                throw bindFailed;
            })).isInstanceOf(TaskFailedException.class).hasCause(bindFailed)
                    .hasMessageContaining("starter/checked#2");
            assertThatThrownBy(() -> scope.<Integer>start("unchecked", started -> {
                throw unchecked;
            })).isSameAs(unchecked);

            assertThat(scope.isCancelled()).isFalse();
            assertThat(sibling.state()).isEqualTo(Task.State.RUNNING);
            input.send("ok");
            scope.join();
            assertThat(sibling.resultNow()).isEqualTo("ok");
        }
    }

    @Test
    void start_taskReturnsWithoutCallingStarted_throwsIllegalState() throws Exception {
        try (Scope scope = Scope.open("starter")) {
            assertThatThrownBy(() -> scope.<Integer>start("lazy", started -> { }))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("'starter/lazy#1'")
                    .hasMessageContaining("without calling started()");
            scope.join();
        }
    }

    @Test
    void start_startedCalledTwice_secondCallThrowsIllegalState() throws Exception {
        AtomicReference<Throwable> second = new AtomicReference<>();
        try (Scope scope = Scope.open("starter")) {
            int value = scope.start("eager", started -> {
                started.started(1);
                try {
                    started.started(2);
                } catch (IllegalStateException e) {
                    second.set(e);
                }
            });
            scope.join();

            assertThat(value).isEqualTo(1);
        }
        assertThat(second.get()).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("'starter/eager#1'")
                .hasMessageContaining("already reported started");
    }

    @Test
    void start_taskFailsAfterStarted_failsTheScope() throws Exception {
        IllegalStateException later = new IllegalStateException("later");
        try (Scope scope = Scope.open("starter")) {
            String v = scope.start("flaky", started -> {
                started.started("up");
                throw later;
            });

            assertThat(v).isEqualTo("up");
            assertThatThrownBy(scope::join).isSameAs(later);
        }
    }

    @Test
    void start_callerInterruptedBeforeStarted_laterFailureGoesToTheScope() throws Exception {
        Channel<String> go = Channel.rendezvous();
        IllegalStateException failure = new IllegalStateException("failed after the caller gave up");
        try (Scope scope = Scope.open("starter")) {
            Thread.currentThread().interrupt();
            assertThatThrownBy(() -> scope.<Integer>start("abandoned", started -> {
                go.receive();
                throw failure;
            })).isInstanceOf(InterruptedException.class);

            go.send("fail now");

            assertThatThrownBy(scope::join).isSameAs(failure);
        }
    }

    @Test
    void start_startedWithNull_throwsNullPointerToTheCaller() throws Exception {
        try (Scope scope = Scope.open("starter")) {
            assertThatThrownBy(() -> scope.<Integer>start("null", started -> started.started(null)))
                    .isInstanceOf(NullPointerException.class)
                    .hasMessageContaining("value");
            scope.join();
        }
    }

    // ---- shielded cleanup ----

    @Test
    void shielded_insideACancelledTask_canStillBlockOnReceive() throws Exception {
        Channel<String> never = Channel.rendezvous();
        Channel<String> cleanup = Channel.rendezvous();
        AtomicReference<String> cleanedUp = new AtomicReference<>();
        AtomicBoolean interruptedAfterShield = new AtomicBoolean();
        AtomicReference<Throwable> afterShield = new AtomicReference<>();
        try (Scope scope = Scope.open("shield")) {
            Task<String> task = scope.fork("task", () -> {
                try {
                    return never.receive();
                } catch (CancelledException e) {
                    cleanedUp.set(Scope.shielded(Duration.ofMinutes(1), cleanup::receive));
                    interruptedAfterShield.set(Thread.currentThread().isInterrupted());
                    try {
                        Timers.sleep(LONG);
                    } catch (CancelledException again) {
                        afterShield.set(again);
                    }
                    throw e;
                }
            });
            awaitBlocked(threadOf(task));

            scope.cancel();

            assertThat(cleanup.send("goodbye", Duration.ofSeconds(10))).as("shielded receive took it").isTrue();
            scope.join();
            assertThat(task.state()).isEqualTo(Task.State.CANCELLED);
        }
        assertThat(cleanedUp).hasValue("goodbye");
        assertThat(interruptedAfterShield).as("interrupt restored after the shield").isTrue();
        assertThat(afterShield.get()).isInstanceOf(CancelledException.class);
    }

    @Test
    void shielded_taskCancelledWhileInsideTheShield_shieldedReceiveIsNotInterrupted() throws Exception {
        Channel<String> cleanup = Channel.rendezvous();
        AtomicBoolean interruptedAfterShield = new AtomicBoolean();
        try (Scope scope = Scope.open("shield")) {
            Task<String> task = scope.fork("task", () -> {
                String got = Scope.shielded(Duration.ofMinutes(1), cleanup::receive);
                interruptedAfterShield.set(Thread.currentThread().isInterrupted());
                return got;
            });
            awaitBlocked(threadOf(task));

            task.cancel();

            assertThat(cleanup.send("late", Duration.ofSeconds(10))).as("shielded receive took it").isTrue();
            scope.join();
            assertThat(task.resultNow()).isEqualTo("late");
        }
        assertThat(interruptedAfterShield).isTrue();
    }

    @Test
    void shielded_ownTimeoutPasses_blockedCallThrowsCancelled() throws Exception {
        VirtualClock clock = VirtualClock.create();
        Channel<String> never = Channel.rendezvous();
        AtomicReference<Throwable> shieldEnd = new AtomicReference<>();
        AtomicBoolean interruptedAfter = new AtomicBoolean();
        try (Scope scope = Scope.builder().name("shield").timeSource(clock).open()) {
            Task<Void> task = scope.fork("task", () -> {
                try {
                    Scope.shielded(Duration.ofSeconds(5), never::receive);
                } catch (CancelledException e) {
                    shieldEnd.set(e);
                }
                interruptedAfter.set(Thread.currentThread().isInterrupted());
            });
            awaitBlocked(threadOf(task));

            clock.advance(Duration.ofSeconds(5));
            scope.join();

            assertThat(task.state()).isEqualTo(Task.State.SUCCEEDED);
        }
        assertThat(shieldEnd.get()).isInstanceOf(CancelledException.class).hasMessageContaining("PT5S");
        assertThat(interruptedAfter).as("a shield's own timeout leaves no interrupt behind").isFalse();
    }

    @Test
    void shielded_callerInterrupted_blockRunsUninterruptedAndTheFlagIsRestored() throws Exception {
        Thread.currentThread().interrupt();

        boolean insideInterrupted = Scope.shielded(Duration.ofSeconds(1),
                () -> Thread.currentThread().isInterrupted());

        assertThat(insideInterrupted).isFalse();
        assertThat(Thread.interrupted()).isTrue();
        assertThat(Scope.shielded(Duration.ofSeconds(1), () -> "x")).isEqualTo("x");
        assertThat(Thread.interrupted()).isFalse();
    }

    @Test
    void shielded_bodyThrows_exceptionPropagates() {
        IOException failure = new IOException("cleanup failed");

        assertThatThrownBy(() -> Scope.shielded(Duration.ofSeconds(1), () -> {
            throw failure;
        })).isSameAs(failure);
    }

    // ---- level-triggered cancellation ----

    @Test
    void cancelledTask_catchesAndClearsTheInterrupt_nextBlockingCallsStillThrowCancelled() throws Exception {
        Channel<String> never = Channel.rendezvous();
        ConcurrentLinkedQueue<String> seen = new ConcurrentLinkedQueue<>();
        try (Scope scope = Scope.open("level")) {
            Task<String> other = scope.fork("other", () -> never.receive());
            Task<String> stubborn = scope.fork("stubborn", () -> {
                try {
                    new CountDownLatch(1).await();     // a JDK wait: sees only the interrupt
                } catch (InterruptedException e) {
                    seen.add("interrupted");
                }
                seen.add("flag=" + Thread.currentThread().isInterrupted());
                try {
                    never.receive();
                } catch (CancelledException e) {
                    seen.add("receive");
                }
                Thread.interrupted();
                try {
                    Timers.sleep(LONG);
                } catch (CancelledException e) {
                    seen.add("sleep");
                }
                Thread.interrupted();
                try {
                    other.join();
                } catch (CancelledException e) {
                    seen.add("join");
                }
                return "returned normally";
            });
            awaitBlocked(threadOf(stubborn));

            stubborn.cancel();

            assertThat(stubborn.join()).isEqualTo("returned normally");
            assertThat(stubborn.state()).isEqualTo(Task.State.SUCCEEDED);
            assertThat(other.state()).as("Task.cancel() cancels only that task").isEqualTo(Task.State.RUNNING);
            assertThat(scope.isCancelled()).isFalse();
            other.cancel();
            scope.join();
            assertThat(other.state()).isEqualTo(Task.State.CANCELLED);
        }
        assertThat(seen).containsExactly("interrupted", "flag=false", "receive", "sleep", "join");
    }

    // ---- bad inputs ----

    @Test
    void open_badNames_areRejectedNamingTheParameter() {
        assertThatThrownBy(() -> Scope.open(null)).isInstanceOf(NullPointerException.class).hasMessage("name");
        assertThatThrownBy(() -> Scope.open(" ")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("name must not be blank");
        assertThatThrownBy(() -> Scope.supervisor("s", null)).isInstanceOf(NullPointerException.class)
                .hasMessage("failureHandler");
    }

    @Test
    void builder_badValues_areRejectedNamingTheParameter() {
        assertThatThrownBy(() -> Scope.builder().timeout(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("timeout must be positive");
        assertThatThrownBy(() -> Scope.builder().timeout(Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("timeout");
        assertThatThrownBy(() -> Scope.builder().timeout(null)).isInstanceOf(NullPointerException.class)
                .hasMessage("timeout");
        assertThatThrownBy(() -> Scope.builder().deadline(null)).isInstanceOf(NullPointerException.class)
                .hasMessage("deadline");
        assertThatThrownBy(() -> Scope.builder().timeSource(null)).isInstanceOf(NullPointerException.class)
                .hasMessage("timeSource");
    }

    @Test
    void fork_badArguments_areRejectedNamingTheParameter() {
        try (Scope scope = Scope.open("bad")) {
            assertThatThrownBy(() -> scope.fork(null, () -> "x")).isInstanceOf(NullPointerException.class)
                    .hasMessage("taskName");
            assertThatThrownBy(() -> scope.fork("", () -> "x")).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("taskName must not be blank");
            assertThatThrownBy(() -> scope.fork("x", (Callable<String>) null))
                    .isInstanceOf(NullPointerException.class).hasMessage("body");
            assertThatThrownBy(() -> scope.fork("x", (Scope.Body) null))
                    .isInstanceOf(NullPointerException.class).hasMessage("body");
            assertThatThrownBy(() -> scope.start("x", null)).isInstanceOf(NullPointerException.class)
                    .hasMessage("body");
            assertThatThrownBy(() -> scope.start(" ", started -> started.started(1)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("taskName");
            assertThat(scope.liveTasks()).isZero();
        }
    }

    @Test
    void shielded_badArguments_areRejectedNamingTheParameter() {
        assertThatThrownBy(() -> Scope.shielded(null, () -> "x")).isInstanceOf(NullPointerException.class)
                .hasMessage("timeout");
        assertThatThrownBy(() -> Scope.shielded(Duration.ZERO, () -> "x"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("timeout must be positive");
        assertThatThrownBy(() -> Scope.shielded(Duration.ofMillis(-1), () -> "x"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("timeout");
        assertThatThrownBy(() -> Scope.shielded(Duration.ofSeconds(1), null))
                .isInstanceOf(NullPointerException.class).hasMessage("body");
    }
}
