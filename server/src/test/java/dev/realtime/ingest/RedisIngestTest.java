package dev.realtime.ingest;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.realtime.metrics.GatewayMetrics;
import dev.realtime.notify.NotificationService;
import dev.realtime.protocol.BinaryCodec;
import dev.realtime.protocol.JsonCodec;
import dev.realtime.room.RoomBridge;
import dev.realtime.room.RoomService;
import dev.realtime.store.InMemoryInboxStore;
import dev.realtime.store.InMemoryKeyValueStore;
import dev.realtime.testing.RedisServer;
import io.netty.buffer.ByteBufAllocator;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.HostAndPort;

/**
 * The Redis channel subscriber notices a connection that went silent (the server frozen with
 * SIGSTOP: the socket stays open, nothing answers), reports itself down, and resubscribes once the
 * server answers again.
 */
class RedisIngestTest {

    @Test
    void aSilentConnectionIsDroppedAndReplacedWhenRedisAnswersAgain() throws Exception {
        GatewayMetrics metrics = new GatewayMetrics();
        RoomService rooms = new RoomService(1, 0, new JsonCodec(32, 100), new BinaryCodec(100), ByteBufAllocator.DEFAULT,
                metrics, RoomBridge.LOCAL);
        NotificationService notifications = new NotificationService(new InMemoryInboxStore(10, Duration.ofMinutes(1),
                System::currentTimeMillis), rooms, metrics, "t", null, null, Duration.ofMinutes(1));
        EventIngest ingest = new EventIngest(RouteTable.bundledDefault(), rooms, notifications, metrics,
                new MessageClaims(new InMemoryKeyValueStore()));
        try (RedisServer redis = RedisServer.start()) {
            RedisIngest sub = new RedisIngest(new HostAndPort("127.0.0.1", redis.port()), null, ingest, metrics, "t", 200);
            try {
                sub.start();
                await(sub::healthy, "subscribed");
                redis.freeze();
                await(() -> !sub.healthy(), "noticed the silent connection");
                redis.thaw();
                await(sub::healthy, "resubscribed after Redis answered again");
            } finally {
                redis.thaw();
                sub.close();
                notifications.close();
                rooms.shutdown();
            }
        }
    }

    private static void await(BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "timed out: " + what);
            java.util.concurrent.locks.LockSupport.parkNanos(20_000_000);
        }
    }
}
