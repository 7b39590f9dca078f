package dev.realtime.game;

import static dev.realtime.game.QuizClients.assertError;
import static dev.realtime.game.QuizClients.assertOk;
import static dev.realtime.game.QuizClients.correct;
import static dev.realtime.game.QuizClients.joinQueue;
import static dev.realtime.game.QuizClients.next;
import static dev.realtime.game.QuizClients.side;
import static dev.realtime.game.QuizClients.stateWhere;
import static dev.realtime.game.QuizClients.submit;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.realtime.testing.RedisServer;
import dev.realtime.testing.TestNode;
import dev.realtime.testing.WsClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

/** The quiz on two gateway nodes in one JVM joined by a real redis-server. */
class QuizClusterE2ETest {
    private RedisServer redis;
    private final List<TestNode> nodes = new ArrayList<>();
    private final List<WsClient> clients = new ArrayList<>();

    private void startCluster(Map<String, String> extra) {
        redis = RedisServer.start();
        for (String id : new String[] {"node-a", "node-b"}) {
            Map<String, String> env = new HashMap<>(Map.of("REDIS_URL", redis.url(), "NODE_ID", id,
                    "RATE_LIMIT_MAX_CONNECTIONS", "0"));
            env.putAll(extra);
            nodes.add(TestNode.start(env));
        }
    }

    @AfterEach
    void stop() {
        clients.forEach(WsClient::close);
        nodes.forEach(TestNode::close);
        if (redis != null) {
            redis.close();
        }
    }

    private WsClient connect(int node, String user) {
        WsClient c = nodes.get(node).connect(user);
        clients.add(c);
        return c;
    }

    private long waiting() {
        try (Jedis j = new Jedis("127.0.0.1", redis.port())) {
            return j.zcard("rt:{mm:" + QuizClients.GAME + "}:queue");
        }
    }

