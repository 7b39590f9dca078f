package dev.realtime.presence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.realtime.store.PresenceStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What a {@link PresenceTracker} guarantees, run against each store by a subclass that says how to
 * open a node's handle on one shared backend. Every store has a real-time 1 s presence timeout, so
 * heartbeats run every ~333 ms; assertions poll with deadlines, never sleep.
 */
abstract class PresenceTrackerContract {
    static final Duration TIMEOUT = Duration.ofSeconds(2); // a heartbeat late by a second on a busy machine must not expire a node
    static final Duration WAIT = Duration.ofSeconds(10);

    private final List<PresenceTracker> trackers = new ArrayList<>();
    final AtomicInteger errors = new AtomicInteger();

    /** A new handle on this test's shared backend, with {@link #TIMEOUT}. */
    abstract PresenceStore store();

    @AfterEach
    void closeTrackers() {
        trackers.forEach(PresenceTracker::close);
    }

    PresenceTracker tracker(PresenceStore store, String nodeId) {
        return tracker(store, nodeId, PresenceTracker.DEFAULT_MAX_PENDING);
    }

    PresenceTracker tracker(PresenceStore store, String nodeId, int maxPending) {
        PresenceTracker t = new PresenceTracker(store, nodeId, errors::incrementAndGet, maxPending);
        trackers.add(t);
        return t;
    }

