package dev.realtime.history;

import dev.realtime.budget.ByteBudget;
import dev.realtime.cluster.BusEnvelope;
import dev.realtime.metrics.GatewayMetrics;
import dev.realtime.protocol.ServerMessage;
import dev.realtime.room.DeliveryMode;
import dev.realtime.room.PrefixPolicies;
import dev.realtime.room.RoomJournal;
import dev.realtime.room.RoomPolicy;
import dev.realtime.store.HistoryStore;
import dev.realtime.store.StoreUnavailableException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * {@link RoomJournal} over a {@link HistoryStore}. Every room keeps a history except the delivery
 * rooms {@code user:{id}} (notifications have their own inbox) and {@code global}, and the rooms
 * whose policy is {@code delivery: volatile}; a room whose policy is {@code delivery: latest} keeps
 * only the newest event of each event name ({@link HistoryStore#appendLatest}). Events are stored
 * in the {@link BusEnvelope} layout, so binary payloads survive.
 *
 * <p>Threading: with a store that never blocks (in memory) tasks run inline on the caller, the
 * room's shard. With a blocking (Redis) store each room hashes to one of {@code lanes} single
 * threads, which keeps one room's appends and reads in order without blocking shards; the lanes
 * hold no state of their own. A failed append delivers the event unstamped and counts the error,
 * and for a second after it appends and reads skip the store, then a single call probes it (a
 * hanging Redis must not queue every publish behind its timeouts). Appends the store could not take
 * wait in the lane's {@link AppendBacklog} and are written, in order and before anything later of
 * that lane, once it answers (every half second, or at the lane's next append or read).
 */
public final class StoreJournal implements RoomJournal, AutoCloseable {
    private final HistoryStore store;
    private final GatewayMetrics metrics;
    private final ExecutorService[] lanes;
    /** Breaker state, shared by the lanes: set when a store call failed, cleared by one that answered. */
    private volatile boolean failing;
    private final java.util.concurrent.atomic.AtomicLong nextProbeNanos = new java.util.concurrent.atomic.AtomicLong();
    private volatile boolean closed;
    private final LaneBacklogs backlogs;
    static final long RETRY_AFTER_NANOS = TimeUnit.SECONDS.toNanos(1);
    static final long PROBE_NANOS = TimeUnit.SECONDS.toNanos(3);

    /** Most event bytes one read hands back ({@code HISTORY_READ_MAX_BYTES}). */
    private final long readMaxBytes;
    /** Per lane: bytes of the appends waiting in it. */
    private final ByteBudget[] budgets;
    /** Each room's delivery mode (the route table's policies). */
    private final PrefixPolicies policies;

    /**
     * @param lanes 0 to run inline (only for a store that never blocks), else the lane count
     */
    public StoreJournal(HistoryStore store, GatewayMetrics metrics, int lanes, String nodeId) {
        this(store, metrics, lanes, nodeId, 64L << 20);
    }

    /** @param backlogBytes what the lanes keep for an unreachable store ({@code BUS_OUTAGE_BUFFER_BYTES}) */
    public StoreJournal(HistoryStore store, GatewayMetrics metrics, int lanes, String nodeId, long backlogBytes) {
        this(store, metrics, lanes, nodeId, Long.MAX_VALUE, Long.MAX_VALUE, backlogBytes);
    }

    /**
     * @param readMaxBytes most event bytes one recovery or {@code history} read returns (at least one
     *                     event): reads are paged, never a whole room at once
     * @param laneMaxBytes most bytes of events waiting in one lane ({@code HISTORY_LANE_MAX_BYTES});
     *                     {@link #tryInOrder} refuses beyond it
     * @param backlogBytes what the lanes keep for an unreachable store ({@code BUS_OUTAGE_BUFFER_BYTES})
     */
    public StoreJournal(HistoryStore store, GatewayMetrics metrics, int lanes, String nodeId, long readMaxBytes,
                        long laneMaxBytes, long backlogBytes) {
        this(store, metrics, lanes, nodeId, readMaxBytes, laneMaxBytes, backlogBytes, PrefixPolicies.BUILT_IN);
    }

    /** @param policies each room's {@code delivery} (volatile rooms keep nothing, latest rooms the newest per event) */
    public StoreJournal(HistoryStore store, GatewayMetrics metrics, int lanes, String nodeId, long readMaxBytes,
                        long laneMaxBytes, long backlogBytes, PrefixPolicies policies) {
        this.policies = policies;
        this.store = store;
        this.metrics = metrics;
        this.readMaxBytes = readMaxBytes;
        this.budgets = new ByteBudget[lanes];
        for (int i = 0; i < lanes; i++) {
            budgets[i] = new ByteBudget("history_lane", laneMaxBytes, metrics);
        }
        metrics.queueBytes("history_lane", () -> {
            long sum = 0;
            for (ByteBudget b : budgets) {
                sum += b.used();
            }
            return sum;
        });
        if (store instanceof dev.realtime.store.InMemoryHistoryStore memory) {
            metrics.gauge("realtime_history_bytes", "Bytes the in-memory room history holds (HISTORY_MAX_BYTES bounds it)",
                    memory::bytes);
            metrics.counter("realtime_history_evicted_events_total",
                    "History events dropped to keep a byte budget (ROOM_HISTORY_MAX_BYTES or HISTORY_MAX_BYTES)",
                    memory::evictedEvents);
            metrics.counter("realtime_history_evicted_rooms_total",
                    "Whole room histories dropped to keep HISTORY_MAX_BYTES (least recently published first)",
                    memory::evictedRooms);
        }
        this.lanes = new ExecutorService[lanes];
        for (int i = 0; i < lanes; i++) {
            String name = "rt-history-" + nodeId + "-" + i;
            this.lanes[i] = Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, name);
                t.setDaemon(true);
                return t;
            });
        }
        this.backlogs = new LaneBacklogs(lanes, backlogBytes, metrics, nodeId, this::replay);
    }

    /** The ticker's call: lane {@code i} writes its kept appends if the store may be called. */
    private void replay(int i) {
        onLane(i, () -> {
            if (mayCallStore()) {
                drain(backlogs.of(i));
            }
        });
    }

    private int lane(String room) {
        int h = room.hashCode();
        h ^= h >>> 16;
        return (h & 0x7fffffff) % lanes.length;
    }

    private void onLane(int i, Runnable task) {
        try {
            lanes[i].execute(task);
        } catch (RejectedExecutionException closing) {
            // closed: close() drains
        }
    }

    /** On the lane: writes its kept appends; false (breaker set) when the store failed again. */
    private boolean drain(AppendBacklog b) {
        try {
            b.drain(store);
            storeAnswered();
            return true;
        } catch (RuntimeException e) {
            storeFailed();
            return false;
        }
    }

    @Override
    public boolean journals(String room) {
        return !RoomPolicy.GLOBAL.equals(room) && !room.startsWith(RoomPolicy.USER_PREFIX)
                && policies.delivery(room) != DeliveryMode.VOLATILE;
    }

    @Override
    public void inOrder(String room, Runnable task) {
        if (lanes.length == 0) {
            task.run();
            return;
        }
        run(lane(room), task);
    }

    @Override
    public boolean tryInOrder(String room, long bytes, Runnable task) {
        if (lanes.length == 0) {
            task.run();
            return true;
        }
        int lane = lane(room);
        ByteBudget budget = budgets[lane];
        if (!budget.tryTake(bytes)) {
            return false; // counted by the budget; the caller refuses the publish
        }
        run(lane, () -> {
            budget.give(bytes);
            task.run();
        });
        return true;
    }

    private void run(int lane, Runnable task) {
        try {
            lanes[lane].execute(task);
        } catch (RejectedExecutionException e) {
            task.run(); // shutting down: do not lose the publish (append returns it unstamped once closed)
        }
    }

    @Override
    public ServerMessage.Event append(String room, ServerMessage.Event event) {
        AppendBacklog backlog = lanes.length == 0 || closed ? null : backlogs.of(lane(room));
        byte[] stored = new BusEnvelope("", room, event).encode();
        // A latest room's append replaces the previous event of the same name (also when replayed from the backlog).
        String latestKey = policies.delivery(room) == DeliveryMode.LATEST ? event.event() : null;
        if (!mayCallStore() || backlog != null && !backlog.isEmpty() && !drain(backlog)) {
            // Closed, or the store failed a moment ago: deliver unstamped without waiting on it (and
            // keep the append for when the store answers).
            metrics.storeErrors.labels("history").inc();
            if (backlog != null) {
                backlog.add(room, latestKey, stored);
            }
            return event;
        }
        try {
            HistoryStore.Appended at = latestKey == null ? store.append(room, stored)
                    : store.appendLatest(room, latestKey, stored);
            storeAnswered();
            return new ServerMessage.Event(event.room(), event.event(), event.data(), at.offset(), at.epoch());
        } catch (RuntimeException e) {
            storeFailed();
            metrics.storeErrors.labels("history").inc();
            if (backlog != null) {
                backlog.add(room, latestKey, stored);
            }
            return event;
        }
    }

    @Override
    public Replay since(String room, String epoch, long offset, int limit) {
        return read(room, () -> {
            HistoryStore.Recovery r = store.since(room, epoch, offset, Math.min(limit, store.capacity()), readMaxBytes);
            return new Replay(r.recovered(), r.epoch(), r.head(), decode(r.events(), r.epoch()));
        });
    }

    @Override
    public Replay latest(String room, int limit) {
        return read(room, () -> {
            HistoryStore.Appended head = store.head(room);
            if (head == null) {
                return new Replay(true, null, 0, List.of());
            }
            return new Replay(true, head.epoch(), head.offset(), decode(store.latest(room, Math.min(limit, store.capacity()), readMaxBytes),
                    head.epoch()));
        });
    }

    /** A read under the same breaker as appends; throws (fast, while the store is failing) when it cannot answer. */
    private Replay read(String room, java.util.function.Supplier<Replay> call) {
        AppendBacklog backlog = lanes.length == 0 || closed ? null : backlogs.of(lane(room)); // we are on its lane
        if (!mayCallStore() || backlog != null && !backlog.isEmpty() && !drain(backlog)) {
            throw new StoreUnavailableException("the history store failed a moment ago", null);
        }
        try {
            Replay r = call.get();
            storeAnswered();
            return r;
        } catch (RuntimeException e) {
            storeFailed();
            throw e;
        }
    }

    /**
     * The breaker: after a failure, store calls are skipped for {@link #RETRY_AFTER_NANOS}; then one
     * caller (of any lane) probes while the others keep skipping, until a call succeeds. A store
     * that hangs thus costs one timeout per pause, not one per publish or read on every lane.
     */
    private boolean mayCallStore() {
        if (closed) {
            return false;
        }
        if (!failing) {
            return true;
        }
        long at = nextProbeNanos.get();
        long now = System.nanoTime();
        // The prober holds the others off for its own call's worst case (pool timeouts are 2 s).
        return now - at >= 0 && nextProbeNanos.compareAndSet(at, now + RETRY_AFTER_NANOS + PROBE_NANOS);
    }

    private void storeAnswered() {
        failing = false;
    }

    private void storeFailed() {
        nextProbeNanos.set(System.nanoTime() + RETRY_AFTER_NANOS);
        failing = true;
    }

    private static List<ServerMessage.Event> decode(List<HistoryStore.Entry> entries, String epoch) {
        List<ServerMessage.Event> out = new ArrayList<>(entries.size());
        for (HistoryStore.Entry e : entries) {
            ServerMessage.Event ev = BusEnvelope.decode(e.event()).event();
            out.add(new ServerMessage.Event(ev.room(), ev.event(), StoredPayloads.safe(ev.data()), e.offset(), epoch));
        }
        return out;
    }

    /** Lets queued appends finish and writes kept ones (within the lanes' 5 s); what is left is lost and counted. */
    @Override
    public void close() {
        backlogs.stopReplaying();
        for (int i = 0; i < lanes.length; i++) {
            AppendBacklog b = backlogs.of(i);
            onLane(i, () -> {
                if (!b.isEmpty()) {
                    drain(b);
                }
            });
        }
        for (ExecutorService lane : lanes) {
            lane.shutdown();
        }
        closed = true; // queued appends drain unstamped instead of waiting on a store about to close
        for (ExecutorService lane : lanes) {
            try {
                lane.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        backlogs.dropAll();
    }
}
