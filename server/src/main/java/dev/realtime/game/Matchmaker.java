package dev.realtime.game;

import dev.realtime.cluster.NodeSignals;
import dev.realtime.config.GameConfig;
import dev.realtime.emit.EmitContext;
import dev.realtime.presence.PresenceTracker;
import dev.realtime.protocol.ErrorCode;
import dev.realtime.room.RoomPolicy;
import dev.realtime.server.Json;
import dev.realtime.session.Session;
import dev.realtime.signal.BatchedHandoff;
import dev.realtime.store.PresenceStore;
import dev.realtime.store.StoreUnavailableException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Matchmaking on this node: joins and leaves, pairing (as soon as two players wait, and on every
 * sweep), dropping players who left every device, the periodic sweep ({@code MATCHMAKING_INTERVAL_MS}),
 * and finding the running match of a user who connects.
 *
 * <p>Pairing is peek, create, commit: read the two oldest waiting players, store a new match for
 * them, then {@link MatchmakingQueue#commit} takes both out of the queue only if both still wait
 * (else the match is deleted and the next pair tried). Two nodes pairing at once never share a
 * player, and a node that dies half-way leaves its players waiting (or an orphan state that expires),
 * never lost. The winner announces the match to both players' nodes with a {@code quiz.found}
 * {@link NodeSignals signal} on their {@code user:{id}} rooms.
 *
 * <p>Threading: one thread, {@code rt-game-<node>}, does every queue call of this node and owns the
 * pending connect lookups; public methods enqueue. {@link #queuedHere} is read by event loops.
 */
final class Matchmaker implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Matchmaker.class);
    static final String SIGNAL_FOUND = "quiz.found";
    /** Tells the nodes holding a user's other devices that it queued (so their disconnects count too). */
    static final String SIGNAL_QUEUED = "quiz.queued";
    private static final int LOOKUP_BATCH = 500;

    private final ScheduledThreadPoolExecutor thread;
    /** Every task of {@link #run}: one FIFO queue, drained on {@link #thread} in batches. */
    private final BatchedHandoff handoff;
    private final List<String> gameTypes;
    private final MatchmakingQueue queue;
    private final MatchStore store;
    private final QuestionBank bank;
    private final GameConfig config;
    private final MatchLanes lanes;
    private final MatchDirectory directory;
    private final NodeSignals signals;
    private final PresenceTracker tracker;
    private final PresenceStore presence;
    private final GameMetrics metrics;
    private final LongSupplier clock;
    /** Users who queued through this node: their last disconnect here is worth a look. */
    final Set<String> queuedHere = ConcurrentHashMap.newKeySet();

    // owned by the thread
    private final Set<String> pairingScheduled = new java.util.HashSet<>();
    private Map<String, List<Session>> pendingLookups = new HashMap<>();
    private boolean lookupScheduled;

    Matchmaker(String nodeId, List<String> gameTypes, MatchmakingQueue queue, MatchStore store, QuestionBank bank,
               GameConfig config, MatchLanes lanes, MatchDirectory directory, NodeSignals signals,
               PresenceTracker tracker, PresenceStore presence, GameMetrics metrics, LongSupplier clock) {
        this.gameTypes = List.copyOf(gameTypes);
        this.queue = queue;
        this.store = store;
        this.bank = bank;
        this.config = config;
        this.lanes = lanes;
        this.directory = directory;
        this.signals = signals;
        this.tracker = tracker;
        this.presence = presence;
        this.metrics = metrics;
        this.clock = clock;
        String name = "rt-game-" + nodeId;
        this.thread = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        });
        // Connects (match resume lookups), queue joins and leaves reach the thread in batches.
        this.handoff = new BatchedHandoff(thread, BatchedHandoff.DEFAULT_DELAY_MS);
    }

    void start() {
        long every = config.matchmakingIntervalMs();
        thread.scheduleWithFixedDelay(() -> guarded(this::sweep), every, every, TimeUnit.MILLISECONDS);
    }

    private void run(Runnable task) {
        try {
            handoff.execute(() -> guarded(task));
        } catch (java.util.concurrent.RejectedExecutionException closed) {
            // shutting down
        }
    }

    private void guarded(Runnable task) {
        try {
            task.run();
        } catch (StoreUnavailableException e) {
            metrics.queueStoreErrors.inc();
            log.debug("matchmaking store unavailable: {}", e.getMessage());
        } catch (RuntimeException e) {
            log.warn("matchmaking task failed", e);
        }
    }

    /** {@code matchmaking:join}: the user waits (idempotent), then pairing runs if two wait. */
    void join(String type, String userId, String sid, EmitContext ctx) {
        run(() -> {
            MatchmakingQueue.Joined j;
            try {
                j = queue.join(type, userId, sid, clock.getAsLong());
                if (j.outcome() == MatchmakingQueue.Outcome.IN_MATCH && !running(j.matchId(), userId)) {
                    queue.release(type, userId, j.matchId()); // over, but its cleanup never ran
                    j = queue.join(type, userId, sid, clock.getAsLong());
                }
            } catch (StoreUnavailableException e) {
                metrics.queueStoreErrors.inc();
                metrics.joins.labels("refused").inc();
                ctx.fail(ErrorCode.UNAVAILABLE, "matchmaking is unavailable right now, try again");
                return;
            }
            metrics.joins.labels(j.outcome().name().toLowerCase(java.util.Locale.ROOT)).inc();
            metrics.queueSize.labels(type).set(j.size());
            if (j.outcome() == MatchmakingQueue.Outcome.IN_MATCH) {
                ctx.fail(ErrorCode.ALREADY_IN_MATCH, "you are playing " + j.matchId() + ": finish it first");
                return;
            }
            queuedHere.add(userId);
            if (j.outcome() == MatchmakingQueue.Outcome.QUEUED) {
                signals.send(RoomPolicy.userRoom(userId), SIGNAL_QUEUED, new byte[0]);
            }
            ctx.reply(Json.payload(Json.obj("gameType", type, "status",
                    j.outcome() == MatchmakingQueue.Outcome.QUEUED ? "queued" : "already_queued", "waiting", j.size())));
            if (j.size() >= 2) {
                schedulePairing(type);
            }
        });
    }

    private boolean running(String matchId, String userId) {
        MatchStore.Versioned v = store.read(matchId);
        if (v == null) {
            return false;
        }
        Match m = MatchCodec.decode(v.state());
        return !m.complete() && m.hasPlayer(userId);
    }

    /** {@code matchmaking:leave}: out of the queue of {@code type} (null: every game type). */
    void leave(String type, String userId, EmitContext ctx) {
        run(() -> {
            boolean removed = false;
            try {
                for (String t : type == null ? gameTypes : List.of(type)) {
                    removed |= queue.leave(t, userId).removed();
                    metrics.queueSize.labels(t).set(queue.size(t));
                }
            } catch (StoreUnavailableException e) {
                metrics.queueStoreErrors.inc();
                ctx.fail(ErrorCode.UNAVAILABLE, "matchmaking is unavailable right now, try again");
                return;
            }
            queuedHere.remove(userId);
            ctx.reply(Json.payload(Json.obj("left", removed)));
        });
    }

    /** Coalesces pairing requests: joins queued meanwhile are paired in one pass. */
    private void schedulePairing(String type) {
        if (pairingScheduled.add(type)) {
            run(() -> {
                pairingScheduled.remove(type);
                pairAll(type);
            });
        }
    }

    /** Pairs the oldest waiting players until fewer than two wait. On the thread. */
    void pairAll(String type) {
        while (true) {
            List<MatchmakingQueue.Waiting> two = queue.oldest(type, 2);
            if (two.size() < 2) {
                metrics.queueSize.labels(type).set(two.size());
                return;
            }
            MatchmakingQueue.Waiting a = two.get(0);
            MatchmakingQueue.Waiting b = two.get(1);
            String id = "match:" + UUID.randomUUID().toString().replace("-", "");
            Match m = Match.start(id, type, bank.draw(config.questionsPerMatch(), ThreadLocalRandom.current()),
                    a.userId(), a.sid(), b.userId(), b.sid(), clock.getAsLong(), config.matchTimeoutMs());
            byte[] state = MatchCodec.encode(m);
            if (!store.create(id, state, lanes.ttl(m))) {
                continue; // an id collision: draw another
            }
            if (!queue.commit(type, id, a.userId(), b.userId())) {
                store.delete(id); // someone left, or another node paired one of them first
                continue;
            }
            metrics.started.inc();
            try {
                store.schedule(id, m.deadline());
            } catch (StoreUnavailableException e) {
                metrics.matchStoreErrors.inc(); // the players' nodes still time it out
            }
            signals.send(RoomPolicy.userRoom(a.userId()), SIGNAL_FOUND, state);
            signals.send(RoomPolicy.userRoom(b.userId()), SIGNAL_FOUND, state);
        }
    }

    /** A user connected here: if it has a running match, it resumes (looked up in batches). */
    void connected(String userId, Session s) {
        run(() -> {
            pendingLookups.computeIfAbsent(userId, u -> new ArrayList<>(1)).add(s);
            if (!lookupScheduled) {
                lookupScheduled = true;
                run(this::lookup);
            }
        });
    }

    private void lookup() {
        lookupScheduled = false;
        Map<String, List<Session>> batch = pendingLookups;
        pendingLookups = new HashMap<>();
        List<String> users = new ArrayList<>(batch.keySet());
        for (int from = 0; from < users.size(); from += LOOKUP_BATCH) {
            List<String> part = users.subList(from, Math.min(users.size(), from + LOOKUP_BATCH));
            for (String type : gameTypes) {
                queue.matchesOf(type, part).forEach((user, matchId) -> {
                    for (Session s : batch.get(user)) {
                        if (s.isOpen()) {
                            lanes.resume(s, user, type, matchId);
                        }
                    }
                });
            }
        }
    }

    /**
     * The user's last connection on this node closed. If it has none left anywhere (asked after this
     * node's own presence write, so two nodes losing a user's last two devices at once cannot both
     * see the other one), it leaves the queue and its match's grace starts.
     */
    void lastLocalConnectionClosed(String userId) {
        tracker.isOnline(userId).whenComplete((online, error) -> run(() -> {
            if (error != null || Boolean.TRUE.equals(online)) {
                return; // online elsewhere, or unknown: the sweep looks again
            }
            queuedHere.remove(userId);
            for (String type : gameTypes) {
                MatchmakingQueue.Left left = queue.leave(type, userId);
                if (left.removed()) {
                    metrics.staleDropped.inc();
                }
                if (left.matchId() != null) {
                    lanes.playerGone(userId, left.matchId());
                }
            }
        }));
    }

    /** Every {@code MATCHMAKING_INTERVAL_MS}: stale entries out, leftovers paired, due matches ended. */
    void sweep() {
        long now = clock.getAsLong();
        for (String type : gameTypes) {
            metrics.queueSize.labels(type).set(queue.size(type));
            for (MatchmakingQueue.Waiting w : queue.oldest(type, RedisMatchmakingQueue.MAX_OLDEST)) {
                if (now - w.since() >= config.matchmakingIntervalMs() && !presence.isOnline(w.userId())) {
                    if (queue.leave(type, w.userId()).removed()) {
                        metrics.staleDropped.inc();
                    }
                }
            }
            pairAll(type);
        }
        for (String matchId : store.due(now, 500)) {
            lanes.expire(matchId);
        }
        lanes.sweep();
        directory.prune(now);
    }

    @Override
    public void close() {
        thread.shutdownNow();
        try {
            thread.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
