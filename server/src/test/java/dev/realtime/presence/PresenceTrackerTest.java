package dev.realtime.presence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.realtime.metrics.GatewayMetrics;
import dev.realtime.store.InMemoryPresenceStore;
import dev.realtime.store.PresenceStore;
import dev.realtime.store.StoreUnavailableException;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The tracker contract on the in-memory store (nodes share one instance, real clock), plus outages
 * injected with {@link FlakyPresenceStore}.
 */
class PresenceTrackerTest extends PresenceTrackerContract {
    private final InMemoryPresenceStore shared = new InMemoryPresenceStore(TIMEOUT);

    @Override
    PresenceStore store() {
        return shared;
    }

    /**
     * An outage shorter than the timeout: the node stays live, so nothing is re-announced; the
     * repair writes exactly the keys touched while down, removals included.
     */
    @Test
    void aShortOutageRepairsLostAdditionsAndRemovalsWithoutReannouncing() {
        InMemoryPresenceStore backend = new InMemoryPresenceStore(Duration.ofSeconds(6)); // beats every 2 s
        FlakyPresenceStore store = new FlakyPresenceStore(backend);
        PresenceTracker t = tracker(store, "node-a");
        t.start();
        t.connected("u1", "s1");
        t.connected("u2", "s2");
        t.joined("lobby", "u1");
        t.joined("lobby", "u2");
        until("announced", () -> backend.onlineUsers().equals(Set.of("u1", "u2")) && t.healthy());

        store.down = true;
        t.left("lobby", "u2");
        t.disconnected("u2", "s2");
        t.connected("u3", "s3");
        t.joined("lobby", "u3");
        fence(t);
        assertFalse(t.healthy());
        assertTrue(errors.get() >= 1);
        assertEquals(Set.of("u1", "u2"), backend.onlineUsers(), "the store missed the changes");
        int onlineCallsBefore = store.calls("online");
        store.down = false;

        until("repaired", () -> t.healthy() && backend.onlineUsers().equals(Set.of("u1", "u3"))
                && backend.members("lobby").equals(Set.of("u1", "u3")));
        assertEquals(1, store.calls("heartbeat-false"), "only the first heartbeat found the node not live");
        assertEquals(onlineCallsBefore + 1, store.calls("online"), "only u3 written, u1 not re-announced");
        assertEquals(Map.of("node-a", 2), backend.nodes());
    }

    @Test
    void queriesFailFastDuringAnOutageAndWorkAgainAfter() throws Exception {
        FlakyPresenceStore store = new FlakyPresenceStore(new InMemoryPresenceStore(TIMEOUT));
        PresenceTracker t = tracker(store, "node-a");
        t.start();
        t.connected("u1", "s1");
        until("healthy", t::healthy);
        store.down = true;
        until("outage noticed", () -> !t.healthy());
        int callsBefore = store.calls("onlineUsers");
        ExecutionException e = assertThrows(ExecutionException.class, () -> t.onlineUsers().get(5, TimeUnit.SECONDS));
        assertTrue(e.getCause() instanceof StoreUnavailableException, e.toString());
        assertEquals(callsBefore, store.calls("onlineUsers"), "not even tried while the store is known down");
        store.down = false;
        until("back", t::healthy);
        assertEquals(Set.of("u1"), get(t.onlineUsers()));
    }

    /** Too many changes while down: pending keys are dropped and the repair is forget + re-announce. */
    @Test
    void tooManyChangesDuringAnOutageFallBackToForgetAndReannounce() {
        InMemoryPresenceStore backend = new InMemoryPresenceStore(Duration.ofSeconds(6));
        FlakyPresenceStore store = new FlakyPresenceStore(backend);
        PresenceTracker t = tracker(store, "node-a", 2);
        t.start();
        for (int i = 0; i < 4; i++) {
            t.connected("u" + i, "s" + i);
            t.joined("r" + i, "u" + i);
        }
        until("announced", () -> backend.onlineUsers().size() == 4 && t.healthy());
        store.down = true;
        for (int i = 0; i < 3; i++) {
            t.left("r" + i, "u" + i);
            t.disconnected("u" + i, "s" + i);
        }
        t.connected("u9", "s9");
        fence(t);
        store.down = false;
        until("repaired", () -> t.healthy() && backend.onlineUsers().equals(Set.of("u3", "u9")));
        assertEquals(2, store.calls("forgetNode"), "start, then the reset");
        assertEquals(Set.of(), backend.members("r0"));
        assertEquals(Set.of("u3"), backend.members("r3"));
    }

