package dev.realtime.socketio;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.realtime.emit.EmitContext;
import dev.realtime.emit.EmitRegistry;
import dev.realtime.protocol.ErrorCode;
import dev.realtime.protocol.ErrorInfo;
import dev.realtime.protocol.Payload;
import dev.realtime.protocol.ServerMessage;
import dev.realtime.room.RoomPolicy;
import dev.realtime.room.RoomService;
import dev.realtime.server.Json;
import java.io.IOException;
import java.util.Map;

/**
 * Seed operations that are emits (so native clients have them too), registered unless a feature
 * already has the name:
 * <ul>
 *   <li>{@code room:message {room, ...}} (seed 002): every member of {@code room} (the sender must
 *       be one) receives {@code room:message} with the object, {@code userId} set from the token and
 *       {@code timestamp} added. Reply data: none.</li>
 * </ul>
 * Threading: stateless; handlers run on the connection's loop and publish through the room service.
 */
final class SeedEmits {
    static final String ROOM_MESSAGE = "room:message";
    /** Seed 001's {@code subscribe:orders}: {@code admin/AdminEmits} handles it for every transport. */
    static final String SUBSCRIBE_ORDERS = "subscribe:orders";

    private SeedEmits() {
    }

    static void register(EmitRegistry emits, RoomService rooms) {
        if (emits.find(ROOM_MESSAGE) == null) {
            emits.register(ROOM_MESSAGE, ctx -> roomMessage(ctx, rooms));
        }
    }

    private static void roomMessage(EmitContext ctx, RoomService rooms) {
        JsonNode data = null;
        try {
            data = ctx.data() != null && ctx.data().isJson() ? Json.MAPPER.readTree(ctx.data().bytes()) : null;
        } catch (IOException e) {
            data = null;
        }
        if (data == null || !data.isObject() || !data.path("room").isTextual()) {
            ctx.fail(ErrorCode.INVALID_MESSAGE, "room:message needs an object with a room string");
            return;
        }
        String room = data.get("room").asText();
        ErrorInfo bad = RoomPolicy.validateRoomName(room);
        if (bad != null) {
            ctx.fail(bad);
            return;
        }
        if (RoomPolicy.GLOBAL.equals(room)) {
            ctx.fail(ErrorCode.FORBIDDEN, "clients may not publish to global"); // as a plain publish answers
            return;
        }
        if (!ctx.rooms().contains(room)) {
            ctx.fail(ErrorCode.NOT_IN_ROOM, "join the room first");
            return;
        }
        ObjectNode out = ((ObjectNode) data).deepCopy();
        if (ctx.principal().userId() != null) {
            out.put("userId", ctx.principal().userId());
        } else {
            out.remove("userId");
        }
        out.put("timestamp", System.currentTimeMillis());
        ServerMessage.Event event = new ServerMessage.Event(room, ROOM_MESSAGE, Payload.json(Json.bytes(out)), null, null);
        rooms.publish(null, room, event, "client", error -> ctx.reply(null));
    }
}
