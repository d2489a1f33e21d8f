package dev.weft.net;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
final class LineFramerTest {

    /** Records what the framer reports, in order: lines as they are, oversized lines as {@code <oversized N>}. */
    private static final class Recorder implements LineFramer.Sink {
        final List<String> events = new ArrayList<>();

        @Override
        public void line(String line) {
            events.add(line);
        }

        @Override
        public void oversized(long length) {
            events.add("<oversized " + length + ">");
        }
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static List<String> frame(int max, byte[]... chunks) throws InterruptedException {
        Recorder r = new Recorder();
        LineFramer framer = new LineFramer(max, r);
        for (byte[] chunk : chunks) {
            framer.feed(chunk, 0, chunk.length);
        }
        framer.endOfStream();
        return r.events;
    }

    @Test
    void feed_linesSplitAtEveryBytePosition_deliversTheSameLines() throws InterruptedException {
        byte[] all = utf8("alpha\r\nbeta\n\ngamma\r\nδέλτα €\n");
        List<String> expected = List.of("alpha", "beta", "", "gamma", "δέλτα €");
        for (int cut = 0; cut <= all.length; cut++) {
            List<String> got = frame(100, Arrays.copyOfRange(all, 0, cut), Arrays.copyOfRange(all, cut, all.length));
            assertThat(got).as("split at byte %d", cut).isEqualTo(expected);
        }
    }

    @Test
    void feed_oneByteAtATime_deliversTheSameLines() throws InterruptedException {
        byte[] all = utf8("a\r\nbb\ncc€\r\n");
        byte[][] chunks = new byte[all.length][];
        for (int i = 0; i < all.length; i++) {
            chunks[i] = new byte[] {all[i]};
        }
        assertThat(frame(100, chunks)).containsExactly("a", "bb", "cc€");
    }

    @Test
    void feed_crlfAndLf_bothEndALineAndTheCrIsDropped() throws InterruptedException {
        assertThat(frame(100, utf8("one\r\ntwo\nthree\r\n"))).containsExactly("one", "two", "three");
    }

    @Test
    void feed_crInsideALine_isKept() throws InterruptedException {
        assertThat(frame(100, utf8("a\rb\n"))).containsExactly("a\rb");
    }

    @Test
    void feed_emptyLines_areDeliveredAsEmptyStrings() throws InterruptedException {
        assertThat(frame(100, utf8("\n\r\n\nx\n"))).containsExactly("", "", "", "x");
    }

    @Test
    void feed_multiByteCharacterSplitAcrossReads_isDecodedWhole() throws InterruptedException {
        byte[] euro = utf8("€"); // three bytes
        byte[] emoji = utf8("😀"); // four bytes, a surrogate pair in Java
        assertThat(frame(100,
                new byte[] {'x', euro[0]}, new byte[] {euro[1]}, new byte[] {euro[2], emoji[0], emoji[1]},
                new byte[] {emoji[2]}, new byte[] {emoji[3], '\n'}))
                .containsExactly("x€😀");
    }

    @Test
    void feed_malformedUtf8_becomesReplacementCharacter() throws InterruptedException {
        assertThat(frame(100, new byte[] {'a', (byte) 0xff, 'b', '\n'})).containsExactly("a\uFFFDb");
    }

    @Test
    void endOfStream_lastLineWithoutTerminator_isDelivered() throws InterruptedException {
        assertThat(frame(100, utf8("first\nlast"))).containsExactly("first", "last");
    }

    @Test
    void endOfStream_lastLineWithTrailingCrOnly_dropsTheCr() throws InterruptedException {
        assertThat(frame(100, utf8("last\r"))).containsExactly("last");
    }

    @Test
    void endOfStream_afterCompleteLine_deliversNothingMore() throws InterruptedException {
        assertThat(frame(100, utf8("only\n"))).containsExactly("only");
        assertThat(frame(100)).isEmpty();
    }

    @Test
    void feed_lineExactlyAtLimit_isAccepted() throws InterruptedException {
        String ten = "0123456789";
        assertThat(frame(10, utf8(ten + "\n"))).containsExactly(ten);
        assertThat(frame(10, utf8(ten + "\r\n"))).containsExactly(ten);
        assertThat(frame(10, utf8(ten))).containsExactly(ten);
    }

    @Test
    void feed_lineOneOverLimit_isDiscardedAndReportedWithItsLength() throws InterruptedException {
        assertThat(frame(10, utf8("01234567890\nnext\n"))).containsExactly("<oversized 11>", "next");
        assertThat(frame(10, utf8("01234567890\r\nnext\r\n"))).containsExactly("<oversized 11>", "next");
    }

    @Test
    void feed_limitCountsBytesNotCharacters() throws InterruptedException {
        // four characters, twelve bytes
        assertThat(frame(11, utf8("€€€€\nok\n"))).containsExactly("<oversized 12>", "ok");
        assertThat(frame(12, utf8("€€€€\nok\n"))).containsExactly("€€€€", "ok");
    }

    @Test
    void feed_overLongLineInManyChunks_isDiscardedWithoutBufferingBeyondTheLimit() throws InterruptedException {
        Recorder r = new Recorder();
        int max = 1000;
        LineFramer framer = new LineFramer(max, r);
        byte[] chunk = new byte[4096];
        Arrays.fill(chunk, (byte) 'x');
        framer.feed(utf8("before\n"), 0, 7);
        long sent = 0;
        for (int i = 0; i < 512; i++) { // 2 MiB of one line
            framer.feed(chunk, 0, chunk.length);
            sent += chunk.length;
            assertThat(framer.bufferCapacity()).as("buffer after %d bytes", sent).isLessThanOrEqualTo(max + 1);
        }
        byte[] tail = utf8("\r\nafter\n");
        framer.feed(tail, 0, tail.length);
        framer.endOfStream();
        assertThat(r.events).containsExactly("before", "<oversized " + sent + ">", "after");
    }

    @Test
    void feed_overLongLineInSmallChunks_neverBuffersBeyondTheLimit() throws InterruptedException {
        Recorder r = new Recorder();
        int max = 300;
        LineFramer framer = new LineFramer(max, r);
        byte[] seven = utf8("abcdefg");
        for (int i = 0; i < 100; i++) {
            framer.feed(seven, 0, seven.length);
            assertThat(framer.bufferCapacity()).isLessThanOrEqualTo(max + 1);
        }
        framer.feed(utf8("\nok\n"), 0, 4);
        assertThat(r.events).containsExactly("<oversized 700>", "ok");
    }

    @Test
    void feed_severalOverLongLines_eachIsReportedAndTheLinesBetweenArrive() throws InterruptedException {
        assertThat(frame(3, utf8("abcd\nok\nefghij\r\n\nxyz\n")))
                .containsExactly("<oversized 4>", "ok", "<oversized 6>", "", "xyz");
    }

    @Test
    void endOfStream_overLongLastLineWithoutTerminator_isReported() throws InterruptedException {
        assertThat(frame(3, utf8("ok\nabcdefgh"))).containsExactly("ok", "<oversized 8>");
    }

    @Test
    void feed_largeLineWithinLimit_isDeliveredAndLaterSmallLinesToo() throws InterruptedException {
        String big = "y".repeat(100_000);
        assertThat(frame(1 << 20, utf8(big + "\n"), utf8("small\n"))).containsExactly(big, "small");
    }

    @Test
    void feed_limitOfOne_acceptsOneByteLinesOnly() throws InterruptedException {
        assertThat(frame(1, utf8("a\nbc\n\nd\r\n"))).containsExactly("a", "<oversized 2>", "", "d");
    }
}
