package dev.weft.benchmarks.macro;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Iterator;

/**
 * The baseline peer: a plain {@code java.nio} selector loop on one platform thread, level-triggered, line framed
 * (each complete line is written back; a partial line waits in the connection's buffer). About 100 lines, as a
 * competent hand-written event loop would be. Runs on the calling thread until the process is killed.
 */
final class NioEchoServer {

    private static final int BUFFER = 8192;

    private NioEchoServer() {
    }

    /** Per-connection state: the bytes read but not yet echoed, and the bytes waiting to be written. */
    private static final class State {
        final ByteBuffer in = ByteBuffer.allocate(BUFFER);
        ByteBuffer pending = ByteBuffer.allocate(0);
    }

    static void run(ServerSocketChannel server, Runnable ready) throws IOException {
        try (Selector selector = Selector.open()) {
            server.configureBlocking(false);
            server.register(selector, SelectionKey.OP_ACCEPT);
            ready.run();
            while (true) {
                selector.select();
                Iterator<SelectionKey> it = selector.selectedKeys().iterator();
                while (it.hasNext()) {
                    SelectionKey key = it.next();
                    it.remove();
                    try {
                        if (!key.isValid()) {
                            continue;
                        }
                        if (key.isAcceptable()) {
                            accept(server, selector);
                        } else {
                            if (key.isWritable()) {
                                flush(key);
                            }
                            if (key.isValid() && key.isReadable()) {
                                read(key);
                            }
                        }
                    } catch (IOException e) {
                        close(key);
                    }
                }
            }
        }
    }

    private static void accept(ServerSocketChannel server, Selector selector) throws IOException {
        SocketChannel ch;
        while ((ch = server.accept()) != null) {
            ch.configureBlocking(false);
            ch.setOption(java.net.StandardSocketOptions.TCP_NODELAY, true);
            ch.register(selector, SelectionKey.OP_READ, new State());
        }
    }

    private static void read(SelectionKey key) throws IOException {
        SocketChannel ch = (SocketChannel) key.channel();
        State st = (State) key.attachment();
        int n = ch.read(st.in);
        if (n < 0) {
            close(key);
            return;
        }
        // echo every complete line; keep the partial tail
        ByteBuffer in = st.in;
        int lastNewline = -1;
        for (int i = in.position() - 1; i >= 0; i--) {
            if (in.get(i) == '\n') {
                lastNewline = i;
                break;
            }
        }
        if (lastNewline < 0) {
            if (!in.hasRemaining()) {
                close(key); // a line longer than the buffer: not part of this benchmark
            }
            return;
        }
        in.flip();
        ByteBuffer out = in.slice(0, lastNewline + 1);
        if (st.pending.hasRemaining()) {
            ByteBuffer merged = ByteBuffer.allocate(st.pending.remaining() + out.remaining());
            merged.put(st.pending).put(out).flip();
            st.pending = merged;
        } else {
            ch.write(out);
            if (out.hasRemaining()) {
                st.pending = ByteBuffer.allocate(out.remaining()).put(out).flip();
                key.interestOps(SelectionKey.OP_READ | SelectionKey.OP_WRITE);
            }
        }
        in.position(lastNewline + 1);
        in.compact();
    }

    private static void flush(SelectionKey key) throws IOException {
        State st = (State) key.attachment();
        ((SocketChannel) key.channel()).write(st.pending);
        if (!st.pending.hasRemaining()) {
            key.interestOps(SelectionKey.OP_READ);
        }
    }

    private static void close(SelectionKey key) {
        key.cancel();
        try {
            key.channel().close();
        } catch (IOException ignored) {
            // closing a broken connection
        }
    }

    static ServerSocketChannel bind(String host) throws IOException {
        ServerSocketChannel server = ServerSocketChannel.open();
        server.bind(new InetSocketAddress(host, 0), 4096);
        return server;
    }
}
