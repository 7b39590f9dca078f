package dev.realtime.ws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameEncoder;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link WsClose} over a real socket: the close frame queued behind a backlog reaches a client that
 * reads slowly, however long the backlog takes (bounded by the flush timeout), and the socket is
 * closed after the close timeout when the client never closes, or never reads.
 */
class WsCloseTest {
    private static final int BACKLOG_FRAMES = 32;
    private static final int FRAME_BYTES = 32 * 1024;

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    /** The server side of the one accepted connection. */
    private final CompletableFuture<Channel> accepted = new CompletableFuture<>();

    @AfterEach
    void stop() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** A server that sends a 1 MB backlog, then closes with 4000 through {@link WsClose}. */
    private int serve(long flushTimeoutMs, long timeoutMs) {
        Channel server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childOption(ChannelOption.SO_SNDBUF, 4096)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new WebSocket13FrameEncoder(false), new ChannelInboundHandlerAdapter() {
                            @Override
                            public void channelActive(ChannelHandlerContext chc) {
                                for (int i = 0; i < BACKLOG_FRAMES; i++) {
                                    chc.write(new BinaryWebSocketFrame(chc.alloc().buffer(FRAME_BYTES).writeZero(FRAME_BYTES)));
                                }
                                WsClose.send(chc.channel(), 4000, "bye", flushTimeoutMs, timeoutMs);
                                accepted.complete(chc.channel());
                            }

                            @Override
                            public void channelRead(ChannelHandlerContext chc, Object msg) {
                                io.netty.util.ReferenceCountUtil.release(msg); // discards, as the node does
                            }
                        });
                    }
                }).bind("127.0.0.1", 0).syncUninterruptibly().channel();
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    private static Socket connect(int port) throws IOException {
        Socket s = new Socket();
        s.setReceiveBufferSize(4096);
        s.connect(new InetSocketAddress("127.0.0.1", port));
        s.setSoTimeout(20_000);
        return s;
    }

    /** Reads frames, pausing {@code pauseMs} after each, until the close frame; returns its code. */
    private static int readToClose(InputStream raw, long pauseMs) throws Exception {
        DataInputStream in = new DataInputStream(raw);
        int frames = 0;
        while (true) {
            int opcode = in.readUnsignedByte() & 0x0f;
            int len = in.readUnsignedByte() & 0x7f;
            long length = len == 126 ? in.readUnsignedShort() : len == 127 ? in.readLong() : len;
            byte[] payload = new byte[(int) length];
            in.readFully(payload);
            if (opcode == 0x8) {
                assertEquals(BACKLOG_FRAMES, frames, "the backlog first");
                return ((payload[0] & 0xff) << 8) | (payload[1] & 0xff);
            }
            frames++;
            Thread.sleep(pauseMs); // a slow link
        }
    }

    @Test
    void aClientThatReadsSlowerThanTheCloseTimeoutStillGetsTheCloseFrame() throws Exception {
        int port = serve(10_000, 300);
        try (Socket s = connect(port)) {
            long start = System.nanoTime();
            assertEquals(4000, readToClose(s.getInputStream(), 40)); // 32 x 40 ms: over four close timeouts
            assertTrue(System.nanoTime() - start > TimeUnit.MILLISECONDS.toNanos(1_200), "the backlog took its time");
            assertEquals(-1, s.getInputStream().read(), "then the node's FIN");
            s.close();
            assertTrue(accepted.get(5, TimeUnit.SECONDS).closeFuture().await(5, TimeUnit.SECONDS), "closed once we closed");
        }
    }

    @Test
    void aClientThatNeverClosesIsClosedAfterTheCloseTimeout() throws Exception {
        int port = serve(10_000, 300);
        try (Socket s = connect(port)) {
            // Before reading: the close frame cannot get out before we read the backlog (1 MB against
            // two 4 KB buffers), so the node's timer starts after this and the check below has no slack to lose.
            long out = System.nanoTime();
            assertEquals(4000, readToClose(s.getInputStream(), 0));
            Channel ch = accepted.get(5, TimeUnit.SECONDS);
            assertTrue(ch.closeFuture().await(5, TimeUnit.SECONDS), "closed without our close");
            assertTrue(System.nanoTime() - out > TimeUnit.MILLISECONDS.toNanos(290), "not before the close timeout");
        }
    }

    @Test
    void aClientThatNeverReadsIsClosedAfterTheFlushTimeout() throws Exception {
        int port = serve(800, 300);
        long start = System.nanoTime(); // before the connect: the node's timer starts after it
        try (Socket s = connect(port)) {
            Channel ch = accepted.get(5, TimeUnit.SECONDS);
            assertTrue(ch.closeFuture().await(5, TimeUnit.SECONDS), "closed though the close frame never got out");
            assertTrue(System.nanoTime() - start > TimeUnit.MILLISECONDS.toNanos(790), "not before the flush timeout");
        }
    }
}
