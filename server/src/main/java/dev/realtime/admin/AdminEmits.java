package dev.realtime.admin;

import dev.realtime.emit.EmitContext;
import dev.realtime.emit.EmitData;
import dev.realtime.emit.EmitRegistry;
import dev.realtime.protocol.ErrorCode;
import dev.realtime.protocol.ErrorInfo;
import dev.realtime.protocol.ServerMessage;
import dev.realtime.room.RoomPolicy;
import dev.realtime.server.Json;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * Seed 001's dashboard events:
 * <ul>
 *   <li>{@code subscribe:admin} joins room {@code admin} (where the route table's {@code admin:*}
 *       events arrive); role {@code admin} only, else {@code forbidden}. {@code unsubscribe:admin}
 *       leaves it.</li>
 *   <li>{@code request:stats} (role {@code admin}): the {@code stats} event to the caller, with the
 *       same data as {@code GET /api/stats} ({@link NodeStats}); the reply is {@code ok}.</li>
 *   <li>{@code subscribe:orders} {@code {"userId"?}}: accepted for seed clients; the user's order
 *       events already reach every device through {@code user:{id}}. A {@code userId} other than the
 *       token's is {@code forbidden} (the identity comes from the token, never the payload).</li>
 * </ul>
 *
 * <p>Threading: stateless; handlers run on the caller's loop, the stats are gathered on the shards
 * and sent from the caller's loop.
 */
public final class AdminEmits {
    public static final String SUBSCRIBE = "subscribe:admin";
    public static final String UNSUBSCRIBE = "unsubscribe:admin";
    public static final String REQUEST_STATS = "request:stats";
    public static final String STATS_EVENT = "stats";
    public static final String SUBSCRIBE_ORDERS = "subscribe:orders";
    public static final String ADMIN_ROOM = "admin";

    private final Supplier<CompletableFuture<Map<String, Object>>> stats;

    private AdminEmits(Supplier<CompletableFuture<Map<String, Object>>> stats) {
        this.stats = stats;
    }

    /** @param stats the node's statistics ({@link NodeStats#collect}) */
    public static void register(EmitRegistry emits, Supplier<CompletableFuture<Map<String, Object>>> stats) {
        AdminEmits a = new AdminEmits(stats);
        emits.register(SUBSCRIBE, a::subscribe);
        emits.register(UNSUBSCRIBE, a::unsubscribe);
        emits.register(REQUEST_STATS, a::requestStats);
        emits.register(SUBSCRIBE_ORDERS, a::subscribeOrders);
    }

    private void subscribe(EmitContext ctx) {
        if (!ctx.principal().isAdmin()) {
            ctx.fail(ErrorCode.FORBIDDEN, "subscribe:admin needs the admin role");
            return;
        }
        ctx.join(ADMIN_ROOM, error -> answer(ctx, error));
    }

    private void unsubscribe(EmitContext ctx) {
        ctx.leave(ADMIN_ROOM, error -> answer(ctx, error));
    }

    private static void answer(EmitContext ctx, ErrorInfo error) {
        if (error != null) {
            ctx.fail(error);
        } else {
            ctx.reply(Json.payload(Json.obj("room", ADMIN_ROOM)));
        }
    }

    private void requestStats(EmitContext ctx) {
        if (!ctx.principal().isAdmin()) {
            ctx.fail(ErrorCode.FORBIDDEN, "request:stats needs the admin role");
            return;
        }
        stats.get().whenComplete((body, error) -> ctx.onLoop(() -> {
            if (error != null) {
                ctx.fail(ErrorCode.UNAVAILABLE, "stats are unavailable, try again");
                return;
            }
            ctx.send(new ServerMessage.Event(null, STATS_EVENT, Json.payload(body), null, null));
            ctx.reply(null);
        }));
    }

    private void subscribeOrders(EmitContext ctx) {
        try {
            EmitData d = EmitData.optional(ctx, "{\"userId\":\"<your user id>\"} or nothing");
            if (ctx.principal().anonymous()) {
                ctx.fail(ErrorCode.FORBIDDEN, "orders belong to a user: authenticate first");
                return;
            }
            // The seed's client sends its userId; the user is the token's, whatever it says.
            String self = ctx.principal().userId();
            ctx.reply(Json.payload(Json.obj("userId", self, "room", RoomPolicy.userRoom(self))));
        } catch (EmitData.Invalid e) {
            ctx.fail(e.error());
        }
    }
}
