package dev.realtime.history;

import dev.realtime.cluster.BusEnvelope;
import dev.realtime.metrics.GatewayMetrics;
import dev.realtime.protocol.ServerMessage;
import dev.realtime.room.RoomJournal;
import dev.realtime.room.RoomPolicy;
import dev.realtime.store.HistoryStore;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * {@link RoomJournal} over a {@link HistoryStore}. Every room keeps a history except the delivery
 * rooms {@code user:{id}} (notifications have their own inbox) and {@code global}. Events are stored
 * in the {@link BusEnvelope} layout, so binary payloads survive.
 *
 * <p>Threading: with a store that never blocks (in memory) tasks run inline on the caller, the
 * room's shard. With a blocking (Redis) store each room hashes to one of {@code lanes} single
 * threads, which keeps one room's appends and reads in order without blocking shards; the lanes
 * hold no state of their own. A failed append delivers the event unstamped and counts the error,
 * and for a second after it appends skip the store (a hanging Redis must not queue every publish
 * behind its timeouts).
 */
public final class StoreJournal implements RoomJournal, AutoCloseable {
    private final HistoryStore store;
    private final GatewayMetrics metrics;
    private final ExecutorService[] lanes;
    /** After a failed append, appends skip the store until then (written and read by any lane). */
    private volatile long retryAtNanos = System.nanoTime();
    private volatile boolean closed;
    static final long RETRY_AFTER_NANOS = TimeUnit.SECONDS.toNanos(1);

    /**
     * @param lanes 0 to run inline (only for a store that never blocks), else the lane count
     */
    public StoreJournal(HistoryStore store, GatewayMetrics metrics, int lanes, String nodeId) {
        this.store = store;
        this.metrics = metrics;
        this.lanes = new ExecutorService[lanes];
        for (int i = 0; i < lanes; i++) {
            String name = "rt-history-" + nodeId + "-" + i;
            this.lanes[i] = Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, name);
                t.setDaemon(true);
                return t;
            });
        }
    }

    @Override
    public boolean journals(String room) {
        return !RoomPolicy.GLOBAL.equals(room) && !room.startsWith(RoomPolicy.USER_PREFIX);
    }

    @Override
    public void inOrder(String room, Runnable task) {
        if (lanes.length == 0) {
            task.run();
            return;
        }
        int h = room.hashCode();
        h ^= h >>> 16;
        try {
            lanes[(h & 0x7fffffff) % lanes.length].execute(task);
        } catch (RejectedExecutionException e) {
            task.run(); // shutting down: do not lose the publish (append returns it unstamped once closed)
        }
    }

    @Override
    public ServerMessage.Event append(String room, ServerMessage.Event event) {
        long now = System.nanoTime();
        if (closed || now - retryAtNanos < 0) {
            // Closed, or the store failed a moment ago: deliver unstamped without waiting on it, so a
            // store that hangs costs one timeout per second per lane, not one per publish.
            metrics.storeErrors.labels("history").inc();
            return event;
        }
        try {
            HistoryStore.Appended at = store.append(room, new BusEnvelope("", room, event).encode());
            return new ServerMessage.Event(event.room(), event.event(), event.data(), at.offset(), at.epoch());
        } catch (RuntimeException e) {
            metrics.storeErrors.labels("history").inc();
            retryAtNanos = System.nanoTime() + RETRY_AFTER_NANOS;
            return event;
        }
    }

    @Override
    public Replay since(String room, String epoch, long offset, int limit) {
        HistoryStore.Recovery r = store.since(room, epoch, offset, limit);
        return new Replay(r.recovered(), r.epoch(), r.head(), decode(r.events(), r.epoch()));
    }

    @Override
    public Replay latest(String room, int limit) {
        HistoryStore.Appended head = store.head(room);
        if (head == null) {
            return new Replay(true, null, 0, List.of());
        }
        return new Replay(true, head.epoch(), head.offset(), decode(store.latest(room, limit), head.epoch()));
    }

    private static List<ServerMessage.Event> decode(List<HistoryStore.Entry> entries, String epoch) {
        List<ServerMessage.Event> out = new ArrayList<>(entries.size());
        for (HistoryStore.Entry e : entries) {
            ServerMessage.Event ev = BusEnvelope.decode(e.event()).event();
            out.add(new ServerMessage.Event(ev.room(), ev.event(), ev.data(), e.offset(), epoch));
        }
        return out;
    }

    @Override
    public void close() {
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
    }
}
