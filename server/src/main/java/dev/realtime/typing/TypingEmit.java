package dev.realtime.typing;

import dev.realtime.emit.EmitContext;
import dev.realtime.emit.EmitData;
import dev.realtime.emit.EmitRegistry;
import dev.realtime.protocol.ErrorCode;
import dev.realtime.protocol.ErrorInfo;
import dev.realtime.protocol.ServerMessage;
import dev.realtime.room.RoomPolicy;
import dev.realtime.server.Json;

/**
 * The {@code typing} emit (seed 002): {@code {"room":"lobby","isTyping":true}} from a member of the
 * room; the other members get {@code room:typing} {@code {"room","userId","isTyping"}}, and a
 * {@code false} follows by itself after the typing timeout, a leave or a disconnect.
 *
 * <p>Threading: stateless; runs on the caller's loop and hands the update to the {@link TypingService}.
 */
public final class TypingEmit {
    public static final String EMIT = "typing";
    public static final String EVENT = "room:typing";
    static final String SHAPE = "{\"room\":\"lobby\",\"isTyping\":true}";

    /** The {@code room:typing} event. */
    public static final TypingService.Style STYLE = (room, userId, typing) -> new ServerMessage.Event(room, EVENT,
            Json.payload(Json.obj("room", room, "userId", userId, "isTyping", typing)), null, null);

    private final TypingService typing;

    private TypingEmit(TypingService typing) {
        this.typing = typing;
    }

    public static void register(EmitRegistry emits, TypingService typing) {
        emits.register(EMIT, new TypingEmit(typing)::handle);
    }

    private void handle(EmitContext ctx) {
        try {
            EmitData d = EmitData.of(ctx, SHAPE);
            String room = d.text("room");
            ErrorInfo bad = RoomPolicy.validateRoomName(room);
            if (bad != null) {
                ctx.fail(bad);
                return;
            }
            boolean isTyping = d.bool("isTyping");
            if (ctx.principal().anonymous()) {
                ctx.fail(ErrorCode.FORBIDDEN, "anonymous connections cannot send typing indicators");
                return;
            }
            if (RoomPolicy.GLOBAL.equals(room) || room.startsWith(RoomPolicy.USER_PREFIX)) {
                ctx.fail(ErrorCode.INVALID_ROOM, "typing is for rooms joined to talk in, not " + room);
                return;
            }
            if (!ctx.rooms().contains(room)) {
                ctx.fail(ErrorCode.NOT_IN_ROOM, "join the room first");
                return;
            }
            update(typing, STYLE, ctx, room, isTyping);
        } catch (EmitData.Invalid e) {
            ctx.fail(e.error());
        }
    }

    /** Hands one update to {@code typing} and answers the emit with its outcome. */
    public static void update(TypingService typing, TypingService.Style style, EmitContext ctx, String room, boolean isTyping) {
        typing.update(style, ctx.sid(), ctx.principal().userId(), room, isTyping, error -> {
            if (error == null) {
                ctx.reply(null);
            } else {
                ctx.fail(error);
            }
        });
    }
}
