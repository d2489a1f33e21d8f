package dev.weft.process;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

final class TailBufferTest {

    @Test
    void text_keepsTheLastLines() {
        TailBuffer t = new TailBuffer(1024);
        for (int i = 1; i <= 30; i++) {
            append(t, "line " + i + "\n");
        }
        assertThat(t.text(3)).isEqualTo("line 28\nline 29\nline 30");
        assertThat(t.total()).isEqualTo(30 * 8 - 9);
    }

    @Test
    void text_overCapacity_dropsThePartialFirstLine() {
        TailBuffer t = new TailBuffer(16);
        append(t, "aaaaaaaaaaaaaaaaaaaaaaaaa\nbb\ncc\n");
        // 16 bytes held: "aaaaaaaaa\nbb\ncc\n" minus the cut-off first line
        assertThat(t.text(20)).isEqualTo("bb\ncc");
    }

    @Test
    void append_largerThanCapacity_keepsTheEnd_andWrapsAround() {
        TailBuffer t = new TailBuffer(8);
        append(t, "0123456789");
        append(t, "ab");
        assertThat(t.text(20)).isEqualTo("456789ab");
        assertThat(t.capacity()).isEqualTo(8);
    }

    @Test
    void text_withoutTrailingNewline_andEmpty() {
        TailBuffer t = new TailBuffer(64);
        assertThat(t.text(20)).isEmpty();
        append(t, "x\ny");
        assertThat(t.text(1)).isEqualTo("y");
    }

    private static void append(TailBuffer t, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        t.append(b, 0, b.length);
    }
}
