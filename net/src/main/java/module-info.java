/**
 * Networking for weft: TCP, TLS and Unix stream connections and servers with a virtual thread per connection, and
 * UDP endpoints, each read by a task that feeds a channel.
 */
module dev.weft.net {
    requires transitive dev.weft.runtime;
    requires jdk.net;
    requires org.slf4j;
    requires static org.jspecify;

    exports dev.weft.net;
}
