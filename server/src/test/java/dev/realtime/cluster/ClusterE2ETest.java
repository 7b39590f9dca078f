package dev.realtime.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.realtime.testing.RedisServer;
import dev.realtime.testing.TestNode;
import dev.realtime.testing.WsClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

/** Three gateway nodes in one JVM joined by a real Redis server. */
class ClusterE2ETest {
    private RedisServer redis;
    private final List<TestNode> nodes = new ArrayList<>();
    private final List<WsClient> clients = new ArrayList<>();

    @BeforeEach
    void start() {
        redis = RedisServer.start();
        for (String id : new String[] {"node-a", "node-b", "node-c"}) {
            nodes.add(TestNode.start(Map.of("REDIS_URL", redis.url(), "NODE_ID", id)));
        }
    }

    @AfterEach
    void stop() {
        clients.forEach(WsClient::close);
        nodes.forEach(TestNode::close);
        redis.close();
    }

    private WsClient connect(int node, String user) {
        WsClient c = nodes.get(node).connect(user);
        clients.add(c);
        return c;
    }

    /** Waits (bounded) until {@code n} nodes subscribe to the room's channel. */
    private void awaitSubscribers(String room, long n) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        try (Jedis j = new Jedis("127.0.0.1", redis.port())) {
            while (System.nanoTime() < deadline) {
                if (j.pubsubNumSub("rt:room:" + room).get("rt:room:" + room) >= n) {
                    return;
                }
                Thread.onSpinWait();
            }
        }
        throw new AssertionError(room + " never had " + n + " subscribed nodes");
    }

    private static boolean isEvent(JsonNode m, String event) {
        return "event".equals(m.path("op").asText()) && event.equals(m.path("event").asText());
    }

    @Test
    void roomMessageReachesEveryMemberOnEveryNodeExactlyOnce() {
        WsClient a1 = connect(0, "a1");
        WsClient b1 = connect(1, "b1");
        WsClient c1 = connect(2, "c1");
        WsClient c2 = connect(2, "c2");
        for (WsClient c : List.of(a1, b1, c1, c2)) {
            c.join("lobby");
        }
        awaitSubscribers("lobby", 3);
        a1.publish("lobby", "chat:message", "{\"text\":\"hello cluster\"}");
        a1.publish("lobby", "marker", "1");
        for (WsClient c : List.of(a1, b1, c1, c2)) {
            JsonNode ev = c.expectEvent("chat:message");
            assertEquals("hello cluster", ev.get("data").get("text").asText());
            assertEquals("lobby", ev.get("room").asText());
            c.expectEvent("marker");
            c.expectNone(m -> isEvent(m, "chat:message"), Duration.ofMillis(200));
        }
    }

    @Test
    void aJoinReplyMeansEventsPublishedElsewhereFromNowOnArrive() {
        WsClient alice = connect(0, "alice-j");
        WsClient bob = connect(1, "bob-j");
        for (int i = 0; i < 20; i++) {
            String room = "fresh-" + i;
            alice.join(room);
            // No waiting for Redis here: bob's reply itself promises that node B now hears the room.
            assertTrue(bob.join(room).get("ok").asBoolean());
            alice.publish(room, "hello", Integer.toString(i));
            assertEquals(i, bob.expectEvent("hello").get("data").asInt(), room);
        }
    }

    @Test
    void userNotificationThroughAnyNodeReachesEveryDevice() {
        WsClient phone = connect(0, "u1");
        WsClient laptop = connect(2, "u1");
        WsClient other = connect(1, "u2");
        awaitSubscribers("user:u1", 2);
        assertEquals(202, nodes.get(1).post("/api/realtime/internal/notify",
                "{\"userIds\":[\"u1\"],\"payload\":{\"type\":\"badge\"}}").status());
        for (WsClient c : List.of(phone, laptop)) {
            assertEquals("badge", c.expectEvent("notification:new").get("data").get("type").asText());
            c.expectNone(m -> isEvent(m, "notification:new"), Duration.ofMillis(200));
        }
        other.expectNone(m -> isEvent(m, "notification:new"), Duration.ofMillis(200));
    }

    @Test
    void redisRestartIsSurvivedWithoutRestartingNodes() throws Exception {
        WsClient a1 = connect(0, "a1");
        WsClient c1 = connect(2, "c1");
        a1.join("ops");
        c1.join("ops");
        awaitSubscribers("ops", 2);

        redis.stopProcess();
        awaitReady(nodes.get(0), 503);
        assertEquals("degraded", nodes.get(0).get("/health/ready").json().get("status").asText());
        // Local delivery goes on while Redis is down.
        a1.publish("ops", "local-only", "1");
        a1.expectEvent("local-only");

        redis.startProcess();
        awaitReady(nodes.get(0), 200);
        awaitReady(nodes.get(2), 200);
        awaitSubscribers("ops", 2);
        a1.publish("ops", "after-restart", "2");
        assertEquals(2, c1.expectEvent("after-restart").get("data").asInt());
    }

    private static void awaitReady(TestNode node, int status) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline) {
            if (node.get("/health/ready").status() == status) {
                return;
            }
            Thread.onSpinWait();
        }
        throw new AssertionError("/health/ready never answered " + status);
    }
}
