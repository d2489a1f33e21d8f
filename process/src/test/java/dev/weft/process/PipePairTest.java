package dev.weft.process;

import static dev.weft.process.ProcessTestSupport.WAIT;
import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.net.Message;
import dev.weft.net.MessageConnection;
import dev.weft.runtime.testing.PinningGuard;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(PinningGuard.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
final class PipePairTest {

    @Test
    void messages_flowBothWays() throws Exception {
        try (PipePair pair = PipePair.open("t");
                MessageConnection a = MessageConnection.over(pair.first());
                MessageConnection b = MessageConnection.over(pair.second())) {
            a.send(Message.builder("ASK").parameter("q", "x").build());
            assertThat(b.messages().receive(WAIT)).hasValueSatisfying(m -> assertThat(m.command()).isEqualTo("ASK"));
            b.send(Message.builder("ANSWER").build());
            assertThat(a.messages().receive(WAIT)).hasValueSatisfying(
                    m -> assertThat(m.command()).isEqualTo("ANSWER"));
            assertThat(pair.first().name()).isEqualTo("pipe t 1");
        }
    }

    @Test
    void bytes_flow_andCloseEndsTheStream() throws Exception {
        try (PipePair pair = PipePair.open("bytes")) {
            OutputStream out = pair.first().output();
            InputStream in = pair.second().input();
            out.write(new byte[] {1, 2, 3});
            pair.first().shutdownOutput();
            assertThat(in.readAllBytes()).containsExactly(1, 2, 3);
        }
    }
}