    static void until(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!quietly(condition)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + WAIT + " waiting for: " + what);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
        }
    }

    /** A condition that counts a failing store call (e.g. Redis restarting) as "not yet". */
    private static boolean quietly(BooleanSupplier condition) {
        try {
            return condition.getAsBoolean();
        } catch (RuntimeException notYet) {
            return false;
        }
    }

    static <T> T get(CompletableFuture<T> f) {
        try {
            return f.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            throw new AssertionError("query failed", e);
        }
    }

    /** Waits until every task enqueued so far has run (the tracker's queue is FIFO). */
    static void fence(PresenceTracker t) {
        try {
            t.nodes().handle((r, e) -> null).get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            throw new AssertionError("tracker queue did not drain", e);
        }
    }

    @Test
    void theStoreHearsOfTheFirstJoinAndTheLastLeavePerUserAndRoom() {
        FlakyPresenceStore store = new FlakyPresenceStore(store());
        PresenceTracker t = tracker(store, "node-a");
        t.start();
        t.connected("u1", "s1");
        t.connected("u1", "s2");
        t.joined("lobby", "u1");
        t.joined("lobby", "u1"); // second connection of the same user
        fence(t);
        assertEquals(1, store.calls("joined"));
        assertEquals(Set.of("u1"), get(t.members("lobby")));

        t.left("lobby", "u1");
        fence(t);
        assertEquals(0, store.calls("left"), "one connection of u1 is still in the room");
        assertEquals(Set.of("u1"), get(t.members("lobby")));
        t.left("lobby", "u1");
        t.left("lobby", "u1"); // unbalanced: ignored
        fence(t);
        assertEquals(1, store.calls("left"));
        assertEquals(Set.of(), get(t.members("lobby")));

        t.disconnected("u1", "s1");
        fence(t);
        assertTrue(get(t.isOnline("u1")), "still connected through s2");
        t.disconnected("u1", "s2");
        assertFalse(get(t.isOnline("u1")));
        assertEquals(Map.of("node-a", 0), get(t.nodes()));
        assertTrue(t.healthy());
        assertEquals(0, errors.get());
    }

    @Test
    void twoTrackersOnOneStoreSeeEachOthersUsersAndCloseForgetsAtOnce() {
        PresenceTracker a = tracker(store(), "node-a");
        PresenceTracker b = tracker(store(), "node-b");
        a.connected("u1", "s1"); // before start: announced by start
        a.joined("lobby", "u1");
        a.start();
        b.start();
        a.connected("u2", "s2");
        b.connected("u1", "s3");
        b.connected("u3", "s4");
        b.joined("lobby", "u3");
        until("both nodes' users", () -> get(a.onlineUsers()).equals(Set.of("u1", "u2", "u3"))
                && get(b.members("lobby")).equals(Set.of("u1", "u3")));
        assertEquals(Map.of("node-a", 2, "node-b", 2), get(b.nodes()));
        assertTrue(get(b.isOnline("u2")));

        a.close(); // synchronous forgetNode: no need to wait for the timeout
        assertEquals(Set.of("u1", "u3"), get(b.onlineUsers()));
        assertEquals(Set.of("u3"), get(b.members("lobby")));
        assertEquals(Map.of("node-b", 2), get(b.nodes()));
    }

    @Test
    void aCrashedTrackersUsersDisappearWithinThePresenceTimeout() {
        PresenceTracker a = tracker(store(), "node-a");
        PresenceTracker b = tracker(store(), "node-b");
        a.start();
        b.start();
        a.connected("ua", "s1");
        b.connected("ub", "s2");
        b.joined("lobby", "ub");
        until("both visible", () -> get(a.nodes()).keySet().equals(Set.of("node-a", "node-b"))
                && get(a.members("lobby")).equals(Set.of("ub")));

        long crashed = System.nanoTime();
        b.crashForTest(); // no forgetNode, no more heartbeats
        until("node-b expired", () -> !get(a.nodes()).containsKey("node-b"));
        long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - crashed);
        assertTrue(tookMillis <= TIMEOUT.toMillis() + 2000, "expired after " + tookMillis + " ms");
        assertEquals(Set.of("ua"), get(a.onlineUsers()));
        assertEquals(Set.of(), get(a.members("lobby")));
        assertFalse(get(a.isOnline("ub")));
    }

    @Test
    void aTrackerForgottenBehindItsBackReannouncesOnItsNextHeartbeat() {
        PresenceTracker a = tracker(store(), "node-a");
        a.start();
        a.connected("u1", "s1");
        a.connected("u2", "s2");
        a.joined("lobby", "u1");
        PresenceStore other = store();
        until("announced", () -> other.onlineUsers().equals(Set.of("u1", "u2")));

        other.forgetNode("node-a"); // as a sweep after a missed heartbeat would
        assertEquals(Set.of(), other.onlineUsers());
        until("re-announced", () -> other.onlineUsers().equals(Set.of("u1", "u2"))
                && other.members("lobby").equals(Set.of("u1")) && other.nodes().equals(Map.of("node-a", 2)));
        assertEquals(0, errors.get());
    }

    @Test
    void callsFromManyThreadsKeepExactCounts() throws InterruptedException {
        PresenceTracker t = tracker(store(), "node-a");
        t.start();
        int threads = 8;
        CountDownLatch done = new CountDownLatch(threads);
        for (int i = 0; i < threads; i++) {
            String user = "u" + i;
            Thread worker = new Thread(() -> {
                for (int k = 0; k < 200; k++) { // each round opens a connection and closes the previous one
                    t.connected(user, user + "-s" + k);
                    t.joined("lobby", user);
                    t.joined(user.equals("u0") ? "solo" : "lobby", user);
                    if (k > 0) {
                        t.left("lobby", user);
                        t.left(user.equals("u0") ? "solo" : "lobby", user);
                        t.disconnected(user, user + "-s" + (k - 1));
                    }
                }
                done.countDown();
            });
            worker.start();
        }
        assertTrue(done.await(WAIT.toMillis(), TimeUnit.MILLISECONDS));
        Set<String> users = new HashSet<>();
        Map<String, Integer> expectNodes = new HashMap<>();
        for (int i = 0; i < threads; i++) {
            users.add("u" + i);
        }
        expectNodes.put("node-a", threads);
        until("one connection per user", () -> get(t.nodes()).equals(expectNodes));
        assertEquals(users, get(t.onlineUsers()));
        assertEquals(users, get(t.members("lobby")));
        assertEquals(Set.of("u0"), get(t.members("solo")));
    }
}
