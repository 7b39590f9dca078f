package dev.realtime.game;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.realtime.protocol.ErrorCode;
import dev.realtime.server.Json;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The match rules without Netty or a store: answers, scoring, completion, timeout, forfeit. */
class MatchTest {
    static final long T0 = 1_700_000_000_000L;
    static final List<Question> QS = List.of(
            new Question(1, "math", Question.Difficulty.EASY, "1+1?", List.of("1", "2", "3"), "2"),
            new Question(2, "math", Question.Difficulty.HARD, "2*3?", List.of("5", "6"), "6"));

    static Match fresh() {
        return Match.start("match:t", "1v1_rapid_quiz", QS, "a", "sa", "b", "sb", T0, 60_000);
    }

    @Test
    void scoringIsCorrectnessPlusAClampedSpeedBonus() {
        assertEquals(0, Match.points(false, 0));
        assertEquals(150, Match.points(true, 0));
        assertEquals(150, Match.points(true, -5), "negative timers count as 0");
        assertEquals(125, Match.points(true, Match.SPEED_WINDOW_MS / 2));
        assertEquals(100, Match.points(true, Match.SPEED_WINDOW_MS));
        assertEquals(100, Match.points(true, Long.MAX_VALUE), "a slow answer still scores the base points");
        assertEquals(Match.points(true, 1234), Match.points(true, 1234), "equal answers score equally");
    }

    @Test
    void eachPlayerAdvancesIndependentlyAndTheMatchFinishesWhenBothAreDone() {
        Match m = fresh();
        Match.Step s = m.answer("a", "2", 1000, T0 + 1);
        assertNull(s.error());
        assertEquals(new Match.Answer(0, true, 147), s.answer());
        m = s.next();
        assertEquals(1, m.playerA().answered());
        assertEquals(0, m.playerB().answered());
        m = m.answer("a", "5", 3000, T0 + 2).next();
        assertEquals(147, m.playerA().score());
        assertEquals(4000, m.playerA().timerMs());
        assertEquals(1, m.playerA().correct());
        assertFalse(m.complete());
        Match.Step extra = m.answer("a", "6", 1, T0 + 3);
        assertEquals(ErrorCode.ALL_ANSWERED, extra.error());
        assertSame(m, extra.next(), "a refusal changes nothing");

        m = m.answer("b", "2", 0, T0 + 4).next().answer("b", "6", 0, T0 + 5).next();
        assertTrue(m.complete());
        assertEquals(Match.Reason.FINISHED, m.reason());
        assertEquals("b", m.winnerUserId());
        assertEquals(T0 + 5, m.completedAt());
        assertEquals(ErrorCode.MATCH_COMPLETE, m.answer("a", "x", 1, T0 + 6).error());
        assertEquals(ErrorCode.NO_MATCH, fresh().answer("stranger", "2", 1, T0).error());
    }

    @Test
    void equalScoresAreADraw() {
        Match m = fresh();
        for (String p : List.of("a", "b")) {
            m = m.answer(p, "2", 500, T0).next().answer(p, "6", 500, T0).next();
        }
        assertTrue(m.complete());
        assertNull(m.winnerUserId());
        assertEquals(true, m.result().get("isDraw"));
    }

    @Test
    void theTimeoutEndsTheMatchByScoreAndRefusesLateAnswers() {
        Match m = fresh().answer("a", "2", 0, T0 + 10).next();
        assertEquals(T0 + 60_000, m.nextDueAt(30_000));
        assertFalse(m.expire(T0 + 59_999, 30_000).changed(m));
        Match.Step late = m.answer("b", "2", 0, T0 + 60_000);
        assertEquals(ErrorCode.MATCH_COMPLETE, late.error());
        assertTrue(late.next().complete(), "an answer after the deadline ends the match");
        Match timedOut = m.expire(T0 + 60_000, 30_000).next();
        assertEquals(Match.Reason.TIMEOUT, timedOut.reason());
        assertEquals("a", timedOut.winnerUserId());
        assertEquals(Long.MAX_VALUE, timedOut.nextDueAt(30_000));
    }

