package dev.weft.benchmarks.macro;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.HdrHistogram.Histogram;

/**
 * The load driver process: a closed loop over N connections on one thread (a NIO selector), each connection sending
 * a 64-byte line and sending the next as soon as the reply line is in.
 *
 * <pre>
 * LoadDriver echo|message PORT CONNECTIONS WARMUP_MS MEASURE_MS SERVER_PID
 *   prints: RESULT requests seconds serverCpuMicros p50us p99us p999us
 * LoadDriver idle PORT CONNECTIONS
 *   opens the connections, does one round trip on each, prints READY, holds them until stdin ends
 * </pre>
 *
 * <p>The server's CPU time over the measurement window is read from {@code /proc/<pid>/stat} (utime + stime, in
 * clock ticks of 10 ms) at the window's start and end.
 */
public final class LoadDriver {

    /** Bytes per request line, newline included. */
    static final int LINE_BYTES = 64;
    /** Clock ticks per second of {@code /proc/<pid>/stat} ({@code getconf CLK_TCK}; 100 on Linux x86-64). */
    static final long CLOCK_TICKS = 100;

    private LoadDriver() {
    }

    /** One client connection: its request, its read buffer, and when its request went out. */
    private static final class Conn {
        final SocketChannel ch;
        final ByteBuffer request;
        final ByteBuffer in = ByteBuffer.allocate(4096);
        long sentAt;
        long replies;

        Conn(SocketChannel ch, byte[] request) {
            this.ch = ch;
            this.request = ByteBuffer.wrap(request);
        }
    }

    /**
     * Runs the driver.
     *
     * @param args see the class comment
     * @throws Exception if a connection fails
     */
    public static void main(String[] args) throws Exception {
        String mode = args[0];
        int port = Integer.parseInt(args[1]);
        int connections = Integer.parseInt(args[2]);
        byte[] request = request(mode.equals("message"));
        try (Selector selector = Selector.open()) {
            List<Conn> conns = connect(port, connections, request, selector);
            if (mode.equals("idle")) {
                idle(selector, conns);
                return;
            }
            long warmupNanos = Long.parseLong(args[3]) * 1_000_000L;
            long measureNanos = Long.parseLong(args[4]) * 1_000_000L;
            long serverPid = Long.parseLong(args[5]);
            run(selector, conns, warmupNanos, measureNanos, serverPid);
            for (Conn c : conns) {
                c.ch.close();
            }
        }
    }

    static byte[] request(boolean message) {
        String head = message ? EchoServer.ECHO + " data=" : "";
        StringBuilder sb = new StringBuilder(head);
        while (sb.length() < LINE_BYTES - 1) {
            sb.append((char) ('a' + sb.length() % 26));
        }
        return (sb + "\n").getBytes(StandardCharsets.US_ASCII);
    }

    private static List<Conn> connect(int port, int n, byte[] request, Selector selector) throws IOException {
        List<Conn> conns = new ArrayList<>(n);
        InetSocketAddress address = new InetSocketAddress("127.0.0.1", port);
        for (int i = 0; i < n; i++) {
            SocketChannel ch = SocketChannel.open(address);
            ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
            ch.configureBlocking(false);
            Conn c = new Conn(ch, request);
            ch.register(selector, SelectionKey.OP_READ, c);
            conns.add(c);
        }
        return conns;
    }

    private static void send(Conn c) throws IOException {
        c.request.clear();
        c.sentAt = System.nanoTime();
        c.ch.write(c.request);
        if (c.request.hasRemaining()) {
            // a 64-byte write into an empty socket buffer always completes; anything else is a broken run
            throw new IOException("short write of a request");
        }
    }

    /** Reads what is there; returns the number of complete reply lines. */
    private static int receive(Conn c) throws IOException {
        int n = c.ch.read(c.in);
        if (n < 0) {
            throw new IOException("server closed a connection");
        }
        int lines = 0;
        int last = -1;
        for (int i = 0; i < c.in.position(); i++) {
            if (c.in.get(i) == '\n') {
                lines++;
                last = i;
            }
        }
        if (last >= 0) {
            c.in.flip();
            c.in.position(last + 1);
            c.in.compact();
        }
        return lines;
    }

    private static void idle(Selector selector, List<Conn> conns) throws IOException {
        for (Conn c : conns) {
            send(c);
        }
        int waiting = conns.size();
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (waiting > 0) {
            if (System.nanoTime() > deadline) {
                throw new IOException(waiting + " of " + conns.size() + " connections got no reply in 60 s");
            }
            selector.select(1000);
            Iterator<SelectionKey> it = selector.selectedKeys().iterator();
            while (it.hasNext()) {
                SelectionKey key = it.next();
                it.remove();
                Conn c = (Conn) key.attachment();
                if (receive(c) > 0 && c.replies++ == 0) {
                    waiting--;
                }
            }
        }
        System.out.println("READY");
        System.out.flush();
        while (System.in.read() >= 0) {
            // hold the connections until the suite closes our stdin
        }
    }

    private static void run(Selector selector, List<Conn> conns, long warmupNanos, long measureNanos, long serverPid)
            throws IOException {
        Histogram histogram = new Histogram(60_000_000L, 3);
        long start = System.nanoTime();
        long measureFrom = start + warmupNanos;
        long measureTo = measureFrom + measureNanos;
        boolean measuring = false;
        long cpuStart = 0;
        long requests = 0;
        for (Conn c : conns) {
            send(c);
        }
        while (true) {
            long now = System.nanoTime();
            if (!measuring && now >= measureFrom) {
                measuring = true;
                cpuStart = cpuTicks(serverPid);
                measureFrom = now;
                measureTo = now + measureNanos;
            }
            if (measuring && now >= measureTo) {
                break;
            }
            selector.select(10);
            Iterator<SelectionKey> it = selector.selectedKeys().iterator();
            while (it.hasNext()) {
                SelectionKey key = it.next();
                it.remove();
                Conn c = (Conn) key.attachment();
                if (receive(c) > 0) {
                    long t = System.nanoTime();
                    if (measuring) {
                        histogram.recordValue(Math.max(1, (t - c.sentAt) / 1000));
                        requests++;
                    }
                    send(c);
                }
            }
        }
        long end = System.nanoTime();
        long cpuEnd = cpuTicks(serverPid);
        double seconds = (end - measureFrom) / 1e9;
        long cpuMicros = (cpuEnd - cpuStart) * 1_000_000L / CLOCK_TICKS;
        System.out.println("RESULT " + requests + " " + seconds + " " + cpuMicros + " "
                + histogram.getValueAtPercentile(50) + " " + histogram.getValueAtPercentile(99) + " "
                + histogram.getValueAtPercentile(99.9));
        System.out.flush();
    }

    /** utime + stime of a process, in clock ticks. */
    static long cpuTicks(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        // the command name (field 2) may contain spaces; fields after the last ')' are positional
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]); // fields 14 and 15
    }
}
