package dev.weft.fs.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.weft.runtime.ChannelClosedException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Predicate;
import java.util.stream.Stream;

/** Collecting events with deadlines, and a consumer's view of the tree built from them. */
final class WatchTestSupport {

    /** How long a test waits for something that should happen; reached only on failure. */
    static final Duration WAIT = Duration.ofSeconds(30);

    private WatchTestSupport() {
    }

    /** Receives events until {@code done} holds for what was received; fails after {@link #WAIT}. */
    static List<FileEvent> collectUntil(FileWatcher watcher, List<FileEvent> into, Predicate<List<FileEvent>> done)
            throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!done.test(into)) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                Map<String, Long> kinds = new TreeMap<>();
                into.forEach(x -> kinds.merge(x.getClass().getSimpleName(), 1L, Long::sum));
                fail("condition not reached within " + WAIT + "; received " + into.size() + " events " + kinds
                        + ", in runs: " + runs(into)
                        + ", first: " + into.subList(0, Math.min(5, into.size())) + ", last: "
                        + into.subList(Math.max(0, into.size() - 5), into.size()));
            }
            Optional<FileEvent> e;
            try {
                e = watcher.events().receive(Duration.ofNanos(left));
            } catch (ChannelClosedException closed) {
                if (done.test(into)) {
                    break;
                }
                throw new AssertionError("events closed before the condition was reached; received: " + into, closed);
            }
            e.ifPresent(into::add);
        }
        return into;
    }

    /** The kinds of events in order, as runs: {@code Exists×101 Created×5 ...}. */
    static String runs(List<FileEvent> events) {
        StringBuilder sb = new StringBuilder();
        String last = null;
        int n = 0;
        for (FileEvent e : events) {
            String kind = e.getClass().getSimpleName();
            if (kind.equals(last)) {
                n++;
                continue;
            }
            if (last != null) {
                sb.append(last).append('x').append(n).append(' ');
            }
            last = kind;
            n = 1;
        }
        if (last != null) {
            sb.append(last).append('x').append(n);
        }
        return sb.toString();
    }

    /**
     * Creates a marker file in {@code dir} and receives events until its creation arrives: everything caused by
     * what the test did before is then in {@code into} (events are in order), so duplicates would show.
     */
    static List<FileEvent> sync(FileWatcher watcher, Path dir, List<FileEvent> into) throws Exception {
        Path marker = dir.resolve("sync-" + UUID.randomUUID() + ".marker");
        Files.createFile(marker);
        collectUntil(watcher, into, events -> events.stream()
                .anyMatch(e -> e instanceof FileEvent.Created c && c.path().equals(marker)));
        Files.delete(marker);
        collectUntil(watcher, into, events -> events.stream()
                .anyMatch(e -> e instanceof FileEvent.Deleted d && d.path().equals(marker)));
        into.removeIf(e -> e.path().equals(marker) || e instanceof FileEvent.Modified m && m.path().equals(marker));
        return into;
    }

    static boolean created(List<FileEvent> events, Path path) {
        return events.stream().anyMatch(e -> e instanceof FileEvent.Created c && c.path().equals(path));
    }

    static long count(List<FileEvent> events, Class<? extends FileEvent> kind, Path path) {
        return events.stream().filter(e -> kind.isInstance(e) && e.path().equals(path)).count();
    }

    /** Applies events as a consumer would: path to is-directory. */
    static Map<Path, Boolean> view(List<FileEvent> events) {
        Map<Path, Boolean> view = new TreeMap<>();
        for (FileEvent e : events) {
            switch (e) {
                case FileEvent.Exists x -> view.put(x.path(), x.directory());
                case FileEvent.Created c -> view.put(c.path(), c.directory());
                case FileEvent.Deleted d -> view.remove(d.path());
                case FileEvent.Moved m -> {
                    List<Path> under = view.keySet().stream().filter(p -> p.startsWith(m.from())).toList();
                    for (Path p : under) {
                        Boolean dir = view.remove(p);
                        view.put(m.to().resolve(m.from().relativize(p)), dir);
                    }
                }
                default -> { }
            }
        }
        return view;
    }

    /** What is on disk under {@code root}: path to is-directory, links not followed. */
    static Map<Path, Boolean> disk(Path root) throws IOException {
        Map<Path, Boolean> disk = new TreeMap<>();
        try (Stream<Path> all = Files.walk(root)) {
            all.filter(p -> !p.equals(root))
                    .forEach(p -> disk.put(p, Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)));
        }
        return disk;
    }

    static void assertViewMatchesDisk(List<FileEvent> events, Path root) throws IOException {
        assertThat(view(events)).isEqualTo(disk(root));
    }

    /** Creates {@code count} empty files named {@code prefix-N} in {@code dir}. */
    static List<Path> createFiles(Path dir, String prefix, int count) throws IOException {
        List<Path> files = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            files.add(Files.createFile(dir.resolve(prefix + "-" + i)));
        }
        return files;
    }
}
