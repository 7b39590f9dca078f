package dev.realtime.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.realtime.metrics.GatewayMetrics;
import dev.realtime.testing.RedisServer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.HostAndPort;

/**
 * One Redis server stops (killed, as a crash) under cross-node traffic and comes back empty: what
 * the buses accepted meanwhile waits in their outage buffers and is replayed in order once the
 * receivers are subscribed again, so nothing is lost and nothing arrives twice.
 */
class RedisBusOutageTest {

    private static List<String> rooms(int n) {
        List<String> rooms = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            rooms.add("room-" + i);
        }
        return rooms;
    }

    @Test
    void aFiveSecondOutageUnderAThousandMessagesASecondLosesNothing() throws Exception {
        try (RedisServer redis = RedisServer.start()) {
            HostAndPort at = new HostAndPort("127.0.0.1", redis.port());
            GatewayMetrics ma = new GatewayMetrics();
            try (BusTraffic traffic = new BusTraffic(rooms(10))
                    .add("a", RedisBus.standalone(at, null, "rt:", "a", ma, RedisBus.DEFAULT_BUFFER_BYTES))
                    .add("b", RedisBus.standalone(at, null, "rt:", "b", new GatewayMetrics(), RedisBus.DEFAULT_BUFFER_BYTES))) {
                traffic.awaitSubscribed();
                traffic.start(500, 100); // per bus: 1,000 messages a second in all, plus signals from a second thread
                Thread.sleep(1_500);
                redis.stopProcess();
                Thread.sleep(5_000);
                redis.startProcess();
                keepSubscribersOut(redis.port(), 1_500); // publishers come back first: the worst order
                Thread.sleep(1_000);
                traffic.stop();
                assertTrue(traffic.sentTotal() > 8_000, "sent " + traffic.sentTotal());
                traffic.assertExactlyOnceInOrder(30);
                assertTrue(ma.redis.busBuffered.get() > 1_000, "the outage was buffered: " + ma.redis.busBuffered.get());
                assertTrue(ma.redis.busReplayed.get() > 1_000, "and replayed: " + ma.redis.busReplayed.get());
                assertEquals(0, ma.busDropped.get());
            }
        }
    }

    @Test
    void overflowBeyondTheBudgetIsCountedAndWhatWasKeptStillArrives() throws Exception {
        try (RedisServer redis = RedisServer.start()) {
            HostAndPort at = new HostAndPort("127.0.0.1", redis.port());
            GatewayMetrics ma = new GatewayMetrics();
            RedisBus a = RedisBus.standalone(at, null, "rt:", "a", ma, 200_000);
            RedisBus b = RedisBus.standalone(at, null, "rt:", "b", new GatewayMetrics(), RedisBus.DEFAULT_BUFFER_BYTES);
            BlockingQueue<String> atB = new LinkedBlockingQueue<>();
            try {
                a.start((room, payload) -> { });
                b.start((room, payload) -> atB.add(new String(payload, StandardCharsets.UTF_8)));
                b.subscribe("r");
                b.subscribed("r").get(10, TimeUnit.SECONDS);
                await(a::healthy);
                redis.stopProcess();
                await(() -> !a.healthy());
                byte[] big = new byte[10_000];
                int accepted = 0;
                for (int i = 0; i < 200; i++) { // 2 MB into a budget of 1 MB (the floor)
                    big[0] = (byte) i;
                    a.publish("r", ("m" + i + ":").getBytes(StandardCharsets.UTF_8));
                    a.publish("r", big);
                }
                assertTrue(ma.redis.busOverflow.get() > 0, "overflow counted");
                accepted = (int) (400 - ma.redis.busOverflow.get());
                redis.startProcess();
                int got = 0;
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (got < accepted && System.nanoTime() < deadline) {
                    if (atB.poll(100, TimeUnit.MILLISECONDS) != null) {
                        got++;
                    }
                }
                assertEquals(accepted, got, "everything kept was delivered");
            } finally {
                a.close();
                b.close();
            }
        }
    }

    @Test
    void closeDrainsWhatWasQueued() throws Exception {
        try (RedisServer redis = RedisServer.start()) {
            HostAndPort at = new HostAndPort("127.0.0.1", redis.port());
            RedisBus a = RedisBus.standalone(at, null, "rt:", "a", new GatewayMetrics(), RedisBus.DEFAULT_BUFFER_BYTES);
            RedisBus b = RedisBus.standalone(at, null, "rt:", "b", new GatewayMetrics(), RedisBus.DEFAULT_BUFFER_BYTES);
            BlockingQueue<String> atB = new LinkedBlockingQueue<>();
            try {
                a.start((room, payload) -> { });
                b.start((room, payload) -> atB.add(new String(payload, StandardCharsets.UTF_8)));
                b.subscribe("r");
                b.subscribed("r").get(10, TimeUnit.SECONDS);
                await(a::healthy);
                for (int i = 0; i < 20_000; i++) {
                    a.publish("r", ("m" + i).getBytes(StandardCharsets.UTF_8));
                }
                a.close(); // right away: the publisher must send all of it first
                for (int i = 0; i < 20_000; i++) {
                    String m = atB.poll(10, TimeUnit.SECONDS);
                    assertEquals("m" + i, m);
                }
            } finally {
                a.close();
                b.close();
            }
        }
    }

    /**
     * For {@code ms}, refuses every {@code SUBSCRIBE} (an ACL on the default user), so the subscribers
     * return only after the publishers started replaying (what a subscriber on a slower reconnect
     * schedule, or a far network path, looks like). Refused, not killed after subscribing: a
     * subscription killed right after a publish counted it loses that message (the documented
     * "receiver that loses only its own subscription" case, which no publisher can see).
     */
    static void keepSubscribersOut(int port, long ms) throws InterruptedException {
        try (redis.clients.jedis.Jedis j = new redis.clients.jedis.Jedis("127.0.0.1", port)) {
            j.aclSetUser("default", "-subscribe", "-ssubscribe", "-psubscribe");
            Thread.sleep(ms);
            j.aclSetUser("default", "+@all");
        }
    }

    static void await(java.util.function.BooleanSupplier c) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!c.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within 20 s");
            }
            Thread.sleep(20);
        }
    }
}
