package dev.realtime.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.realtime.metrics.GatewayMetrics;
import dev.realtime.testing.RedisServer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.HostAndPort;

/**
 * A Redis that stops answering without closing its sockets (frozen with SIGSTOP, as a half-open
 * peer after a network partition looks): the bus notices, reports itself down, and once Redis
 * answers again reconnects and delivers across nodes without a restart.
 */
class RedisBusWatchdogTest {

    @Test
    void aSilentRedisIsNoticedAndTheBusRecovers() throws Exception {
        try (RedisServer redis = RedisServer.start()) {
            HostAndPort at = new HostAndPort("127.0.0.1", redis.port());
            RedisBus a = new RedisBus(at, null, RedisBus.DEFAULT_PREFIX, "wa", new GatewayMetrics(), 200);
            RedisBus b = new RedisBus(at, null, RedisBus.DEFAULT_PREFIX, "wb", new GatewayMetrics(), 200);
            BlockingQueue<String> received = new LinkedBlockingQueue<>();
            try {
                a.start((room, envelope) -> received.add(room + "=" + new String(envelope, StandardCharsets.UTF_8)));
                b.start((room, envelope) -> { });
                a.subscribe("r");
                await(() -> a.healthy() && b.healthy(), "both buses up");
                redis.freeze();
                await(() -> !a.healthy(), "the silent subscriber is noticed");
                redis.thaw();
                await(() -> a.healthy() && b.healthy(), "both buses reconnect");
                String got = null;
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (got == null && System.nanoTime() < deadline) {
                    b.publish("r", "after".getBytes(StandardCharsets.UTF_8)); // until the resubscribe is in place
                    got = received.poll(100, TimeUnit.MILLISECONDS);
                }
                assertNotNull(got, "delivery resumed");
                assertEquals("r=after", got);
            } finally {
                redis.thaw();
                a.close();
                b.close();
            }
        }
    }

    @Test
    void afterOneSilenceTheNextConnectionIsNotDroppedAgain() throws Exception {
        try (RedisServer redis = RedisServer.start()) {
            HostAndPort at = new HostAndPort("127.0.0.1", redis.port());
            GatewayMetrics metrics = new GatewayMetrics();
            // Pings every second, so a reconnect (about 100 ms) usually completes between two checks,
            // and a healthy connection is dropped only after 3 s without a pong (not by a busy machine).
            RedisBus a = new RedisBus(at, null, RedisBus.DEFAULT_PREFIX, "sa", metrics, 1_000);
            RedisBus b = new RedisBus(at, null, RedisBus.DEFAULT_PREFIX, "sb", new GatewayMetrics(), 1_000);
            java.util.concurrent.CountDownLatch firstMessage = new java.util.concurrent.CountDownLatch(1);
            try {
                // The first message stalls a's subscriber thread until the watchdog gives up on the
                // connection (a slow handler or a long GC pause looks the same): the pongs go unread.
                // Then the thread reconnects at once, well within one watchdog interval.
                a.start((room, envelope) -> {
                    if (firstMessage.getCount() > 0) {
                        firstMessage.countDown();
                        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                        while (a.healthy() && System.nanoTime() < deadline) {
                            java.util.concurrent.locks.LockSupport.parkNanos(5_000_000);
                        }
                    }
                });
                b.start((room, envelope) -> { });
                a.subscribe("s");
                await(() -> a.healthy() && b.healthy(), "both buses up");
                b.publish("s", "stall".getBytes(StandardCharsets.UTF_8));
                assertTrue(firstMessage.await(10, TimeUnit.SECONDS));
                await(() -> drops(metrics) >= 1, "the stalled connection was dropped");
                await(a::healthy, "reconnected");
                double dropsAfterReconnect = drops(metrics);
                long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(4);
                while (System.nanoTime() < until) { // four watchdog intervals on a healthy connection
                    java.util.concurrent.locks.LockSupport.parkNanos(50_000_000);
                }
                assertEquals(dropsAfterReconnect, drops(metrics), "a healthy new connection must not be dropped");
                assertTrue(a.healthy());
            } finally {
                a.close();
                b.close();
            }
        }
    }

    private static double drops(GatewayMetrics metrics) {
        Double v = metrics.busErrors.labels("subscriber").get();
        return v == null ? 0 : v;
    }

    private static void await(BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "timed out: " + what);
            java.util.concurrent.locks.LockSupport.parkNanos(20_000_000);
        }
    }
}
