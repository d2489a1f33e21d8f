/**
 * The switchboard: a local message router daemon (the seeds' communicatord, in weft). Services connect over TCP,
 * TLS or a Unix socket, {@code REGISTER service=<name>;version=1}, and exchange messages by service name; messages for
 * services that are not there yet are cached; {@code *} and {@code .} broadcast to the services that handle the
 * command. Run it with {@code ./weft switchboard}; see {@link dev.weft.samples.switchboard.Switchboard}.
 */
@NullMarked
package dev.weft.samples.switchboard;

import org.jspecify.annotations.NullMarked;
