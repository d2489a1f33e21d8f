package dev.weft.benchmarks.macro;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Starts each echo server as its own process and checks that it echoes lines that arrive split across writes and
 * several lines in one write (the message servers: that they answer the driver's request with {@code ECHOED}), and
 * that it answers the heap query on its control channel.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class EchoServerTest {

    @ParameterizedTest
    @EnumSource(value = ServerKind.class, names = {"WEFT", "NIO", "NETTY", "VT_SOCKET", "PLATFORM"})
    void echoesLinesSplitAndJoinedAcrossWrites(ServerKind kind) throws Exception {
        withServer(kind, (out, in) -> {
            out.write("hel".getBytes(StandardCharsets.UTF_8));
            out.flush();
            out.write("lo\nwor".getBytes(StandardCharsets.UTF_8));
            out.flush();
            assertThat(in.readLine()).isEqualTo("hello");
            out.write("ld\nthird\nfourth\n".getBytes(StandardCharsets.UTF_8));
            out.flush();
            assertThat(in.readLine()).isEqualTo("world");
            assertThat(in.readLine()).isEqualTo("third");
            assertThat(in.readLine()).isEqualTo("fourth");
        });
    }

    @ParameterizedTest
    @EnumSource(value = ServerKind.class, names = {"WEFT_MESSAGE", "NETTY_MESSAGE"})
    void messageServersAnswerTheDriversRequestWithEchoed(ServerKind kind) throws Exception {
        withServer(kind, (out, in) -> {
            out.write(LoadDriver.request(true));
            out.flush();
            String reply = in.readLine();
            assertThat(reply).startsWith(EchoServer.ECHOED + " ");
            String sent = new String(LoadDriver.request(true), StandardCharsets.US_ASCII).strip();
            assertThat(reply).endsWith(sent.substring(sent.indexOf("data=")));
        });
    }

    /** A conversation with a server over one connection. */
    private interface Conversation {
        void run(OutputStream out, BufferedReader in) throws Exception;
    }

    /** Starts the server process, runs the conversation, checks the heap query, ends the server by closing stdin. */
    private static void withServer(ServerKind kind, Conversation conversation) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElseThrow(),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                EchoServer.class.getName(), kind.variant));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try (BufferedReader control = MacroSuite.reader(p)) {
            String first = control.readLine();
            assertThat(first).startsWith("PORT ");
            int port = Integer.parseInt(first.substring(5));
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
                s.setSoTimeout(20_000);
                conversation.run(s.getOutputStream(), new BufferedReader(new InputStreamReader(s.getInputStream(),
                        StandardCharsets.UTF_8)));
            }
            p.getOutputStream().write("heap\n".getBytes(StandardCharsets.UTF_8));
            p.getOutputStream().flush();
            String heap = control.readLine();
            assertThat(heap).startsWith("HEAP ");
            assertThat(Long.parseLong(heap.substring(5))).isPositive();
        } finally {
            p.getOutputStream().close(); // end of stdin: the server exits
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
        assertThat(p.exitValue()).isZero();
    }
}
