package dev.weft.fs.events;

import static dev.weft.fs.events.WatchTestSupport.assertViewMatchesDisk;
import static dev.weft.fs.events.WatchTestSupport.collectUntil;
import static dev.weft.fs.events.WatchTestSupport.count;
import static dev.weft.fs.events.WatchTestSupport.createFiles;
import static dev.weft.fs.events.WatchTestSupport.sync;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The inotify backend: the contract, and what only it reports — rename pairs, write-close, attributes, overflow. */
final class InotifyWatcherTest extends FileWatcherContract {

    @Override
    WatchBackend backend() {
        return WatchBackend.INOTIFY;
    }

    @Test
    void rename_insideGivesMovedOutGivesDeletedInGivesCreated() throws Exception {
        Path outside = Files.createDirectory(temp.toRealPath().resolve("outside"));
        Path a = Files.writeString(root.resolve("a.txt"), "a");
        Path d1 = Files.createDirectories(root.resolve("d1/inner"));
        Path comer = Files.writeString(outside.resolve("comer.txt"), "c");
        try (FileWatcher w = watch(root, options().recursive(true).existing(true))) {
            Path b = root.resolve("b.txt");
            Files.move(a, b);
            Files.move(b, outside.resolve("b.txt"));
            Files.move(comer, root.resolve("comer.txt"));
            Files.move(root.resolve("d1"), root.resolve("d2"));
            Path late = Files.writeString(root.resolve("d2/inner/late.txt"), "late");
            List<FileEvent> events = sync(w, root, new ArrayList<>());

            assertThat(events).containsSubsequence(
                    new FileEvent.Moved(a, b, false),
                    new FileEvent.Deleted(b, false),
                    new FileEvent.Created(root.resolve("comer.txt"), false),
                    new FileEvent.Moved(root.resolve("d1"), root.resolve("d2"), true),
                    new FileEvent.Created(late, false));
            List<FileEvent> afterMove = events.subList(
                    events.indexOf(new FileEvent.Moved(root.resolve("d1"), root.resolve("d2"), true)), events.size());
            assertThat(afterMove).noneMatch(e -> e.path().startsWith(d1)); // the watch follows the new name
            assertViewMatchesDisk(events, root);
        }
    }

    /**
     * A new directory renamed before the reader picks it up (here: the reader is held back by a one-slot channel
     * full of the snapshot) cannot be watched or listed under its first name; the rename then lists it under the
     * new one, so its files are still reported, once.
     */
    @Test
    void newDirectoryRenamedBeforeItIsPickedUp_isListedUnderItsNewName() throws Exception {
        createFiles(root, "old", 3);
        try (FileWatcher w = watch(root, options().recursive(true).existing(true).bufferCapacity(1))) {
            Path b = Files.createDirectories(root.resolve("a/b"));
            List<Path> files = createFiles(b, "f", 3);
            files.addAll(createFiles(root.resolve("a"), "g", 3));
            Files.move(root.resolve("a"), root.resolve("a2"));
            List<FileEvent> events = sync(w, root, new ArrayList<>());

            assertThat(events).contains(new FileEvent.Moved(root.resolve("a"), root.resolve("a2"), true));
            for (Path f : files) {
                Path now = root.resolve("a2").resolve(root.resolve("a").relativize(f));
                assertThat(count(events, FileEvent.Created.class, now)).as("CREATED of %s", now).isEqualTo(1);
            }
            assertViewMatchesDisk(events, root);
            Path later = Files.writeString(root.resolve("a2/b/later.txt"), "watched under the new name");
            sync(w, root, events);
            assertThat(count(events, FileEvent.Created.class, later)).isEqualTo(1);
        }
    }

    @Test
    void directoryMovedOut_isUnwatchedAndItsContentsReportedDeleted() throws Exception {
        Path outside = Files.createDirectory(temp.toRealPath().resolve("outside"));
        Path sub = Files.createDirectories(root.resolve("sub"));
        Path f = Files.writeString(sub.resolve("f.txt"), "f");
        try (FileWatcher w = watch(root, options().recursive(true).existing(true))) {
            Files.move(sub, outside.resolve("sub"));
            Files.writeString(outside.resolve("sub/after.txt"), "not ours any more");
            List<FileEvent> events = sync(w, root, new ArrayList<>());

            assertThat(events).containsSubsequence(new FileEvent.Deleted(f, false), new FileEvent.Deleted(sub, true));
            assertThat(events).noneMatch(e -> e.path().toString().contains("after.txt"));
            assertViewMatchesDisk(events, root);
        }
    }

