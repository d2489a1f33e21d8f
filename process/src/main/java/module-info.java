/**
 * Child processes for weft: processes owned by a scope, pipelines, pipes and FIFOs.
 */
module dev.weft.process {
    requires transitive dev.weft.runtime;
    requires static org.jspecify;

    // exports dev.weft.process; -- once the package has its first type (javac rejects exporting an empty package)
}
