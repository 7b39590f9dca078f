package dev.realtime.server;

import dev.realtime.auth.ApiKeyCheck;
import dev.realtime.auth.TokenVerifier;
import dev.realtime.cluster.Bus;
import dev.realtime.config.GatewayConfig;
import dev.realtime.emit.EmitRegistry;
import dev.realtime.ingest.EventForwarding;
import dev.realtime.ingest.EventIngest;
import dev.realtime.notify.NotificationService;
import dev.realtime.presence.PresenceTracker;
import dev.realtime.session.SessionListener;
import dev.realtime.metrics.GatewayMetrics;
import dev.realtime.protocol.BinaryCodec;
import dev.realtime.protocol.JsonCodec;
import dev.realtime.protocol.MessageCodec;
import dev.realtime.room.LoopOutbox;
import dev.realtime.room.RoomPolicy;
import dev.realtime.room.RoomService;
import dev.realtime.session.ConnectionRegistry;
import dev.realtime.ws.ConnectionSweeper;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.EventLoop;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The node's shared services ({@code bus} is null for a node that is alone, {@code forwarding} when
 * nothing is forwarded to Kafka), built once by {@link GatewayServer} and handed to every handler.
 * Every field is immutable or thread-safe; per-loop objects are looked up by the channel's loop.
 */
public record GatewayContext(
        GatewayConfig config,
        GatewayMetrics metrics,
        TokenVerifier tokens,
        ApiKeyCheck apiKey,
        RoomService rooms,
        RoomPolicy policy,
        ConnectionRegistry connections,
        EmitRegistry emits,
        JsonCodec json,
        BinaryCodec binary,
        ByteBufAllocator alloc,
        Map<EventLoop, LoopOutbox> outboxes,
        Map<EventLoop, ConnectionSweeper> sweepers,
        AtomicBoolean draining,
        long startedAtMillis,
        String version,
        Bus bus,
        PresenceTracker presence,
        NotificationService notifications,
        EventIngest ingest,
        EventForwarding forwarding,
        SessionListener sessionListener,
        Dependencies dependencies) {

    public MessageCodec codecFor(String subprotocol) {
        return BinaryCodec.SUBPROTOCOL.equals(subprotocol) ? binary : json;
    }

    public boolean isDraining() {
        return draining.get();
    }

    /** Whether every configured dependency is reachable (a node alone has none). */
    public boolean dependenciesHealthy() {
        return dependencies.allUp();
    }
}
