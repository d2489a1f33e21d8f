package dev.weft.fs.events;

import static org.assertj.core.api.Assertions.assertThat;

import dev.weft.fs.events.Tree.Node;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

final class TreeTest {

    private static Tree tree(Path root, String... paths) {
        Tree t = new Tree(root, true, false, p -> true);
        for (String p : paths) {
            t.put(new Node(root.resolve(p), !p.contains("."), 0, 0));
        }
        return t;
    }

    @Test
    void removeDescendants_leavesSiblingsWhoseNamesSortBetween() {
        Path root = Path.of("/r");
        Tree t = tree(root, "a", "a/x.txt", "a/b", "a/b/y.txt", "a-b", "a-b/z.txt", "a.b", "a0", "b");

        assertThat(t.removeDescendants(root.resolve("a"))).extracting(Node::path)
                .containsExactly(root.resolve("a/x.txt"), root.resolve("a/b/y.txt"), root.resolve("a/b"));
        assertThat(t.all()).extracting(Node::path).containsExactly(root.resolve("a"), root.resolve("a-b"),
                root.resolve("a-b/z.txt"), root.resolve("a.b"), root.resolve("a0"), root.resolve("b"));
    }

    @Test
    void move_rekeysTheSubtreeOnly() {
        Path root = Path.of("/r");
        Tree t = tree(root, "a", "a/x.txt", "a-b", "c");
        t.move(root.resolve("a"), root.resolve("c/a2"));

        assertThat(t.all()).extracting(Node::path).containsExactlyInAnyOrder(root.resolve("a-b"), root.resolve("c"),
                root.resolve("c/a2"), root.resolve("c/a2/x.txt"));
    }

    @Test
    void removeDescendants_ofTheFileSystemRoot_removesEverythingBelowIt() {
        Path root = Path.of("/");
        Tree t = tree(root, "etc", "etc/x.conf");

        assertThat(t.removeDescendants(root)).hasSize(2);
        assertThat(t.size()).isZero();
    }

    @Test
    void admits_nonRecursiveTakesTheRootsEntriesOnly() {
        Path root = Path.of("/r");
        Tree t = new Tree(root, false, false, p -> true);

        assertThat(t.admits(root.resolve("a"))).isTrue();
        assertThat(t.admits(root.resolve("a/b"))).isFalse();
        assertThat(t.admits(root)).isFalse();
        assertThat(t.admits(Path.of("/elsewhere/a"))).isFalse();
    }
}
