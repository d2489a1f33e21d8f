/**
 * Child processes for weft: processes owned by a scope, pipelines, tee, pipes and FIFOs.
 *
 * <p>Named FIFOs are created with {@code mkfifo(3)} through the FFM API, a restricted method: run with
 * {@code --enable-native-access=dev.weft.process} (or {@code ALL-UNNAMED} on the class path) to avoid the JDK's
 * warning.
 */
module dev.weft.process {
    requires transitive dev.weft.runtime;
    requires transitive dev.weft.net;
    requires org.slf4j;
    requires static org.jspecify;

    exports dev.weft.process;
}
