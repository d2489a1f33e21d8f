package dev.weft.fs.events;

import org.junit.jupiter.api.Test;

/** The JDK watch service backend: the contract, and its overflow. */
final class WatchServiceWatcherTest extends FileWatcherContract {

    @Override
    WatchBackend backend() {
        return WatchBackend.WATCH_SERVICE;
    }

    /**
     * The JDK keeps at most 512 events per watch key and then reports {@code OVERFLOW} (its own inotify queue is the
     * system's 16,384): 2,000 files while the consumer stalls overflow the key.
     */
    @Test
    void overflow_stalledConsumer_reportsOverflowAndARescanThatMakesTheViewCorrect() throws Exception {
        overflowScenario(2_000);
    }
}
