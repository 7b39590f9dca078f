package dev.realtime.room;

import io.netty.util.concurrent.DefaultEventExecutor;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutor;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A single thread that owns a disjoint set of rooms. Every read and write of those rooms runs as a
 * task on this thread, so room state needs no locks. Its thread is a {@code FastThreadLocalThread},
 * so buffer allocations here use the pooled allocator's thread-local caches.
 *
 * <p>Threading: {@link #rooms} is owned by {@link #executor()}.
 */
final class RoomShard {
    private final EventExecutor executor;
    private final Map<String, Room> rooms = new HashMap<>();
    private final AtomicInteger roomCount;
    private final RoomBridge lifecycle;

    /** Bytes of events queued for this shard ({@code SHARD_QUEUE_MAX_BYTES}). */
    private final dev.realtime.budget.ByteBudget budget;
    /** Per-room settings fixed when a room is created here (its slow-consumer policy). */
    private final PrefixPolicies policies;

    RoomShard(int index, AtomicInteger roomCount, RoomBridge lifecycle, dev.realtime.budget.ByteBudget budget) {
        this(index, roomCount, lifecycle, budget, PrefixPolicies.BUILT_IN);
    }

    RoomShard(int index, AtomicInteger roomCount, RoomBridge lifecycle, dev.realtime.budget.ByteBudget budget,
              PrefixPolicies policies) {
        this.policies = policies;
        this.executor = new DefaultEventExecutor(new DefaultThreadFactory("room-shard-" + index, true));
        this.roomCount = roomCount;
        this.lifecycle = lifecycle;
        this.budget = budget;
    }

    /** The byte budget of the events waiting in this shard's queue (thread-safe). */
    dev.realtime.budget.ByteBudget budget() {
        return budget;
    }

    EventExecutor executor() {
        return executor;
    }

    /** Must run on the shard thread. */
    Room get(String name) {
        return rooms.get(name);
    }

    /** Must run on the shard thread. */
    Room getOrCreate(String name) {
        Room room = rooms.get(name);
        if (room == null) {
            room = new Room(name, LoopOutbox.slowCode(policies.slowConsumer(name)));
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
