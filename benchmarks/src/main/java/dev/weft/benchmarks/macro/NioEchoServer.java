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
 * (each complete line is written back; the start of an unfinished line is kept per connection, reads share one buffer). About 100 lines, as a
 * competent hand-written event loop would be. Runs on the calling thread until the process is killed.
 */
final class NioEchoServer {

    private static final int BUFFER = 8192;

    private NioEchoServer() {
    }

    /**
     * Per-connection state: the start of a line whose end has not arrived yet, and bytes the socket did not take.
     * Both are empty in the steady state, so an idle connection costs no buffer; reads go through one shared buffer.
     */
    private static final class State {
        ByteBuffer partial = EMPTY;
        ByteBuffer pending = EMPTY;
    }

    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);

    static void run(ServerSocketChannel server, Runnable ready) throws IOException {
        ByteBuffer readBuffer = ByteBuffer.allocateDirect(BUFFER);
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
                                read(key, readBuffer);
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

    private static void read(SelectionKey key, ByteBuffer buf) throws IOException {
        SocketChannel ch = (SocketChannel) key.channel();
        State st = (State) key.attachment();
        buf.clear();
        buf.put(st.partial.flip());
        st.partial = EMPTY;
        int n = ch.read(buf);
        if (n < 0) {
            close(key);
            return;
        }
        int lastNewline = -1;
        for (int i = buf.position() - 1; i >= 0; i--) {
            if (buf.get(i) == '\n') {
                lastNewline = i;
                break;
            }
        }
        int end = buf.position();
        if (lastNewline + 1 < end) { // keep the start of an unfinished line for the next read
            if (end - lastNewline - 1 >= BUFFER / 2) {
                close(key); // a line longer than half the buffer: not part of this benchmark
                return;
            }
            st.partial = ByteBuffer.allocate(BUFFER / 2).put(buf.slice(lastNewline + 1, end - lastNewline - 1));
        }
        if (lastNewline < 0) {
            return;
        }
        ByteBuffer out = buf.slice(0, lastNewline + 1);
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
