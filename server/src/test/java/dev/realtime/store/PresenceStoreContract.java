package dev.realtime.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * The rules every {@link PresenceStore} follows, run against each implementation by a subclass that
 * says how to open a node's handle on one shared backend and how time passes.
 */
abstract class PresenceStoreContract {

    /** Another node's handle on this test's backend (same state, fresh namespace per test). */
    abstract PresenceStore node();

    /** Moves time forward (a manual clock), or does nothing where time is real. */
    abstract void advance(Duration d);

    private static final Duration WAIT = Duration.ofSeconds(15);

    @Test
    void connectionsAreCountedPerUserAndNodeAcrossTheCluster() {
        PresenceStore a = node();
        PresenceStore b = node();
        assertFalse(a.heartbeat("n1"), "a new node was not live before");
        assertFalse(b.heartbeat("n2"));
        a.online("n1", "u1", "s1");
        a.online("n1", "u1", "s1"); // idempotent
        b.online("n2", "u1", "s2");
        a.online("n1", "u2", "s3");
        assertTrue(b.isOnline("u1"));
        assertEquals(2, b.connectionCount("u1"));
        assertEquals(Set.of("u1", "u2"), b.onlineUsers());
        assertEquals(Map.of("n1", 2, "n2", 1), a.nodes());
        assertFalse(a.isOnline("nobody"));
        assertEquals(0, a.connectionCount("nobody"));

        a.offline("n1", "u1", "s1");
        a.offline("n1", "u1", "s1"); // idempotent
        a.offline("n1", "u1", "unknown-sid");
        assertTrue(a.isOnline("u1"), "still connected through n2");
        assertEquals(1, a.connectionCount("u1"));
        b.offline("n2", "u1", "s2");
        assertFalse(a.isOnline("u1"));
        assertEquals(Set.of("u2"), a.onlineUsers());
        assertEquals(Map.of("n1", 1, "n2", 0), b.nodes());
    }

    @Test
    void aNodeIsLiveOnlyFromItsFirstHeartbeat() {
        PresenceStore a = node();
        a.online("quiet", "u1", "s1");
        a.joined("lobby", "u1", "quiet");
        assertFalse(a.isOnline("u1"), "records of a node that never heartbeated are invisible");
        assertEquals(Set.of(), a.members("lobby"));
        assertEquals(Map.of(), a.nodes());
        assertFalse(a.heartbeat("quiet"));
        assertTrue(a.heartbeat("quiet"), "second heartbeat within the timeout: was live");
        assertTrue(a.isOnline("u1"));
        assertEquals(Set.of("u1"), a.members("lobby"));
    }

    @Test
    void aDeadNodesUsersAndMembershipsExpireAndAreSwept() {
        PresenceStore a = node();
        PresenceStore b = node();
        a.heartbeat("n1");
        b.heartbeat("n2");
        a.online("n1", "gone", "s1");
        a.online("n1", "both", "s2");
        b.online("n2", "both", "s3");
        b.online("n2", "stays", "s4");
        a.joined("room", "gone", "n1");
        a.joined("room", "both", "n1");
        b.joined("room", "stays", "n2");

        advance(b.timeout().dividedBy(2));
        assertTrue(b.isOnline("gone"), "alive until the timeout");
        b.heartbeat("n2");
        advance(b.timeout().dividedBy(2).plusMillis(1));
        Poll.until("n1's users expire", WAIT, () -> {
            b.heartbeat("n2"); // n2 stays alive while n1 stops
            return !b.isOnline("gone");
        });
        assertEquals(1, b.connectionCount("both"));
        assertTrue(b.isOnline("stays"));
        assertEquals(Set.of("both", "stays"), b.onlineUsers());
        assertEquals(Set.of("stays"), b.members("room"));
        assertEquals(Set.of("n2"), b.nodes().keySet());

        assertEquals(1, b.sweep(), "n1 is swept");
        assertEquals(0, b.sweep(), "sweeping is idempotent");
        assertFalse(a.heartbeat("n1"), "n1 comes back: it was not live, so it must re-announce");
        assertFalse(b.isOnline("gone"), "its old records were deleted");
        assertEquals(Set.of("stays"), b.members("room"));
        assertEquals(Map.of("n1", 0, "n2", 2), b.nodes());
        a.online("n1", "gone", "s1"); // re-announced
        a.joined("room", "gone", "n1");
        assertTrue(b.isOnline("gone"));
        assertEquals(Set.of("gone", "stays"), b.members("room"));
    }

