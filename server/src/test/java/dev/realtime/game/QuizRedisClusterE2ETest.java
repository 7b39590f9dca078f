package dev.realtime.game;

import static dev.realtime.game.QuizClients.assertOk;
import static dev.realtime.game.QuizClients.correct;
import static dev.realtime.game.QuizClients.joinQueue;
import static dev.realtime.game.QuizClients.next;
import static dev.realtime.game.QuizClients.stateWhere;
import static dev.realtime.game.QuizClients.submit;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.realtime.testing.ClusterGateways;
import dev.realtime.testing.RedisCluster;
import dev.realtime.testing.RedisClusterExtension;
import dev.realtime.testing.TestNode;
import dev.realtime.testing.WsClient;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import redis.clients.jedis.Jedis;

/**
 * The quiz on two gateway nodes over a real Redis Cluster ({@code REDIS_MODE=cluster}): the queue's
 * scripts in the slot of {@code {mm:<gameType>}}, each match's state in its own slot, and the
 * {@code match:found} signal to the other player's node on the sharded channel of {@code user:<id>}.
 */
class QuizRedisClusterE2ETest {
    @RegisterExtension
    static final RedisClusterExtension CLUSTER = new RedisClusterExtension();

    private ClusterGateways gateways;

    @BeforeEach
    void gateways() {
        gateways = new ClusterGateways(CLUSTER.cluster(), Map.of("RATE_LIMIT_MAX_CONNECTIONS", "0"));
    }

    @AfterEach
    void close() throws Exception {
        gateways.close();
    }

    @Test
    void playersOnTwoNodesPlayAWholeMatchOverTheCluster() {
        String prefix = gateways.prefix;
        TestNode a = gateways.node("a", 0);
        TestNode b = gateways.node("b", 4);
        WsClient alice = gateways.client(a, "alice");
        WsClient bob = gateways.client(b, "bob");
        assertOk(joinQueue(alice));
        assertOk(joinQueue(bob));
        JsonNode fa = next(alice, "match:found");
        JsonNode fb = next(bob, "match:found");
        String matchId = fa.get("matchId").asText();
        assertEquals(matchId, fb.get("matchId").asText());
        assertOk(alice.join(matchId));
        assertOk(bob.join(matchId));

        Set<String> keys = new HashSet<>();
        for (RedisCluster.Node primary : CLUSTER.cluster().primaries()) {
            try (Jedis j = primary.jedis()) {
                keys.addAll(j.keys(prefix + "{*"));
            }
        }
        assertTrue(keys.contains(prefix + "{" + matchId + "}:state"), keys.toString());
        assertTrue(keys.contains(prefix + "{mm:" + QuizClients.GAME + "}:playing"), keys.toString());

        JsonNode qs = fa.get("questions");
        for (int i = 0; i < qs.size(); i++) {
            assertOk(submit(alice, correct(qs.get(i)), 2000));
            stateWhere(bob, "alice", i + 1);
            assertOk(submit(bob, correct(qs.get(i)), 2000));
            stateWhere(alice, "bob", i + 1);
        }
        for (WsClient c : List.of(alice, bob)) {
            JsonNode done = next(c, "match:completed");
            assertEquals("finished", done.get("reason").asText(), done.toString());
            c.expectNone(m -> "match:completed".equals(m.path("event").asText()), Duration.ofMillis(300));
        }
    }
}
