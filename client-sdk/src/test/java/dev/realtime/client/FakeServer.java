package dev.realtime.client;

import dev.realtime.protocol.ClientMessage;
import dev.realtime.protocol.JsonCodec;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A tiny scripted WebSocket server (Netty's {@link WebSocketServerProtocolHandler}, subprotocol
 * {@code rt.json.v1}) for situations the real gateway does not produce on demand: garbage frames,
 * join replies with {@code recovered}, a server that stops answering.
 */
final class FakeServer implements AutoCloseable {

    /** What the server does; called on its event loop. */
    interface Script {
        void opened(Conn conn);

        default void received(Conn conn, ClientMessage message) {
        }
    }

    /** One accepted WebSocket connection. */
    static final class Conn {
        final ChannelHandlerContext ctx;
        /** 1 for the first connection the server accepted, 2 for the next... */
        final int number;

        Conn(ChannelHandlerContext ctx, int number) {
            this.ctx = ctx;
            this.number = number;
        }

        void send(String json) {
            ctx.writeAndFlush(new TextWebSocketFrame(json));
        }

        void close(int code, String reason) {
            ctx.writeAndFlush(new CloseWebSocketFrame(code, reason)).addListener(ChannelFutureListener.CLOSE);
        }

        /** Stops reading: pings are no longer answered, as with a dead peer. */
        void stopReading() {
            ctx.channel().config().setAutoRead(false);
        }

        static String connected(String userId) {
            return "{\"op\":\"connected\",\"sid\":\"s\",\"userId\":\"" + userId + "\",\"anonymous\":false,"
                    + "\"rooms\":[\"user:" + userId + "\",\"global\"],\"serverTime\":1,\"pingIntervalMs\":25000}";
        }
    }

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final AtomicInteger accepted = new AtomicInteger();
    private final Channel server;

    FakeServer(Script script) throws InterruptedException {
        JsonCodec codec = new JsonCodec();
        WebSocketServerProtocolConfig ws = WebSocketServerProtocolConfig.newBuilder()
                .websocketPath("/ws").subprotocols("rt.json.v1").build();
        server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(65536),
                                new WebSocketServerProtocolHandler(ws), new ChannelInboundHandlerAdapter() {
                                    private Conn conn;

                                    @Override
                                    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                                        if (evt instanceof WebSocketServerProtocolHandler.HandshakeComplete) {
                                            conn = new Conn(ctx, accepted.incrementAndGet());
                                            script.opened(conn);
                                        }
                                        ctx.fireUserEventTriggered(evt);
                                    }

                                    @Override
                                    public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                        try {
                                            if (msg instanceof TextWebSocketFrame) {
                                                for (ClientMessage m : codec.decodeClient(((TextWebSocketFrame) msg).content())) {
                                                    script.received(conn, m);
                                                }
                                            }
                                        } finally {
                                            ReferenceCountUtil.release(msg);
                                        }
                                    }
                                });
                    }
                })
                .bind("127.0.0.1", 0).sync().channel();
    }

    String uri() {
        return "ws://127.0.0.1:" + ((InetSocketAddress) server.localAddress()).getPort() + "/ws";
    }

    int accepted() {
        return accepted.get();
    }

    @Override
    public void close() throws InterruptedException {
        server.close().sync();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }
}
