package dev.realtime.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.realtime.client.examples.QuizGameClient;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The documented quiz example plays a real match against a real node: two SDK clients, one match. */
class QuizGameClientTest {

    @Test
    void twoExampleClientsPlayAMatchToTheEnd() throws Exception {
        try (GatewayFixture node = GatewayFixture.start(0, Map.of("QUIZ_QUESTIONS_PER_MATCH", "3"), r -> { });
             RealtimeClient ann = client(node, "ann");
             RealtimeClient ben = client(node, "ben")) {
            ann.connect().get(10, TimeUnit.SECONDS);
            ben.connect().get(10, TimeUnit.SECONDS);
            // ann always takes the first option, ben the last: unless every answer is the same option, scores differ.
            CompletableFuture<QuizGameClient.MatchCompleted> a = CompletableFuture.supplyAsync(() ->
                    play(ann, (q, i) -> q.options().get(0)));
            CompletableFuture<QuizGameClient.MatchCompleted> b = CompletableFuture.supplyAsync(() ->
                    play(ben, (q, i) -> q.options().get(q.options().size() - 1)));
            QuizGameClient.MatchCompleted ra = a.get(30, TimeUnit.SECONDS);
            QuizGameClient.MatchCompleted rb = b.get(30, TimeUnit.SECONDS);
            assertEquals(ra.matchId(), rb.matchId());
            assertEquals("finished", ra.reason());
            assertEquals(ra, rb, "both see the same result");
            assertEquals(3, ra.playerA().activeQuestionIndex());
            assertEquals(3, ra.playerB().activeQuestionIndex());
            assertTrue(List.of("ann", "ben").containsAll(List.of(ra.playerA().userId(), ra.playerB().userId())));
            assertTrue(ra.isDraw() || List.of("ann", "ben").contains(ra.winnerUserId()), ra.toString());
            // The example joined the match room itself: the server allows that for players.
            assertTrue(ann.emit("get_rooms", null).get(10, TimeUnit.SECONDS).toString().contains(ra.matchId()));
        }
    }

    private static RealtimeClient client(GatewayFixture node, String user) {
        return RealtimeClient.builder().uri(node.wsUri()).token(GatewayFixture.token(user)).build();
    }

    private static QuizGameClient.MatchCompleted play(RealtimeClient c,
            java.util.function.BiFunction<QuizGameClient.Question, Integer, String> choose) {
        try {
            return QuizGameClient.playOneMatch(c, choose, Duration.ofSeconds(30));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
