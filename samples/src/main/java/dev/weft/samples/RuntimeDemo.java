package dev.weft.samples;

import dev.weft.runtime.Channel;
import dev.weft.runtime.DeadlineExceededException;
import dev.weft.runtime.Received;
import dev.weft.runtime.Scope;
import dev.weft.runtime.Select;
import dev.weft.runtime.Ticker;
import dev.weft.runtime.Timers;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

/**
 * A short tour of the weft runtime: a scope that owns its tasks, a server started with a readiness handshake, a
 * channel, a select over the channel and a ticker, and a scope deadline. Run it with the README's demo command; it
 * finishes in about two seconds and prints what happens.
 */
public final class RuntimeDemo {

    private RuntimeDemo() {
    }

    /**
     * Runs the tour.
     *
     * @param args ignored
     * @throws Exception if a step fails
     */
    public static void main(String[] args) throws Exception {
        echoServer();
        selectLoop();
        deadline();
        System.out.println("done: every task ended with its scope");
    }

    /** A scope with a loopback echo server, started with a handshake so the port is known before anyone connects. */
    private static void echoServer() throws Exception {
        try (Scope scope = Scope.open("echo")) {
            int port = scope.start("server", started -> {
                try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
                    started.started(server.getLocalPort());
                    try (Socket client = server.accept();
                         var in = new BufferedReader(new InputStreamReader(client.getInputStream(),
                                 StandardCharsets.UTF_8));
                         var out = new PrintWriter(client.getOutputStream(), true, StandardCharsets.UTF_8)) {
                        out.println("echo: " + in.readLine());
                    }
                }
            });
            try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port);
                 var in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
                 var out = new PrintWriter(socket.getOutputStream(), true, StandardCharsets.UTF_8)) {
                out.println("hello weft");
                System.out.println("[echo]   server on port " + port + " answered \"" + in.readLine() + "\"");
            }
            scope.join();
        }
    }

    /** The blocking-style replacement for a poll loop: one select over a channel and a ticker. */
    private static void selectLoop() throws InterruptedException {
        // README select: begin
        try (Scope scope = Scope.open("demo");
             Ticker ticker = Timers.ticker(Duration.ofMillis(250))) {
            Channel<String> words = Channel.buffered(8);
            scope.fork("producer", () -> {
                try (words) {                                  // closing the channel ends the loop below
                    for (String w : List.of("weft", "runs", "blocking", "code")) {
                        words.send(w);
                        Timers.sleep(Duration.ofMillis(200));
                    }
                }
            });
            boolean open = true;
            while (open) {
                open = Select.<Boolean>create()
                        .onReceiveOrClosed(words, r -> switch (r) {
                            case Received.Value<String> v -> say("[select] word: " + v.value());
                            case Received.Closed<String> c -> !say("[select] producer finished");
                        })
                        .onReceive(ticker, tick -> say("[select] tick"))
                        .select();
            }
            scope.join();
        }
        // README select: end
    }

    /** A scope with a deadline cancels its tasks when it passes; join() reports it. */
    private static void deadline() throws InterruptedException {
        try (Scope scope = Scope.builder().name("slow").timeout(Duration.ofMillis(300)).open()) {
            scope.fork("sleeper", () -> Timers.sleep(Duration.ofHours(1)));
            scope.join();
        } catch (DeadlineExceededException e) {
            System.out.println("[deadline] " + e.getMessage() + "; the hour-long sleep was cancelled");
        }
    }

    private static boolean say(String line) {
        System.out.println(line);
        return true;
    }
}
