package dev.weft.fs.events;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * What a watcher knows about its tree: every path under the root (or the one watched file) with whether it is a
 * directory, its size and modification time. It dedupes the scan of a new directory against the kernel's events
 * for the same files, and a rescan after an overflow (or a poll) is diffed against it.
 *
 * <p>Keyed by the path's string so that a subtree is one contiguous range ({@code "d/"} to {@code "d0"}: {@code '0'}
 * follows {@code '/'}). Not thread-safe: used by the watcher's one reader thread.
 */
final class Tree {

    /** One known path. */
    record Node(Path path, boolean dir, long size, long mtimeNanos) {
        boolean sameContent(Node other) {
            return size == other.size && mtimeNanos == other.mtimeNanos;
        }
    }

    private final TreeMap<String, Node> nodes = new TreeMap<>();
    private final Path root;
    private final boolean recursive;
    private final boolean follow;
    private final Predicate<Path> admit;

    /**
     * @param root the directory scanned (the parent directory when a file is watched)
     * @param recursive whether subdirectories are scanned
     * @param follow whether symbolic links to directories are followed
     * @param admit which paths are part of the tree (all, or only the watched file)
     */
    Tree(Path root, boolean recursive, boolean follow, Predicate<Path> admit) {
        this.root = root;
        this.recursive = recursive;
        this.follow = follow;
        this.admit = admit;
    }

    Path root() {
        return root;
    }

    boolean recursive() {
        return recursive;
    }

    boolean follow() {
        return follow;
    }

    /** True if {@code path} belongs to the tree: the root's own entries, or any depth when recursive. */
    boolean admits(Path path) {
        if (!path.startsWith(root) || path.equals(root) || !admit.test(path)) {
            return false;
        }
        return recursive || path.getParent().equals(root);
    }

    @Nullable Node get(Path path) {
        return nodes.get(path.toString());
    }

    boolean contains(Path path) {
        return nodes.containsKey(path.toString());
    }

    void put(Node node) {
        nodes.put(node.path().toString(), node);
    }

    @Nullable Node remove(Path path) {
        return nodes.remove(path.toString());
    }

    int size() {
        return nodes.size();
    }

    /** Returns every known node, parents before children. */
    List<Node> all() {
        return new ArrayList<>(nodes.values());
    }

    /** Removes {@code dir}'s descendants and returns them, children before parents. */
    List<Node> removeDescendants(Path dir) {
        String prefix = dir.toString().endsWith("/") ? dir.toString() : dir.toString() + "/"; // the root "/" ends so
        Map<String, Node> range = nodes.subMap(prefix, true, prefix.substring(0, prefix.length() - 1) + "0", false);
        List<Node> removed = new ArrayList<>(range.values());
        range.clear();
        return removed.reversed();
    }

    /** Moves {@code from} and its descendants to {@code to}. */
    void move(Path from, Path to) {
        Node self = remove(from);
        List<Node> descendants = removeDescendants(from);
        if (self != null) {
            put(new Node(to, self.dir(), self.size(), self.mtimeNanos()));
        }
        for (Node n : descendants) {
            put(new Node(to.resolve(from.relativize(n.path())), n.dir(), n.size(), n.mtimeNanos()));
        }
    }

    /** Reads what {@code path} is now, or empty if it is gone. */
    Optional<Node> stat(Path path) {
        try {
            BasicFileAttributes a = follow
                    ? Files.readAttributes(path, BasicFileAttributes.class)
                    : Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            return Optional.of(node(path, a));
        } catch (IOException e) {
            if (follow) { // a dangling link is still a path in the tree
                try {
                    return Optional.of(node(path, Files.readAttributes(path, BasicFileAttributes.class,
                            LinkOption.NOFOLLOW_LINKS)));
                } catch (IOException gone) {
                    return Optional.empty();
                }
            }
            return Optional.empty();
        }
    }

    private static Node node(Path path, BasicFileAttributes a) {
        return new Node(path, a.isDirectory(), a.isDirectory() ? 0 : a.size(),
                a.lastModifiedTime().to(TimeUnit.NANOSECONDS));
    }

    /**
     * Lists what is under {@code dir} now (not {@code dir} itself), parents before children: its entries, and when
     * recursive all the way down. {@code dir} itself is read even if it is a link (the watched root may be one);
     * below it, links are descended only when following them, and each directory once (a link cycle, or a second
     * link to the same directory, is listed as an entry but not descended). Paths that vanish meanwhile are left
     * out.
     */
    List<Node> scan(Path dir) {
        List<Node> found = new ArrayList<>();
        if (recursive || dir.equals(root)) {
            Set<Object> visited = new HashSet<>();
            key(dir).ifPresent(visited::add);
            scanInto(dir, found, visited);
        }
        return found;
    }

    private void scanInto(Path dir, List<Node> found, Set<Object> visited) {
        List<Node> entries = new ArrayList<>();
        try (DirectoryStream<Path> stream = Files.newDirectoryStream(dir)) {
            for (Path p : stream) {
                if (admits(p)) {
                    stat(p).ifPresent(entries::add);
                }
            }
        } catch (IOException | RuntimeException e) {
            return; // gone or unreadable: a later event or rescan says so
        }
        entries.sort(Comparator.comparing(n -> n.path().toString()));
        for (Node n : entries) {
            found.add(n);
            if (n.dir() && recursive && key(n.path()).map(visited::add).orElse(true)) {
                scanInto(n.path(), found, visited);
            }
        }
    }

    /** The file key of a directory (device and inode), following links; empty if unknown or gone. */
    private static Optional<Object> key(Path dir) {
        try {
            return Optional.ofNullable(Files.readAttributes(dir, BasicFileAttributes.class).fileKey());
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