    @Test
    void writesNeverBlockTheCallerEvenWhenTheStoreHangs() {
        CompletableFuture<Void> release = new CompletableFuture<>();
        AtomicReference<Thread> storeThread = new AtomicReference<>();
        // A store whose heartbeat blocks until released: the tracker thread is stuck inside it.
        PresenceTracker t = tracker(new FlakyPresenceStore(shared) {
            @Override
            public boolean heartbeat(String nodeId) {
                storeThread.set(Thread.currentThread());
                release.join();
                return super.heartbeat(nodeId);
            }
        }, "node-a");
        t.start();
        until("tracker inside the store", () -> storeThread.get() != null);
        long start = System.nanoTime();
        for (int i = 0; i < 10_000; i++) {
            t.connected("u" + i, "s" + i);
            t.joined("lobby", "u" + i);
        }
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(2), "enqueueing only");
        assertEquals("rt-presence-node-a", storeThread.get().getName());
        assertTrue(storeThread.get().isDaemon());
        release.complete(null);
        until("all announced", () -> get(t.nodes()).equals(Map.of("node-a", 10_000)));
        assertEquals(10_000, get(t.members("lobby")).size());
    }

    @Test
    void badIdsFailOnTheCallersThreadAndClosedTrackersDropCalls() {
        PresenceTracker t = tracker(shared, "node-a");
        assertThrows(IllegalArgumentException.class, () -> t.connected("u1", "has space"));
        assertThrows(IllegalArgumentException.class, () -> t.joined("", "u1"));
        assertThrows(NullPointerException.class, () -> t.joined("lobby", null));
        assertThrows(IllegalArgumentException.class, () -> new PresenceTracker(shared, "bad node", () -> { }));
        t.start();
        t.connected("user with spaces is fine", "s1");
        until("online", () -> get(t.isOnline("user with spaces is fine")));
        t.close();
        t.close(); // idempotent
        assertEquals(Map.of(), shared.nodes(), "close forgot the node");
        t.connected("u2", "s2"); // dropped quietly
        ExecutionException e = assertThrows(ExecutionException.class, () -> t.nodes().get(5, TimeUnit.SECONDS));
        assertTrue(e.getCause() instanceof RejectedExecutionException, e.toString());
    }

    @Test
    void theMetricsConstructorCountsStoreErrors() {
        GatewayMetrics metrics = new GatewayMetrics();
        FlakyPresenceStore store = new FlakyPresenceStore(shared);
        store.down = true;
        try (PresenceTracker t = new PresenceTracker(store, "node-m", metrics)) {
            t.start();
            until("counted", () -> metrics.storeErrors.labels("presence").get() >= 1);
            assertFalse(t.healthy());
        }
    }

    /**
     * A {@code presence} query that takes three times the timeout (a slow scan) must not let the
     * node's alive key expire: the heartbeat does not wait behind it (issue 11, item 10).
     */
    @Test
    void aSlowQueryDoesNotExpireTheNode() throws Exception {
        InMemoryPresenceStore backend = new InMemoryPresenceStore(TIMEOUT);
        FlakyPresenceStore store = new FlakyPresenceStore(backend);
        PresenceTracker t = tracker(store, "node-slow");
        t.start();
        t.connected("u1", "s1");
        until("announced", () -> backend.isOnline("u1") && t.healthy());
        store.membersDelayMs = 2 * TIMEOUT.toMillis();
        CompletableFuture<Set<String>> slow = t.members("lobby");
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(store.membersDelayMs - 200);
        while (System.nanoTime() < end) {
            assertTrue(backend.isOnline("u1"), "the node expired while its tracker thread was busy");
            Thread.sleep(50);
        }
        assertEquals(Set.of(), slow.get(10, TimeUnit.SECONDS));
        assertTrue(backend.nodes().containsKey("node-slow"));
    }

    @Test
    void queriesAreBoundedAndFailFastBeyondTheBound() throws Exception {
        FlakyPresenceStore store = new FlakyPresenceStore(new InMemoryPresenceStore(TIMEOUT));
        PresenceTracker t = tracker(store, "node-q");
        t.start();
        until("healthy", t::healthy);
        store.membersDelayMs = 2;
        java.util.List<CompletableFuture<Set<String>>> all = new java.util.ArrayList<>();
        for (int i = 0; i < PresenceTracker.MAX_QUERIES + 50; i++) {
            all.add(t.members("r"));
        }
        ExecutionException refused = assertThrows(ExecutionException.class,
                () -> all.get(all.size() - 1).get(1, TimeUnit.SECONDS));
        assertTrue(refused.getCause() instanceof StoreUnavailableException, refused.toString());
        store.membersDelayMs = 0;
        all.get(0).get(30, TimeUnit.SECONDS);
    }
}
