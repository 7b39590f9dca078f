package dev.realtime.loadtest;

import dev.realtime.protocol.JsonCodec;
import dev.realtime.protocol.ServerMessage;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakerFactory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The kernel's floor for fan-out on this machine (issue 12, goal 4): a bare Netty server that does
 * nothing but what the harness's {@code fanout} scenario needs — accept the WebSocket upgrade, answer
 * {@code connected} and each {@code join} with pre-encoded frames, and for each {@code publish} build
 * one event frame (header and payload in one buffer, the probe data copied in as it came) and write
 * it to every member of the room with one {@code writeAndFlush} each: one system call per delivery,
 * no JSON parsing, no sessions, no limits, no history, no metrics. What it costs per delivery is
 * about the least any server on this kernel can pay for one-write-per-delivery fan-out; the
 * gateway's cost is reported as a multiple of it. Not a product: no checks of any kind.
 *
 * <pre>java -cp realtime-loadtest.jar dev.realtime.loadtest.FloorServer [port] [coalesce]</pre>
 * With {@code coalesce} it flushes each member once per event-loop tick instead (the floor of a
 * server that batches writes per tick, like the gateway).
 *
 * <p>Threading: one event loop; the room map is confined to it.
 */
public final class FloorServer {
    private static final byte[] OP_JOIN = "\"op\":\"join\"".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] OP_PUBLISH = "\"op\":\"publish\"".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] ID = "\"id\":".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] ROOM = "\"room\":\"".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] DATA = "\"data\":".getBytes(StandardCharsets.US_ASCII);

    private final Map<String, List<Channel>> rooms = new HashMap<>();
    private final boolean coalesce;
    private final List<Channel> touched = new ArrayList<>();
    private final ByteBuf connected;

    private FloorServer(boolean coalesce) {
        this.coalesce = coalesce;
        ByteBuf b = Unpooled.directBuffer();
        new JsonCodec().encodeServer(new ServerMessage.Connected("floor", "u", false, List.of(), 0, 600_000), b);
        this.connected = Unpooled.unreleasableBuffer(frame(b, ByteBufAllocator.DEFAULT));
    }

    public static void main(String[] args) throws InterruptedException {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 18080;
        boolean coalesce = args.length > 1 && args[1].equals("coalesce");
        FloorServer floor = new FloorServer(coalesce);
        boolean epoll = Epoll.isAvailable();
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
        Channel server = new ServerBootstrap().group(group)
                .channel(epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 4096)
                // The previous server of a compare run leaves its closed connections in TIME_WAIT on this port.
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(8192), floor.new Upgrade());
                    }
                })
                .bind("127.0.0.1", port).sync().channel();
        System.out.println("floor server on 127.0.0.1:" + port + (coalesce ? " (one flush per member per tick)" : " (one write per delivery)"));
        server.closeFuture().sync();
    }

    /** The upgrade request; afterwards this handler reads the frames. */
    private final class Upgrade extends SimpleChannelInboundHandler<Object> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof FullHttpRequest req) {
                WebSocketServerHandshaker hs = new WebSocketServerHandshakerFactory("ws://127.0.0.1/ws", "rt.json.v1", false)
                        .newHandshaker(req);
                hs.handshake(ctx.channel(), req).addListener(f -> {
                    if (f.isSuccess()) {
                        ctx.channel().writeAndFlush(connected.duplicate());
                    }
                });
                ctx.channel().closeFuture().addListener(f -> rooms.values().forEach(l -> l.remove(ctx.channel())));
            } else if (msg instanceof TextWebSocketFrame text) {
                onText(ctx, text.content());
            } else if (msg instanceof WebSocketFrame) {
                // pings, pongs, close: nothing to do for a load test
            }
        }
    }

    private void onText(ChannelHandlerContext ctx, ByteBuf in) {
        if (indexOf(in, OP_JOIN, in.readerIndex()) >= 0) {
            long id = number(in, indexOf(in, ID, in.readerIndex()) + ID.length);
            rooms.computeIfAbsent(room(in), k -> new ArrayList<>()).add(ctx.channel());
            ByteBuf reply = Unpooled.directBuffer();
            reply.writeCharSequence("{\"op\":\"reply\",\"id\":" + id + ",\"ok\":true}", StandardCharsets.US_ASCII);
            ctx.channel().writeAndFlush(frame(reply, ctx.alloc()));
        } else if (indexOf(in, OP_PUBLISH, in.readerIndex()) >= 0) {
            String room = room(in);
            List<Channel> members = rooms.get(room);
            int data = indexOf(in, DATA, in.readerIndex());
            if (members == null || data < 0) {
                return;
            }
            int from = data + DATA.length;
            int end = in.writerIndex() - 1; // the publish's closing brace
            ByteBuf payload = ctx.alloc().directBuffer(64 + room.length() + end - from);
            payload.writeCharSequence("{\"op\":\"event\",\"room\":\"" + room + "\",\"event\":\"lt\",\"data\":",
                    StandardCharsets.US_ASCII);
            payload.writeBytes(in, from, end - from);
            payload.writeByte('}');
            ByteBuf frame = frame(payload, ctx.alloc());
            for (int i = 0, n = members.size(); i < n; i++) {
                Channel m = members.get(i);
                if (coalesce) {
                    m.write(frame.retainedDuplicate(), m.voidPromise());
                    touched.add(m);
                } else {
                    m.writeAndFlush(frame.retainedDuplicate(), m.voidPromise());
                }
            }
            frame.release();
            if (coalesce && touched.size() == members.size()) { // first publish of this tick: flush at its end
                ctx.channel().eventLoop().execute(this::flushTouched);
            }
        }
    }

    private void flushTouched() {
        for (Channel c : touched) {
            c.flush();
        }
        touched.clear();
    }

    /** A complete unmasked text frame around {@code payload} (released). */
    private static ByteBuf frame(ByteBuf payload, ByteBufAllocator alloc) {
        int len = payload.readableBytes();
        ByteBuf out = alloc.directBuffer(len + 4);
        out.writeByte(0x81);
        if (len < 126) {
            out.writeByte(len);
        } else {
            out.writeByte(126).writeShort(len);
        }
        out.writeBytes(payload);
        payload.release();
        return out;
    }

    private static String room(ByteBuf in) {
        int at = indexOf(in, ROOM, in.readerIndex()) + ROOM.length;
        int end = at;
        while (end < in.writerIndex() && in.getByte(end) != '"') {
            end++;
        }
        return in.toString(at, end - at, StandardCharsets.US_ASCII);
    }

    private static long number(ByteBuf in, int at) {
        long n = 0;
        for (int i = at; i < in.writerIndex() && in.getByte(i) >= '0' && in.getByte(i) <= '9'; i++) {
            n = n * 10 + in.getByte(i) - '0';
        }
        return n;
    }

    private static int indexOf(ByteBuf in, byte[] needle, int from) {
        return NativeProtocol.indexOf(in, from, in.writerIndex(), needle);
    }
}
