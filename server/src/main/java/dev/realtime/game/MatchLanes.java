package dev.realtime.game;

import dev.realtime.config.GameConfig;
import dev.realtime.emit.EmitContext;
import dev.realtime.protocol.ErrorCode;
import dev.realtime.server.Json;
import dev.realtime.session.Session;
import dev.realtime.store.PresenceStore;
import dev.realtime.store.StoreUnavailableException;
import java.time.Duration;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * The owners of running matches on this node, and what happens to a match over its life. Match
 * {@code M}'s transitions, store calls and timers run on lane {@code hash(M) % LANES}
 * ({@code rt-game-<node>-<i>}, a {@link MatchLane}): one thread per match on a node. Across nodes the
 * state lives in the {@link MatchStore} and every transition is read, apply ({@link Match}),
 * compare-and-set: a write that lost to another node re-reads and re-applies, so each transition
 * applies exactly once, to the latest state, and only the node whose write completed a match
 * announces the result. Any node can therefore finish any match, including one whose players' nodes
 * crashed (the due index brings it to some node's sweep).
 *
 * <p>Threading: the entry points may be called from any thread; they enqueue to the match's lane
 * (or, to find a user's match, the user's). Lane tasks block on the store, never an event loop;
 * answers hop back through the {@link EmitContext} and each session's loop.
 */
final class MatchLanes implements AutoCloseable {
    static final int LANES = 2;

    private final MatchLane[] lanes = new MatchLane[LANES];
    private final MatchStore store;
    private final MatchmakingQueue queue;
    private final PresenceStore presence;
    private final LocalPlayers players;
    private final MatchDirectory directory;
    private final MatchEvents events;
    private final GameMetrics metrics;
    private final GameConfig config;
    private final LongSupplier clock;

    MatchLanes(String nodeId, MatchStore store, MatchmakingQueue queue, PresenceStore presence, LocalPlayers players,
               MatchDirectory directory, MatchEvents events, GameMetrics metrics, GameConfig config, LongSupplier clock) {
        this.store = store;
        this.queue = queue;
        this.presence = presence;
        this.players = players;
        this.directory = directory;
        this.events = events;
        this.metrics = metrics;
        this.config = config;
        this.clock = clock;
        for (int i = 0; i < LANES; i++) {
            lanes[i] = new MatchLane("rt-game-" + nodeId + "-" + i, store, metrics, config.reconnectGraceMs(), this::ttl,
                    clock, this::expireNow);
        }
    }

    private MatchLane lane(String key) {
        int h = key.hashCode();
        return lanes[((h ^ (h >>> 16)) & 0x7fffffff) % LANES];
    }

    long keepUntil(Match m) {
        return m.deadline() + config.reconnectGraceMs() + config.matchStateTtlMs();
    }

    /** How long a state written now is kept: while running, until well past any due time. */
    Duration ttl(Match m) {
        if (m.complete()) {
            return Duration.ofMillis(config.matchStateTtlMs());
        }
        return Duration.ofMillis(Math.max(1_000, keepUntil(m) - clock.getAsLong()));
    }

    // ------------------------------------------------------------------ entry points (any thread)

    /** A {@code match:found} signal for {@code userId}: tell its connections here and follow the match. */
    void found(String userId, Match m) {
        directory.put(m, keepUntil(m));
        List<Session> sessions = players.of(userId);
        if (sessions.isEmpty()) {
            return;
        }
        MatchLane lane = lane(m.matchId());
        lane.execute(() -> lane.follow(m, 1));
        for (Session s : sessions) {
            events.found(s, userId, m, false);
        }
    }

    /** {@code match:submitAnswer} by {@code userId}; {@code knownMatch} is this node's guess, or null. */
    void submit(String userId, String knownMatch, List<String> gameTypes, String answer, long timer, EmitContext ctx) {
        if (knownMatch != null) {
            lane(knownMatch).execute(() -> answer(userId, knownMatch, gameTypes, answer, timer, ctx, true));
        } else {
            lane(userId).execute(() -> lookUpAndAnswer(userId, null, gameTypes, answer, timer, ctx, ErrorCode.NO_MATCH));
        }
    }

    /** {@code userId} has no connection left anywhere: its grace starts. */
    void playerGone(String userId, String matchId) {
        MatchLane lane = lane(matchId);
        lane.execute(() -> {
            MatchLane.Applied a = lane.apply(matchId, m -> m.disconnected(userId, clock.getAsLong()));
            if (a != null && a.written()) {
                store.schedule(matchId, a.match().nextDueAt(config.reconnectGraceMs()));
            }
        });
    }

    /** {@code s} (user {@code userId}) connected while {@code matchId} runs: back in the match. */
    void resume(Session s, String userId, String gameType, String matchId) {
        MatchLane lane = lane(matchId);
        lane.execute(() -> {
            MatchStore.Versioned v = store.read(matchId);
            Match m = v == null ? null : MatchCodec.decode(v.state());
            if (m == null || !m.hasPlayer(userId)) {
                queue.release(gameType, userId, matchId); // gone (its cleanup may have been cut short)
                return;
            }
            if (m.complete()) {
                return; // over: kept for late answers until the due index releases it
            }
            lane.cache(m, v.version());
            MatchLane.Applied a = lane.apply(matchId, x -> x.reconnected(userId));
            if (a == null) {
                return;
            }
            if (a.written()) {
                store.schedule(matchId, a.match().nextDueAt(config.reconnectGraceMs()));
            }
            directory.put(a.match(), keepUntil(a.match()));
            events.found(s, userId, a.match(), true);
        });
    }

    /** The due index says {@code matchId} may have to end now. */
    void expire(String matchId) {
        lane(matchId).execute(() -> expireNow(matchId));
    }

    /** Periodic: notices players whose node vanished (no disconnect was ever reported for them). */
    void sweep() {
        for (MatchLane lane : lanes) {
            lane.execute(() -> {
                for (Match m : lane.followedMatches()) {
                    for (Match.Player p : List.of(m.playerA(), m.playerB())) {
                        if (p.disconnectedAt() == 0 && players.of(p.userId()).isEmpty() && !online(p.userId())) {
                            playerGone(p.userId(), m.matchId());
                        }
                    }
                }
            });
        }
    }

    private boolean online(String userId) {
        try {
            return presence.isOnline(userId);
        } catch (StoreUnavailableException e) {
            return true; // unknown: do not start anyone's grace on an outage
        }
    }

    // ------------------------------------------------------------------ on a lane

    /**
     * On the user's lane: finds the user's match (other than {@code notThis}) in the queue store, then
     * answers on the match's lane; {@code otherwise} when there is none.
     */
    private void lookUpAndAnswer(String userId, String notThis, List<String> gameTypes, String answer, long timer,
                                 EmitContext ctx, ErrorCode otherwise) {
        try {
            for (String type : gameTypes) {
                String m = queue.matchOf(type, userId);
                if (m != null && !m.equals(notThis)) {
                    lane(m).execute(() -> answer(userId, m, gameTypes, answer, timer, ctx, false));
                    return;
                }
            }
        } catch (StoreUnavailableException e) {
            metrics.queueStoreErrors.inc();
            ctx.fail(ErrorCode.UNAVAILABLE, "matchmaking is unavailable right now");
            return;
        }
        ctx.fail(otherwise, otherwise == ErrorCode.MATCH_COMPLETE ? "the match is over"
                : "you are not in a match: join matchmaking first");
    }

    private void answer(String userId, String matchId, List<String> gameTypes, String answer, long timer,
                        EmitContext ctx, boolean guessed) {
        MatchLane.Applied a;
        try {
            a = lane(matchId).apply(matchId, m -> m.answer(userId, answer, timer, clock.getAsLong()));
        } catch (StoreUnavailableException e) {
            metrics.matchStoreErrors.inc();
            ctx.fail(ErrorCode.UNAVAILABLE, "the match cannot be reached right now");
            return;
        }
        boolean over = a == null || a.step().error() == ErrorCode.MATCH_COMPLETE && !a.written();
        if (guessed && over) {
            // This node's latest match for the user is over; the user may have a newer one elsewhere.
            String done = matchId;
            ErrorCode otherwise = a == null ? ErrorCode.NO_MATCH : ErrorCode.MATCH_COMPLETE;
            lane(userId).execute(() -> lookUpAndAnswer(userId, done, gameTypes, answer, timer, ctx, otherwise));
            return;
        }
        if (a == null) {
            ctx.fail(ErrorCode.NO_MATCH, "you are not in a match: join matchmaking first");
            return;
        }
        directory.put(a.match(), keepUntil(a.match()));
        Match.Step step = a.step();
        if (step.error() != null) {
            metrics.answers.labels("refused").inc();
            ctx.fail(step.error(), step.message());
        } else {
            Match m = a.match();
            Match.Player me = m.player(userId);
            metrics.answers.labels(step.answer().correct() ? "correct" : "wrong").inc();
            ctx.reply(Json.payload(Json.obj("matchId", matchId, "questionIndex", step.answer().questionIndex(),
                    "correct", step.answer().correct(), "points", step.answer().points(), "score", me.score(),
                    "activeQuestionIndex", me.answered(), "isMatchComplete", m.complete())));
        }
        if (a.written()) {
            if (a.match().complete()) {
                finish(a.match());
            } else {
                events.stateUpdate(a.match());
            }
        }
    }

    /** On the match's lane: ends {@code matchId} if it is due (timeout or forfeit). */
    private void expireNow(String matchId) {
        MatchLane lane = lane(matchId);
        MatchStore.Versioned v = store.read(matchId);
        if (v == null) {
            store.unschedule(matchId);
            lane.drop(matchId);
            return;
        }
        Match m = MatchCodec.decode(v.state());
        lane.cache(m, v.version());
        if (m.complete()) {
            cleanup(m); // its completer stopped before cleaning up
            return;
        }
        long now = clock.getAsLong();
        long grace = config.reconnectGraceMs();
        Match.Step step = m.expire(now, grace);
        if (!step.changed(m)) {
            store.schedule(matchId, m.nextDueAt(grace)); // not due after all (someone came back)
            return;
        }
        if (step.next().reason() == Match.Reason.FORFEIT || step.next().reason() == Match.Reason.ABANDONED) {
            // Before ending it: a player marked away may have come back without the mark being cleared.
            for (Match.Player p : List.of(m.playerA(), m.playerB())) {
                if (p.disconnectedAt() != 0 && online(p.userId())) {
                    MatchLane.Applied back = lane.apply(matchId, x -> x.reconnected(p.userId()));
                    if (back != null) {
                        store.schedule(matchId, back.match().nextDueAt(grace));
                    }
                    return;
                }
            }
        }
        MatchLane.Applied a = lane.apply(matchId, x -> x.expire(now, grace));
        if (a != null && a.written() && a.match().complete()) {
            finish(a.match());
        }
    }

    /** This node's write completed {@code m}: announce it (once, cluster-wide) and clean up. */
    private void finish(Match m) {
        metrics.completed.labels(m.reason().name().toLowerCase(java.util.Locale.ROOT)).inc();
        events.completed(m);
        retire(m);
    }

    /**
     * A finished match keeps its players' records for half of {@code MATCH_STATE_TTL_MS}, so a late
     * answer on any node still finds it and hears {@code match_complete} (not {@code no_match}); then
     * the due index releases them ({@link #expireNow} -> {@link #cleanup}). A new
     * {@code matchmaking:join} does not wait for that: it releases a finished match itself.
     */
    private void retire(Match m) {
        try {
            store.schedule(m.matchId(), clock.getAsLong() + Math.max(1, config.matchStateTtlMs() / 2));
        } catch (StoreUnavailableException e) {
            metrics.matchStoreErrors.inc(); // the records stay until the players join again
        } finally {
            lane(m.matchId()).drop(m.matchId());
        }
    }

    private void cleanup(Match m) {
        try {
            queue.release(m.gameType(), m.playerA().userId(), m.matchId());
            queue.release(m.gameType(), m.playerB().userId(), m.matchId());
            store.unschedule(m.matchId());
        } finally {
            lane(m.matchId()).drop(m.matchId());
        }
    }

    @Override
    public void close() {
        for (MatchLane lane : lanes) {
            lane.close();
        }
    }
}
