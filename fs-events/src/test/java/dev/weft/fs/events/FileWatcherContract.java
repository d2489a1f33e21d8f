package dev.weft.fs.events;

import static dev.weft.fs.events.WatchTestSupport.WAIT;
import static dev.weft.fs.events.WatchTestSupport.assertViewMatchesDisk;
import static dev.weft.fs.events.WatchTestSupport.collectUntil;
import static dev.weft.fs.events.WatchTestSupport.count;
import static dev.weft.fs.events.WatchTestSupport.createFiles;
import static dev.weft.fs.events.WatchTestSupport.created;
import static dev.weft.fs.events.WatchTestSupport.sync;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.weft.runtime.ChannelClosedException;
import dev.weft.runtime.Scope;
import dev.weft.runtime.testing.PinningGuard;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The behaviour every backend shares, on real temporary directories; each backend's test class extends it. What a
 * backend cannot report (renames as pairs, write-close) is checked through the consumer's view of the tree: after
 * applying the events it must equal what is on disk.
 */
@ExtendWith(PinningGuard.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
abstract class FileWatcherContract {

    @TempDir
    Path temp;

    Path root;

    /** The backend under test. */
    abstract WatchBackend backend();

    WatchOptions.Builder options() {
        return WatchOptions.builder().backend(backend()).pollInterval(Duration.ofMillis(50));
    }

    FileWatcher watch(Path path, WatchOptions.Builder options) throws Exception {
        FileWatcher w = FileWatcher.watch(path, options.build());
        assertThat(w.backend()).isEqualTo(backend());
        return w;
    }

    @BeforeEach
    void makeRoot() throws Exception {
        root = Files.createDirectory(temp.toRealPath().resolve("root"));
    }

    @Test
    void nestedBurst_mkdirsAndFilesAtOnce_reportsEveryPathExactlyOnce() throws Exception {
        try (FileWatcher w = watch(root, options().recursive(true))) {
            Path c = Files.createDirectories(root.resolve("a/b/c"));
            List<Path> files = new ArrayList<>();
            for (Path d = c; !d.equals(root); d = d.getParent()) {
                files.addAll(createFiles(d, "f", 5));
            }
            List<FileEvent> events = sync(w, root, new ArrayList<>());

            for (Path p : files) {
                assertThat(count(events, FileEvent.Created.class, p)).as("CREATED of %s", p).isEqualTo(1);
            }
            for (String d : List.of("a", "a/b", "a/b/c")) {
                assertThat(events).containsOnlyOnce(new FileEvent.Created(root.resolve(d), true));
            }
            assertViewMatchesDisk(events, root);
        }
    }

    @Test
    void delete_fileAndTree_reportsEachDeletionChildrenFirst() throws Exception {
        Path sub = Files.createDirectories(root.resolve("sub/deeper"));
        Path f1 = Files.writeString(root.resolve("one.txt"), "1");
        Path f2 = Files.writeString(sub.resolve("two.txt"), "2");
        try (FileWatcher w = watch(root, options().recursive(true).existing(true))) {
            Files.delete(f1);
            deleteTree(root.resolve("sub"));
            List<FileEvent> events = sync(w, root, new ArrayList<>());

            assertThat(events).contains(new FileEvent.Deleted(f1, false), new FileEvent.Deleted(f2, false),
                    new FileEvent.Deleted(sub, true), new FileEvent.Deleted(root.resolve("sub"), true));
            assertThat(events.indexOf(new FileEvent.Deleted(f2, false)))
                    .isLessThan(events.indexOf(new FileEvent.Deleted(root.resolve("sub"), true)));
            assertViewMatchesDisk(events, root);
        }
    }

    @Test
    void renames_insideOutAndIn_leaveTheConsumersViewEqualToDisk() throws Exception {
        Path outside = Files.createDirectory(temp.toRealPath().resolve("outside"));
        Path a = Files.writeString(root.resolve("a.txt"), "a");
        Path gone = Files.writeString(root.resolve("gone.txt"), "g");
        Path comer = Files.writeString(outside.resolve("comer.txt"), "c");
        Path dir = Files.createDirectories(root.resolve("d1/inner"));
        Files.writeString(dir.resolve("x.txt"), "x");
        try (FileWatcher w = watch(root, options().recursive(true).existing(true))) {
            Files.move(a, root.resolve("b.txt"));
            Files.move(gone, outside.resolve("gone.txt"));
            Files.move(comer, root.resolve("comer.txt"));
            Files.move(root.resolve("d1"), root.resolve("d2"));
            List<FileEvent> events = sync(w, root, new ArrayList<>());
            // the renamed directory is still watched, under its new name
            Path late = Files.writeString(root.resolve("d2/inner/late.txt"), "late");
            sync(w, root, events);

            assertThat(created(events, late)).isTrue();
            assertViewMatchesDisk(events, root);
            assertThat(w.overflows()).isZero();
            assertThat(events).noneMatch(e -> e.path().startsWith(outside));
        }
    }

    @Test
    void deleteRoot_reportsRootGoneLastAndClosesTheChannel() throws Exception {
        Files.createDirectories(root.resolve("x/y"));
        Files.writeString(root.resolve("x/y/z.txt"), "z");
        try (FileWatcher w = watch(root, options().recursive(true))) {
            deleteTree(root);
            List<FileEvent> events = collectUntil(w, new ArrayList<>(),
                    got -> !got.isEmpty() && got.getLast() instanceof FileEvent.RootGone);

            assertThat(events.getLast()).isEqualTo(new FileEvent.RootGone(root, true));
            assertThat(events).contains(new FileEvent.Deleted(root.resolve("x/y/z.txt"), false));
            assertThatThrownBy(() -> w.events().receive(WAIT)).isInstanceOf(ChannelClosedException.class);
            assertThat(w.events().isClosedForReceive()).isTrue();
            assertThatThrownBy(() -> w.events().receive()).isInstanceOf(ChannelClosedException.class);
        }
    }

    @Test
    void include_glob_reportsOnlyMatchingNames() throws Exception {
        try (FileWatcher w = watch(root, options().recursive(true).include("*.log", "*.marker").exclude("skip*"))) {
            Path sub = Files.createDirectory(root.resolve("sub"));
            Path log = Files.writeString(root.resolve("app.log"), "x");
            Path deepLog = Files.writeString(sub.resolve("deep.log"), "x");
            Files.writeString(root.resolve("notes.txt"), "x");
            Files.writeString(sub.resolve("skip.log"), "x");
            List<FileEvent> events = sync(w, root, new ArrayList<>());

            assertThat(events).isNotEmpty().allMatch(e -> e.path().toString().endsWith(".log"));
            assertThat(created(events, log)).isTrue();
            assertThat(created(events, deepLog)).isTrue();
            assertThat(events).noneMatch(e -> e.path().getFileName().toString().startsWith("skip"));
        }
    }

    @Test
    void existing_reportsTheSnapshotFirstParentsBeforeChildren() throws Exception {
        Path sub = Files.createDirectories(root.resolve("s/t"));
        Path f = Files.writeString(sub.resolve("f.txt"), "f");
        Path g = Files.writeString(root.resolve("g.txt"), "g");
        try (FileWatcher w = watch(root, options().recursive(true).existing(true))) {
            Path after = Files.writeString(root.resolve("after.txt"), "a");
            List<FileEvent> events = sync(w, root, new ArrayList<>());

            assertThat(events.subList(0, 4)).containsExactlyInAnyOrder(
                    new FileEvent.Exists(root.resolve("s"), true), new FileEvent.Exists(sub, true),
                    new FileEvent.Exists(f, false), new FileEvent.Exists(g, false));
            assertThat(events.indexOf(new FileEvent.Exists(root.resolve("s"), true)))
                    .isLessThan(events.indexOf(new FileEvent.Exists(sub, true)));
            assertThat(created(events, after)).isTrue();
            assertViewMatchesDisk(events, root);
        }
    }

    @Test
    void nonRecursive_reportsTheRootsEntriesOnly() throws Exception {
        Path sub = Files.createDirectory(root.resolve("sub"));
        try (FileWatcher w = watch(root, options().recursive(false))) {
            Files.writeString(sub.resolve("hidden.txt"), "h");
            Path top = Files.writeString(root.resolve("top.txt"), "t");
            List<FileEvent> events = sync(w, root, new ArrayList<>());

            assertThat(created(events, top)).isTrue();
            assertThat(events).noneMatch(e -> e.path().startsWith(sub) && !e.path().equals(sub));
        }
    }

    @Test
    void file_watchedThroughItsDirectory_survivesDeleteAndReplace() throws Exception {
        Path config = Files.writeString(root.resolve("app.conf"), "v1");
        Path other = root.resolve("other.txt");
        try (FileWatcher w = watch(config, options().recursive(false).existing(true))) {
            Files.writeString(other, "not watched");
            Files.writeString(config, "v2", StandardOpenOption.APPEND);
            List<FileEvent> events = collectUntil(w, new ArrayList<>(), got -> got.stream().anyMatch(
                    e -> e instanceof FileEvent.Modified || e instanceof FileEvent.Written));
            assertThat(events.getFirst()).isEqualTo(new FileEvent.Exists(config, false));
            Files.delete(config);
            collectUntil(w, events, got -> got.contains(new FileEvent.Deleted(config, false)));
            Path tmp = Files.writeString(root.resolve("app.conf.tmp"), "v3");
            Files.move(tmp, config, StandardCopyOption.ATOMIC_MOVE);
            collectUntil(w, events, got -> got.contains(new FileEvent.Created(config, false)));

            assertThat(events).allMatch(e -> e.path().equals(config));
            assertThat(Files.readString(config)).isEqualTo("v3");
        }
    }

    @Test
    void burst_10000Files_eachReportedCreatedOnce() throws Exception {
        try (FileWatcher w = watch(root, options().recursive(true))) {
            Path sub = Files.createDirectory(root.resolve("burst"));
            List<Path> files = createFiles(sub, "file", 10_000);
            List<FileEvent> events = sync(w, root, new ArrayList<>());

            java.util.Map<Path, Long> creates = new java.util.HashMap<>();
            for (FileEvent e : events) {
                if (e instanceof FileEvent.Created c) {
                    creates.merge(c.path(), 1L, Long::sum);
                }
            }
            for (Path f : files) {
                assertThat(creates.get(f)).as("CREATED of %s", f).isEqualTo(1L);
            }
            assertViewMatchesDisk(events, root);
        }
    }

    @Test
    void symlinks_notFollowedByDefault_followedWhenAskedAndCyclesStop() throws Exception {
        Path target = Files.createDirectory(temp.toRealPath().resolve("target"));
        Path link = Files.createSymbolicLink(root.resolve("link"), target);
        Files.createSymbolicLink(root.resolve("loop"), root); // a cycle back to the root
        try (FileWatcher w = watch(root, options().recursive(true).existing(true))) {
            Files.writeString(target.resolve("unseen.txt"), "u");
            List<FileEvent> events = sync(w, root, new ArrayList<>());

            assertThat(events).contains(new FileEvent.Exists(link, false));
            assertThat(events).noneMatch(e -> e.path().toString().contains("unseen"));
        }
        try (FileWatcher w = watch(root, options().recursive(true).existing(true).followSymlinks(true))) {
            Path seen = Files.writeString(target.resolve("seen.txt"), "s");
            List<FileEvent> events = sync(w, root, new ArrayList<>());

            // the loop is a link to a directory, so a directory; it is not descended into a second time
            assertThat(events).contains(new FileEvent.Exists(link, true), new FileEvent.Exists(root.resolve("loop"),
                    true));
            assertThat(events).noneMatch(e -> e.path().startsWith(root.resolve("loop"))
                    && !e.path().equals(root.resolve("loop")));
            assertThat(created(events, link.resolve(seen.getFileName()))).isTrue();
        }
    }

    @Test
    void rootIsALink_watchesTheDirectoryItPointsToUnderTheLinksPath() throws Exception {
        Path existing = Files.writeString(root.resolve("existing.txt"), "e");
        Path link = Files.createSymbolicLink(temp.toRealPath().resolve("link"), root);
        try (FileWatcher w = watch(link, options().recursive(true).existing(true))) {
            Files.writeString(root.resolve("new.txt"), "n");
            List<FileEvent> events = sync(w, link, new ArrayList<>());

            assertThat(events).contains(new FileEvent.Exists(link.resolve(existing.getFileName()), false),
                    new FileEvent.Created(link.resolve("new.txt"), false));
            assertThat(events).noneMatch(e -> e instanceof FileEvent.Deleted);
        }
    }

    @Test
    void close_isIdempotentAndClosesTheChannelAfterWhatItHolds() throws Exception {
        FileWatcher w = watch(root, options().recursive(true));
        Path f = Files.writeString(root.resolve("f.txt"), "f");
        collectUntil(w, new ArrayList<>(), got -> created(got, f));
        w.close();
        w.close();

        List<FileEvent> rest = drain(w);
        assertThat(rest).allMatch(e -> e.path().equals(f)); // what was in the channel stays receivable
        assertThat(w.events().isClosedForReceive()).isTrue();
        assertThat(w.toString()).contains("closed");
    }

    @Test
    void close_whileTheReaderWaitsOnAFullChannel_returnsAndClosesIt() throws Exception {
        createFiles(root, "f", 5);
        FileWatcher w = watch(root, options().recursive(true).existing(true).bufferCapacity(1));
        assertThat(w.events().receive(WAIT)).isPresent(); // the reader refills the one slot and waits to send more
        w.close(); // a hang here fails the class timeout

        assertThat(drain(w).size()).isLessThanOrEqualTo(1);
        assertThat(w.events().isClosedForReceive()).isTrue();
    }

    @Test
    void scope_endingStopsTheWatcherItsTaskCreated() throws Exception {
        FileWatcher w;
        try (Scope scope = Scope.open("owner")) {
            w = scope.start("watching", started -> {
                FileWatcher mine = watch(root, options().recursive(true));
                started.started(mine);
                mine.events().receive(); // blocks until the scope is closed
            });
            assertThat(w.events().isClosedForReceive()).isFalse();
        }
        drain(w);
        assertThat(w.events().isClosedForReceive()).isTrue();
        w.close();
    }

    @Test
    void watch_badInput_failsWithAClearMessage() throws Exception {
        Path missing = root.resolve("missing");
        Path file = Files.writeString(root.resolve("f.txt"), "f");

        assertThatThrownBy(() -> FileWatcher.watch(missing, options().build()))
                .isInstanceOf(NoSuchFileException.class).hasMessageContaining(missing.toString());
        assertThatThrownBy(() -> FileWatcher.watch(file, options().recursive(true).build()))
                .isInstanceOf(NotDirectoryException.class).hasMessageContaining("recursive(false)");
        assertThatThrownBy(() -> FileWatcher.watch(null, options().build()))
                .isInstanceOf(NullPointerException.class).hasMessage("path");
        assertThatThrownBy(() -> FileWatcher.watch(root, null))
                .isInstanceOf(NullPointerException.class).hasMessage("options");
    }

    /**
     * Forces a queue overflow (the kernel's, or the JDK watch key's) and checks the rescan. The consumer does not
     * receive, so the reader blocks on the full one-slot channel (with the initial snapshot) and reads nothing; the
     * test then creates {@code burst} distinct files in a watched directory, more than the queue holds (identical
     * consecutive events would be merged by the kernel), and after that deletes and appends to known files — changes
     * only the rescan can report. Then it consumes.
     */
    void overflowScenario(int burst) throws Exception {
        // watched from the start: the kernel queues events for it while the reader is stalled (a directory created
        // during the stall is not watched yet, so files in it queue nothing); one directory, so that on the JDK
        // backend the changes after the burst fall on the same overflowing key
        Path fresh = Files.createDirectory(root.resolve("fresh"));
        List<Path> known = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            known.add(Files.writeString(fresh.resolve("old-" + i), "x"));
        }
        try (FileWatcher w = watch(root, options().recursive(true).existing(true).bufferCapacity(1))) {
            List<Path> created = createFiles(fresh, "new", burst);
            List<Path> deleted = known.subList(0, 50);
            List<Path> appended = known.subList(50, 100);
            for (Path p : deleted) {
                Files.delete(p);
            }
            for (Path p : appended) {
                append(p, "more");
            }
            List<FileEvent> events = collectUntil(w, new ArrayList<>(),
                    got -> got.contains(new FileEvent.Overflow(root)));
            sync(w, root, events);

            assertThat(w.overflows()).isPositive();
            int overflowAt = events.indexOf(new FileEvent.Overflow(root));
            List<FileEvent> afterOverflow = events.subList(overflowAt, events.size());
            for (Path p : deleted) {
                assertThat(afterOverflow).contains(new FileEvent.Deleted(p, false));
            }
            for (Path p : appended) {
                assertThat(afterOverflow).contains(new FileEvent.Modified(p));
            }
            Map<Path, Long> creates = new HashMap<>();
            events.stream().filter(e -> e instanceof FileEvent.Created)
                    .forEach(e -> creates.merge(e.path(), 1L, Long::sum));
            for (Path p : created) {
                assertThat(creates.get(p)).as("CREATED of %s", p).isEqualTo(1L);
            }
            assertViewMatchesDisk(events, root);
        }
    }

    /** Receives until the channel is closed and drained; fails if that does not happen within the wait. */
    static List<FileEvent> drain(FileWatcher w) throws Exception {
        List<FileEvent> rest = new ArrayList<>();
        long deadline = System.nanoTime() + WAIT.toNanos();
        try {
            while (System.nanoTime() < deadline) {
                w.events().receive(WAIT).ifPresent(rest::add);
            }
        } catch (ChannelClosedException expected) {
            return rest;
        }
        throw new AssertionError("events not closed within " + WAIT + "; got " + rest);
    }

    static void deleteTree(Path dir) throws Exception {
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    static void append(Path file, String text) throws Exception {
        Files.writeString(file, text, StandardCharsets.UTF_8, StandardOpenOption.APPEND);
    }
}
