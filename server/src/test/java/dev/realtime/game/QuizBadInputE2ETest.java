package dev.realtime.game;

import static dev.realtime.game.QuizClients.assertError;
import static dev.realtime.game.QuizClients.assertOk;
import static dev.realtime.game.QuizClients.emit;
import static dev.realtime.game.QuizClients.joinQueue;
import static dev.realtime.game.QuizClients.next;
import static dev.realtime.game.QuizClients.submit;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.realtime.testing.TestNode;
import dev.realtime.testing.WsClient;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every bad input to the quiz's events gets a reply with a specific code (never {@code unknown_event}),
 * and the connection, the match and the other players carry on. Also the timeout and the metrics.
 */
class QuizBadInputE2ETest {
    private static TestNode node;

    @BeforeAll
    static void start() {
        node = TestNode.start(Map.of("ALLOW_ANONYMOUS", "true", "MATCH_TIMEOUT_MS", "5000",
                "QUIZ_QUESTIONS_PER_MATCH", "2", "MATCHMAKING_INTERVAL_MS", "200"));
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    @Test
    void matchmakingJoinAndLeave() {
        try (WsClient c = node.connect("bad-join")) {
            assertError(emit(c, "matchmaking:join", null), "invalid_game_type");
            assertError(emit(c, "matchmaking:join", "{}"), "invalid_game_type");
            assertError(emit(c, "matchmaking:join", "{\"gameType\":\"chess\"}"), "invalid_game_type");
            assertError(emit(c, "matchmaking:join", "{\"gameType\":42}"), "invalid_game_type");
            assertError(emit(c, "matchmaking:join", "[1,2]"), "invalid_game_type");
            assertError(emit(c, "matchmaking:join", "\"chess\""), "invalid_game_type");
            JsonNode r = emit(c, "matchmaking:join", "{\"gameType\":\"chess\"}");
            assertTrue(r.path("error").path("message").asText().contains("1v1_rapid_quiz"), "names what is supported: " + r);
            c.sendBinary(new byte[] {1}); // unrelated garbage does not disturb what follows
            assertError(emit(c, "matchmaking:leave", "{\"gameType\":\"chess\"}"), "invalid_game_type");
            assertError(emit(c, "matchmaking:leave", "{\"gameType\":7}"), "invalid_game_type");
            assertError(emit(c, "matchmaking:leave", "42"), "invalid_game_type");
            assertError(emit(c, "matchmaking:leave", "[\"1v1_rapid_quiz\"]"), "invalid_game_type");
            String huge = "g".repeat(100_000);
            for (String emit : new String[] {"matchmaking:join", "matchmaking:leave"}) {
                JsonNode refused = emit(c, emit, "{\"gameType\":\"" + huge + "\"}");
                assertError(refused, "invalid_game_type");
                assertTrue(refused.path("error").path("message").asText().length() < 300, "the value is not echoed whole");
            }
            JsonNode notQueued = emit(c, "matchmaking:leave", null);
            assertOk(notQueued);
            assertFalse(notQueued.path("data").path("left").asBoolean(), "leave is idempotent");
            assertOk(emit(c, "matchmaking:join", "\"1v1_rapid_quiz\"")); // the bare game type is fine
            JsonNode left = emit(c, "matchmaking:leave", "{\"gameType\":\"1v1_rapid_quiz\"}");
            assertTrue(left.path("data").path("left").asBoolean(), left.toString());
            c.send("{\"op\":\"ping\",\"id\":99}");
            assertEquals(99, c.expectOp("pong").path("id").asInt(), "the connection is fine");
        }
    }

    @Test
    void anonymousConnectionsCannotPlay() {
        try (WsClient anon = WsClient.connect(node.ws())) {
            anon.send("{\"op\":\"auth\"}");
            anon.expectOp("connected");
            assertError(joinQueue(anon), "forbidden");
            assertError(emit(anon, "matchmaking:leave", null), "forbidden");
            assertError(submit(anon, "x", 1), "forbidden");
            assertError(anon.join("match:whatever"), "forbidden");
        }
    }

    @Test
    void submitAnswerInputsAndStates() {
        try (WsClient a = node.connect("bad-a"); WsClient b = node.connect("bad-b"); WsClient c = node.connect("bad-c")) {
            assertError(submit(a, "x", 1), "no_match");
            assertOk(joinQueue(a));
            assertOk(joinQueue(b));
            String matchId = next(a, "match:found").get("matchId").asText();
            next(b, "match:found");
            assertError(joinQueue(a), "already_in_match");
            assertError(c.join(matchId), "forbidden");
            assertError(c.join("match:does-not-exist"), "forbidden");
            assertError(submit(c, "x", 1), "no_match");

            String[] bad = {null, "\"just text\"", "[]", "{}", "{\"timer\":5}", "{\"answer\":{\"a\":1},\"timer\":5}",
                "{\"answer\":true,\"timer\":5}", "{\"answer\":\"" + "x".repeat(201) + "\",\"timer\":5}",
                "{\"answer\":\"x\"}", "{\"answer\":\"x\",\"timer\":-1}", "{\"answer\":\"x\",\"timer\":\"5\"}",
                "{\"answer\":\"x\",\"timer\":null}", "{\"answer\":null,\"timer\":5}"};
            for (String data : bad) {
                JsonNode r = emit(a, "match:submitAnswer", data);
                assertError(r, "invalid_answer");
            }
            // None of that moved the match: the first real answer is still question 0.
            JsonNode first = emit(a, "match:submitAnswer", "{\"answer\":13,\"timer\":1.5}");
            assertOk(first);
            assertEquals(0, first.path("data").path("questionIndex").asInt());
            assertEquals(1, first.path("data").path("activeQuestionIndex").asInt());

            // Nobody answers the rest: MATCH_TIMEOUT_MS (5 s: twenty requests before must fit on a busy machine) ends it, winner by score.
            JsonNode done = next(b, "match:completed");
            assertEquals("timeout", done.get("reason").asText());
            assertEquals(matchId, next(a, "match:completed").get("matchId").asText());
            assertError(submit(b, "x", 1), "match_complete");
            assertOk(joinQueue(a)); // over: free to queue again
            assertOk(emit(a, "matchmaking:leave", null));
        }
    }

    @Test
    void metricsShowTheQueueAndMatches() {
        try (WsClient m = node.connect("metrics-1")) {
            assertOk(joinQueue(m));
            String text = node.get("/metrics").body();
            String game = String.join("\n", text.lines().filter(l -> l.contains("match")).toList());
            assertTrue(game.contains("realtime_matchmaking_queue_size{game_type=\"1v1_rapid_quiz\",} 1.0"), game);
            assertTrue(game.contains("realtime_matchmaking_joins_total{outcome=\"queued\",}"), game);
            assertTrue(game.contains("realtime_matches_watched"), game);
            assertOk(emit(m, "matchmaking:leave", null));
            assertTrue(node.get("/metrics").body().contains(
                    "realtime_matchmaking_queue_size{game_type=\"1v1_rapid_quiz\",} 0.0"));
        }
    }
}
