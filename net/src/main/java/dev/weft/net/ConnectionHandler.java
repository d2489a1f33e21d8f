package dev.weft.net;

/**
 * Serves one accepted connection, in plain blocking code on the connection's own virtual thread. The server closes
 * the connection when the handler returns or throws.
 */
@FunctionalInterface
public interface ConnectionHandler {

    /**
     * Serves the connection.
     *
     * @param connection the accepted connection
     * @throws Exception anything; it ends this connection only (logged), never the server
     */
    void handle(Connection connection) throws Exception;
}
