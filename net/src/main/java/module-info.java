/**
 * Networking for weft: TCP and Unix stream connections and servers with a virtual thread per connection; later
 * also TLS, UDP, the message protocol, the dispatcher, permanent connections and DNS.
 */
module dev.weft.net {
    requires transitive dev.weft.runtime;
    requires jdk.net;
    requires org.slf4j;
    requires static org.jspecify;

    exports dev.weft.net;
}