    @Test
    void write_reportsModifiedThenWrittenWhenTheWriterCloses() throws Exception {
        try (FileWatcher w = watch(root, options().recursive(true))) {
            Path f = Files.writeString(root.resolve("config.yml"), "key: value");
            List<FileEvent> events = collectUntil(w, new ArrayList<>(),
                    got -> got.contains(new FileEvent.Written(f)));

            assertThat(events).containsSubsequence(new FileEvent.Created(f, false), new FileEvent.Modified(f),
                    new FileEvent.Written(f));
        }
    }

    @Test
    void attributes_changedTimesAndPermissions_reportAttributesChanged() throws Exception {
        Path f = Files.writeString(root.resolve("f.txt"), "f");
        try (FileWatcher w = watch(root, options().recursive(true))) {
            // one at a time: the kernel merges an event identical to the last one still queued
            Files.setLastModifiedTime(f, FileTime.from(Instant.parse("2020-01-01T00:00:00Z")));
            List<FileEvent> events = collectUntil(w, new ArrayList<>(),
                    got -> count(got, FileEvent.AttributesChanged.class, f) == 1);
            Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
            collectUntil(w, events, got -> count(got, FileEvent.AttributesChanged.class, f) == 2);
            sync(w, root, events);

            assertThat(events).containsOnly(new FileEvent.AttributesChanged(f, false));
        }
    }

    @Test
    void coalesce_repeatedWritesWithinTheWindow_reportOneEventOfTheStrongestKind() throws Exception {
        Path f = Files.writeString(root.resolve("f.txt"), "0");
        // a window far longer than five small writes take; the test waits for it once
        try (FileWatcher w = watch(root, options().recursive(true).coalesce(Duration.ofSeconds(3)))) {
            for (int i = 1; i <= 5; i++) {
                append(f, Integer.toString(i));
            }
            List<FileEvent> events = collectUntil(w, new ArrayList<>(),
                    got -> got.contains(new FileEvent.Written(f)));
            sync(w, root, events);

            assertThat(count(events, FileEvent.Written.class, f)).isEqualTo(1);
            assertThat(count(events, FileEvent.Modified.class, f)).isZero();
        }
    }

    @Test
    void coalesce_morePathsThanTheBufferHolds_reportsTheOldestEarly() throws Exception {
        List<Path> files = createFiles(root, "f", 3);
        // a window no test waits for: only the bound can make the first event come out
        try (FileWatcher w = watch(root, options().recursive(true).coalesce(Duration.ofHours(1)).bufferCapacity(2))) {
            for (Path f : files) {
                append(f, "x");
            }
            List<FileEvent> events = collectUntil(w, new ArrayList<>(),
                    got -> got.contains(new FileEvent.Written(files.getFirst())));

            assertThat(events).containsExactly(new FileEvent.Written(files.getFirst()));
        }
    }

    /**
     * Forces a kernel queue overflow: the queue holds {@code fs.inotify.max_queued_events} events per instance
     * (16,384 by default) and cannot be made smaller per watcher, so the test creates 1,000 more files than that
     * while the consumer stalls; see {@link FileWatcherContract#overflowScenario}.
     */
    @Test
    void overflow_stalledConsumer_reportsOverflowAndARescanThatMakesTheViewCorrect() throws Exception {
        overflowScenario(Integer.parseInt(Inotify.limit("max_queued_events")) + 1_000);
    }

    @Test
    void reader_isANamedPlatformThreadThatEndsWithTheWatcher() throws Exception {
        FileWatcher w = watch(root, options().recursive(true));
        String prefix = "weft-inotify-";
        List<Thread> readers = Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith(prefix) && t.getName().endsWith(" " + root))
                .toList();
        assertThat(readers).hasSize(1);
        assertThat(readers.getFirst().isVirtual()).isFalse();

        w.close();
        assertThat(readers.getFirst().isAlive()).isFalse(); // close waits for the reader
    }

    @Test
    void auto_onLinux_choosesInotify() throws Exception {
        try (FileWatcher w = FileWatcher.watch(root, WatchOptions.builder().backend(WatchBackend.AUTO).build())) {
            assertThat(w.backend()).isEqualTo(WatchBackend.INOTIFY);
        }
    }
}
