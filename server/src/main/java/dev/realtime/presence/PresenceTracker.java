package dev.realtime.presence;

import static dev.realtime.presence.LocalPresence.token;

import dev.realtime.metrics.GatewayMetrics;
import dev.realtime.store.PresenceStore;
import dev.realtime.store.StoreUnavailableException;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drives a {@link PresenceStore} for one node: records local connections and room memberships,
 * heartbeats and sweeps every {@code timeout / 3}, and repairs the store after outages.
 *
 * <p>Threading: one daemon thread, {@code rt-presence-<nodeId>}, is the only caller of the store
 * (but for heartbeats, below) and the only owner of the local state, so there are no locks. A second
 * thread, {@code rt-presence-beat-<nodeId>}, heartbeats only when the first has not for a whole
 * period (stuck behind a slow query), so a slow {@code presence} scan cannot expire the node; queries
 * are bounded ({@link #MAX_QUERIES} waiting, then they fail fast). Public methods may be called from any
 * thread (event loops included): they validate, enqueue a task and return; tasks run in submission
 * order. Query futures complete on the tracker thread: dependent stages must hop elsewhere before
 * doing anything slow. Only {@link #healthy()}, the closed flag and the thread reference are shared across threads.
 *
 * <p>Calls are per connection. The tracker counts local connections per (room, user) and tells the
 * store on the first {@link #joined} and the last {@link #left}. {@link #disconnected} does not leave
 * rooms: the caller calls {@link #left} for each room of the connection.
 *
 * <p>Outages: after a failed store call, writes update local state and remember the touched key
 * (sid, or room and user) instead of calling the store, so a dead Redis costs one probe per heartbeat
 * rather than a timeout per event. The next successful heartbeat writes each remembered key's
 * <em>current</em> local state (online/joined if present, offline/left if gone): lost additions and
 * lost removals are both repaired, and live users never blink out. If the heartbeat says we were not
 * live, every local record is re-announced too (swept, or Redis restarted empty). Should more than
 * {@link #DEFAULT_MAX_PENDING} keys pile up, they are dropped and the repair is forgetNode plus a
 * full re-announce instead (bounded memory; our users blink out while it runs).
 */
public final class PresenceTracker implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PresenceTracker.class);
    static final int DEFAULT_MAX_PENDING = 100_000;

    private final PresenceStore store;
    private final String nodeId;
    private final Runnable onStoreError;
    private final long periodNanos;
    private final ScheduledThreadPoolExecutor executor;
    /**
     * Keeps the node's alive key fresh when the tracker thread is busy (a slow {@code presence}
     * scan, a long repair): it heartbeats whenever the last beat is a period old. Calls only
     * {@link PresenceStore#heartbeat}; what a "was not live" answer means is handled on the tracker thread.
     */
    private final ScheduledThreadPoolExecutor beater;
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile Thread thread;
    private volatile boolean healthy;
    private volatile RoomListener roomListener = RoomListener.NONE;

    /**
     * Told when a user enters a room through their first connection anywhere in the cluster and
     * leaves it with their last (including the users of a dead node, when a sweep removes them, and
     * late, after an outage, when deferred writes are repaired). Runs on the tracker thread: must not
     * block. {@code users} is the room's distinct user count after the change.
     */
    public interface RoomListener {
        void entered(String room, String userId, int users);

        void vacated(String room, String userId, int users);

        RoomListener NONE = new RoomListener() {
            @Override
            public void entered(String room, String userId, int users) {
            }

            @Override
            public void vacated(String room, String userId, int users) {
            }
        };
    }
    /** When the last heartbeat was sent, from either thread. */
    private volatile long lastBeatNanos;
    /** Queries queued or running; beyond {@link #MAX_QUERIES} new ones fail fast. */
    private final java.util.concurrent.atomic.AtomicInteger queries = new java.util.concurrent.atomic.AtomicInteger();
    static final int MAX_QUERIES = 1_000;

    // Owned by the tracker thread.
    private final LocalPresence local;
    private boolean resetNeeded = true; // forgetNode before heartbeating: a restart drops the previous life
    private boolean reannounce;         // write every local record on the next tick
    private boolean writesLive;         // write through, else defer; true only after a fully successful tick
    private boolean inOutage;           // one warning per outage, not one per call
    private boolean started;

    /** Counts failed store calls in {@code realtime_store_errors_total{store="presence"}}. */
    public PresenceTracker(PresenceStore store, String nodeId, GatewayMetrics metrics) {
        this(store, nodeId, metrics.storeErrors.labels("presence")::inc);
    }

    /**
     * @param onStoreError run on the tracker thread for every failed store call (e.g. a Prometheus
     *                     {@code Counter::inc}); must not block
     */
    public PresenceTracker(PresenceStore store, String nodeId, Runnable onStoreError) {
        this(store, nodeId, onStoreError, DEFAULT_MAX_PENDING);
    }

    PresenceTracker(PresenceStore store, String nodeId, Runnable onStoreError, int maxPending) {
        this.store = Objects.requireNonNull(store, "store");
        this.nodeId = token("node id", nodeId);
        this.onStoreError = Objects.requireNonNull(onStoreError, "onStoreError");
        this.local = new LocalPresence(maxPending);
        this.periodNanos = Math.max(TimeUnit.MILLISECONDS.toNanos(1), store.timeout().toNanos() / 3);
        this.executor = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "rt-presence-" + nodeId);
            t.setDaemon(true);
            thread = t;
            return t;
        });
        this.beater = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "rt-presence-beat-" + nodeId);
            t.setDaemon(true);
            return t;
        });
    }

    /** Sets who hears of cluster-wide room entries and exits; call before {@link #start()}. */
    public void onRoomChanges(RoomListener listener) {
        this.roomListener = Objects.requireNonNull(listener, "listener");
    }

    /** Reports what a membership write changed (tracker thread). */
    private void changed(boolean join, String room, String userId, PresenceStore.Occupancy o) {
        if (o == null || !o.changed()) {
            return;
        }
        try {
            if (join) {
                roomListener.entered(room, userId, o.users());
            } else {
                roomListener.vacated(room, userId, o.users());
            }
        } catch (RuntimeException e) {
            log.warn("presence room listener failed for {} in {}", userId, room, e);
        }
    }

    /** The store's report of pairs a sweep or forget vacated (tracker thread). */
    private final PresenceStore.Vacated vacated = (room, userId, users) ->
            changed(false, room, userId, new PresenceStore.Occupancy(true, users));

    /** forgetNode (drop a previous life), heartbeat, announce; then heartbeat and sweep every timeout / 3. */
    public void start() {
        submit(() -> {
            if (!started) {
                started = true;
                tick();
                executor.scheduleWithFixedDelay(() -> guarded(this::tick), periodNanos, periodNanos,
                        TimeUnit.NANOSECONDS);
                // Only after the first tick: a node heartbeats once (after forgetting its previous
                // life) before anything else touches its alive key.
                beater.scheduleWithFixedDelay(this::beatIfStale, periodNanos / 2, periodNanos / 2, TimeUnit.NANOSECONDS);
            }
        });
    }

    public void connected(String userId, String sid) {
        connected(userId, sid, 0, null);
    }

    /**
     * Records connection {@code sid} of {@code userId}; with {@code limit} > 0, then counts the user's
     * connections on every live node and runs {@code tooMany} (on the tracker's thread) when there
     * are more than {@code limit}: each node refuses connections beyond the limit by its own count,
     * and this catches a user spread over several nodes. An excess is confirmed once more after the
     * store's timeout before {@code tooMany} runs: the connections of a node that just crashed still
     * count until then, and its users reconnecting elsewhere must not be refused for them. Two
     * connections made at the same moment on two nodes can both be found too many (both are then
     * closed; the client retries).
     */
    public void connected(String userId, String sid, int limit, Runnable tooMany) {
        Objects.requireNonNull(userId, "userId");
        token("sid", sid);
        submit(() -> {
            if (local.connect(userId, sid)) {
                write(() -> store.online(nodeId, userId, sid), () -> local.touchSession(userId, sid));
                if (limit > 0 && tooMany != null && writesLive && overLimit(userId, limit)) {
                    try {
                        executor.schedule(() -> guarded(() -> {
                            if (overLimit(userId, limit)) {
                                tooMany.run(); // a connection already gone ignores it
                            }
                        }), store.timeout().toMillis(), TimeUnit.MILLISECONDS);
                    } catch (java.util.concurrent.RejectedExecutionException closing) {
                        // the node stops anyway
                    }
                }
            }
        });
    }

    /** On the tracker's thread: whether the user has more than {@code limit} connections on live nodes. */
    private boolean overLimit(String userId, int limit) {
        try {
            return store.connectionCount(userId) > limit;
        } catch (RuntimeException e) {
            failed(e); // unknown: the node's own limit still holds
            return false;
        }
    }

    /** Forgets connection {@code sid}; does not leave its rooms (call {@link #left} for each). */
    public void disconnected(String userId, String sid) {
        Objects.requireNonNull(userId, "userId");
        token("sid", sid);
        submit(() -> {
            if (local.disconnect(userId, sid)) {
                write(() -> store.offline(nodeId, userId, sid), () -> local.touchSession(userId, sid));
            }
        });
    }

    /** One connection of {@code userId} joined {@code room}; the store hears of the first one. */
    public void joined(String room, String userId) {
        token("room", room);
        Objects.requireNonNull(userId, "userId");
        submit(() -> {
            if (local.join(room, userId)) {
                write(() -> changed(true, room, userId, store.joined(room, userId, nodeId)),
                        () -> local.touchMembership(room, userId));
            }
        });
    }

    /** One connection of {@code userId} left {@code room}; the store hears of the last one. */
    public void left(String room, String userId) {
        token("room", room);
        Objects.requireNonNull(userId, "userId");
        submit(() -> {
            if (local.leave(room, userId)) {
                write(() -> changed(false, room, userId, store.left(room, userId, nodeId)),
                        () -> local.touchMembership(room, userId));
            }
        });
    }

    /** Users on live nodes. Queries fail fast with {@link StoreUnavailableException} during an outage. */
    public CompletableFuture<Set<String>> onlineUsers() {
        return query(store::onlineUsers);
    }

    /** Live nodes and their connection counts. */
    public CompletableFuture<Map<String, Integer>> nodes() {
        return query(store::nodes);
    }

    public CompletableFuture<Set<String>> members(String room) {
        token("room", room);
        return query(() -> store.members(room));
    }

    public CompletableFuture<Boolean> isOnline(String userId) {
        Objects.requireNonNull(userId, "userId");
        return query(() -> store.isOnline(userId));
    }

    /** Whether the last store call succeeded (and deferred writes are repaired); false before start. */
    public boolean healthy() {
        return healthy;
    }

    /** Stops heartbeats, then forgetNode (our users go offline now, not after the timeout); waits up to 5 s. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            stopBeater(); // no heartbeat may follow the forget below
            submit(() -> {
                try {
                    store.forgetNode(nodeId, vacated);
                } catch (RuntimeException e) {
                    failed(e); // nothing to retry: our records expire within the timeout
                }
            });
            executor.shutdown(); // queued tasks still run, the forget last; the periodic tick is cancelled
            if (Thread.currentThread() != thread) {
                awaitStop();
            }
        }
    }

    /** Test hook: stops the thread as a crash would, without forgetNode. */
    void crashForTest() {
        closed.set(true);
        stopBeater();
        executor.shutdownNow();
        awaitStop();
    }

    private void stopBeater() {
        beater.shutdownNow();
        try {
            beater.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void awaitStop() {
        try {
            if (!executor.awaitTermination(5, TimeUnit.SECONDS)) {
                log.warn("presence tracker {} did not stop within 5 s", nodeId);
                executor.shutdownNow();
            }
        } catch (InterruptedException e) {
            executor.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }

    private void tick() {
        try {
            if (resetNeeded) {
                store.forgetNode(nodeId, vacated);
                local.clearPending();
                resetNeeded = false;
                reannounce = true;
            }
            beat();
            if (reannounce) {
                reannounce = false; // beat() sets it again if we expire midway
                try {
                    local.announce(store, nodeId, this::keepAlive, this::changed);
                } catch (RuntimeException e) {
                    reannounce = true;
                    throw e;
                }
            }
            local.flush(store, nodeId, this::keepAlive, this::changed);
            store.sweep(vacated);
            writesLive = true;
            healthy = true;
            if (inOutage) {
                inOutage = false;
                log.info("presence store answers again for node {}; local state repaired", nodeId);
            }
        } catch (RuntimeException e) {
            failed(e);
        }
    }

    private void beat() {
        lastBeatNanos = System.nanoTime();
        if (!store.heartbeat(nodeId)) {
            reannounce = true; // we were not live: our records may be swept, or Redis restarted empty
        }
    }

    /** Heartbeats if one is due: a long repair (a round trip per record) must not outlast our liveness. */
    private void keepAlive() {
        if (System.nanoTime() - lastBeatNanos >= periodNanos) {
            beat();
        }
    }

    private void write(Runnable call, BooleanSupplier remember) {
        if (writesLive) {
            try {
                call.run();
                return;
            } catch (RuntimeException e) {
                failed(e);
            }
        }
        // A pending reset re-announces everything anyway. Past the bound, switch to a reset.
        if (!resetNeeded && !remember.getAsBoolean()) {
            log.warn("presence node {}: too many changes while the store is down; will forget and re-announce", nodeId);
            resetNeeded = true;
        }
    }

    private <T> CompletableFuture<T> query(Supplier<T> q) {
        CompletableFuture<T> f = new CompletableFuture<>();
        if (queries.incrementAndGet() > MAX_QUERIES) {
            queries.decrementAndGet();
            f.completeExceptionally(new StoreUnavailableException("presence tracker " + nodeId
                    + " has too many queries waiting", null));
            return f;
        }
        boolean queued = submit(() -> {
            queries.decrementAndGet();
            if (inOutage) { // fail fast: a call to a dead Redis can hold this thread for seconds
                f.completeExceptionally(new StoreUnavailableException("presence store is down", null));
                return;
            }
            try {
                f.complete(q.get());
            } catch (RuntimeException e) {
                failed(e);
                f.completeExceptionally(e);
            }
        });
        if (!queued) {
            queries.decrementAndGet();
            f.completeExceptionally(new RejectedExecutionException("presence tracker " + nodeId + " is closed"));
        }
        return f;
    }

    /**
     * On the beat thread: heartbeats when the tracker thread has not for a whole period (it is
     * stuck in a slow query or repair), so the node's alive key cannot expire under it. A "was not
     * live" answer or a failure is handed to the tracker thread, which owns what follows.
     */
    private void beatIfStale() {
        if (closed.get() || System.nanoTime() - lastBeatNanos < periodNanos) {
            return;
        }
        try {
            lastBeatNanos = System.nanoTime();
            if (!store.heartbeat(nodeId)) {
                submit(() -> reannounce = true);
            }
        } catch (RuntimeException e) {
            submit(() -> failed(e));
        }
    }

    private void failed(RuntimeException e) {
        writesLive = false;
        healthy = false;
        onStoreError.run();
        if (!inOutage) {
            inOutage = true;
            log.warn("presence store failed for node {}; deferring writes, retrying every heartbeat", nodeId, e);
        } else {
            log.debug("presence store still failing for node {}: {}", nodeId, e.toString());
        }
    }

    private boolean submit(Runnable task) {
        try {
            executor.execute(() -> guarded(task));
            return true;
        } catch (RejectedExecutionException closedAlready) {
            return false; // after close: the forgetNode already covers (or will) whatever this was
        }
    }

    /** The executor swallows task exceptions (and a throwing periodic task stops repeating): log them. */
    private void guarded(Runnable task) {
        try {
            task.run();
        } catch (RuntimeException e) {
            log.error("presence tracker {} task failed", nodeId, e);
        }
    }
}
