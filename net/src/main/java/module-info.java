/**
 * Networking for weft: transports, servers, messages, the dispatcher, permanent connections and DNS.
 */
module dev.weft.net {
    requires transitive dev.weft.runtime;
    requires org.slf4j;
    requires static org.jspecify;

    // exports dev.weft.net; -- once the package has its first type (javac rejects exporting an empty package)
}
