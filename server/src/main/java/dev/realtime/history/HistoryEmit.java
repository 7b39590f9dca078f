package dev.realtime.history;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.realtime.emit.EmitContext;
import dev.realtime.protocol.ErrorCode;
import dev.realtime.protocol.Payload;
import dev.realtime.protocol.ServerMessage;
import dev.realtime.room.RoomJournal;
import dev.realtime.room.RoomService;
import dev.realtime.server.Json;
import java.io.IOException;
import java.util.Base64;

/**
 * The {@code history} emit: {@code {"room":"r","limit":50}} answers the room's newest events, and
 * with {@code "since":{"epoch":"..","offset":41}} the events after that position (or
 * {@code recovered:false}). Only members of the room may read it. Reply:
 * {@code {"room","epoch","offset" (the head),"recovered","events":[{"event","data","offset"}]}};
 * binary payloads come as base64 with {@code "binary":true}.
 *
 * <p>Threading: stateless; validates on the event loop, reads on the room's shard or lane, and
 * builds the reply back on the event loop.
 */
public final class HistoryEmit {
    public static final String EVENT = "history";
    static final int DEFAULT_LIMIT = 50;

    private final RoomService rooms;
    private final int maxLimit;

    public HistoryEmit(RoomService rooms, int maxLimit) {
        this.rooms = rooms;
        this.maxLimit = maxLimit;
    }

    public void handle(EmitContext ctx) {
        JsonNode data = parse(ctx.data());
        JsonNode roomNode = data == null ? null : data.get("room");
        if (roomNode == null || !roomNode.isTextual()) {
            ctx.fail(ErrorCode.INVALID_MESSAGE, "data.room must be a room name");
            return;
        }
        String room = roomNode.asText();
        if (!ctx.rooms().contains(room)) {
            ctx.fail(ErrorCode.NOT_IN_ROOM, "join the room first");
            return;
        }
        if (!rooms.journals(room)) {
            ctx.fail(ErrorCode.INVALID_ROOM, room + " keeps no history");
            return;
        }
        JsonNode limitNode = data.get("limit");
        int limit = DEFAULT_LIMIT;
        if (limitNode != null && !limitNode.isNull()) {
            if (!limitNode.isIntegralNumber() || !limitNode.canConvertToInt() || limitNode.asInt() < 1) { // 1.5 is not a count
                ctx.fail(ErrorCode.INVALID_MESSAGE, "data.limit must be a positive integer");
                return;
            }
            limit = Math.min(limitNode.asInt(), maxLimit);
        }
        JsonNode since = data.get("since");
        String epoch = null;
        long offset = 0;
        if (since != null && !since.isNull()) {
            if (!since.path("epoch").isTextual() || !since.path("offset").isIntegralNumber()
                    || !since.path("offset").canConvertToLong() || since.path("offset").asLong() < 0) {
                ctx.fail(ErrorCode.INVALID_MESSAGE, "data.since needs a string epoch and a non-negative offset");
                return;
            }
            epoch = since.get("epoch").asText();
            offset = since.get("offset").asLong();
        }
        // Fetched on the room's shard or lane; the reply (a parse per event) is built on the loop.
        rooms.history(room, limit, epoch, offset, replay -> ctx.onLoop(() -> {
            if (replay == null) {
                ctx.fail(ErrorCode.UNAVAILABLE, "the room history is unavailable, try again");
            } else {
                ctx.reply(Json.payload(answer(room, replay)));
            }
        }));
    }

    private static ObjectNode answer(String room, RoomJournal.Replay replay) {
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        out.put("room", room);
        out.put("epoch", replay.epoch());
        out.put("offset", replay.head());
        out.put("recovered", replay.recovered());
        ArrayNode events = out.putArray("events");
        for (ServerMessage.Event e : replay.events()) {
            ObjectNode o = events.addObject();
            o.put("event", e.event());
            Payload p = e.data();
            if (p == null) {
                o.putNull("data");
            } else if (p.isJson()) {
                o.set("data", parse(p));
            } else {
                o.put("data", Base64.getEncoder().encodeToString(p.bytes()));
                o.put("binary", true);
            }
            o.put("offset", e.offset());
        }
        return out;
    }

    private static JsonNode parse(Payload p) {
        if (p == null || !p.isJson()) {
            return null;
        }
        try {
            return Json.MAPPER.readTree(p.bytes());
        } catch (IOException e) {
            return null;
        }
    }
}
