package dev.weft.signals;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What signals do to a whole JVM, in child JVMs: the JVM's own handler coming back after a subscription closes, -Xrs,
 * and {@link Daemon}'s exit statuses for graceful, forced and failed ends. Each child prints "ready" before it is
 * signalled.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
final class ChildJvmTest {

    @Test
    void closedSubscription_restoresTheJvmDefault_soIntRunsHooksAndExits130() throws Exception {
        try (ChildJvm child = ChildJvm.java(ChildMains.Restore.class, List.of())) {
            child.awaitLine("ready");
            Signals.send(child.pid(), UnixSignal.INT);
            child.awaitLine("received INT");
            child.awaitLine("closed");
            Signals.send(child.pid(), UnixSignal.INT);
            assertThat(child.awaitExit()).as(child.output()).isEqualTo(130);
            assertThat(child.lines()).contains("hook ran");
        }
    }

    @Test
    void underXrs_intTermHup_areRefusedNamingXrs_usr1StillWorks() throws Exception {
        try (ChildJvm child = ChildJvm.java(ChildMains.TryOpen.class, List.of("-Xrs"), "INT", "TERM", "HUP",
                "USR1", "USR1,WINCH,TERM")) {
            assertThat(child.awaitExit()).as(child.output()).isZero();
            for (String name : List.of("INT", "TERM", "HUP")) {
                assertThat(child.lines()).anySatisfy(l -> assertThat(l)
                        .startsWith("refused: signal " + name + " cannot be received: the JVM refuses it")
                        .contains("-Xrs"));
            }
            assertThat(child.lines()).contains("opened [USR1]");
            // USR1 and WINCH were installed before TERM was refused, and were taken back
            assertThat(child.lines()).filteredOn(l -> l.startsWith("refused: signal TERM")).hasSize(2);
            assertThat(child.lines()).last().isEqualTo("installed: []");
        }
    }

    @Test
    void withoutXrs_intTermHup_canBeOpened() throws Exception {
        try (ChildJvm child = ChildJvm.java(ChildMains.TryOpen.class, List.of(), "INT", "TERM", "HUP", "QUIT")) {
            assertThat(child.awaitExit()).as(child.output()).isZero();
            assertThat(child.lines()).contains("opened [INT]", "opened [TERM]", "opened [HUP]",
                    "refused: signal QUIT cannot be received: the JVM reserves it for printing a thread dump");
        }
    }

    @Test
    void daemon_term_stopsGracefully_exit143() throws Exception {
        try (ChildJvm child = ChildJvm.java(ChildMains.DaemonMain.class, List.of(), "30000", "quick")) {
            child.awaitLine("ready");
            Signals.send(child.pid(), UnixSignal.TERM);
            assertThat(child.awaitExit()).as(child.output()).isEqualTo(143);
            assertThat(child.lines()).contains("cleanup done", "hook ran");
        }
    }

    @Test
    void daemon_int_stopsGracefully_exit130() throws Exception {
        try (ChildJvm child = ChildJvm.java(ChildMains.DaemonMain.class, List.of(), "30000", "quick")) {
            child.awaitLine("ready");
            Signals.send(child.pid(), UnixSignal.INT);
            assertThat(child.awaitExit()).as(child.output()).isEqualTo(130);
            assertThat(child.lines()).contains("cleanup done", "hook ran");
        }
    }

    @Test
    void daemon_secondSignalDuringCleanup_forcesExit137WithoutHooks() throws Exception {
        try (ChildJvm child = ChildJvm.java(ChildMains.DaemonMain.class, List.of(), "60000", "stuck")) {
            child.awaitLine("ready");
            Signals.send(child.pid(), UnixSignal.TERM);
            child.awaitLine("cleaning");
            Signals.send(child.pid(), UnixSignal.INT);
            assertThat(child.awaitExit()).as(child.output()).isEqualTo(Daemon.FORCED_EXIT_STATUS);
            assertThat(child.lines()).doesNotContain("cleanup done", "hook ran");
            assertThat(child.output()).contains("INT arrived during the shutdown");
        }
    }

    @Test
    void daemon_cleanupLongerThanGrace_forcesExit137() throws Exception {
        try (ChildJvm child = ChildJvm.java(ChildMains.DaemonMain.class, List.of(), "3000", "stuck")) {
            child.awaitLine("ready");
            Signals.send(child.pid(), UnixSignal.TERM);
            assertThat(child.awaitExit()).as(child.output()).isEqualTo(Daemon.FORCED_EXIT_STATUS);
            assertThat(child.lines()).contains("cleaning").doesNotContain("cleanup done", "hook ran");
            assertThat(child.output()).contains("the cleanup did not finish within PT3S");
        }
    }

    @Test
    void daemon_bodyReturns_exit0_andFails_exit1() throws Exception {
        try (ChildJvm child = ChildJvm.java(ChildMains.DaemonMain.class, List.of(), "30000", "return")) {
            assertThat(child.awaitExit()).as(child.output()).isZero();
            assertThat(child.lines()).contains("ready", "hook ran");
        }
        try (ChildJvm child = ChildJvm.java(ChildMains.DaemonMain.class, List.of(), "30000", "fail")) {
            assertThat(child.awaitExit()).as(child.output()).isEqualTo(1);
            assertThat(child.output()).contains("the body failed on purpose");
        }
    }
}