    static void await(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(what + " not reached within 20 s");
            }
            java.util.concurrent.locks.LockSupport.parkNanos(20_000_000);
        }
    }

    @Test
    void playersOnTwoNodesPlayAWholeMatch() {
        startCluster(Map.of());
        WsClient alice = connect(0, "alice");
        WsClient bob = connect(1, "bob");
        WsClient eve = connect(1, "eve");
        assertOk(joinQueue(alice));
        assertOk(joinQueue(bob));
        JsonNode fa = next(alice, "match:found");
        JsonNode fb = next(bob, "match:found");
        String matchId = fa.get("matchId").asText();
        assertEquals(matchId, fb.get("matchId").asText());
        assertEquals("bob", fa.get("opponentUserId").asText());
        assertEquals("alice", fb.get("opponentUserId").asText());
        assertOk(alice.join(matchId));
        assertOk(bob.join(matchId));
        assertError(eve.join(matchId), "forbidden");

        JsonNode qs = fa.get("questions");
        for (int i = 0; i < qs.size(); i++) {
            assertOk(submit(alice, correct(qs.get(i)), 2000));
            assertEquals(i + 1, side(stateWhere(bob, "alice", i + 1), "alice").get("activeQuestionIndex").asInt());
            assertOk(submit(bob, correct(qs.get(i)), 2000));
            stateWhere(alice, "bob", i + 1);
        }
        for (WsClient c : List.of(alice, bob)) {
            JsonNode done = next(c, "match:completed");
            assertEquals("finished", done.get("reason").asText());
            assertTrue(done.get("isDraw").asBoolean(), "equal answers score equally: " + done);
            assertEquals(side(done, "alice").get("score"), side(done, "bob").get("score"));
            c.expectNone(m -> "match:completed".equals(m.path("event").asText()), Duration.ofMillis(300));
        }
        assertError(submit(alice, "x", 1), "match_complete");
    }

    @Test
    void aLateAnswerOnANodeThatNeverSawTheMatchHearsItIsOver() {
        startCluster(Map.of());
        WsClient carol = connect(0, "carol");
        WsClient dave = connect(0, "dave");
        assertOk(joinQueue(carol));
        assertOk(joinQueue(dave));
        JsonNode qs = next(carol, "match:found").get("questions");
        next(dave, "match:found");
        for (int i = 0; i < qs.size(); i++) {
            assertOk(submit(carol, correct(qs.get(i)), 1000));
            assertOk(submit(dave, correct(qs.get(i)), 1000));
        }
        next(carol, "match:completed");
        // Node b took no part in the match; carol's new connection there answers late.
        WsClient carolOnB = connect(1, "carol");
        assertError(submit(carolOnB, "x", 1), "match_complete");
        assertError(submit(connect(1, "eve"), "x", 1), "no_match");
        assertOk(joinQueue(carolOnB)); // a finished match keeps nobody from playing again
    }

    /** 200 players joining at once, half on each node: 100 matches, each player in exactly one. */
    @Test
    void concurrentJoinsOnTwoNodesPairEveryoneExactlyOnce() {
        startCluster(Map.of());
        int players = 200;
        List<WsClient> all = new ArrayList<>();
        for (int i = 0; i < players; i++) {
            all.add(connect(i % 2, "p" + i));
        }
        for (WsClient c : all) { // no waiting for replies: the joins race on both nodes
            c.send("{\"op\":\"emit\",\"id\":1,\"event\":\"matchmaking:join\",\"data\":{\"gameType\":\"1v1_rapid_quiz\"}}");
        }
        Map<String, String> matchOf = new HashMap<>();
        Map<String, String> opponentOf = new HashMap<>();
        for (int i = 0; i < players; i++) {
            WsClient c = all.get(i);
            assertOk(c.expect(m -> "reply".equals(m.path("op").asText())));
            JsonNode found = next(c, "match:found");
            matchOf.put("p" + i, found.get("matchId").asText());
            opponentOf.put("p" + i, found.get("opponentUserId").asText());
        }
        Map<String, Set<String>> byMatch = new HashMap<>();
        matchOf.forEach((p, m) -> byMatch.computeIfAbsent(m, k -> new HashSet<>()).add(p));
        assertEquals(players / 2, byMatch.size());
        for (Map.Entry<String, Set<String>> e : byMatch.entrySet()) {
            assertEquals(2, e.getValue().size(), e.toString());
        }
        opponentOf.forEach((p, o) -> {
            assertEquals(p, opponentOf.get(o), "opponents agree");
            assertEquals(matchOf.get(p), matchOf.get(o));
        });
        for (WsClient c : all) {
            c.expectNone(m -> "match:found".equals(m.path("event").asText()), Duration.ofMillis(10));
        }
        assertEquals(0, waiting());
    }

    /** A player's node goes away mid-match; it reconnects to the other node and the match goes on there. */
    @Test
    void aPlayerReconnectsThroughTheOtherNodeAndFinishes() {
        startCluster(Map.of());
        WsClient alice = connect(0, "alice");
        WsClient bob = connect(1, "bob");
        assertOk(joinQueue(alice));
        assertOk(joinQueue(bob));
        JsonNode qs = next(alice, "match:found").get("questions");
        String matchId = next(bob, "match:found").get("matchId").asText();
        assertOk(submit(alice, correct(qs.get(0)), 500));
        assertOk(submit(alice, correct(qs.get(1)), 500));
        stateWhere(bob, "alice", 2);

        nodes.get(0).close(); // alice's node drains and stops
        alice.awaitClose();
        WsClient again = connect(1, "alice");
        JsonNode resumed = next(again, "match:found");
        assertEquals(matchId, resumed.get("matchId").asText());
        assertEquals(qs, resumed.get("questions"));
        JsonNode state = next(again, "match:stateUpdate");
        assertEquals(2, side(state, "alice").get("activeQuestionIndex").asInt(), state.toString());
        assertOk(again.join(matchId));
        assertTrue(again.request("emit", "\"event\":\"get_rooms\"").toString().contains(matchId), "rejoined by the server");

        for (int i = 2; i < qs.size(); i++) {
            assertOk(submit(again, correct(qs.get(i)), 500));
        }
        for (int i = 0; i < qs.size(); i++) {
            assertOk(submit(bob, QuizClients.wrong(qs.get(i)), 500));
        }
        for (WsClient c : List.of(again, bob)) {
            JsonNode done = next(c, "match:completed");
            assertEquals("finished", done.get("reason").asText());
            assertEquals("alice", done.get("winnerUserId").asText());
        }
    }

    /** A player gone from every device for longer than the grace forfeits; the other is told. */
    @Test
    void aPlayerAwayLongerThanTheGraceForfeits() {
        startCluster(Map.of("MATCH_RECONNECT_GRACE_MS", "800", "MATCHMAKING_INTERVAL_MS", "300"));
        WsClient alice = connect(0, "alice");
        WsClient bob = connect(1, "bob");
        assertOk(joinQueue(alice));
        assertOk(joinQueue(bob));
        next(alice, "match:found");
        String matchId = next(bob, "match:found").get("matchId").asText();
        alice.close();
        JsonNode done = next(bob, "match:completed");
        assertEquals(matchId, done.get("matchId").asText());
        assertEquals("forfeit", done.get("reason").asText());
        assertEquals("bob", done.get("winnerUserId").asText());
        assertEquals("alice", done.get("forfeitedBy").asText());
        assertTrue(next(bob, "match:stateUpdate").get("isMatchComplete").asBoolean());
        bob.expectNone(m -> "match:completed".equals(m.path("event").asText()), Duration.ofMillis(500));
        assertOk(joinQueue(bob)); // free to play again
    }

    /** A user with a device on each node leaves the queue only when the last one disconnects. */
    @Test
    void theQueueKeepsAPlayerUntilItsLastDeviceOnAnyNodeLeaves() {
        // The disconnects do it (within a second here); the sweep is the fallback should the signal that
        // tells B that carol queued be lost (pub/sub is at most once, e.g. a subscription still in flight).
        startCluster(Map.of("MATCHMAKING_INTERVAL_MS", "2000"));
        WsClient phone = connect(0, "carol");
        WsClient laptop = connect(1, "carol");
        redis.awaitConnections("carol", 2); // B's presence write is its own thread's, after `connected`
        assertOk(joinQueue(phone));
        assertEquals(1, waiting());
        phone.close();
        // Node A saw carol's last local device go, asked presence, and kept her: the laptop is on B.
        java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(500));
        assertTrue(queued("carol"));
        laptop.close(); // B never saw carol join, but heard of it: her last device anywhere is gone
        await("carol dropped from the queue", () -> !queued("carol"));
        WsClient dave = connect(0, "dave");
        assertOk(joinQueue(dave));
        dave.expectNone(m -> "match:found".equals(m.path("event").asText()), Duration.ofMillis(300));
    }

    /** The sweep drops entries of players with no connection anywhere (e.g. their node crashed) and pairs the rest. */
    @Test
    void theSweepDropsStaleEntriesAndPairsLeftovers() {
        startCluster(Map.of("MATCHMAKING_INTERVAL_MS", "300"));
        try (redis.clients.jedis.JedisPooled pool = new redis.clients.jedis.JedisPooled("127.0.0.1", redis.port())) {
            RedisMatchmakingQueue queue = new RedisMatchmakingQueue(pool, "rt:");
            queue.join(QuizClients.GAME, "ghost", "sid-of-a-dead-node", System.currentTimeMillis() - 60_000);
            await("the ghost dropped", () -> !queued("ghost"));
            // Two live players queued behind the pairing (written straight to the store): the sweep pairs them.
            WsClient x = connect(0, "xena");
            WsClient y = connect(1, "yuri");
            queue.join(QuizClients.GAME, "xena", "sx", System.currentTimeMillis());
            queue.join(QuizClients.GAME, "yuri", "sy", System.currentTimeMillis());
            assertEquals("yuri", next(x, "match:found").get("opponentUserId").asText());
            assertEquals("xena", next(y, "match:found").get("opponentUserId").asText());
        }
    }

    private boolean queued(String user) {
        try (Jedis j = new Jedis("127.0.0.1", redis.port())) {
            return j.zscore("rt:{mm:" + QuizClients.GAME + "}:queue", user) != null;
        }
    }
}
