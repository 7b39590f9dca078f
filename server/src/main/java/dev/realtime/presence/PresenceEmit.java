package dev.realtime.presence;

import com.fasterxml.jackson.databind.JsonNode;
import dev.realtime.emit.EmitContext;
import dev.realtime.protocol.ErrorCode;
import dev.realtime.room.RoomPolicy;
import dev.realtime.server.Json;
import java.io.IOException;
import java.util.List;
import java.util.TreeSet;

/**
 * The {@code presence} emit: {@code {"room":"lobby"}} answers the users in the room across the
 * cluster (live nodes only), {@code {"room","users":[..],"count"}}. The caller must be a member.
 * {@code global} and {@code user:} rooms are not tracked per member and answer {@code invalid_room}.
 *
 * <p>Threading: stateless; the store is read on the presence thread, the reply built on the loop.
 */
public final class PresenceEmit {
    public static final String EVENT = "presence";

    private final PresenceTracker tracker;

    public PresenceEmit(PresenceTracker tracker) {
        this.tracker = tracker;
    }

    public void handle(EmitContext ctx) {
        String room = room(ctx);
        if (room == null) {
            ctx.fail(ErrorCode.INVALID_MESSAGE, "data.room must be a room name");
            return;
        }
        if (RoomPolicy.GLOBAL.equals(room) || room.startsWith(RoomPolicy.USER_PREFIX)) {
            ctx.fail(ErrorCode.INVALID_ROOM, "presence is tracked for joined rooms, not " + room);
            return;
        }
        if (!ctx.rooms().contains(room)) {
            ctx.fail(ErrorCode.NOT_IN_ROOM, "join the room first");
            return;
        }
        tracker.members(room).whenComplete((users, error) -> ctx.onLoop(() -> {
            if (error != null) {
                ctx.fail(ErrorCode.UNAVAILABLE, "presence is unavailable, try again");
            } else {
                ctx.reply(Json.payload(Json.obj("room", room, "users", List.copyOf(new TreeSet<>(users)),
                        "count", users.size())));
            }
        }));
    }

    private static String room(EmitContext ctx) {
        if (ctx.data() == null || !ctx.data().isJson()) {
            return null;
        }
        try {
            JsonNode room = Json.MAPPER.readTree(ctx.data().bytes()).get("room");
            return room != null && room.isTextual() && !room.asText().isEmpty() ? room.asText() : null;
        } catch (IOException e) {
            return null;
        }
    }
}
