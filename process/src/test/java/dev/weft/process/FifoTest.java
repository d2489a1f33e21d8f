package dev.weft.process;

import static dev.weft.process.ProcessTestSupport.WAIT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.net.Message;
import dev.weft.net.MessageConnection;
import dev.weft.runtime.Scope;
import dev.weft.runtime.testing.PinningGuard;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(PinningGuard.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
final class FifoTest {

    @TempDir
    Path dir;

    @Test
    void create_makesAFifoWithTheGivenPermissions() throws Exception {
        Path fifo = Fifo.create(dir.resolve("f"));
        assertThat(Fifo.isFifo(fifo)).isTrue();
        assertThat(Files.isRegularFile(fifo)).isFalse();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(fifo))).isEqualTo("rw-------");
        Path shared = Fifo.create(dir.resolve("g"), PosixFilePermissions.fromString("rw-rw-r--"));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(shared))).isEqualTo("rw-rw-r--");
    }

    @Test
    void create_errors_areClear() throws Exception {
        Path fifo = Fifo.create(dir.resolve("f"));
        assertThatThrownBy(() -> Fifo.create(fifo)).isInstanceOf(FileAlreadyExistsException.class)
                .hasMessageContaining("a file already exists");
        assertThatThrownBy(() -> Fifo.create(dir.resolve("missing/f"))).isInstanceOf(NoSuchFileException.class)
                .hasMessageContaining("parent directory does not exist");
        Path regular = Files.writeString(dir.resolve("regular"), "x");
        assertThat(Fifo.isFifo(regular)).isFalse();
        assertThatThrownBy(() -> Fifo.openForReading(regular)).isInstanceOf(IOException.class)
                .hasMessageContaining("is not a FIFO");
        assertThatThrownBy(() -> Fifo.openForWriting(dir.resolve("nope"))).isInstanceOf(NoSuchFileException.class);
    }

    @Test
    void bytes_flowFromSinkToSource_inThisProcess() throws Exception {
        Path fifo = Fifo.create(dir.resolve("f"));
        try (ByteSource in = Fifo.openForReading(fifo)) {
            try (ByteSink out = Fifo.openForWriting(fifo)) {
                out.writeLine("one");
                out.writeLine("two");
            }
            assertThat(in.lines().stream().toList()).containsExactly("one", "two");
        }
    }

    @Test
    void closingAReaderThatWaitsForAWriter_releasesItsThread() throws Exception {
        Path fifo = Fifo.create(dir.resolve("f"));
        ByteSource in = Fifo.openForReading(fifo);
        in.close();
        assertThat(in.awaitEnd(WAIT)).isTrue();
        assertThat(in.lines().stream().toList()).isEmpty();
        ByteSink out = Fifo.openForWriting(fifo);
        out.abort();
        assertThat(out.awaitEnd(WAIT)).isTrue();
    }

    @Test
    void messages_throughTwoFifos_withAChildProcess() throws Exception {
        Path toChild = Fifo.create(dir.resolve("to-child"));
        Path fromChild = Fifo.create(dir.resolve("from-child"));
        try (Scope scope = Scope.open("test")) {
            // a second process relays what it reads from one FIFO into the other
            ChildProcess relay = Command.of("sh", "-c", "cat \"$1\" > \"$2\"", "relay", toChild.toString(),
                    fromChild.toString()).start(scope);
            List<Message> back = new ArrayList<>();
            try (MessageConnection peer = MessageConnection.over(Fifo.connect(fromChild, toChild))) {
                for (int i = 0; i < 3; i++) {
                    peer.send(Message.builder("PING").parameter("n", i).build());
                }
                for (int i = 0; i < 3; i++) {
                    Optional<Message> m = peer.messages().receive(WAIT);
                    assertThat(m).isPresent();
                    back.add(m.get());
                }
            }
            assertThat(back).extracting(m -> m.parameter("n").orElseThrow()).containsExactly("0", "1", "2");
            assertThat(back).allMatch(m -> m.command().equals("PING"));
            // closing the connection closed our writing end: cat reads end of file and exits
            assertThat(relay.waitFor(WAIT)).hasValueSatisfying(s -> assertThat(s.isSuccess()).isTrue());
        }
    }

    @Test
    void closingAReaderBlockedInRead_releasesItsThread() throws Exception {
        Path fifo = Fifo.create(dir.resolve("f"));
        ByteSource in = Fifo.openForReading(fifo);
        try (ByteSink out = Fifo.openForWriting(fifo)) {
            out.writeLine("first");
            assertThat(in.lines().receive(WAIT)).contains("first");
            // the writer stays open: the reader thread is now blocked in read(2)
            in.close();
            assertThat(in.awaitEnd(WAIT)).isTrue();
        }
    }
}
