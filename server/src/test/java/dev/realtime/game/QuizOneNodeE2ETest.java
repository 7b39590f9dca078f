package dev.realtime.game;

import static dev.realtime.game.QuizClients.assertError;
import static dev.realtime.game.QuizClients.assertOk;
import static dev.realtime.game.QuizClients.correct;
import static dev.realtime.game.QuizClients.joinQueue;
import static dev.realtime.game.QuizClients.next;
import static dev.realtime.game.QuizClients.side;
import static dev.realtime.game.QuizClients.stateWhere;
import static dev.realtime.game.QuizClients.submit;
import static dev.realtime.game.QuizClients.wrong;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.realtime.testing.TestNode;
import dev.realtime.testing.WsClient;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A whole match on one node (in-memory stores) with real clients. */
class QuizOneNodeE2ETest {
    private TestNode node;

    @BeforeEach
    void start() {
        node = TestNode.start(Map.of());
    }

    @AfterEach
    void stop() {
        node.close();
    }

    @Test
    void twoPlayersPlayAWholeMatch() {
        try (WsClient alice = node.connect("alice"); WsClient bob = node.connect("bob"); WsClient eve = node.connect("eve")) {
            JsonNode queued = joinQueue(alice);
            assertOk(queued);
            assertEquals("queued", queued.path("data").path("status").asText(), queued.toString());
            assertEquals("already_queued", joinQueue(alice).path("data").path("status").asText(), "idempotent");
            // A userId in the payload is ignored: the user is the token's.
            assertOk(QuizClients.emit(bob, "matchmaking:join", "{\"gameType\":\"1v1_rapid_quiz\",\"userId\":\"alice\"}"));

            JsonNode fa = next(alice, "match:found");
            JsonNode fb = next(bob, "match:found");
            String matchId = fa.get("matchId").asText();
            assertTrue(matchId.startsWith("match:"), matchId);
            assertEquals(matchId, fb.get("matchId").asText());
            assertEquals("bob", fa.get("opponentUserId").asText());
            assertEquals("alice", fb.get("opponentUserId").asText());
            assertFalse(fa.get("opponentClientId").asText().isEmpty());
            assertEquals(5, fa.get("questions").size());
            assertEquals(fa.get("questions"), fb.get("questions"));
            for (JsonNode q : fa.get("questions")) {
                assertEquals(java.util.Set.of("id", "question", "options"), fieldNames(q), "never the answer: " + q);
            }
            // The seed's client joins the match room itself: fine for players, refused for others.
            assertOk(alice.join(matchId));
            assertOk(bob.join(matchId));
            assertError(eve.join(matchId), "forbidden");
            assertTrue(alice.request("emit", "\"event\":\"get_rooms\"").toString().contains(matchId));

            JsonNode questions = fa.get("questions");
            for (int i = 0; i < 5; i++) {
                JsonNode r = submit(alice, correct(questions.get(i)), 1000);
                assertOk(r);
                assertTrue(r.path("data").path("correct").asBoolean(), r.toString());
                assertEquals(Match.points(true, 1000), r.path("data").path("points").asInt());
                JsonNode seenByBob = stateWhere(bob, "alice", i + 1);
                assertEquals((i + 1) * 147, side(seenByBob, "alice").get("score").asInt());
                assertEquals(5, seenByBob.get("totalQuestions").asInt());
                stateWhere(alice, "alice", i + 1);
            }
            assertError(submit(alice, "anything", 10), "all_answered");
            for (int i = 0; i < 5; i++) {
                String answer = i < 3 ? correct(questions.get(i)) : wrong(questions.get(i));
                assertOk(submit(bob, answer, 40_000)); // a slow timer is clamped: no bonus, never negative
            }
            JsonNode last = stateWhere(alice, "bob", 5);
            assertTrue(last.get("isMatchComplete").asBoolean(), last.toString());
            assertEquals(300, side(last, "bob").get("score").asInt());
            assertEquals(Match.SPEED_WINDOW_MS * 5, side(last, "bob").get("timer").asLong());

            for (WsClient c : new WsClient[] {alice, bob}) {
                JsonNode done = next(c, "match:completed");
                assertEquals(matchId, done.get("matchId").asText());
                assertEquals("finished", done.get("reason").asText());
                assertEquals("alice", done.get("winnerUserId").asText());
                assertFalse(done.get("isDraw").asBoolean());
                assertEquals(3, side(done, "bob").get("correctAnswers").asInt());
            }
            assertError(submit(bob, "late", 10), "match_complete");
            eve.expectNone(m -> m.path("event").asText().startsWith("match:"), Duration.ofMillis(200));

            // Once it is over, both may queue again.
            assertOk(joinQueue(alice));
            assertOk(joinQueue(bob));
            assertEquals(false, next(alice, "match:found").get("matchId").asText().equals(matchId));
        }
    }

    private static java.util.Set<String> fieldNames(JsonNode n) {
        java.util.Set<String> out = new java.util.HashSet<>();
        n.fieldNames().forEachRemaining(out::add);
        return out;
    }
}
