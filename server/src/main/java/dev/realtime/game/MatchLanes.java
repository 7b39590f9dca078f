package dev.realtime.game;

import dev.realtime.config.GameConfig;
import dev.realtime.emit.EmitContext;
import dev.realtime.protocol.ErrorCode;
import dev.realtime.server.Json;
import dev.realtime.session.Session;
import dev.realtime.store.PresenceStore;
import dev.realtime.store.StoreUnavailableException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The owners of running matches on this node. Match {@code M}'s transitions, store calls and timers
 * run on lane {@code hash(M) % LANES} ({@code rt-game-<node>-<i>}): one thread per match on a node,
 * so its cached state needs no lock. Across nodes the state lives in the {@link MatchStore} and every
 * transition is read, apply ({@link Match}), compare-and-set: a write that lost to another node
 * re-reads and re-applies, so each transition applies exactly once, to the latest state, and only
 * the node whose write completed a match announces the result. Any node can therefore finish any
 * match, including one whose players' nodes crashed (the due index brings it to some node's sweep).
 *
 * <p>Threading: public methods may be called from any thread; they enqueue to the match's lane.
 * Lane tasks block on the store (never on an event loop); answers hop back through the
 * {@link EmitContext} and each session's loop.
 */
final class MatchLanes implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(MatchLanes.class);
    static final int LANES = 2;
    private static final int MAX_ATTEMPTS = 16;

    /** A match this node follows: last known state and version, and its timer. Lane-owned. */
    private static final class Local {
        Match match;
        long version;
        ScheduledFuture<?> timer;
        long timerAt = Long.MAX_VALUE;
    }

    /** A transition's outcome: the state after it, what it said, and whether this node wrote it. */
    private record Applied(Match match, Match.Step step, boolean written) {
    }

    private final ScheduledThreadPoolExecutor[] lanes = new ScheduledThreadPoolExecutor[LANES];
    private final List<Map<String, Local>> local = new ArrayList<>();
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
            String name = "rt-game-" + nodeId + "-" + i;
            lanes[i] = new ScheduledThreadPoolExecutor(1, r -> {
                Thread t = new Thread(r, name);
                t.setDaemon(true);
                return t;
            });
            lanes[i].setRemoveOnCancelPolicy(true);
            local.add(new HashMap<>());
        }
    }

    private int laneOf(String key) {
        int h = key.hashCode();
        return ((h ^ (h >>> 16)) & 0x7fffffff) % LANES;
    }

    /** Runs {@code task} on the lane of {@code key}, logging (not losing) a store outage. */
    private void onLane(String key, Runnable task) {
        try {
            lanes[laneOf(key)].execute(() -> {
                try {
                    task.run();
                } catch (StoreUnavailableException e) {
                    metrics.matchStoreErrors.inc();
                    log.debug("match store unavailable: {}", e.getMessage());
                } catch (RuntimeException e) {
                    log.warn("match task failed", e);
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException closed) {
            // shutting down
        }
    }

    private Map<String, Local> localOf(String matchId) {
        return local.get(laneOf(matchId));
    }

    long keepUntil(Match m) {
        return m.deadline() + config.reconnectGraceMs() + config.matchStateTtlMs();
    }

    /** How long a state is kept after this write: until well past any due time while running. */
    private Duration ttl(Match m) {
        if (m.complete()) {
            return Duration.ofMillis(config.matchStateTtlMs());
        }
        return Duration.ofMillis(Math.max(1_000, keepUntil(m) - clock.getAsLong()));
    }

    Duration newMatchTtl(Match m) {
        return ttl(m);
    }

    // ------------------------------------------------------------------ entry points (any thread)

    /** A {@code match:found} signal for {@code userId}: tell its connections here and follow the match. */
    void found(String userId, Match m) {
        directory.put(m, keepUntil(m));
        List<Session> sessions = players.of(userId);
        if (sessions.isEmpty()) {
            return;
        }
        onLane(m.matchId(), () -> follow(m, 1));
        for (Session s : sessions) {
            events.found(s, userId, m, false);
        }
    }

    /** {@code match:submitAnswer} by {@code userId}; {@code knownMatch} is this node's guess, or null. */
    void submit(String userId, String knownMatch, List<String> gameTypes, String answer, long timer, EmitContext ctx) {
        if (knownMatch != null) {
            onLane(knownMatch, () -> answer(userId, knownMatch, answer, timer, ctx));
            return;
        }
        onLane(userId, () -> {
            try {
                for (String type : gameTypes) {
                    String m = queue.matchOf(type, userId);
                    if (m != null) {
                        onLane(m, () -> answer(userId, m, answer, timer, ctx));
                        return;
                    }
                }
                ctx.fail(ErrorCode.NO_MATCH, "you are not in a match: join matchmaking first");
            } catch (StoreUnavailableException e) {
                metrics.queueStoreErrors.inc();
                ctx.fail(ErrorCode.UNAVAILABLE, "matchmaking is unavailable right now");
            }
        });
    }

    /** {@code userId} has no connection left anywhere: its grace starts. */
    void playerGone(String userId, String matchId) {
        onLane(matchId, () -> {
            Applied a = apply(matchId, m -> m.disconnected(userId, clock.getAsLong()));
            if (a != null && a.written()) {
                store.schedule(matchId, a.match().nextDueAt(config.reconnectGraceMs()));
            }
        });
    }

    /** {@code s} (user {@code userId}) connected while {@code matchId} runs: back in the match. */
    void resume(Session s, String userId, String gameType, String matchId) {
        onLane(matchId, () -> {
            MatchStore.Versioned v = store.read(matchId);
            Match m = v == null ? null : MatchCodec.decode(v.state());
            if (m == null || m.complete() || !m.hasPlayer(userId)) {
                queue.release(gameType, userId, matchId); // finished (its cleanup may have been cut short)
                return;
            }
            cache(m, v.version());
            Applied a = apply(matchId, x -> x.reconnected(userId));
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

    /** The due index or a timer says {@code matchId} may have to end now. */
    void expire(String matchId) {
        onLane(matchId, () -> expireNow(matchId));
    }

    /** Periodic: notices players whose node vanished (no disconnect was ever reported for them). */
    void sweep() {
        for (int i = 0; i < LANES; i++) {
            Map<String, Local> mine = local.get(i);
            try {
                lanes[i].execute(() -> {
                    for (Local l : List.copyOf(mine.values())) {
                        for (Match.Player p : List.of(l.match.playerA(), l.match.playerB())) {
                            if (p.disconnectedAt() == 0 && players.of(p.userId()).isEmpty() && !online(p.userId())) {
                                playerGone(p.userId(), l.match.matchId());
                            }
                        }
                    }
                });
            } catch (java.util.concurrent.RejectedExecutionException closed) {
                return;
            }
        }
    }

    private boolean online(String userId) {
        try {
            return presence.isOnline(userId);
        } catch (StoreUnavailableException e) {
            return true; // unknown: do not start anyone's grace on an outage
        }
    }

    // ------------------------------------------------------------------ on the lane

    private void answer(String userId, String matchId, String answer, long timer, EmitContext ctx) {
        Applied a;
        try {
            a = apply(matchId, m -> m.answer(userId, answer, timer, clock.getAsLong()));
        } catch (StoreUnavailableException e) {
            metrics.matchStoreErrors.inc();
            ctx.fail(ErrorCode.UNAVAILABLE, "the match cannot be reached right now");
            return;
        }
        if (a == null) {
            ctx.fail(ErrorCode.NO_MATCH, "your match is over and gone: join matchmaking again");
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

    private void expireNow(String matchId) {
        MatchStore.Versioned v = store.read(matchId);
        if (v == null) {
            store.unschedule(matchId);
            drop(matchId);
            return;
        }
        Match m = MatchCodec.decode(v.state());
        cache(m, v.version());
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
                    Applied back = apply(matchId, x -> x.reconnected(p.userId()));
                    if (back != null) {
                        store.schedule(matchId, back.match().nextDueAt(grace));
                    }
                    return;
                }
            }
        }
        Applied a = apply(matchId, x -> x.expire(now, grace));
        if (a != null && a.written() && a.match().complete()) {
            finish(a.match());
        }
    }

    /** This node's write completed {@code m}: announce it (once, cluster-wide) and clean up. */
    private void finish(Match m) {
        metrics.completed.labels(m.reason().name().toLowerCase(java.util.Locale.ROOT)).inc();
        events.completed(m);
        cleanup(m);
    }

    private void cleanup(Match m) {
        try {
            queue.release(m.gameType(), m.playerA().userId(), m.matchId());
            queue.release(m.gameType(), m.playerB().userId(), m.matchId());
            store.unschedule(m.matchId());
        } finally {
            drop(m.matchId());
        }
    }

    /**
     * Applies {@code transition} to the latest state until its write sticks (or nothing changes).
     * Null when the match is gone.
     */
    private Applied apply(String matchId, Function<Match, Match.Step> transition) {
        Local l = localOf(matchId).get(matchId);
        Match cur;
        long version;
        boolean fresh = l == null;
        if (l != null) {
            cur = l.match;
            version = l.version;
        } else {
            MatchStore.Versioned v = store.read(matchId);
            if (v == null) {
                return null;
            }
            cur = MatchCodec.decode(v.state());
            version = v.version();
        }
        for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
            Match.Step step = transition.apply(cur);
            if (!step.changed(cur)) {
                if (fresh) {
                    return new Applied(cur, step, false);
                }
                // A refusal or a no-op from the cache: another node may have moved the match on (and,
                // say, completed it), so the answer must come from the stored state.
            } else if (store.replace(matchId, version, MatchCodec.encode(step.next()), ttl(step.next()))) {
                cache(step.next(), version + 1);
                return new Applied(step.next(), step, true);
            } else {
                metrics.conflicts.inc();
            }
            MatchStore.Versioned v = store.read(matchId);
            if (v == null) {
                drop(matchId);
                return null;
            }
            fresh = true;
            cur = MatchCodec.decode(v.state());
            version = v.version();
            cache(cur, version);
        }
        throw new IllegalStateException("match " + matchId + " changed " + MAX_ATTEMPTS + " times during one write");
    }

    /** Follows {@code m} (a player is connected here): caches it and times its next due moment. */
    private void follow(Match m, long version) {
        Local l = localOf(m.matchId()).get(m.matchId());
        if (l == null || l.version < version) {
            cache(m, version);
        }
    }

    private void cache(Match m, long version) {
        if (m.complete()) {
            drop(m.matchId());
            return;
        }
        Map<String, Local> mine = localOf(m.matchId());
        Local l = mine.get(m.matchId());
        if (l == null) {
            l = new Local();
            mine.put(m.matchId(), l);
            metrics.watched.incrementAndGet();
        } else if (l.version > version) {
            return;
        }
        l.match = m;
        l.version = version;
        long due = m.nextDueAt(config.reconnectGraceMs());
        if (due != l.timerAt) {
            if (l.timer != null) {
                l.timer.cancel(false);
            }
            l.timerAt = due;
            String id = m.matchId();
            l.timer = lanes[laneOf(id)].schedule(() -> {
                try {
                    expireNow(id);
                } catch (RuntimeException e) {
                    metrics.matchStoreErrors.inc();
                    log.debug("match {} timer: {}", id, e.toString());
                }
            }, Math.max(0, due - clock.getAsLong()), TimeUnit.MILLISECONDS);
        }
    }

    private void drop(String matchId) {
        Local l = localOf(matchId).remove(matchId);
        if (l != null) {
            metrics.watched.decrementAndGet();
            if (l.timer != null) {
                l.timer.cancel(false);
            }
        }
    }

    @Override
    public void close() {
        for (ScheduledThreadPoolExecutor lane : lanes) {
            lane.shutdownNow();
        }
        for (ScheduledThreadPoolExecutor lane : lanes) {
            try {
                lane.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
