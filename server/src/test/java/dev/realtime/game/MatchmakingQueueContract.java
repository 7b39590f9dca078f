package dev.realtime.game;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.realtime.game.MatchmakingQueue.Outcome;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The rules every {@link MatchmakingQueue} follows, run against each implementation by a subclass
 * that says how to open a node's handle on one shared backend.
 */
abstract class MatchmakingQueueContract {
    static final String Q = "1v1_rapid_quiz";

    /** A node's handle on this test's backend (same state for every call in one test). */
    abstract MatchmakingQueue node();

    @Test
    void joinIsIdempotentAndKeepsOrderAndFirstConnection() {
        MatchmakingQueue a = node();
        MatchmakingQueue b = node();
        assertEquals(new MatchmakingQueue.Joined(Outcome.QUEUED, null, 1), a.join(Q, "u1", "s1", 1000));
        assertEquals(new MatchmakingQueue.Joined(Outcome.QUEUED, null, 2), b.join(Q, "u2", "s2", 2000));
        assertEquals(new MatchmakingQueue.Joined(Outcome.ALREADY_QUEUED, null, 2), b.join(Q, "u1", "s1-other", 3000));
        assertEquals(2, a.size(Q));
        assertEquals(List.of(new MatchmakingQueue.Waiting("u1", "s1", 1000), new MatchmakingQueue.Waiting("u2", "s2", 2000)),
                b.oldest(Q, 10));
        assertEquals(List.of(new MatchmakingQueue.Waiting("u1", "s1", 1000)), a.oldest(Q, 1));
        assertEquals(0, a.size("other-game"));
        assertEquals(List.of(), a.oldest("other-game", 5));
    }

    @Test
    void commitTakesBothOrNeither() {
        MatchmakingQueue a = node();
        a.join(Q, "u1", "s1", 1);
        a.join(Q, "u2", "s2", 2);
        a.join(Q, "u3", "s3", 3);
        assertFalse(a.commit(Q, "match:x", "u1", "nobody"), "one player does not wait");
        assertFalse(a.commit(Q, "match:x", "u1", "u1"), "a player is not its own opponent");
        assertEquals(3, a.size(Q));
        assertNull(a.matchOf(Q, "u1"));

        assertTrue(node().commit(Q, "match:1", "u1", "u2"));
        assertFalse(a.commit(Q, "match:2", "u2", "u3"), "u2 is taken");
        assertEquals(1, a.size(Q));
        assertEquals(List.of(new MatchmakingQueue.Waiting("u3", "s3", 3)), a.oldest(Q, 10));
        assertEquals("match:1", a.matchOf(Q, "u1"));
        assertEquals("match:1", node().matchOf(Q, "u2"));
        assertEquals(Map.of("u1", "match:1", "u2", "match:1"), a.matchesOf(Q, List.of("u1", "u2", "u3", "u4")));
        assertEquals(Map.of(), a.matchesOf(Q, List.of()));
    }

    @Test
    void aPlayerInAMatchCannotQueueUntilReleasedByThatMatch() {
        MatchmakingQueue a = node();
        a.join(Q, "u1", "s1", 1);
        a.join(Q, "u2", "s2", 2);
        assertTrue(a.commit(Q, "match:1", "u1", "u2"));
        assertEquals(new MatchmakingQueue.Joined(Outcome.IN_MATCH, "match:1", 0), node().join(Q, "u1", "s9", 5));
        assertEquals(0, a.size(Q));
        assertFalse(a.release(Q, "u1", "match:old"), "another match's cleanup leaves it alone");
        assertEquals("match:1", a.matchOf(Q, "u1"));
        assertTrue(node().release(Q, "u1", "match:1"));
        assertFalse(a.release(Q, "u1", "match:1"));
        assertNull(a.matchOf(Q, "u1"));
        assertEquals(Outcome.QUEUED, a.join(Q, "u1", "s9", 6).outcome());
    }

