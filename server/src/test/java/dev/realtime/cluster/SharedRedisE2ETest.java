package dev.realtime.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.realtime.config.GatewayConfig;
import dev.realtime.ingest.RouteTableException;
import dev.realtime.server.GatewayServer;
import dev.realtime.testing.RedisServer;
import dev.realtime.testing.TestNode;
import dev.realtime.testing.WsClient;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

/** Two clusters with different REDIS_KEY_PREFIX values share one Redis without hearing each other. */
class SharedRedisE2ETest {

    @Test
    void clustersWithDifferentPrefixesStayApart() {
        try (RedisServer redis = RedisServer.start();
             TestNode a1 = TestNode.start(Map.of("NODE_ID", "a1", "REDIS_URL", redis.url(), "REDIS_KEY_PREFIX", "one:"));
             TestNode b1 = TestNode.start(Map.of("NODE_ID", "b1", "REDIS_URL", redis.url(), "REDIS_KEY_PREFIX", "one:"));
             TestNode a2 = TestNode.start(Map.of("NODE_ID", "a2", "REDIS_URL", redis.url(), "REDIS_KEY_PREFIX", "two:"));
             WsClient publisher = a1.connect("p");
             WsClient sameCluster = b1.connect("s");
             WsClient otherCluster = a2.connect("o")) {
            publisher.join("lobby");
            sameCluster.join("lobby");
            otherCluster.join("lobby");
            try (Jedis j = new Jedis("127.0.0.1", redis.port())) {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (j.pubsubNumSub("one:room:lobby").get("one:room:lobby") < 2
                        || j.pubsubNumSub("two:room:lobby").get("two:room:lobby") < 1) {
                    assertTrue(System.nanoTime() < deadline, "subscriptions never appeared");
                    java.util.concurrent.locks.LockSupport.parkNanos(5_000_000);
                }
            }
            publisher.publish("lobby", "hello", "1");
            assertEquals(1, sameCluster.expectEvent("hello").get("data").asInt());
            otherCluster.expectNone(m -> "hello".equals(m.path("event").asText()), Duration.ofMillis(300));
            // History offsets are per cluster too: the other cluster's room starts at 1.
            otherCluster.publish("lobby", "mine", "2");
            assertEquals(1, otherCluster.expectEvent("mine").get("offset").asLong());
        }
    }

    @Test
    void aPrefixThatRoutedChannelsWouldMatchIsRefusedAtStartup() throws Exception {
        try (RedisServer redis = RedisServer.start()) {
            Map<String, String> env = new HashMap<>(Map.of("PORT", "0", "HOST", "127.0.0.1", "JWT_SECRET", TestNode.SECRET,
                    "REDIS_URL", redis.url(), "REDIS_KEY_PREFIX", "booking:"));
            GatewayServer server = new GatewayServer(GatewayConfig.fromEnv(env));
            RouteTableException e = assertThrows(RouteTableException.class, server::start);
            assertTrue(e.getMessage().contains("booking:*") && e.getMessage().contains("REDIS_KEY_PREFIX"), e.getMessage());
        }
    }
}
