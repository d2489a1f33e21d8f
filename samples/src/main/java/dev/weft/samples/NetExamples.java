package dev.weft.samples;

import dev.weft.net.Connection;
import dev.weft.net.Datagram;
import dev.weft.net.DatagramEndpoint;
import dev.weft.net.Dispatcher;
import dev.weft.net.MessageConnection;
import dev.weft.net.StreamServer;
import dev.weft.runtime.ReceiveChannel;
import dev.weft.runtime.Scope;
import dev.weft.runtime.Select;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * The networking examples of the README, compiled here and exercised by the samples' tests: an echo server, a Unix
 * socket server with mode 0660, a UDP receiver in a select, and a message service with a dispatcher.
 */
public final class NetExamples {

    private NetExamples() {
    }

    /**
     * Starts a line echo server on {@code address} (port 0 picks a free port) in {@code scope}.
     *
     * @param scope the scope that owns the server and its connections
     * @param address where to listen
     * @return the listening server
     * @throws IOException if it cannot listen
     * @throws InterruptedException if interrupted while starting
     */
    public static StreamServer echoServer(Scope scope, InetSocketAddress address)
            throws IOException, InterruptedException {
        // README echo: begin
        StreamServer server = StreamServer.builder(address)         // e.g. new InetSocketAddress("::1", 4040)
                .maxConnections(1_000)
                .start(scope, connection -> {                       // one virtual thread per connection
                    for (String line : connection.lines()) {        // ends when the client closes
                        connection.send(line);
                    }
                });
        System.out.println("echo server listening on port " + server.port());
        // README echo: end
        return server;
    }

    /**
     * Starts a Unix socket server at {@code socket} whose file has mode 0660; it greets each client.
     *
     * @param scope the scope that owns the server
     * @param socket the socket file's path
     * @return the listening server
     * @throws IOException if it cannot listen
     * @throws InterruptedException if interrupted while starting
     */
    public static StreamServer unixServer(Scope scope, Path socket) throws IOException, InterruptedException {
        // README unix: begin
        StreamServer server = StreamServer.builder(UnixDomainSocketAddress.of(socket))
                .unixSocketPermissions("rw-rw----")                // 0660: owner and group only
                .start(scope, connection -> connection.send("HELLO from " + socket.getFileName()));
        // a stale socket file of a dead process is replaced; the file is removed when the server stops
        // README unix: end
        return server;
    }

    /**
     * Receives UDP datagrams on {@code endpoint} until {@code shutdown} delivers or closes, handing each to
     * {@code handler}.
     *
     * @param endpoint the bound endpoint
     * @param shutdown a channel that ends the loop
     * @param handler receives each datagram
     * @throws InterruptedException if interrupted while waiting
     */
    public static void udpReceiver(DatagramEndpoint endpoint, ReceiveChannel<?> shutdown, Consumer<Datagram> handler)
            throws InterruptedException {
        // README udp: begin
        boolean running = true;
        while (running) {
            running = Select.<Boolean>create()
                    .onReceive(endpoint.datagrams(), datagram -> {
                        handler.accept(datagram);                   // datagram.text(), datagram.address()
                        return true;
                    })
                    .onReceiveOrClosed(shutdown, stop -> false)
                    .select();
        }
        // README udp: end
    }

    /**
     * Starts a message service on {@code address}: it answers {@code LOCK object_name=…} with {@code LOCKED}, and
     * HELP, ALIVE and UNKNOWN by the built-in conventions; {@code STOP} cancels {@code scope}.
     *
     * @param scope the scope that owns the service
     * @param address where to listen
     * @return the listening server
     * @throws IOException if it cannot listen
     * @throws InterruptedException if interrupted while starting
     */
    public static StreamServer messageService(Scope scope, InetSocketAddress address)
            throws IOException, InterruptedException {
        // README messages: begin
        Dispatcher dispatcher = Dispatcher.builder()
                .on("LOCK", (message, context) -> {
                    String object = message.require("object_name");       // missing: answered INVALID
                    context.reply(message.replyTo("LOCKED").parameter("object_name", object));
                })
                .on("STOP", (message, context) -> scope.cancel())       // graceful: every connection ends
                .build();                                              // HELP, ALIVE, UNKNOWN... built in
        StreamServer server = StreamServer.builder(address)
                .start(scope, connection -> {
                    try (MessageConnection messages = MessageConnection.over(connection)) {
                        dispatcher.serve(messages);                    // handlers run on this connection's thread
                    }
                });
        // README messages: end
        return server;
    }

    /**
     * Connects to a line server, sends one line and returns the first line it answers.
     *
     * @param address the server
     * @param line what to send
     * @return the answer
     * @throws IOException if connecting or sending fails
     * @throws InterruptedException if interrupted while waiting
     */
    public static String ask(java.net.SocketAddress address, String line) throws IOException, InterruptedException {
        try (Connection c = Connection.connect(address, java.time.Duration.ofSeconds(5))) {
            c.send(line);
            return c.lines().receive();
        }
    }
}
