package dev.weft.samples;

import dev.weft.net.Message;
import dev.weft.net.PermanentConnection;
import dev.weft.net.PermanentEvent;
import dev.weft.runtime.Scope;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * The permanent-connection example of the README, compiled here: a client that stays connected to a backend on
 * Kubernetes, following its DNS name across rollouts. (Its behaviour is tested in {@code weft-net}'s
 * {@code PermanentScenariosTest}, against a real DNS server on loopback.)
 */
public final class PermanentExamples {

    private PermanentExamples() {
    }

    /**
     * Keeps a permanent connection to {@code my-backend.my-namespace.svc.cluster.local:4040}, registers, and hands
     * every message it receives to {@code handle} until the scope ends.
     *
     * @param scope the scope that owns the connection
     * @param handle receives the messages
     * @param states receives the connection's events (state changes, resolutions, backoff)
     * @throws Exception if the scope is cancelled while waiting
     */
    public static void kubernetesClient(Scope scope, Consumer<Message> handle, Consumer<PermanentEvent> states)
            throws Exception {
        // README permanent: begin
        PermanentConnection backend = PermanentConnection
                .builder("my-backend.my-namespace.svc.cluster.local", 4040)
                .handshake(PermanentConnection.Handshake.call(            // on every (re)connection
                        Message.builder("REGISTER").parameter("service", "app").parameter("version", 1).build(),
                        "READY", Duration.ofSeconds(5)))
                .heartbeat(PermanentConnection.Heartbeat.every(Duration.ofSeconds(10), 3))
                .listener(states)                                         // RESOLVING, CONNECTING, READY, BACKOFF...
                .open(scope);                                             // connects in the background, forever
        backend.send(Message.builder("HELLO").build());                   // buffered until READY, flushed in order
        Message status = backend.call(Message.builder("STATUS").build(), Duration.ofSeconds(2));
        handle.accept(status);
        for (Message m : backend.messages()) {                            // the same channel across reconnections
            handle.accept(m);
        }
        // README permanent: end
    }
}
