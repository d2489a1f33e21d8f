package dev.weft.benchmarks.micro;

import dev.weft.net.Message;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The message codec: weft's {@link Message#parse(String)} and text writer against {@link MiniMessage}, a minimal
 * hand-written parser of the same syntax subset (the floor), for messages of about 64 B, 1 KiB and 64 KiB
 * ({@link MiniMessage#sample}). Parse is measured from a {@code String} and from UTF-8 bytes (decode, then parse);
 * format writes the text of an already-parsed message (weft: its writer, {@code MessageText.format}, which
 * {@code toText()} runs once and caches). Score: ns per message; the suite derives MB/s and reads bytes allocated
 * per message from the GC profiler.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
public class MessageCodecBench {

    /** Nominal message size in bytes. */
    @Param({"64", "1024", "65536"})
    public int size;

    String text;
    byte[] bytes;
    Message message;
    MiniMessage mini;

    /** Builds the sample message and its parsed forms. */
    @Setup
    public void setUp() {
        text = MiniMessage.sample(size);
        bytes = text.getBytes(StandardCharsets.UTF_8);
        message = Message.parse(text);
        mini = MiniMessage.parse(text);
        if (!mini.parameters().equals(message.parameters()) || !mini.command().equals(message.command())) {
            throw new IllegalStateException("the hand-written parser disagrees with weft on " + text);
        }
    }

    /** weft: parse a String. */
    @Benchmark
    public Message parseStringWeft() {
        return Message.parse(text);
    }

    /** Floor: parse a String. */
    @Benchmark
    public MiniMessage parseStringHand() {
        return MiniMessage.parse(text);
    }

    /** weft: decode UTF-8 bytes, parse. */
    @Benchmark
    public Message parseBytesWeft() {
        return Message.parse(new String(bytes, StandardCharsets.UTF_8));
    }

    /** Floor: decode UTF-8 bytes, parse. */
    @Benchmark
    public MiniMessage parseBytesHand() {
        return MiniMessage.parse(new String(bytes, StandardCharsets.UTF_8));
    }

    /** weft: write the text form. */
    @Benchmark
    public String formatWeft() {
        return WeftInternals.format(message);
    }

    /** Floor: write the text form. */
    @Benchmark
    public String formatHand() {
        return mini.format();
    }
}
