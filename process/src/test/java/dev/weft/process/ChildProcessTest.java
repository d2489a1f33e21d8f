package dev.weft.process;

import static dev.weft.process.ProcessTestSupport.WAIT;
import static dev.weft.process.ProcessTestSupport.alive;
import static dev.weft.process.ProcessTestSupport.awaitCondition;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.net.Message;
import dev.weft.net.MessageConnection;
import dev.weft.runtime.Scope;
import dev.weft.runtime.Select;
import dev.weft.runtime.testing.PinningGuard;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(PinningGuard.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
final class ChildProcessTest {

    /** A shell that ignores TERM, starts a grandchild that ignores TERM too, prints both pids and waits. */
    private static final String STUBBORN = "trap '' TERM; sleep 1000 & echo $$ $!; wait; wait";

    @Test
    void stdoutLines_exitChannel_andAwait() throws Exception {
        try (Scope scope = Scope.open("test")) {
            ChildProcess child = Command.of("sh", "-c", "echo one; printf 'two\\r\\n'; printf three; exit 4")
                    .start(scope);
            assertThat(child.stdoutLines().stream().toList()).containsExactly("one", "two", "three");
            assertThat(child.exit().receive(WAIT)).contains(new ExitStatus.Exited(4));
            assertThat(child.await()).isEqualTo(new ExitStatus.Exited(4));
            assertThat(child.waitFor(WAIT)).contains(new ExitStatus.Exited(4));
            assertThat(child.isAlive()).isFalse();
            assertThat(child.toString()).contains("exited with code 4");
        }
    }

    @Test
    void stdin_writtenAndClosed_childEchoesIt() throws Exception {
        try (Scope scope = Scope.open("test")) {
            ChildProcess cat = Command.of("cat").start(scope);
            ByteSink in = cat.stdin();
            in.writeLine("hello");
            in.write("wörld\n");
            in.close();
            assertThat(cat.stdoutLines().stream().toList()).containsExactly("hello", "wörld");
            assertThat(cat.await().isSuccess()).isTrue();
            assertThatThrownBy(() -> in.writeLine("late")).isInstanceOf(java.io.IOException.class)
                    .hasMessageContaining("is closed");
            assertThatThrownBy(() -> in.writeLine("a\nb")).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void stdout_asRawStream_andModesExclusive() throws Exception {
        try (Scope scope = Scope.open("test")) {
            ChildProcess child = Command.of("sh", "-c", "head -c 300000 /dev/zero").start(scope);
            InputStream in = child.stdout().input();
            assertThat(in.readAllBytes()).hasSize(300_000).containsOnly(0);
            assertThatThrownBy(child::stdoutLines).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("is read as input()");
            assertThat(child.stdout().bytesRead()).isEqualTo(300_000);
            child.await();
        }
    }

    @Test
    void overlongLine_isDiscardedAndCounted_laterLinesArrive() throws Exception {
        try (Scope scope = Scope.open("test")) {
            ChildProcess child = Command.of("sh", "-c", "echo before; head -c 5000 /dev/zero | tr '\\0' a; echo;"
                    + " echo after").maxLineLength(1000).start(scope);
            assertThat(child.stdoutLines().stream().toList()).containsExactly("before", "after");
            assertThat(child.stdout().oversizedLines()).isEqualTo(1);
        }
    }

    @Test
    void stderrLines_andTail() throws Exception {
        try (Scope scope = Scope.open("test")) {
            ChildProcess child = Command.of("sh", "-c", "echo e1 >&2; echo e2 >&2").stdout(Redirect.discard())
                    .start(scope);
            assertThat(child.stderrLines().stream().toList()).containsExactly("e1", "e2");
            assertThat(child.stderrTail()).isEqualTo("e1\ne2");
            assertThatThrownBy(child::stdout).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("stdout of process");
        }
    }

    @Test
    void stdin_notPiped_isRefused() throws Exception {
        try (Scope scope = Scope.open("test")) {
            ChildProcess child = Command.of("true").stdin(Redirect.discard()).start(scope);
            assertThatThrownBy(child::stdin).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("stdin of process").hasMessageContaining("discarded");
            child.stdout().drain();
            child.stderr().drain();
            assertThat(child.await().isSuccess()).isTrue();
        }
    }

    @Test
    void scopeClose_killsTreeWhoseMembersIgnoreTerm() throws Exception {
        long shell;
        long grandchild;
        ChildProcess child;
        try (Scope scope = Scope.open("test")) {
            child = Command.of("sh", "-c", STUBBORN).terminationGrace(Duration.ofMillis(300)).start(scope);
            String[] pids = child.stdoutLines().receive().split(" ");
            shell = Long.parseLong(pids[0]);
            grandchild = Long.parseLong(pids[1]);
            assertThat(shell).isEqualTo(child.pid());
            assertThat(alive(grandchild)).isTrue();
        }
        // close() returned: the whole tree is gone, not just signalled
        assertThat(alive(shell)).isFalse();
        assertThat(alive(grandchild)).isFalse();
        assertThat(child.await()).isEqualTo(new ExitStatus.Signalled(ExitStatus.SIGKILL));
    }

    @Test
    void scopeCancel_terminatesWithTerm() throws Exception {
        ChildProcess child;
        long grandchild;
        try (Scope scope = Scope.open("test")) {
            child = Command.of("sh", "-c", "sleep 1000 & echo $!; wait").start(scope);
            grandchild = Long.parseLong(child.stdoutLines().receive());
            scope.cancel();
            assertThat(child.waitFor(WAIT)).contains(new ExitStatus.Signalled(ExitStatus.SIGTERM));
        }
        assertThat(alive(grandchild)).isFalse();
    }

    @Test
    void close_killsTheTreeAtOnce_andIsIdempotent() throws Exception {
        try (Scope scope = Scope.open("test")) {
            ChildProcess child = Command.of("sh", "-c", STUBBORN).terminationGrace(Duration.ZERO).start(scope);
            long grandchild = Long.parseLong(child.stdoutLines().receive().split(" ")[1]);
            child.close();
            assertThat(child.isAlive()).isFalse();
            assertThat(alive(grandchild)).isFalse();
            assertThat(child.await()).isEqualTo(new ExitStatus.Signalled(ExitStatus.SIGKILL));
            child.close();
        }
    }

    @Test
    void watchingLines_inSelectWithTimer() throws Exception {
        try (Scope scope = Scope.open("test")) {
            ChildProcess child = Command.of("sh", "-c", "echo ready; read x; echo got $x").start(scope);
            List<String> seen = new ArrayList<>();
            String first = Select.<String>create().onReceive(child.stdoutLines(), l -> l)
                    .onTimeout(WAIT, () -> "timeout").select();
            seen.add(first);
            // nothing more until we write: the timer fires
            String idle = Select.<String>create().onReceive(child.stdoutLines(), l -> l)
                    .onTimeout(Duration.ofMillis(100), () -> "idle").select();
            seen.add(idle);
            child.stdin().writeLine("x");
            seen.add(child.stdoutLines().receive());
            assertThat(seen).containsExactly("ready", "idle", "got x");
        }
    }

    @Test
    void connection_carriesMessagesThroughAChildsStdio() throws Exception {
        try (Scope scope = Scope.open("test")) {
            ChildProcess echo = Command.of("sh", "-c", "while IFS= read -r l; do printf '%s\\n' \"$l\"; done")
                    .start(scope);
            try (MessageConnection peer = MessageConnection.over(echo.connection())) {
                Message hello = Message.builder("HELLO").parameter("who", "child").build();
                peer.send(hello);
                Optional<Message> back = peer.messages().receive(WAIT);
                assertThat(back).hasValueSatisfying(m -> {
                    assertThat(m.command()).isEqualTo("HELLO");
                    assertThat(m.parameter("who")).contains("child");
                });
            }
            // closing the connection closed stdin: the shell loop ends
            assertThat(echo.waitFor(WAIT)).hasValueSatisfying(s -> assertThat(s.isSuccess()).isTrue());
        }
    }

    @Test
    void startInClosedScope_isRefusedAndTheProcessKilled() throws Exception {
        Scope scope = Scope.open("closed");
        scope.close();
        assertThatThrownBy(() -> Command.of("sleep", "1000").start(scope)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed");
        awaitCondition(() -> ProcessHandle.current().children().noneMatch(
                h -> h.info().commandLine().orElse("").contains("sleep 1000")), "the refused child to be gone");
    }

    @Test
    void javaChild_exitCodeAndOutput() throws Exception {
        try (Scope scope = Scope.open("test")) {
            ChildProcess java = Command.of(ProcessTestSupport.java(), "-version").start(scope);
            java.stdout().drain();
            List<String> err = java.stderrLines().stream().toList();
            assertThat(String.join("\n", err)).containsIgnoringCase("version");
            assertThat(java.await().isSuccess()).isTrue();
        }
    }

    @Test
    void awaitFirst_thenReadOutput_nothingLost() throws Exception {
        try (Scope scope = Scope.open("test")) {
            ChildProcess child = Command.of("sh", "-c", "seq 1 1000").start(scope);
            assertThat(child.await().isSuccess()).isTrue();
            assertThat(child.stdoutLines().stream().toList()).hasSize(1000).endsWith("1000");
        }
    }

    @Test
    void unreadEmptyOutput_doesNotHoldTheScope() throws Exception {
        try (Scope scope = Scope.open("test")) {
            ChildProcess child = Command.of("true").start(scope);
            scope.join(); // the process's task ends with the process: there is nothing to read
            assertThat(child.await().isSuccess()).isTrue();
            assertThat(child.stdoutLines().stream().toList()).isEmpty();
        }
    }

    @Test
    void stdin_childStopsReading_writeFailsWithCause() throws Exception {
        try (Scope scope = Scope.open("test")) {
            ChildProcess head = Command.of("head", "-c", "1").start(scope);
            byte[] block = new byte[64 * 1024];
            assertThatThrownBy(() -> {
                for (int i = 0; i < 10_000; i++) { // 640 MiB at most: the pipe breaks long before
                    head.stdin().write(block);
                }
            }).isInstanceOf(java.io.IOException.class).hasMessageContaining("stdin");
            assertThat(head.await().isSuccess()).isTrue();
            assertThat(head.stdout().input().readAllBytes()).hasSize(1);
        }
    }

    @Test
    void drainedSource_refusesOtherViews() throws Exception {
        try (Scope scope = Scope.open("test")) {
            ChildProcess child = Command.of("sh", "-c", "echo out; echo err >&2; exit 1").start(scope);
            child.stdout().drain();
            child.stdout().drain();
            assertThatThrownBy(child::stdoutLines).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("is read as drain()");
            assertThat(child.await()).isEqualTo(new ExitStatus.Exited(1));
            assertThat(child.stderrLines().stream().toList()).containsExactly("err");
        }
    }

    @Test
    void scopeClose_killsTheBackgroundJobOfAShellThatHasExited() throws Exception {
        long job;
        ChildProcess shell;
        try (Scope scope = Scope.open("test")) {
            shell = Command.of("sh", "-c", "sleep 1000 >/dev/null 2>&1 & echo $!").start(scope);
            job = Long.parseLong(shell.stdoutLines().receive());
            assertThat(shell.await().isSuccess()).isTrue();
            // the shell is gone; its job was re-parented and is no descendant any more, but the scope still owns it
            assertThat(shell.toHandle().descendants().map(ProcessHandle::pid)).doesNotContain(job);
            assertThat(alive(job)).isTrue();
        }
        assertThat(alive(job)).isFalse();
    }

    @Test
    void orphanHoldingThePipe_isKilledAtScopeClose() throws Exception {
        long job;
        try (Scope scope = Scope.open("test")) {
            ChildProcess shell = Command.of("sh", "-c", "sleep 1000 & echo $!").start(scope);
            job = Long.parseLong(shell.stdoutLines().receive());
            shell.await();
        }
        assertThat(alive(job)).isFalse();
    }

    @Test
    void scopeJoin_waitsForTheJobsAChildLeftBehind() throws Exception {
        try (Scope scope = Scope.open("test")) {
            ChildProcess shell = Command.of("sh", "-c", "sleep 1 >/dev/null 2>&1 & echo $!")
                    .stderr(Redirect.discard()).start(scope);
            long job = Long.parseLong(shell.stdoutLines().receive());
            assertThat(alive(job)).isTrue();
            scope.join();
            assertThat(alive(job)).isFalse();
        }
    }

    @Test
    void environment_carriesTheTreeCookie_evenWhenCleared() throws Exception {
        String env = Command.of("/usr/bin/env").clearEnv().capture(WAIT).stdout();
        assertThat(env).startsWith(ProcessTree.COOKIE_VARIABLE + "=");
        assertThat(ProcessTree.containsEntry("A=1\0WEFT_PROCESS_TREE=x-1\0".getBytes(), "WEFT_PROCESS_TREE=x-1"
                .getBytes())).isTrue();
        assertThat(ProcessTree.containsEntry("WEFT_PROCESS_TREE=x-12\0".getBytes(), "WEFT_PROCESS_TREE=x-1"
                .getBytes())).isFalse();
        assertThat(ProcessTree.containsEntry("WEFT_PROCESS_TREE=x-1".getBytes(), "WEFT_PROCESS_TREE=x-1"
                .getBytes())).isTrue();
    }
}
