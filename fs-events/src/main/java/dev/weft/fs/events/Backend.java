package dev.weft.fs.events;

import dev.weft.fs.events.Tree.Node;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What every backend shares: the tree model, and the operations that turn "this path appeared / changed /
 * disappeared" into events exactly once — a new directory is watched first and listed second, and what the listing
 * finds is deduplicated against the model, so a file created before the watch landed is reported by the listing and
 * one created after it by the kernel, never both. A backend supplies {@link #watch} and {@link #unwatch} and a
 * loop.
 *
 * <p>Not thread-safe: set up by the thread that calls {@link FileWatcher#watch}, then used by the reader thread
 * only (the thread start orders the two).
 */
abstract class Backend {

    /** How paths found by listing a directory are reported. */
    enum Found { SILENT, EXISTS, CREATED }

    final Path watched;
    final boolean watchedIsDir;
    final Tree tree;
    final Emitter emitter;
    private final AtomicLong overflows = new AtomicLong();

    Backend(Path watched, boolean watchedIsDir, Tree tree, Emitter emitter) {
        this.watched = watched;
        this.watchedIsDir = watchedIsDir;
        this.tree = tree;
        this.emitter = emitter;
    }

    /**
     * Starts watching directory {@code dir} (not its subdirectories).
     *
     * @return false if it cannot be watched because it is gone, not a directory, or already watched under another
     *     path (a link cycle)
     * @throws IOException if the watch limit is reached, or another failure that must not pass silently
     */
    abstract boolean watch(Path dir) throws IOException;

    /** Stops watching {@code dir} if it is watched. */
    abstract void unwatch(Path dir);

    /** Sets up the watches and the model before the watcher is returned; reports nothing. */
    void setUp() throws IOException {
        if (!watch(tree.root())) {
            throw new IOException("cannot watch " + tree.root() + ": it is gone or not a directory");
        }
        try {
            listInto(tree.root(), Found.SILENT);
        } catch (InterruptedException e) {
            throw new AssertionError("nothing is sent while silent", e);
        }
    }

    /** Reports the model as {@link FileEvent.Exists}, parents first; the reader's first act when asked for. */
    void reportExisting() throws InterruptedException {
        for (Node n : tree.all()) {
            emitter.emit(new FileEvent.Exists(n.path(), n.dir()));
        }
    }

    /**
     * Lists {@code dir} (already watched) and adds what the model does not know, watching each new subdirectory
     * before listing it in turn.
     */
    final void listInto(Path dir, Found how) throws IOException, InterruptedException {
        for (Node n : list(dir)) {
            if (tree.contains(n.path())) {
                continue;
            }
            boolean descend = n.dir() && tree.recursive() && watch(n.path());
            tree.put(n);
            switch (how) {
                case EXISTS -> emitter.emit(new FileEvent.Exists(n.path(), n.dir()));
                case CREATED -> emitter.emit(new FileEvent.Created(n.path(), n.dir()));
                case SILENT -> { }
            }
            if (descend) {
                listInto(n.path(), how);
            }
        }
    }

    /**
     * Lists {@code dir} and everything under it again after it was renamed inside the tree, watching what is not
     * watched yet and reporting what the model misses as {@link FileEvent.Created}: a rename that raced with the
     * listing of a new directory (watched or listed under the old name, which was gone by then) leaves both gaps.
     */
    final void relist(Path dir) throws IOException, InterruptedException {
        if (!tree.recursive() || !watch(dir)) {
            return;
        }
        for (Node n : list(dir)) {
            if (!tree.contains(n.path())) {
                tree.put(n);
                emitter.emit(new FileEvent.Created(n.path(), n.dir()));
            }
            if (n.dir()) {
                relist(n.path());
            }
        }
    }

    /** The entries of {@code dir} that belong to the tree, with their attributes; empty if it is gone. */
    final List<Node> list(Path dir) {
        List<Node> nodes = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path p : entries) {
                if (tree.admits(p)) {
                    tree.stat(p).ifPresent(nodes::add);
                }
            }
        } catch (IOException | RuntimeException e) {
            // gone or unreadable: its parent's events (or a rescan) tell the rest
        }
        return nodes;
    }

    /** {@code path} appeared; {@code dirHint} is what the kernel said, used if it is already gone again. */
    final void created(Path path, boolean dirHint) throws IOException, InterruptedException {
        if (!tree.admits(path) || tree.contains(path)) {
            return; // outside the tree, or already reported (by the listing of its new parent directory)
        }
        Optional<Node> now = tree.stat(path);
        Node node = now.orElse(new Node(path, dirHint, 0, 0));
        boolean descend = node.dir() && tree.recursive() && now.isPresent() && watch(path);
        tree.put(node);
        emitter.emit(new FileEvent.Created(path, node.dir()));
        if (descend) {
            listInto(path, Found.CREATED);
        }
    }

    /** {@code path} was replaced by a rename onto it from outside what is known: reported as created. */
    final void replaced(Path path, boolean dirHint) throws IOException, InterruptedException {
        Node old = tree.get(path);
        if (old != null && tree.admits(path)) {
            tree.remove(path);
            if (old.dir()) {
                deletedBelow(path);
                unwatch(path);
            }
        }
        created(path, dirHint);
    }

    /** {@code path} disappeared; what was known under it is reported first, children before parents. */
    final void deleted(Path path) throws InterruptedException {
        Node self = tree.get(path);
        if (self == null) {
            return; // never reported (created and deleted before its directory's listing), or already reported
        }
        if (self.dir()) {
            deletedBelow(path);
            unwatch(path);
        }
        tree.remove(path);
        emitter.emit(new FileEvent.Deleted(path, self.dir()));
    }

    private void deletedBelow(Path dir) throws InterruptedException {
        for (Node n : tree.removeDescendants(dir)) {
            if (n.dir()) {
                unwatch(n.path());
            }
            emitter.emit(new FileEvent.Deleted(n.path(), n.dir()));
        }
    }

    /** {@code path}'s content or attributes changed; {@code event} says how. */
    final void changed(Path path, FileEvent event) throws IOException, InterruptedException {
        if (!tree.admits(path)) {
            return;
        }
        Node known = tree.get(path);
        if (known == null) {
            created(path, false); // a path the model missed: make it known first
            if (!tree.contains(path)) {
                return;
            }
        } else {
            tree.stat(path).ifPresent(tree::put);
        }
        emitter.emit(event);
    }

    /**
     * Lists the whole tree again and reports how it differs from the model: deleted (or changed type), created
     * (new directories watched and listed), modified by size or modification time.
     */
    final void rescan() throws IOException, InterruptedException {
        Map<Path, Node> fresh = new HashMap<>();
        List<Node> freshOrder = tree.scan(tree.root());
        for (Node n : freshOrder) {
            fresh.put(n.path(), n);
        }
        for (Node known : tree.all()) {
            Node now = fresh.get(known.path());
            if (tree.contains(known.path()) && (now == null || now.dir() != known.dir())) {
                deleted(known.path());
            }
        }
        for (Node now : freshOrder) {
            Node known = tree.get(now.path());
            if (known == null) {
                created(now.path(), now.dir());
            } else if (!now.dir() && !now.sameContent(known)) {
                tree.put(now);
                emitter.emit(new FileEvent.Modified(now.path()));
            }
        }
    }

    /** The kernel (or the JDK) dropped events: reports {@link FileEvent.Overflow}, counts it, and rescans. */
    final void overflowed() throws IOException, InterruptedException {
        overflows.incrementAndGet();
        emitter.emit(new FileEvent.Overflow(watched));
        rescan();
    }

    long overflows() {
        return overflows.get();
    }

    /** Reports the terminal event. */
    final void rootGone() throws InterruptedException {
        emitter.flushAll();
        emitter.emit(new FileEvent.RootGone(watched, watchedIsDir));
    }

    /**
     * Runs until the watcher is closed or its root is gone. Returns normally in both cases; the caller closes the
     * channel.
     *
     * @throws IOException on a failure that ends the watcher (its channel is closed with it as the cause)
     * @throws InterruptedException if the reader is interrupted (the watcher is closing)
     */
    abstract void run() throws IOException, InterruptedException;

    /** Makes {@link #run} return soon; called from any thread, idempotent, does not block. */
    abstract void wake();

    /** Releases what {@link #setUp} acquired if {@link #run} never runs; idempotent. */
    abstract void release();

    /** The backend's name, for logs and {@link FileWatcher#backend()}. */
    abstract WatchBackend kind();
}
