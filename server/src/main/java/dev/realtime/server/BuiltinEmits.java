package dev.realtime.server;

import dev.realtime.emit.EmitRegistry;
import java.util.List;
import java.util.Map;

/** Emit handlers every node has: {@code get_rooms} returns the caller's rooms. */
final class BuiltinEmits {
    private BuiltinEmits() {
    }

    static void register(EmitRegistry emits) {
        emits.register("get_rooms", ctx -> ctx.reply(Json.payload(Map.of("rooms", List.copyOf(ctx.rooms())))));
    }
}
