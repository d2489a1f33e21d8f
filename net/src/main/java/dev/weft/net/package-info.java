/**
 * Networking in plain blocking style: TCP, TLS and Unix stream connections and servers with a virtual thread per
 * connection, and UDP endpoints — every source of input a channel that a {@code select} can wait on.
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
 * <h2>TLS</h2>
 * {@link dev.weft.net.TlsServerConfig} (PEM or PKCS#12 certificate and key, SNI names, handshake timeout) goes to
 * {@code StreamServer.Builder.tls(...)}; {@link dev.weft.net.TlsClientConfig} (trusted CAs, host name verification
 * on by default, SNI) goes to {@code Connector.tls(...)}. Handshakes run eagerly, so a failure is an exception from
 * {@code connect()} naming the peer and the reason, and on the server it ends only that connection.
 *
 * <h2>A UDP receiver in a select</h2>
 * <pre>{@code
 * try (DatagramEndpoint udp = DatagramEndpoint.builder(new InetSocketAddress("127.0.0.1", 4041))
 *         .maxDatagramSize(1024)
 *         .bind()) {
 *     for (;;) {
 *         boolean more = Select.<Boolean>create()
 *                 .onReceive(udp.datagrams(), d -> { handle(d.text(), d.address()); return true; })
 *                 .onReceive(shutdown, s -> false)
 *                 .select();
 *         if (!more) break;
 *     }
 * }
 * }</pre>
 * Broadcast ({@code broadcast(true)}) and IPv4/IPv6 multicast ({@code joinGroup}) are supported; a datagram over
 * the size limit is refused on send and counted, never delivered cut short, on receive.
 *
 * <h2>Messages</h2>
 * {@link dev.weft.net.Message} is the text message protocol of the eventdispatcher family;
 * {@link dev.weft.net.MessageConnection} carries messages over a stream connection (one per line) or a datagram
 * endpoint (one per datagram) and makes request/reply {@code call}s; {@link dev.weft.net.Dispatcher} routes them to
 * handlers with the family's conventions (HELP, ALIVE, UNKNOWN, INVALID, ...) built in, checked against
 * {@link dev.weft.net.MessageDefinitions}. The {@code Dispatcher} documentation has a service in twenty lines.
 *
 * <h2>Permanent connections</h2>
 * {@link dev.weft.net.PermanentConnection} stays connected to a backend for as long as its scope lives: it
 * reconnects forever with backoff (a Failsafe {@code RetryPolicy}, see {@link dev.weft.net.Backoff}), follows the
 * backend's DNS name as pods come and go (make-before-break when the connected address leaves DNS), tries every
 * address with happy-eyeballs staggering, and buffers sends while disconnected ({@link dev.weft.net.SendPolicy}).
 * <pre>{@code
 * PermanentConnection backend = PermanentConnection
 *         .builder("my-backend.my-namespace.svc.cluster.local", 4040)
 *         .heartbeat(PermanentConnection.Heartbeat.every(Duration.ofSeconds(10), 3))
 *         .open(scope);
 * backend.send(Message.builder("HELLO").build());            // buffered until READY
 * for (PermanentEvent e : backend.events()) {                // StateChanged, Resolved, Connected, ...
 *     log(e);
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
