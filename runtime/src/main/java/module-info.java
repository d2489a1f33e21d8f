/**
 * The weft runtime: structured-concurrency scopes, tasks and cancellation, channels and select, timers and
 * injectable clocks for blocking-style code on virtual threads.
 */
module dev.weft.runtime {
    requires org.slf4j;
    requires static org.jspecify;

    exports dev.weft.runtime;
}
