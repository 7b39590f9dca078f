package dev.realtime.emit;

import dev.realtime.protocol.ErrorInfo;
import dev.realtime.server.Json;

/**
 * Emits that join or leave the room of one thing named in their data, as the seeds' events do
 * ({@code video:join {"videoId":"123"}} is room {@code video:123}): the id is read with
 * {@link EmitData#id}, the room gets every check of a client {@code join}/{@code leave}, and the
 * reply is {@code {"<idField>": id, "room": room}}.
 *
 * <p>Threading: stateless; handlers run on the caller's loop.
 */
public final class RoomEmits {
    private RoomEmits() {
    }

    /** Joins room {@code prefix + data[idField]}; {@code shape} shows the expected data in errors. */
    public static EmitHandler join(String prefix, String idField, String shape) {
        return ctx -> act(ctx, prefix, idField, shape, true);
    }

    /** Leaves room {@code prefix + data[idField]} ({@code not_in_room} when not a member). */
    public static EmitHandler leave(String prefix, String idField, String shape) {
        return ctx -> act(ctx, prefix, idField, shape, false);
    }

    private static void act(EmitContext ctx, String prefix, String idField, String shape, boolean join) {
        try {
            String id = EmitData.of(ctx, shape).id(idField);
            String room = prefix + id;
            java.util.function.Consumer<ErrorInfo> done = error -> answer(ctx, error, Json.obj(idField, id, "room", room));
            if (join) {
                ctx.join(room, done);
            } else {
                ctx.leave(room, done);
            }
        } catch (EmitData.Invalid e) {
            ctx.fail(e.error());
        }
    }

    /** Fails with {@code error}, or replies with {@code data} as JSON. */
    public static void answer(EmitContext ctx, ErrorInfo error, Object data) {
        if (error != null) {
            ctx.fail(error);
        } else {
            ctx.reply(Json.payload(data));
        }
    }
}
