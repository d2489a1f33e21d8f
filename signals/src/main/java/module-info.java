/**
 * Unix signals for weft: signals as channels, graceful shutdown and sending signals.
 *
 * <p>Receiving uses {@code sun.misc.Signal} from {@code jdk.unsupported}; sending calls kill(2) through the FFM API,
 * so run with {@code --enable-native-access=dev.weft.signals}.
 */
module dev.weft.signals {
    requires transitive dev.weft.runtime;
    requires jdk.unsupported;
    requires org.slf4j;
    requires static org.jspecify;

    exports dev.weft.signals;
}
