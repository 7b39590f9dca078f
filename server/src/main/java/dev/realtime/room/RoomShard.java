package dev.realtime.room;

import dev.realtime.budget.ByteBudget;
import io.netty.util.concurrent.DefaultEventExecutor;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutor;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A single thread that owns a disjoint set of rooms. Every read and write of those rooms runs on
 * this thread, so room state needs no locks. The thread is either one of the node's I/O event
 * loops (the default: rooms hashed over the loops, so a publish from a connection on the room's
 * loop runs at once and one from another loop costs exactly one hand-off) or a thread of its own
 * ({@code ROOM_SHARDS} &gt; 0). Either way it is a {@code FastThreadLocalThread}, so buffer
 * allocations here use the allocator's thread-local caches.
 *
 * <p>{@link #inline()} says whether a room operation may run right now on the caller's stack: on
 * the shard's thread and not inside another room operation. Operations started from inside one (a
 * connection closed by the slow-consumer rule during a fan-out leaves its rooms, a listener
 * publishes) are queued behind it instead, so a room is never changed while it is being iterated.
 *
 * <p>Threading: {@link #rooms} and {@link #depth} are owned by {@link #executor()}.
 */
final class RoomShard {
    private final EventExecutor executor;
    /** Whether {@link #executor} is this shard's own thread (stopped with the rooms) or an I/O loop. */
    private final boolean ownThread;
    private final Map<String, Room> rooms = new HashMap<>();
    private final AtomicInteger roomCount;
    private final RoomBridge lifecycle;
    /** Room operations running on the shard thread now (nested ones are queued). Shard-owned. */
    private int depth;

    /** Bytes of events queued for this shard ({@code SHARD_QUEUE_MAX_BYTES}). */
    private final ByteBudget budget;
    /** Per-room settings fixed when a room is created here (its write delay and slow-consumer policy). */
    private final PrefixPolicies policies;

    /** Frames of the fan-out running now, one slot per encoding (reused: fan-outs do not nest). Shard-owned. */
    final io.netty.buffer.ByteBuf[] scratchFrames;

    /**
     * @param loop     the I/O event loop that owns these rooms, or null for a thread of its own
     * @param policies the room policies: a room's {@code writeDelayMs} and {@code slowConsumer} (with
     *                 its {@code delivery} mode) are read once when it opens
     */
    RoomShard(int index, EventExecutor loop, AtomicInteger roomCount, RoomBridge lifecycle, ByteBudget budget,
              PrefixPolicies policies, int encodings) {
        this.ownThread = loop == null;
        this.executor = loop != null ? loop : new DefaultEventExecutor(new DefaultThreadFactory("room-shard-" + index, true));
        this.policies = policies;
        this.roomCount = roomCount;
        this.lifecycle = lifecycle;
        this.budget = budget;
        this.scratchFrames = new io.netty.buffer.ByteBuf[encodings];
    }

    /** The byte budget of the events waiting in this shard's queue (thread-safe). */
    ByteBudget budget() {
        return budget;
    }

    EventExecutor executor() {
        return executor;
    }

    /** Whether the shard has a thread of its own (else it is an I/O loop, owned by the server). */
    boolean ownThread() {
        return ownThread;
    }

    /**
     * Whether a room operation may run now on the caller's stack: the caller is the shard's thread
     * and no room operation is running. Any thread.
     */
    boolean inline() {
        return executor.inEventLoop() && depth == 0;
    }

    /** Starts a room operation on the shard thread (after {@link #inline()} said yes); end it with {@link #exit()}. */
    void enter() {
        depth++;
    }

    void exit() {
        depth--;
    }

    /** Runs {@code task} as a room operation on this thread (nested operations queue). Shard thread only. */
    void runGuarded(Runnable task) {
        depth++;
        try {
            task.run();
        } finally {
            depth--;
        }
    }

    /** Runs {@code task} as a room operation: at once when {@link #inline()}, else queued on the shard. */
    void execute(Runnable task) {
        if (inline()) {
            runGuarded(task);
        } else {
            executor.execute(() -> runGuarded(task));
        }
    }

    /** Must run on the shard thread. */
    Room get(String name) {
        return rooms.get(name);
    }

    /** Must run on the shard thread. */
    Room getOrCreate(String name) {
        Room room = rooms.get(name);
        if (room == null) {
            room = new Room(name, policies.writeDelayMs(name), LoopOutbox.slowCode(policies.slowConsumer(name)));
            rooms.put(name, room);
            roomCount.incrementAndGet();
            lifecycle.opened(name);
        }
        return room;
    }

    /** Drops the room if it has no members. Must run on the shard thread. */
    void removeIfEmpty(Room room) {
        if (room.isEmpty() && rooms.remove(room.name) != null) {
            roomCount.decrementAndGet();
            lifecycle.closed(room.name);
        }
    }

    /** Must run on the shard thread. */
    Iterable<Room> rooms() {
        return rooms.values();
    }
}
