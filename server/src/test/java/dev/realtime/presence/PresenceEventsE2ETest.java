package dev.realtime.presence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.realtime.testing.RedisServer;
import dev.realtime.testing.TestNode;
import dev.realtime.testing.WsClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code room:user_joined}/{@code room:user_left}: once per user (not per device), on one node and
 * across two nodes over Redis; off for video rooms, rooms over the size limit and prefixes the route
 * table's policies turn off.
 */
class PresenceEventsE2ETest {
    private static final Duration QUIET = Duration.ofMillis(400);

    private static Predicate<JsonNode> presence(String event, String room, String user) {
        return m -> "event".equals(m.path("op").asText()) && event.equals(m.path("event").asText())
                && room.equals(m.path("room").asText()) && user.equals(m.path("data").path("userId").asText());
    }

    private static Predicate<JsonNode> anyPresence() {
        return m -> m.path("event").asText().startsWith("room:user_");
    }

    @Test
    void oneUserIsOneArrivalAndOneDepartureWhateverTheirDevices() {
        try (TestNode node = TestNode.start(Map.of("PRESENCE_EVENTS_MAX_MEMBERS", "3"));
             WsClient alice = node.connect("alice");
             WsClient bob = node.connect("bob");
             WsClient bobPhone = node.connect("bob")) {
            alice.join("lobby");
            bob.join("lobby");
            JsonNode joined = alice.expect(presence("room:user_joined", "lobby", "bob"));
            assertEquals("lobby", joined.get("data").get("room").asText());
            assertEquals(2, joined.get("data").get("users").asInt());
            assertTrue(joined.get("data").get("timestamp").asLong() > 0);
            bobPhone.join("lobby");
            bob.request("leave", "\"room\":\"lobby\"");
            alice.expectNone(anyPresence(), QUIET);
            bob.expectNone(presence("room:user_joined", "lobby", "bob"), Duration.ZERO);
            bobPhone.close(); // the last device goes away without a leave
            JsonNode left = alice.expect(presence("room:user_left", "lobby", "bob"));
            assertEquals(1, left.get("data").get("users").asInt());

            // video rooms are quiet by default, and so is a room above PRESENCE_EVENTS_MAX_MEMBERS (3)
            alice.join("video:1");
            bob.join("video:1");
            try (WsClient carol = node.connect("carol"); WsClient dave = node.connect("dave")) {
                bob.join("lobby");
                alice.expect(presence("room:user_joined", "lobby", "bob"));
                carol.join("lobby");
                alice.expect(presence("room:user_joined", "lobby", "carol"));
                dave.join("lobby"); // the 4th user
                alice.expectNone(anyPresence(), QUIET);
                dave.close();
                alice.expectNone(anyPresence(), QUIET);
                carol.close(); // 3 users before the leave: announced again
                alice.expect(presence("room:user_left", "lobby", "carol"));
            }
        }
    }

    @Test
    void theRouteTablesPoliciesSwitchItPerPrefix(@TempDir Path dir) throws Exception {
        Path routes = dir.resolve("routes.json");
        Files.writeString(routes, "{\"policies\": {\"quiet:*\": {\"presenceEvents\": false}, "
                + "\"video:loud\": {\"presenceEvents\": true}}}");
        try (TestNode node = TestNode.start(Map.of("ROUTES_FILE", routes.toString()));
             WsClient alice = node.connect("alice");
             WsClient bob = node.connect("bob")) {
            alice.join("quiet:1");
            alice.join("video:loud");
            bob.join("quiet:1");
            bob.join("video:loud");
            alice.expect(presence("room:user_joined", "video:loud", "bob"));
            alice.expectNone(presence("room:user_joined", "quiet:1", "bob"), QUIET);
        }
    }

    @Test
    void acrossTwoNodesOverRedis() {
        try (RedisServer redis = RedisServer.start();
             TestNode a = TestNode.start(Map.of("NODE_ID", "a", "REDIS_URL", redis.url()));
             TestNode b = TestNode.start(Map.of("NODE_ID", "b", "REDIS_URL", redis.url()));
             WsClient alice = a.connect("alice");
             WsClient carol = b.connect("carol");
             WsClient bob = b.connect("bob");
             WsClient bobPhone = a.connect("bob")) {
            alice.join("lobby");
            carol.join("lobby");
            alice.expect(presence("room:user_joined", "lobby", "carol"));
            bob.join("lobby");
            alice.expect(presence("room:user_joined", "lobby", "bob"));
            carol.expect(presence("room:user_joined", "lobby", "bob"));
            bobPhone.join("lobby"); // bob is already in through node b
            // Presence writes are asynchronous: a device that leaves on one node in the same instant
            // another joins on another may announce a leave and a join. Wait for node a's write.
            try (redis.clients.jedis.Jedis j = new redis.clients.jedis.Jedis("127.0.0.1", redis.port())) {
                long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
                // members are "<life> <user>", a node's life being "<node id>@<random>"
                while (j.smembers("rt:presence:room:{lobby}").stream().noneMatch(m -> m.matches("a@\\S+ bob"))) {
                    assertTrue(System.nanoTime() < deadline, "node a never recorded bob's phone");
                    java.util.concurrent.locks.LockSupport.parkNanos(5_000_000);
                }
            }
            bob.close();            // and still in through node a
            alice.expectNone(presence("room:user_left", "lobby", "bob"), QUIET);
            carol.expectNone(presence("room:user_left", "lobby", "bob"), Duration.ZERO);
            alice.expectNone(presence("room:user_joined", "lobby", "bob"), Duration.ZERO);
            bobPhone.request("leave", "\"room\":\"lobby\"");
            alice.expect(presence("room:user_left", "lobby", "bob"));
            carol.expect(presence("room:user_left", "lobby", "bob"));
        }
    }
}
