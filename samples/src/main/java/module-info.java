/**
 * Sample programs built on weft: the switchboard daemon, the weft command-line tool and demos.
 */
module dev.weft.samples {
    requires dev.weft.runtime;
    requires dev.weft.net;
    requires dev.weft.fs.events;
    requires dev.weft.signals;
    requires dev.weft.process;
    requires org.slf4j;
    requires static org.jspecify;
}
