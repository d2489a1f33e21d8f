package dev.weft.fs.events;

final class PollingWatcherTest extends FileWatcherContract {

    @Override
    WatchBackend backend() {
        return WatchBackend.POLLING;
    }
}