    @Test
    void roomMembershipIsPerNodeAndSurvivesWhileAnyNodeHasTheUser() {
        PresenceStore a = node();
        PresenceStore b = node();
        a.heartbeat("n1");
        b.heartbeat("n2");
        String odd = "auth0|user with spaces:and:colons";
        a.joined("lobby", "u1", "n1");
        b.joined("lobby", "u1", "n2");
        a.joined("lobby", odd, "n1");
        a.joined("lobby", odd, "n1"); // idempotent
        b.joined("other", "u2", "n2");
        assertEquals(Set.of("u1", odd), b.members("lobby"));
        a.left("lobby", "u1", "n1");
        assertEquals(Set.of("u1", odd), b.members("lobby"), "u1 is still in through n2");
        b.left("lobby", "u1", "n2");
        b.left("lobby", "u1", "n2"); // idempotent
        assertEquals(Set.of(odd), a.members("lobby"));
        assertEquals(Set.of("u2"), a.members("other"));
        assertEquals(Set.of(), a.members("empty"));
        a.online("n1", odd, "s1");
        assertTrue(b.isOnline(odd));
    }

    @Test
    void firstJoinAndLastLeaveAreDecidedClusterWide() {
        PresenceStore a = node();
        PresenceStore b = node();
        a.heartbeat("n1");
        b.heartbeat("n2");
        assertEquals(new PresenceStore.Occupancy(true, 1), a.joined("lobby", "u1", "n1"), "u1's first join anywhere");
        assertEquals(new PresenceStore.Occupancy(false, 1), a.joined("lobby", "u1", "n1"), "a repeated write changes nothing");
        assertEquals(new PresenceStore.Occupancy(false, 1), b.joined("lobby", "u1", "n2"), "u1 is already in through n1");
        assertEquals(new PresenceStore.Occupancy(true, 2), b.joined("lobby", "u2", "n2"));
        assertEquals(new PresenceStore.Occupancy(true, 1), b.joined("other", "u2", "n2"), "rooms are counted apart");
        assertEquals(new PresenceStore.Occupancy(false, 2), a.left("lobby", "u1", "n1"), "still in through n2");
        assertEquals(new PresenceStore.Occupancy(true, 1), b.left("lobby", "u1", "n2"), "u1's last leave anywhere");
        assertEquals(new PresenceStore.Occupancy(false, 1), b.left("lobby", "u1", "n2"), "a repeated leave changes nothing");
        assertEquals(new PresenceStore.Occupancy(false, 1), a.left("lobby", "never-joined", "n1"));
        assertEquals(new PresenceStore.Occupancy(true, 0), b.left("lobby", "u2", "n2"));
        assertEquals(new PresenceStore.Occupancy(false, 0), a.left("empty", "u1", "n1"));
    }

