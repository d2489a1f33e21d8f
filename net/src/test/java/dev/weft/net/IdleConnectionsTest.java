package dev.weft.net;

import static dev.weft.net.NetTestSupport.ECHO;
import static dev.weft.net.NetTestSupport.anyPort;
import static dev.weft.net.NetTestSupport.awaitCondition;
import static dev.weft.net.NetTestSupport.nextLine;
import static dev.weft.net.NetTestSupport.platformThreads;
import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.runtime.Scope;
import dev.weft.runtime.Task;
import dev.weft.runtime.testing.PinningGuard;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The "done means": one server holds 2,000 idle connections — each handler blocked in
 * {@code lines().receive()} on its own virtual thread — and a new client still gets its echo promptly, with no
 * platform thread per connection.
 */
@ExtendWith(PinningGuard.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
final class IdleConnectionsTest {

    private static final int IDLE = 2_000;
    private static final Duration CONNECT = Duration.ofSeconds(5);

    @ParameterizedTest
    @MethodSource("dev.weft.net.NetTestSupport#loopbacks")
    void server_with2000IdleConnections_echoesANewClientPromptlyWithoutAPlatformThreadPerConnection(String host)
            throws Exception {
        List<Connection> idle = new ArrayList<>(IDLE);
        try (Scope scope = Scope.open("test")) {
            StreamServer server = StreamServer.builder(anyPort(host)).backlog(IDLE).start(scope, ECHO);
            try {
                // warm up first, so the baseline includes the carriers and pollers any server needs
                try (Connection warm = Connection.connect(server.localAddress(), CONNECT)) {
                    warm.send("warm up");
                    assertThat(nextLine(warm)).isEqualTo("warm up");
                }
                awaitCondition(() -> server.activeConnections() == 0, "the warm-up connection to end");
                int platformBefore = platformThreads();

                for (int i = 0; i < IDLE; i++) {
                    idle.add(Connection.connect(server.localAddress(), CONNECT));
                }
                awaitCondition(() -> server.activeConnections() == IDLE, Duration.ofSeconds(30),
                        IDLE + " connections to be served");

                // a starvation check, not a timing goal: the new client is served while 2,000 handlers wait
                try (Scope client = Scope.open("client")) {
                    Task<String> echo = client.fork("new-client", () -> {
                        try (Connection c = Connection.connect(server.localAddress(), CONNECT)) {
                            c.send("still responsive");
                            return nextLine(c);
                        }
                    });
                    assertThat(echo.join(Duration.ofSeconds(10))).isEqualTo("still responsive");
                }

                int platformAfter = platformThreads();
                assertThat(platformAfter - platformBefore)
                        .as("platform threads grew from %d to %d with %d connections open", platformBefore,
                                platformAfter, IDLE)
                        .isLessThan(20);
                awaitCondition(() -> server.activeConnections() == IDLE, "the new client's connection to end");

                // every idle connection is still alive and served
                Connection first = idle.get(0);
                Connection last = idle.get(IDLE - 1);
                first.send("first");
                last.send("last");
                assertThat(nextLine(first)).isEqualTo("first");
                assertThat(nextLine(last)).isEqualTo("last");
            } finally {
                for (Connection c : idle) {
                    c.close();
                }
                server.stop(Duration.ofSeconds(10));
            }
            assertThat(server.activeConnections()).isZero();
        }
    }
}
