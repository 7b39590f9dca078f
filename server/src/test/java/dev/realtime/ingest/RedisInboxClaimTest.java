package dev.realtime.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.realtime.metrics.GatewayMetrics;
import dev.realtime.notify.NotificationService;
import dev.realtime.protocol.BinaryCodec;
import dev.realtime.protocol.JsonCodec;
import dev.realtime.room.RoomBridge;
import dev.realtime.room.RoomService;
import dev.realtime.store.InMemoryInboxStore;
import dev.realtime.store.InMemoryKeyValueStore;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A Redis-routed inbox notification this node cannot queue (its inbox queue is full, or it is
 * stopping) is counted, not silently lost (issue 11, item 10); the node does not claim it, so
 * another node still can.
 */
class RedisInboxClaimTest {
    private static final String ROUTES = """
            {"routes": [{"id": "alerts", "redis": "alerts:*", "event": "alert",
                         "targets": [{"user": "{userId}"}], "inbox": true}]}
            """;

    @Test
    void aClaimTheInboxQueueRefusesIsCounted() throws RecordException {
        GatewayMetrics metrics = new GatewayMetrics();
        RoomService rooms = new RoomService(1, 0, new JsonCodec(32, 100), new BinaryCodec(100), ByteBufAllocator.DEFAULT,
                metrics, RoomBridge.LOCAL);
        InMemoryKeyValueStore claims = new InMemoryKeyValueStore();
        NotificationService notifications = new NotificationService(new InMemoryInboxStore(10, Duration.ofMinutes(1),
                System::currentTimeMillis), rooms, metrics, "t", null, null, Duration.ofMinutes(1));
        try {
            EventIngest ingest = new EventIngest(RouteTable.load(ROUTES, "test"), rooms, notifications, metrics,
                    new MessageClaims(claims));
            notifications.close(); // refuses every task from now on, like a full queue
            byte[] raw = "{\"userId\":\"u1\",\"level\":\"high\"}".getBytes(StandardCharsets.UTF_8);
            ingest.ingestRedis("alerts:*", "alerts:disk", ingest.table().parseRecord(raw), raw);
            assertEquals(1.0, metrics.ingestRejected.labels("redis", "queue_full").get());
            assertEquals(1.0, metrics.notifications.labels("queue_full").get());
        } finally {
            rooms.shutdown();
        }
    }
}
