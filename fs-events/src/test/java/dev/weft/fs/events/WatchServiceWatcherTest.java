package dev.weft.fs.events;

final class WatchServiceWatcherTest extends FileWatcherContract {

    @Override
    WatchBackend backend() {
        return WatchBackend.WATCH_SERVICE;
    }
}
