package dev.weft.samples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.signals.Signals;
import dev.weft.signals.UnixSignal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code weft watch} as a real process on a temporary tree. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
final class WatchCommandTest {

    @TempDir
    Path tmp;

    @Test
    void watch_jsonRecursive_reportsNestedCreationsAndRenames_untilTerm() throws Exception {
        Path root = Files.createDirectory(tmp.toRealPath().resolve("tree"));
        Files.writeString(root.resolve("before.txt"), "x");
        try (CliProcess watch = CliProcess.start(tmp, "watch", "--recursive", "--exists", "--json", root.toString())) {
            watch.awaitLine(l -> l.equals("{\"kind\":\"EXISTS\",\"path\":\"" + root.resolve("before.txt")
                    + "\",\"directory\":false}"), "the EXISTS event of before.txt");
            Path deep = Files.createDirectories(root.resolve("a/b/c"));
            Files.writeString(deep.resolve("new \"quoted\".txt"), "y");
            watch.awaitLine(l -> l.equals("{\"kind\":\"CREATED\",\"path\":\"" + root.resolve("a/b/c")
                    + "\",\"directory\":true}"), "c created");
            watch.awaitLine(l -> l.contains("\"path\":\"" + deep + "/new \\\"quoted\\\".txt\""), "the quoted file");
            Files.move(root.resolve("before.txt"), root.resolve("after.txt"));
            watch.awaitLine(l -> l.equals("{\"kind\":\"MOVED\",\"path\":\"" + root.resolve("after.txt")
                    + "\",\"from\":\"" + root.resolve("before.txt") + "\",\"directory\":false}"), "the MOVED event");
            Signals.send(watch.pid(), UnixSignal.TERM);
            assertThat(watch.awaitExit()).as(watch.stderrText()).isZero();
        }
    }

    @Test
    void watch_text_globFilter_andTheRootDisappearingEndsIt() throws Exception {
        Path root = Files.createDirectory(tmp.toRealPath().resolve("logs"));
        Path probe = Files.writeString(root.resolve("probe.log"), "p");
        try (CliProcess watch = CliProcess.start(tmp, "watch", "--exists", "--glob", "*.log", root.toString())) {
            // the watches are in place once the snapshot is reported
            watch.awaitLine(l -> l.equals("EXISTS " + probe), "the snapshot of probe.log");
            Files.writeString(root.resolve("ignored.txt"), "no");
            Files.writeString(root.resolve("app.log"), "yes");
            watch.awaitLine(l -> l.equals("WRITTEN " + root.resolve("app.log")), "app.log written");
            Files.delete(probe);
            Files.delete(root.resolve("app.log"));
            Files.delete(root.resolve("ignored.txt"));
            Files.delete(root);
            watch.awaitLine(l -> l.equals("ROOT_GONE " + root + "/"), "the root gone");
            assertThat(watch.awaitExit()).as(watch.stderrText()).isZero();
            assertThat(watch.seen()).noneMatch(l -> l.contains("ignored.txt"));
        }
    }

    @Test
    void watch_badPaths_failWithOneLine() throws Exception {
        CliRun missing = CliRun.inProcess(Weft.standard(), "watch", tmp.resolve("nope").toString());
        assertThat(missing.status()).isEqualTo(1);
        assertThat(missing.err()).contains("cannot watch " + tmp.resolve("nope") + ": no such file or directory");
        Path file = Files.writeString(tmp.resolve("file.txt"), "x");
        CliRun notDir = CliRun.inProcess(Weft.standard(), "watch", "--recursive", file.toString());
        assertThat(notDir.status()).isEqualTo(1);
        assertThat(notDir.err()).contains("not a directory");
        CliRun none = CliRun.inProcess(Weft.standard(), "watch");
        assertThat(none.status()).isEqualTo(2);
        assertThat(none.err()).contains("expected at least one PATH");
    }
}
