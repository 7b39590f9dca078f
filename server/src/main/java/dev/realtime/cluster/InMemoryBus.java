package dev.realtime.cluster;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The in-memory {@link Bus}: nodes that share one {@link Hub} (nodes in one JVM, as in tests) see
 * each other's messages; a node with a hub of its own is a single node and the bus is idle.
 * Each bus delivers on its own single thread, in publish order per publisher thread.
 *
 * <p>Threading: subscriptions are a concurrent set; delivery runs on the bus's executor.
 */
public final class InMemoryBus implements Bus {

    /** Connects in-memory buses; thread-safe. */
    public static final class Hub {
        private final Set<InMemoryBus> members = ConcurrentHashMap.newKeySet();
    }

    private final Hub hub;
    private final Set<String> rooms = ConcurrentHashMap.newKeySet();
    private final ExecutorService delivery = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "bus-memory");
        t.setDaemon(true);
        return t;
    });
    private volatile Handler handler;

    public InMemoryBus(Hub hub) {
        this.hub = hub;
    }

    /** A bus for a node that is alone. */
    public static InMemoryBus single() {
        return new InMemoryBus(new Hub());
    }

    @Override
    public void start(Handler handler) {
        this.handler = handler;
        hub.members.add(this);
    }

    @Override
    public void subscribe(String room) {
        rooms.add(room);
    }

    @Override
    public void unsubscribe(String room) {
        rooms.remove(room);
    }

    @Override
    public void publish(String room, byte[] envelope) {
        for (InMemoryBus bus : hub.members) {
            if (bus.rooms.contains(room)) {
                bus.deliver(room, envelope);
            }
        }
    }

    private void deliver(String room, byte[] envelope) {
        try {
            delivery.execute(() -> {
                if (rooms.contains(room)) {
                    handler.onMessage(room, envelope);
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException closed) {
            // this node is shutting down
        }
    }

    @Override
    public boolean healthy() {
        return true;
    }

    @Override
    public String name() {
        return "memory";
    }

    /** Rooms this node currently receives (for tests and stats). */
    public Set<String> subscriptions() {
        return Set.copyOf(rooms);
    }

    @Override
    public void close() {
        hub.members.remove(this);
        delivery.shutdown();
        try {
            delivery.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

}
