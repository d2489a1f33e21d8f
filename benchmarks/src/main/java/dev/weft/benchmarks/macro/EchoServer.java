package dev.weft.benchmarks.macro;

import dev.weft.net.Dispatcher;
import dev.weft.net.Message;
import dev.weft.net.MessageConnection;
import dev.weft.net.StreamServer;
import dev.weft.runtime.Scope;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.LineBasedFrameDecoder;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;

/**
 * A benchmark server process: {@code EchoServer <kind> [port]} binds 127.0.0.1 on an ephemeral port (or, for the
 * weft kinds, the given one: the reconnect benchmark restarts a server on the same port), prints
 * {@code PORT <n>} on stdout and serves until killed. Kinds ({@link ServerKind}): weft's {@link StreamServer} (line
 * echo), a NIO selector loop, Netty epoll with one event loop, raw virtual threads on {@link Socket}, a platform
 * thread per connection, and the message protocol echo in weft ({@link Dispatcher}) and in Netty (the same
 * {@link Message#parse} and {@link Message#toText}).
 *
 * <p>Control channel: stdin. The line {@code heap} makes the server run {@code System.gc()} twice and answer
 * {@code HEAP <bytes used>} on stdout (for the idle-connection memory benchmark). End of stdin ends the process, so
 * a server never outlives the suite that started it.
 */
public final class EchoServer {

    /** The message command the message-echo servers answer, and the reply they send. */
    static final String ECHO = "ECHO";
    static final String ECHOED = "ECHOED";

    private EchoServer() {
    }

    /**
     * Starts the server of the kind named in {@code args[0]}.
     *
     * @param args {@code <kind>}
     * @throws Exception if the server cannot start
     */
    public static void main(String[] args) throws Exception {
        if (args.length != 1 && args.length != 2) {
            System.err.println("usage: EchoServer <" + ServerKind.names() + "> [port (weft kinds; default 0)]");
            System.exit(2);
        }
        ServerKind kind = ServerKind.of(args[0]);
        int port = args.length == 2 ? Integer.parseInt(args[1]) : 0;
        PrintStream out = System.out;
        Runnable control = () -> control(out);
        switch (kind) {
            case WEFT -> weft(false, port, control);
            case WEFT_MESSAGE -> weft(true, port, control);
            case NIO -> {
                ServerSocketChannel server = NioEchoServer.bind("127.0.0.1");
                NioEchoServer.run(server, () -> ready(server.socket().getLocalPort(), control));
            }
            case NETTY -> netty(false, control);
            case NETTY_MESSAGE -> netty(true, control);
            case VT_SOCKET -> blockingSockets(Thread.ofVirtual().name("vt-echo-", 0).factory(), control);
            case PLATFORM -> blockingSockets(Thread.ofPlatform().name("echo-", 0).stackSize(256 * 1024).factory(),
                    control);
        }
    }

    private static void ready(int port, Runnable control) {
        System.out.println("PORT " + port);
        System.out.flush();
        Thread.ofPlatform().daemon().name("control").start(control);
    }

    /** Reads stdin commands; exits the process at end of stdin. */
    private static void control(PrintStream out) {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                if (line.equals("heap")) {
                    System.gc();
                    System.gc();
                    Runtime rt = Runtime.getRuntime();
                    out.println("HEAP " + (rt.totalMemory() - rt.freeMemory()));
                    out.flush();
                }
            }
        } catch (IOException e) {
            // stdin broken: the suite is gone
        }
        Runtime.getRuntime().halt(0);
    }

    private static void weft(boolean messages, int port, Runnable control) throws Exception {
        Dispatcher dispatcher = Dispatcher.builder()
                .on(ECHO, (m, ctx) -> ctx.reply(m.replyTo(ECHOED).parameter("data", m.require("data"))))
                .build();
        try (Scope scope = Scope.open("echo")) {
            StreamServer server = StreamServer.builder(new InetSocketAddress("127.0.0.1", port))
                    .backlog(4096)
                    .maxConnections(20_000)
                    .start(scope, connection -> {
                        if (messages) {
                            dispatcher.serve(MessageConnection.over(connection));
                        } else {
                            for (String line : connection.lines()) {
                                connection.send(line);
                            }
                        }
                    });
            ready(server.port(), control);
            scope.join();
        }
    }

    private static void blockingSockets(java.util.concurrent.ThreadFactory threads, Runnable control)
            throws IOException {
        try (ServerSocket server = new ServerSocket();
                var executor = Executors.newThreadPerTaskExecutor(threads)) {
            server.bind(new InetSocketAddress("127.0.0.1", 0), 4096);
            ready(server.getLocalPort(), control);
            while (true) {
                Socket socket = server.accept();
                socket.setTcpNoDelay(true);
                executor.execute(() -> {
                    try (socket;
                            BufferedReader in = new BufferedReader(
                                    new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
                            BufferedWriter w = new BufferedWriter(
                                    new OutputStreamWriter(socket.getOutputStream(), StandardCharsets.UTF_8))) {
                        String line;
                        while ((line = in.readLine()) != null) {
                            w.write(line);
                            w.write('\n');
                            w.flush(); // (flushing only when !in.ready() would hang on a partial next line)
                        }
                    } catch (IOException e) {
                        // peer gone
                    }
                });
            }
        }
    }

    private static void netty(boolean messages, Runnable control) throws InterruptedException {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        try {
            ServerBootstrap b = new ServerBootstrap()
                    .group(group)
                    .channel(EpollServerSocketChannel.class)
                    .option(ChannelOption.SO_BACKLOG, 4096)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline().addLast(new LineBasedFrameDecoder(1 << 20, messages, false));
                            ch.pipeline().addLast(messages ? new NettyMessageHandler() : new NettyEchoHandler());
                        }
                    });
            var channel = b.bind("127.0.0.1", 0).sync().channel();
            ready(((InetSocketAddress) channel.localAddress()).getPort(), control);
            channel.closeFuture().sync();
        } finally {
            group.shutdownGracefully();
        }
    }

    /** Writes each frame (the line with its newline) back; flushes once per read batch. */
    private static final class NettyEchoHandler extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ctx.write(msg, ctx.voidPromise());
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    /** Parses each line with {@link Message#parse}, answers {@code ECHO} with {@code ECHOED data=...}. */
    private static final class NettyMessageHandler extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf frame = (ByteBuf) msg;
            String line;
            try {
                line = frame.toString(StandardCharsets.UTF_8);
            } finally {
                frame.release();
            }
            Message m = Message.parse(line);
            if (m.command().equals(ECHO)) {
                String reply = m.replyTo(ECHOED).parameter("data", m.require("data")).build().toText() + "\n";
                ctx.write(Unpooled.wrappedBuffer(reply.getBytes(StandardCharsets.UTF_8)), ctx.voidPromise());
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