    @Test
    void aPlayerAwayLongerThanTheGraceForfeitsUnlessItComesBack() {
        Match m = fresh().disconnected("a", T0 + 1000).next();
        assertEquals(T0 + 1000, m.playerA().disconnectedAt());
        assertSame(m, m.disconnected("a", T0 + 2000).next(), "the grace starts once");
        assertEquals(T0 + 31_000, m.nextDueAt(30_000));
        assertFalse(m.expire(T0 + 30_999, 30_000).changed(m));
        Match back = m.reconnected("a").next();
        assertEquals(0, back.playerA().disconnectedAt());
        assertFalse(back.expire(T0 + 31_000, 30_000).changed(back));
        Match forfeited = m.expire(T0 + 31_000, 30_000).next();
        assertEquals(Match.Reason.FORFEIT, forfeited.reason());
        assertEquals("b", forfeited.winnerUserId());
        assertEquals("a", forfeited.forfeitedBy());
        assertEquals(false, forfeited.result().get("isDraw"));
        // Answering proves presence.
        assertEquals(0, m.answer("a", "2", 0, T0 + 2000).next().playerA().disconnectedAt());
        // Both gone: abandoned, nobody wins.
        Match both = m.disconnected("b", T0 + 5000).next().expire(T0 + 40_000, 30_000).next();
        assertEquals(Match.Reason.ABANDONED, both.reason());
        assertNull(both.winnerUserId());
    }

    @Test
    void twoPlayersWhoDropOneAfterTheOtherAbandonUnlessTheSecondComesBack() {
        Match bothAway = fresh().disconnected("a", T0 + 1000).next().disconnected("b", T0 + 2000).next();
        assertEquals(T0 + 32_000, bothAway.nextDueAt(30_000), "decided when both graces are over");
        assertFalse(bothAway.expire(T0 + 31_000, 30_000).changed(bothAway), "a's grace is over, b's is not: nobody wins yet");
        Match abandoned = bothAway.expire(T0 + 32_000, 30_000).next();
        assertEquals(Match.Reason.ABANDONED, abandoned.reason(), "an absent player does not win");
        assertNull(abandoned.winnerUserId());
        Match bBack = bothAway.reconnected("b").next();
        assertEquals(T0 + 31_000, bBack.nextDueAt(30_000));
        Match forfeited = bBack.expire(T0 + 31_500, 30_000).next();
        assertEquals(Match.Reason.FORFEIT, forfeited.reason());
        assertEquals("b", forfeited.winnerUserId(), "the one who came back wins");
    }

    @Test
    void clientsNeverSeeTheAnswers() {
        Match m = fresh();
        Map<String, Object> found = m.foundFor("a");
        assertEquals("b", found.get("opponentUserId"));
        assertEquals("sb", found.get("opponentClientId"));
        String json = new String(Json.bytes(found)) + new String(Json.bytes(m.stateUpdate()))
                + new String(Json.bytes(m.expire(T0 + 60_000, 1).next().result()));
        assertFalse(json.contains("answer"), json);
        assertEquals("{\"matchId\":\"match:t\",\"playerA\":{\"userId\":\"a\",\"score\":0,\"activeQuestionIndex\":0,\"timer\":0},"
                + "\"playerB\":{\"userId\":\"b\",\"score\":0,\"activeQuestionIndex\":0,\"timer\":0},\"isMatchComplete\":false,"
                + "\"totalQuestions\":2}", new String(Json.bytes(m.stateUpdate())));
    }

    @Test
    void storedFormRoundTrips() {
        Match m = fresh().answer("a", "2", 10, T0).next().disconnected("b", T0 + 5).next();
        assertEquals(m, MatchCodec.decode(MatchCodec.encode(m)));
        Match done = m.expire(T0 + 60_000, 1).next();
        assertEquals(done, MatchCodec.decode(MatchCodec.encode(done)));
    }
}