    @Test
    void leaveRemovesAndReportsTheMatch() {
        MatchmakingQueue a = node();
        a.join(Q, "u1", "s1", 1);
        assertEquals(new MatchmakingQueue.Left(true, null), node().leave(Q, "u1"));
        assertEquals(new MatchmakingQueue.Left(false, null), a.leave(Q, "u1"));
        assertEquals(0, a.size(Q));
        a.join(Q, "u1", "s1", 1);
        a.join(Q, "u2", "s2", 1);
        assertTrue(a.commit(Q, "match:7", "u1", "u2"));
        assertEquals(new MatchmakingQueue.Left(false, "match:7"), a.leave(Q, "u2"));
        // Leaving and coming back puts a player at the end.
        a.join(Q, "u3", "s3", 1);
        a.join(Q, "u4", "s4", 2);
        a.leave(Q, "u3");
        a.join(Q, "u3", "s3b", 3);
        assertEquals(List.of("u4", "u3"), a.oldest(Q, 5).stream().map(MatchmakingQueue.Waiting::userId).toList());
    }

    @Test
    void oddUserIdsRoundTrip() {
        MatchmakingQueue a = node();
        String odd = "user with spaces {and} 'quotes' \u00e9";
        a.join(Q, odd, "s1", 1);
        a.join(Q, "u2", "s2", 2);
        assertEquals(odd, a.oldest(Q, 1).get(0).userId());
        assertTrue(a.commit(Q, "match:o", odd, "u2"));
        assertEquals("match:o", node().matchOf(Q, odd));
    }

    /** Several nodes join and pair concurrently: each player ends in exactly one match, nobody is lost. */
    @Test
    void concurrentPairingNeverPairsAPlayerTwiceNorLosesOne() throws Exception {
        int players = 200;
        List<MatchmakingQueue> nodes = List.of(node(), node(), node(), node());
        ExecutorService pool = Executors.newFixedThreadPool(8);
        Map<String, String> matchOf = new ConcurrentHashMap<>();
        AtomicInteger matches = new AtomicInteger();
        try {
            List<Future<?>> work = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                MatchmakingQueue q = nodes.get(t % nodes.size());
                int worker = t;
                work.add(pool.submit(() -> {
                    for (int i = worker; i < players; i += 8) {
                        q.join(Q, "p" + i, "s" + i, i);
                        pairAll(q, matchOf, matches);
                    }
                    return null;
                }));
            }
            for (Future<?> f : work) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        pairAll(nodes.get(0), matchOf, matches);
        assertEquals(0, nodes.get(0).size(Q));
        assertEquals(players, matchOf.size(), "every player is in a match");
        assertEquals(players / 2, matches.get());
        Map<String, Integer> perMatch = new ConcurrentHashMap<>();
        matchOf.values().forEach(m -> perMatch.merge(m, 1, Integer::sum));
        assertEquals(Set.of(2), Set.copyOf(perMatch.values()), "two players per match");
        for (Map.Entry<String, String> e : matchOf.entrySet()) {
            assertEquals(e.getValue(), nodes.get(1).matchOf(Q, e.getKey()));
        }
    }

    private static void pairAll(MatchmakingQueue q, Map<String, String> matchOf, AtomicInteger matches) {
        while (true) {
            List<MatchmakingQueue.Waiting> two = q.oldest(Q, 2);
            if (two.size() < 2) {
                return;
            }
            String id = "match:" + java.util.UUID.randomUUID();
            if (q.commit(Q, id, two.get(0).userId(), two.get(1).userId())) {
                matches.incrementAndGet();
                String before0 = matchOf.put(two.get(0).userId(), id);
                String before1 = matchOf.put(two.get(1).userId(), id);
                assertNull(before0, "paired twice: " + two.get(0));
                assertNull(before1, "paired twice: " + two.get(1));
            }
        }
    }
}
