/**
 * Unix signals for weft: signals as channels, graceful shutdown and sending signals.
 */
module dev.weft.signals {
    requires transitive dev.weft.runtime;
    requires static org.jspecify;

    // exports dev.weft.signals; -- once the package has its first type (javac rejects exporting an empty package)
}
