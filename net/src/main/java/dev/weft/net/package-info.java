/**
 * Networking in plain blocking style: stream connections and servers with a virtual thread per connection.
 *
 * <h2>An echo server</h2>
 * <pre>{@code
 * try (Scope scope = Scope.open("echo")) {
 *     StreamServer server = StreamServer.builder(new InetSocketAddress("::1", 0))
 *             .maxConnections(1_000)
 *             .start(scope, connection -> {
 *                 for (String line : connection.lines()) {   // read by the connection's reader task
 *                     connection.send(line);
 *                 }
 *             });
 *     System.out.println("echo server on port " + server.port());
 *     scope.join();
 * }
 * }</pre>
 *
 * <h2>A Unix socket server with mode 0660</h2>
 * <pre>{@code
 * StreamServer server = StreamServer.builder(UnixDomainSocketAddress.of("/run/myd/control.sock"))
 *         .unixSocketPermissions("rw-rw----")
 *         .unixSocketGroup("myd")
 *         .start(scope, connection -> serve(connection));
 * }</pre>
 * A stale socket file left by a dead process is replaced; a live server's is not stolen; the file is removed when
 * the server stops.
 *
 * <h2>A client in a select</h2>
 * <pre>{@code
 * try (Connection c = Connection.connect(new InetSocketAddress("127.0.0.1", 4040), Duration.ofSeconds(2))) {
 *     c.send("HELLO");
 *     String reply = Select.<String>create()
 *             .onReceive(c.lines(), line -> line)
 *             .onTimeout(Duration.ofSeconds(5), () -> "no answer")   // cancels nothing, loses nothing
 *             .select();
 * }
 * }</pre>
 *
 * <p>Reads are owned by a reader task per connection that feeds a bounded channel, because the JDK closes a socket
 * whose reading thread is interrupted: consumers wait on the channel, and cancelling that wait loses no data and
 * leaves the socket open.
 */
@NullMarked
package dev.weft.net;

import org.jspecify.annotations.NullMarked;
