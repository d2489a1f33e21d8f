package dev.weft.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.runtime.testing.PinningGuard;
import java.nio.channels.Pipe;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(PinningGuard.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
final class ByteChannelConnectionTest {

    private static final Duration WAIT = Duration.ofSeconds(20);

    @Test
    void of_overTwoPipes_exchangesMessagesBothWays() throws Exception {
        Pipe aToB = Pipe.open();
        Pipe bToA = Pipe.open();
        try (MessageConnection a = MessageConnection.over(Connection.of("pipe a", bToA.source(), aToB.sink()));
                MessageConnection b = MessageConnection.over(Connection.of("pipe b", aToB.source(), bToA.sink()))) {
            a.send(Message.builder("HELLO").parameter("from", "a").build());
            Optional<Message> atB = b.messages().receive(WAIT);
            assertThat(atB).hasValueSatisfying(m -> {
                assertThat(m.command()).isEqualTo("HELLO");
                assertThat(m.parameter("from")).contains("a");
            });
            b.send(Message.builder("ALIVE").build());
            assertThat(a.messages().receive(WAIT)).hasValueSatisfying(m -> assertThat(m.command()).isEqualTo("ALIVE"));
            assertThat(a.name()).contains("pipe a");
        }
        assertThat(aToB.sink().isOpen()).isFalse();
        assertThat(bToA.source().isOpen()).isFalse();
    }

    @Test
    void of_peerClosesItsEnd_linesEnd() throws Exception {
        Pipe pipe = Pipe.open();
        Pipe unused = Pipe.open();
        try (Connection c = Connection.of("pipe", pipe.source(), unused.sink())) {
            pipe.sink().write(java.nio.ByteBuffer.wrap("one\ntwo".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
            pipe.sink().close();
            assertThat(c.lines().stream().toList()).containsExactly("one", "two");
            assertThat(c.remoteAddress().toString()).isEqualTo("pipe");
        }
    }

    @Test
    void of_badArguments_areRefused() throws Exception {
        Pipe pipe = Pipe.open();
        assertThatThrownBy(() -> Connection.of(" ", pipe.source(), pipe.sink()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("name");
        assertThatThrownBy(() -> Connection.of("p", null, pipe.sink()))
                .isInstanceOf(NullPointerException.class).hasMessageContaining("in");
        pipe.source().close();
        pipe.sink().close();
    }
}
