package dev.weft.process;

import static dev.weft.process.ProcessTestSupport.WAIT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.runtime.Channel;
import dev.weft.runtime.ChannelClosedException;
import dev.weft.runtime.Scope;
import dev.weft.runtime.Task;
import dev.weft.runtime.TaskFailedException;
import dev.weft.runtime.testing.PinningGuard;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(PinningGuard.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
final class TeeTest {

    private static final int LINES = 100_000;

    @TempDir
    Path dir;

    @Test
    void childOutput_toFileAndSlowChannel_nothingLost() throws Exception {
        Path file = dir.resolve("out.log");
        Channel<String> lines = Channel.buffered(4);
        Channel<byte[]> chunks = Channel.buffered(2);
        ByteArrayOutputStream copy = new ByteArrayOutputStream();
        List<String> received = new ArrayList<>();
        long chunkBytes = 0;
        try (Scope scope = Scope.open("test")) {
            ChildProcess seq = Command.of("seq", "1", String.valueOf(LINES)).start(scope);
            Task<Long> tee = Tee.start(scope, "seq", seq.stdout().input(), Tee.toFile(file), Tee.toLines(lines),
                    Tee.toChunks(chunks), Tee.toStream(copy));
            // the chunk consumer is fast, the line consumer is slow: it holds everyone back, and loses nothing
            Task<Long> chunkReader = scope.fork("chunks", () -> {
                long n = 0;
                for (byte[] c : chunks) {
                    n += c.length;
                }
                return n;
            });
            for (String line : lines) {
                received.add(line);
                if (received.size() % 5_000 == 0) {
                    Thread.yield(); // a slow consumer; nothing to wait for
                }
            }
            long copied = tee.join();
            chunkBytes = chunkReader.join();
            assertThat(copied).isEqualTo(Files.size(file));
            assertThat(seq.await().isSuccess()).isTrue();
        }
        List<String> expected = new ArrayList<>();
        for (int i = 1; i <= LINES; i++) {
            expected.add(Integer.toString(i));
        }
        assertThat(received).isEqualTo(expected);
        assertThat(Files.readAllLines(file)).isEqualTo(expected);
        assertThat(copy.toString().lines().toList()).isEqualTo(expected);
        assertThat(chunkBytes).isEqualTo(Files.size(file));
    }

    @Test
    void failingTarget_failsTheTee_andClosesTheOtherChannels() throws Exception {
        Channel<String> lines = Channel.buffered(1024);
        byte[] data = "a\nb\n".repeat(50_000).getBytes();
        try (Scope scope = Scope.supervisor("test", (t, e) -> { })) {
            Task<Long> tee = Tee.start(scope, "bad", new ByteArrayInputStream(data),
                    Tee.toFile(dir.resolve("missing/dir/file")), Tee.toLines(lines));
            assertThatThrownBy(tee::join).isInstanceOfSatisfying(TaskFailedException.class,
                    e -> assertThat(e.getCause()).isInstanceOf(NoSuchFileException.class));
            assertThatThrownBy(() -> {
                for (String ignored : lines) {
                    // drain until the close with a cause
                }
            }).isInstanceOf(ChannelClosedException.class).hasCauseInstanceOf(Exception.class);
        }
    }

    @Test
    void badArguments_areRefused() {
        try (Scope scope = Scope.open("test")) {
            assertThatThrownBy(() -> Tee.start(scope, "none", new ByteArrayInputStream(new byte[0])))
                    .isInstanceOf(IllegalArgumentException.class).hasMessage("a tee needs at least one target");
            assertThatThrownBy(() -> Tee.toFile(null)).isInstanceOf(NullPointerException.class)
                    .hasMessage("path");
        }
    }
}
