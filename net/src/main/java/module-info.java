/**
 * Networking for weft: TCP, TLS and Unix stream connections and servers with a virtual thread per connection, and
 * UDP endpoints, each read by a task that feeds a channel.
 */
module dev.weft.net {
    requires transitive dev.weft.runtime;
    requires jdk.net;
    requires org.slf4j;
    requires org.dnsjava; // DnsResolver
    requires transitive dev.failsafe.core; // the reconnect policy of permanent connections is a Failsafe RetryPolicy
    requires org.newsclub.net.unix; // junixsocket: Unix datagram and SEQPACKET sockets, on platform threads only
    // junixsocket's JNI library, as resources: nothing requires this module, so on the module path it is resolved
    // only if we require it (otherwise loading fails with "Could not load native library junixsocket-native")
    requires com.kohlschutter.junixsocket.nativecommon;
    requires static org.jspecify;

    exports dev.weft.net;
    exports dev.weft.net.spi;
}
