package dev.realtime.game;

import dev.realtime.protocol.ErrorCode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The state of one 1v1 quiz match and every rule of its life: answers and scoring, completion when
 * both players answered everything, the timeout, and the forfeit of a player who stayed away longer
 * than the reconnect grace. Immutable: each transition returns a {@link Step} with the next state, so
 * a transition that lost a compare-and-set in the store is simply re-applied to the fresher state.
 * Stored as JSON (Jackson maps this record and its parts); {@link #questions} include the answers, so
 * the stored state never leaves the server: clients get {@link #foundFor}, {@link #stateUpdate} and
 * {@link #result} only.
 *
 * <p><b>Scoring</b>: a wrong answer scores 0. A correct one scores {@value #BASE_POINTS} plus a speed
 * bonus of {@code floor(}{@value #MAX_BONUS}{@code  * (W - t) / W)} points, where {@code t} is the
 * client's {@code timer} (ms taken) clamped to {@code [0, W]} and {@code W} = {@value #SPEED_WINDOW_MS}
 * ms. So equal answers with equal timers score equally, a correct answer is worth 100 to 150 points,
 * and no timer can score more than 150. A player's {@code timer} in {@code match:stateUpdate} is the
 * sum of its clamped timers. Higher score wins; equal scores are a draw.
 *
 * <p>Threading: immutable, so any thread may read it; the owner of a match (see {@link MatchLanes})
 * is the only one applying transitions on a node, and the store's compare-and-set orders them
 * across nodes.
 *
 * @param deadline epoch ms at which the match times out ({@code MATCH_TIMEOUT_MS} after the start)
 */
public record Match(String matchId, String gameType, List<Question> questions, Player playerA, Player playerB,
                    long startedAt, long deadline, Status status, Reason reason, String winnerUserId,
                    String forfeitedBy, long completedAt) {

    public static final int BASE_POINTS = 100;
    public static final int MAX_BONUS = 50;
    public static final long SPEED_WINDOW_MS = 20_000;

    public enum Status { ACTIVE, COMPLETED }

    /** Why a match ended. */
    public enum Reason { FINISHED, TIMEOUT, FORFEIT, ABANDONED }

    /**
     * One side of a match.
     *
     * @param sid            the connection that joined the queue (the opponent's {@code opponentClientId})
     * @param answered       questions answered so far: the index of the current question
     * @param timerMs        sum of the clamped timers of its answers
     * @param disconnectedAt epoch ms since which the player has no connection anywhere, or 0
     */
    public record Player(String userId, String sid, int score, int answered, long timerMs, int correct,
                         long disconnectedAt) {
        static Player fresh(String userId, String sid) {
            return new Player(userId, sid, 0, 0, 0, 0, 0);
        }

        Player away(long since) {
            return new Player(userId, sid, score, answered, timerMs, correct, since);
        }

        Map<String, Object> state() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("userId", userId);
            m.put("score", score);
            m.put("activeQuestionIndex", answered);
            m.put("timer", timerMs);
            return m;
        }
    }

    /**
     * What a transition did: the next state ({@code this} when nothing changed), an error for the
     * caller (with or without a change: an answer arriving after the deadline ends the match and is
     * refused), and for an accepted answer its outcome.
     */
    public record Step(Match next, ErrorCode error, String message, Answer answer) {
        public boolean changed(Match before) {
            return next != before;
        }
    }

    /** The outcome of one accepted answer (for the reply to the player who sent it). */
    public record Answer(int questionIndex, boolean correct, int points) {
    }

    public Match {
        questions = List.copyOf(questions);
    }

    /** A new match between two waiting players. */
    public static Match start(String matchId, String gameType, List<Question> questions, String userA, String sidA,
                              String userB, String sidB, long now, long timeoutMs) {
        return new Match(matchId, gameType, questions, Player.fresh(userA, sidA), Player.fresh(userB, sidB), now,
                now + timeoutMs, Status.ACTIVE, null, null, null, 0);
    }

    public boolean complete() {
        return status == Status.COMPLETED;
    }

    public int totalQuestions() {
        return questions.size();
    }

    /** The player {@code userId}, or null when not one of the two. */
    public Player player(String userId) {
        return playerA.userId().equals(userId) ? playerA : playerB.userId().equals(userId) ? playerB : null;
    }

    public boolean hasPlayer(String userId) {
        return player(userId) != null;
    }

    /** The other player's user id. */
    public String opponentOf(String userId) {
        return playerA.userId().equals(userId) ? playerB.userId() : playerA.userId();
    }

    private Match with(Player a, Player b) {
        return new Match(matchId, gameType, questions, a, b, startedAt, deadline, status, reason, winnerUserId,
                forfeitedBy, completedAt);
    }

    private Match replace(Player p) {
        return p.userId().equals(playerA.userId()) ? with(p, playerB) : with(playerA, p);
    }

    private Match completed(Reason why, String winner, String forfeiter, long now) {
        return new Match(matchId, gameType, questions, playerA, playerB, startedAt, deadline, Status.COMPLETED, why,
                winner, forfeiter, now);
    }

    private Match byScore(Reason why, long now) {
        String winner = playerA.score() > playerB.score() ? playerA.userId()
                : playerB.score() > playerA.score() ? playerB.userId() : null;
        return completed(why, winner, null, now);
    }

    /** Points for an answer: see the class comment. */
    public static int points(boolean correct, long timerMs) {
        if (!correct) {
            return 0;
        }
        long t = Math.max(0, Math.min(SPEED_WINDOW_MS, timerMs));
        return BASE_POINTS + (int) (MAX_BONUS * (SPEED_WINDOW_MS - t) / SPEED_WINDOW_MS);
    }

    /** {@code userId} answers its current question with {@code answer} after {@code timerMs}. */
    public Step answer(String userId, String answer, long timerMs, long now) {
        if (complete()) {
            return new Step(this, ErrorCode.MATCH_COMPLETE, "the match is over", null);
        }
        if (now >= deadline) {
            return new Step(byScore(Reason.TIMEOUT, now), ErrorCode.MATCH_COMPLETE, "the match timed out", null);
        }
        Player p = player(userId);
        if (p == null) {
            return new Step(this, ErrorCode.NO_MATCH, "not a player of " + matchId, null);
        }
        if (p.answered() >= questions.size()) {
            return new Step(this, ErrorCode.ALL_ANSWERED, "every question is answered: wait for match:completed", null);
        }
        int index = p.answered();
        boolean correct = questions.get(index).answer().equals(answer);
        int points = points(correct, timerMs);
        long t = Math.max(0, Math.min(SPEED_WINDOW_MS, timerMs));
        // An answer comes from a connection: the player is here, whatever a disconnect said before.
        Player next = new Player(p.userId(), p.sid(), p.score() + points, index + 1, p.timerMs() + t,
                p.correct() + (correct ? 1 : 0), 0);
        Match m = replace(next);
        if (m.playerA.answered() >= questions.size() && m.playerB.answered() >= questions.size()) {
            m = m.byScore(Reason.FINISHED, now);
        }
        return new Step(m, null, null, new Answer(index, correct, points));
    }

    /** {@code userId} has no connection left anywhere since {@code now} (the grace starts). */
    public Step disconnected(String userId, long now) {
        Player p = player(userId);
        if (complete() || p == null || p.disconnectedAt() != 0) {
            return new Step(this, null, null, null);
        }
        return new Step(replace(p.away(now)), null, null, null);
    }

    /** {@code userId} is connected again. */
    public Step reconnected(String userId) {
        Player p = player(userId);
        if (complete() || p == null || p.disconnectedAt() == 0) {
            return new Step(this, null, null, null);
        }
        return new Step(replace(p.away(0)), null, null, null);
    }

    /**
     * Ends the match if it is due at {@code now}: the timeout (winner by score), else a player away
     * for {@code graceMs} or more forfeits (both away: abandoned, no winner).
     */
    public Step expire(long now, long graceMs) {
        if (complete()) {
            return new Step(this, null, null, null);
        }
        if (now >= deadline) {
            return new Step(byScore(Reason.TIMEOUT, now), null, null, null);
        }
        boolean aGone = away(playerA, now, graceMs);
        boolean bGone = away(playerB, now, graceMs);
        if (aGone && bGone) {
            return new Step(completed(Reason.ABANDONED, null, null, now), null, null, null);
        }
        if (aGone || bGone) {
            Player quitter = aGone ? playerA : playerB;
            Player other = aGone ? playerB : playerA;
            if (other.disconnectedAt() != 0) {
                // The other player is away too, its grace still running: an absent player does not
                // win. Decided when that grace ends (abandoned) or the other comes back (forfeit).
                return new Step(this, null, null, null);
            }
            return new Step(completed(Reason.FORFEIT, opponentOf(quitter.userId()), quitter.userId(), now), null, null, null);
        }
        return new Step(this, null, null, null);
    }

    private static boolean away(Player p, long now, long graceMs) {
        return p.disconnectedAt() != 0 && now - p.disconnectedAt() >= graceMs;
    }

    /** When {@link #expire} next has something to do: the deadline or a grace running out; MAX_VALUE when over. */
    public long nextDueAt(long graceMs) {
        if (complete()) {
            return Long.MAX_VALUE;
        }
        long a = playerA.disconnectedAt() != 0 ? playerA.disconnectedAt() + graceMs : Long.MAX_VALUE;
        long b = playerB.disconnectedAt() != 0 ? playerB.disconnectedAt() + graceMs : Long.MAX_VALUE;
        // Both away: nothing is decided before both graces are over (see expire).
        long graceEnd = a != Long.MAX_VALUE && b != Long.MAX_VALUE ? Math.max(a, b) : Math.min(a, b);
        return Math.min(deadline, graceEnd);
    }

    /** {@code match:found} for {@code userId}: the opponent and the questions, never the answers. */
    public Map<String, Object> foundFor(String userId) {
        Player opponent = playerA.userId().equals(userId) ? playerB : playerA;
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("matchId", matchId);
        m.put("opponentClientId", opponent.sid());
        m.put("opponentUserId", opponent.userId());
        List<Map<String, Object>> qs = new ArrayList<>(questions.size());
        for (Question q : questions) {
            Map<String, Object> item = new LinkedHashMap<>();
            item.put("id", q.id());
            item.put("question", q.question());
            item.put("options", q.options());
            qs.add(item);
        }
        m.put("questions", qs);
        return m;
    }

    /** {@code match:stateUpdate}: both players' progress. */
    public Map<String, Object> stateUpdate() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("matchId", matchId);
        m.put("playerA", playerA.state());
        m.put("playerB", playerB.state());
        m.put("isMatchComplete", complete());
        m.put("totalQuestions", questions.size());
        return m;
    }

    /** {@code match:completed}: the final result (also the value forwarded to Kafka). */
    public Map<String, Object> result() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("matchId", matchId);
        m.put("gameType", gameType);
        m.put("reason", reason == null ? null : reason.name().toLowerCase(java.util.Locale.ROOT));
        m.put("winnerUserId", winnerUserId);
        m.put("isDraw", (reason == Reason.FINISHED || reason == Reason.TIMEOUT) && winnerUserId == null);
        m.put("forfeitedBy", forfeitedBy);
        Map<String, Object> a = playerA.state();
        a.put("correctAnswers", playerA.correct());
        Map<String, Object> b = playerB.state();
        b.put("correctAnswers", playerB.correct());
        m.put("playerA", a);
        m.put("playerB", b);
        m.put("totalQuestions", questions.size());
        m.put("startedAt", startedAt);
        m.put("completedAt", completedAt);
        return m;
    }
}
