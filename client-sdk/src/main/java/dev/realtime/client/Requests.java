package dev.realtime.client;

import com.fasterxml.jackson.databind.JsonNode;
import dev.realtime.protocol.ClientMessage;
import dev.realtime.protocol.MessageCodec;
import dev.realtime.protocol.Payload;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFuture;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.function.LongFunction;

/**
 * Sends client messages that expect a reply: fails fast with {@code not_connected} unless the
 * connection is live (requests are never queued), assigns the id, encodes with the negotiated
 * codec and registers the reply handler and its timeout.
 *
 * <p>The public entry points ({@link #request}, {@link #join}, {@link #leave}) may be called from any
 * thread: they only submit a task to the client's event loop. Everything else, and all state it
 * touches (the pending table, the room tracker), is confined to that loop.
 */
final class Requests {
    private final ClientCore core;
    private final PendingRequests pending;
    private final RoomTracker rooms;
    private final MessageCodec codec;

    Requests(ClientCore core, PendingRequests pending, RoomTracker rooms, MessageCodec codec) {
        this.core = core;
        this.pending = pending;
        this.rooms = rooms;
        this.codec = codec;
    }

    /** Sends a request built from its id; {@code onOk} maps the reply data on the loop. */
    <T> CompletableFuture<T> request(String what, LongFunction<ClientMessage> build, Function<Payload, T> onOk) {
        CompletableFuture<T> f = new CompletableFuture<>();
        if (!core.submit(() -> send(what, build, onOk, f))) {
            f.completeExceptionally(Futures.closedError());
        }
        return f;
    }

    /** Joins a room; on success the room is remembered for rejoining after reconnects. */
    CompletableFuture<JsonNode> join(String room) {
        return request("join " + room, id -> new ClientMessage.Join(id, room, null), p -> {
            rooms.joined(room, core.autoRooms());
            return core.mapper.toNode(p);
        });
    }

    /** Leaves a room; it is forgotten for rejoining at once, even if the request then fails. */
    CompletableFuture<JsonNode> leave(String room) {
        CompletableFuture<JsonNode> f = new CompletableFuture<>();
        Runnable task = () -> {
            rooms.forget(room);
            send("leave " + room, id -> new ClientMessage.Leave(id, room), core.mapper::toNode, f);
        };
        if (!core.submit(task)) {
            f.completeExceptionally(Futures.closedError());
        }
        return f;
    }

    /** On the loop: fails fast unless connected, else registers the request and writes it. */
    <T> void send(String what, LongFunction<ClientMessage> build, Function<Payload, T> onOk, CompletableFuture<T> f) {
        Connection conn = core.liveConnection();
        if (conn == null) {
            f.completeExceptionally(core.notLiveError(what));
            return;
        }
        long id = pending.register(f, onOk, what);
        try {
            write(conn, build.apply(id)).addListener(w -> {
                if (!w.isSuccess()) {
                    pending.fail(id, new RealtimeException(RealtimeException.DISCONNECTED,
                            what + ": write failed: " + w.cause(), null, w.cause()));
                }
            });
        } catch (RealtimeException e) {
            pending.fail(id, e);
        }
    }

    private ChannelFuture write(Connection conn, ClientMessage message) {
        ByteBuf buf = conn.channel.alloc().buffer();
        try {
            codec.encodeClient(message, buf);
        } catch (RuntimeException e) {
            buf.release();
            throw new RealtimeException(RealtimeException.INVALID_DATA,
                    "cannot encode " + message.op() + ": " + e.getMessage(), null, e);
        }
        WebSocketFrame frame = codec.binaryFrames() ? new BinaryWebSocketFrame(buf) : new TextWebSocketFrame(buf);
        return conn.channel.writeAndFlush(frame);
    }
}