    @Test
    void sweepsAndForgetsReportTheUsersTheyVacate() {
        PresenceStore a = node();
        PresenceStore b = node();
        a.heartbeat("n1");
        b.heartbeat("n2");
        a.joined("lobby", "gone", "n1");
        a.joined("lobby", "both", "n1");
        b.joined("lobby", "both", "n2");
        b.joined("lobby", "stays", "n2");
        a.joined("side", "gone", "n1");
        advance(b.timeout().plusMillis(1));
        List<String> vacated = new ArrayList<>();
        Poll.until("n1 is swept", WAIT, () -> {
            b.heartbeat("n2");
            return b.sweep((room, user, users) -> vacated.add(room + " " + user + " " + users)) == 1;
        });
        java.util.Collections.sort(vacated);
        assertEquals(List.of("lobby gone 2", "side gone 0"), vacated, "both stays through n2");
        assertEquals(new PresenceStore.Occupancy(true, 3), a.joined("lobby", "gone", "n1"), "back: a first join again");
        assertEquals(new PresenceStore.Occupancy(false, 3), a.joined("lobby", "both", "n1"), "re-announced by n1");

        List<String> forgotten = new ArrayList<>();
        b.forgetNode("n2", (room, user, users) -> forgotten.add(room + " " + user + " " + users));
        assertEquals(List.of("lobby stays 2"), forgotten, "both is still in through n1");
        assertEquals(new PresenceStore.Occupancy(false, 2), a.left("lobby", "nobody", "n1"));
        assertEquals(new PresenceStore.Occupancy(true, 1), a.left("lobby", "gone", "n1"));
        assertEquals(new PresenceStore.Occupancy(true, 2), b.joined("lobby", "stays", "n2"), "with both");
    }

    @Test
    void concurrentFirstJoinsFromTwoNodesAnnounceOnce() throws Exception {
        PresenceStore[] nodes = {node(), node()};
        nodes[0].heartbeat("n0");
        nodes[1].heartbeat("n1");
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            for (int round = 0; round < 20; round++) {
                String room = "race-" + round;
                List<Future<Boolean>> joins = new ArrayList<>();
                for (int n = 0; n < 2; n++) {
                    int node = n;
                    joins.add(pool.submit(() -> nodes[node].joined(room, "u", "n" + node).changed()));
                }
                assertEquals(1, (joins.get(0).get() ? 1 : 0) + (joins.get(1).get() ? 1 : 0), room);
                List<Future<Boolean>> leaves = new ArrayList<>();
                for (int n = 0; n < 2; n++) {
                    int node = n;
                    leaves.add(pool.submit(() -> nodes[node].left(room, "u", "n" + node).changed()));
                }
                assertEquals(1, (leaves.get(0).get() ? 1 : 0) + (leaves.get(1).get() ? 1 : 0), room);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void forgetNodeDropsEverythingAtOnce() {
        PresenceStore a = node();
        a.heartbeat("n1");
        a.heartbeat("n2");
        a.online("n1", "u1", "s1");
        a.online("n2", "u2", "s2");
        a.joined("lobby", "u1", "n1");
        a.forgetNode("n1");
        assertFalse(a.isOnline("u1"));
        assertEquals(Set.of(), a.members("lobby"));
        assertEquals(Map.of("n2", 1), a.nodes());
        assertFalse(a.heartbeat("n1"), "a forgotten node is not live");
        assertFalse(a.isOnline("u1"));
        assertTrue(a.isOnline("u2"));
    }

    @Test
    void rejectsIdsThatWouldBreakTheLayout() {
        PresenceStore a = node();
        assertThrows(IllegalArgumentException.class, () -> a.heartbeat("node 1"));
        assertThrows(IllegalArgumentException.class, () -> a.online("n1", "u1", ""));
        assertThrows(IllegalArgumentException.class, () -> a.joined("bad room", "u1", "n1"));
    }

    @Test
    void concurrentConnectsAndDisconnectsFromTwoNodesAddUp() throws Exception {
        PresenceStore[] nodes = {node(), node()};
        nodes[0].heartbeat("n0");
        nodes[1].heartbeat("n1");
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                int thread = t;
                done.add(pool.submit(() -> {
                    PresenceStore s = nodes[thread % 2];
                    String node = "n" + (thread % 2);
                    for (int i = 0; i < 50; i++) {
                        s.online(node, "hot", "t" + thread + "-" + i);
                        s.joined("r" + (i % 5), "u" + thread, node);
                    }
                    for (int i = 0; i < 50; i += 2) {
                        s.offline(node, "hot", "t" + thread + "-" + i);
                    }
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(8 * 25, nodes[0].connectionCount("hot"));
        assertEquals(Map.of("n0", 100, "n1", 100), nodes[1].nodes());
        assertEquals(Set.of("u0", "u1", "u2", "u3", "u4", "u5", "u6", "u7"), nodes[0].members("r3"));
    }
}
