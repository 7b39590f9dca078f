package dev.realtime.loadtest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.realtime.protocol.ClientMessage;
import dev.realtime.protocol.JsonCodec;
import dev.realtime.protocol.Payload;
import dev.realtime.protocol.ProtocolException;
import dev.realtime.protocol.ServerMessage;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * One connection of a soak user ({@code rt.json.v1}): joins its rooms (with {@code since} when the
 * user saw the room before: a history recovery), counts the probe events it receives, acks every
 * notification, and checks that a recovery's replay is gap-free. Whatever outlives the connection
 * (positions, counts) lives in its {@link SoakUser}.
 *
 * <p>Threading: confined to the channel's event loop, except {@link #ready}, {@link #send} and
 * {@link #close} (Netty channels are thread-safe for writes).
 */
final class SoakClient extends SimpleChannelInboundHandler<WebSocketFrame> {
    static final String EVENT = "soak";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonCodec CODEC = new JsonCodec();

    final SoakUser user;
    final CompletableFuture<SoakClient> ready = new CompletableFuture<>();
    private final List<String> rooms;
    private final SoakStats stats;
    private final Probe probe = Probe.create();
    private Channel channel;
    private long nextId = 1;
    /** Joins in flight: request id -> room. */
    private final Map<Long, String> joins = new HashMap<>();
    /** Recovering joins: room -> offsets replayed so far, and the position asked from. */
    private final Map<String, List<Long>> replaying = new HashMap<>();
    private final Map<String, Long> askedFrom = new HashMap<>();

    SoakClient(SoakUser user, List<String> rooms, SoakStats stats) {
        this.user = user;
        this.rooms = rooms;
        this.stats = stats;
    }

    Channel channel() {
        return channel;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        channel = ctx.channel();
    }

    /** Sends one client message (any thread). */
    void send(ClientMessage m) {
        Channel ch = channel;
        if (ch == null || !ch.isActive()) {
            return;
        }
        ByteBuf buf = ch.alloc().buffer(128);
        CODEC.encodeClient(m, buf);
        ch.writeAndFlush(new TextWebSocketFrame(buf), ch.voidPromise());
    }

    /** Joins {@code room}, with {@code since} when this user saw it before. Loop only. */
    void join(String room) {
        long id = nextId++;
        joins.put(id, room);
        SoakUser.Position p = user.recover ? user.positions.get(room) : null;
        if (p != null) {
            replaying.put(room, new ArrayList<>());
            askedFrom.put(room, p.offset());
        }
        send(new ClientMessage.Join(id, room, p == null ? null : new ClientMessage.Since(p.epoch(), p.offset())));
    }

    /** Leaves {@code room} (no answer needed). Loop only. */
    void leave(String room) {
        send(new ClientMessage.Leave(null, room));
    }

    void close() {
        Channel ch = channel;
        if (ch != null) {
            ch.close();
        }
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) {
        if (frame instanceof CloseWebSocketFrame close) {
            stats.error("closed_" + close.statusCode());
            ctx.close();
            return;
        }
        List<ServerMessage> messages;
        try {
            messages = CODEC.decodeServer(frame.content());
        } catch (ProtocolException e) {
            stats.error("malformed_frame");
            return;
        }
        for (ServerMessage m : messages) {
            if (m instanceof ServerMessage.Connected) {
                stats.connects.increment();
                if (rooms.isEmpty()) {
                    ready.complete(this);
                }
                rooms.forEach(this::join);
            } else if (m instanceof ServerMessage.Event e) {
                event(e);
            } else if (m instanceof ServerMessage.Reply r) {
                reply(r);
            } else if (m instanceof ServerMessage.Error e) {
                stats.error(e.error() == null ? "error" : e.error().code());
            }
        }
    }

    private void event(ServerMessage.Event e) {
        if ("notification:new".equals(e.event())) {
            notification(e.data());
            return;
        }
        if (!EVENT.equals(e.event()) || e.room() == null || e.data() == null) {
            return;
        }
        if (e.offset() != null) {
            user.positions.put(e.room(), new SoakUser.Position(e.epoch(), e.offset()));
            List<Long> replay = replaying.get(e.room());
            if (replay != null) {
                replay.add(e.offset());
            }
        }
        if (probe.parse(Unpooled.wrappedBuffer(e.data().bytes()))) {
            user.received(probe.r, probe.s, stats);
        }
    }

    private void notification(Payload data) {
        try {
            JsonNode d = JSON.readTree(data.bytes());
            stats.notificationReceived(d.path("soak").asLong(-1));
            String id = d.path("notificationId").asText(null);
            if (id != null) {
                byte[] ack = ("{\"notificationId\":\"" + id + "\"}").getBytes(StandardCharsets.UTF_8);
                send(new ClientMessage.Emit(nextId++, "notifications:read", Payload.json(ack)));
            }
        } catch (IOException ex) {
            stats.error("bad_notification");
        }
    }

    private void reply(ServerMessage.Reply r) {
        String room = joins.remove(r.id());
        if (room == null) { // an ack
            if (!r.ok()) {
                stats.error("ack_" + r.error().code());
            } else if (r.data() != null && new String(r.data().bytes(), StandardCharsets.UTF_8).contains("\"read\":true")) {
                stats.acked.increment();
            }
            return;
        }
        if (!r.ok()) {
            stats.error("join_" + r.error().code());
        } else {
            checkRecovery(room, r.data());
        }
        if (joins.isEmpty() && !ready.isDone()) {
            ready.complete(this);
        }
    }

    /** A recovering join's answer: count it, and check its replay was exactly the missed offsets. */
    private void checkRecovery(String room, Payload data) {
        List<Long> replayed = replaying.remove(room);
        Long from = askedFrom.remove(room);
        if (replayed == null || data == null) {
            return;
        }
        try {
            JsonNode d = JSON.readTree(data.bytes());
            if (!d.path("recovered").asBoolean()) {
                stats.recoveriesFailed.increment();
                return;
            }
            stats.recoveries.increment();
            stats.replayed.add(replayed.size());
            for (int i = 0; i < replayed.size(); i++) {
                if (replayed.get(i) != from + 1 + i) {
                    stats.recoveryGaps.increment();
                    return;
                }
            }
        } catch (IOException e) {
            stats.error("bad_join_reply");
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt == WebSocketClientProtocolHandler.ClientHandshakeStateEvent.HANDSHAKE_TIMEOUT) {
            stats.error("handshake_timeout");
            ready.completeExceptionally(new IllegalStateException("handshake timeout"));
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        stats.error(cause.getClass().getSimpleName());
        ready.completeExceptionally(cause);
        ctx.close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (!ready.isDone()) {
            stats.error("closed_before_ready");
            ready.completeExceptionally(new IllegalStateException("closed before ready"));
        }
    }
}
