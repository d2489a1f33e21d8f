/**
 * File watching for weft: changes under a file or directory tree delivered as channels.
 */
module dev.weft.fs.events {
    requires transitive dev.weft.runtime;
    requires static org.jspecify;

    // exports dev.weft.fs.events; -- once the package has its first type (javac rejects exporting an empty package)
}
