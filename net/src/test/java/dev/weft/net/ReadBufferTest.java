package dev.weft.net;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

final class ReadBufferTest {

    @Test
    void new_isTheSmallSize() {
        assertThat(new ReadBuffer().bytes()).hasSize(ReadBuffer.MIN);
    }

    @Test
    void adapt_fullReads_doubleUpToTheMaximumAndNoFurther() {
        ReadBuffer buffer = new ReadBuffer();
        int expected = ReadBuffer.MIN;
        while (expected < ReadBuffer.MAX) {
            buffer.adapt(buffer.bytes().length);
            expected *= 2;
            assertThat(buffer.bytes()).hasSize(expected);
        }
        byte[] max = buffer.bytes();
        buffer.adapt(max.length);
        assertThat(buffer.bytes()).isSameAs(max);
    }

    @Test
    void adapt_aReadThatFitsTheSmallSize_dropsBackToIt() {
        ReadBuffer buffer = new ReadBuffer();
        for (int i = 0; i < 5; i++) {
            buffer.adapt(buffer.bytes().length);
        }
        assertThat(buffer.bytes()).hasSize(ReadBuffer.MIN << 5);

        buffer.adapt(ReadBuffer.MIN - 1);

        assertThat(buffer.bytes()).hasSize(ReadBuffer.MIN);
    }

    @Test
    void adapt_aPartialReadAboveTheSmallSize_keepsTheArray() {
        ReadBuffer buffer = new ReadBuffer();
        buffer.adapt(ReadBuffer.MIN);
        buffer.adapt(ReadBuffer.MIN * 2);
        byte[] grown = buffer.bytes();

        buffer.adapt(ReadBuffer.MIN + 1); // not full, not small: the size stays, no new array

        assertThat(buffer.bytes()).isSameAs(grown);
    }

    @Test
    void adapt_smallReadsAtTheSmallSize_keepTheArray() {
        ReadBuffer buffer = new ReadBuffer();
        byte[] small = buffer.bytes();

        buffer.adapt(0);
        buffer.adapt(10);

        assertThat(buffer.bytes()).isSameAs(small);
    }
}
