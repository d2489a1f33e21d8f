package dev.weft.fs.events;


final class InotifyWatcherTest extends FileWatcherContract {

    @Override
    WatchBackend backend() {
        return WatchBackend.INOTIFY;
    }
}
