/**
 * File watching for weft: changes under a file or directory tree delivered as channels. On Linux it uses inotify
 * through the FFM API, which needs {@code --enable-native-access=dev.weft.fs.events}.
 */
module dev.weft.fs.events {
    requires transitive dev.weft.runtime;
    requires org.slf4j;
    requires static org.jspecify;

    exports dev.weft.fs.events;
}
