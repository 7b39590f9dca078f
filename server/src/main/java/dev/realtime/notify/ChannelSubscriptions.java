package dev.realtime.notify;

import com.fasterxml.jackson.databind.JsonNode;
import dev.realtime.emit.EmitContext;
import dev.realtime.emit.EmitRegistry;
import dev.realtime.protocol.ErrorCode;
import dev.realtime.server.Json;
import java.io.IOException;

/**
 * Seed 004's channel notifications: {@code notifications:subscribe {channelId}} joins room
 * {@code channel:{channelId}} (where the bundled route delivers {@code channel.notifications} records
 * that name no users) and {@code notifications:unsubscribe {channelId}} leaves it. The joins get
 * every check a client {@code join} gets. Reply data: {@code {"channelId","room"}}.
 *
 * <p>Threading: stateless; runs on the connection's event loop.
 */
public final class ChannelSubscriptions {
    public static final String SUBSCRIBE = "notifications:subscribe";
    public static final String UNSUBSCRIBE = "notifications:unsubscribe";
    static final String ROOM_PREFIX = "channel:";

    private ChannelSubscriptions() {
    }

    public static void register(EmitRegistry emits) {
        emits.register(SUBSCRIBE, ctx -> act(ctx, true));
        emits.register(UNSUBSCRIBE, ctx -> act(ctx, false));
    }

    private static void act(EmitContext ctx, boolean subscribe) {
        String channelId = channelId(ctx);
        if (channelId == null) {
            ctx.fail(ErrorCode.INVALID_MESSAGE, "data.channelId must be a non-empty string or number");
            return;
        }
        String room = ROOM_PREFIX + channelId;
        java.util.function.Consumer<dev.realtime.protocol.ErrorInfo> done = error -> {
            if (error != null) {
                ctx.fail(error);
            } else {
                ctx.reply(Json.payload(Json.obj("channelId", channelId, "room", room)));
            }
        };
        if (subscribe) {
            ctx.join(room, done);
        } else {
            ctx.leave(room, done);
        }
    }

    private static String channelId(EmitContext ctx) {
        if (ctx.data() == null || !ctx.data().isJson()) {
            return null;
        }
        try {
            JsonNode id = Json.MAPPER.readTree(ctx.data().bytes()).get("channelId");
            if (id != null && (id.isTextual() && !id.asText().isBlank() || id.isIntegralNumber())) {
                return id.asText();
            }
        } catch (IOException e) {
            return null;
        }
        return null;
    }
}
