package dev.realtime.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The rules every {@link KeyValueStore} follows, run against each implementation by a subclass that
 * says how to open a node's handle on one shared backend and how time passes.
 */
abstract class KeyValueStoreContract {

    /** A node's handle on this test's backend (same state for every call in one test). */
    abstract KeyValueStore node();

    /** A ttl short enough to wait for in real time. */
    abstract Duration shortTtl();

    /** Moves time forward (a manual clock), or does nothing where time is real. */
    abstract void advance(Duration d);

    private static byte[] text(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void valuesCanBeSetReadAndDeleted() {
        KeyValueStore a = node();
        KeyValueStore b = node();
        assertNull(a.get("match:1"));
        a.set("match:1", text("v1"), null);
        assertArrayEquals(text("v1"), b.get("match:1"));
        b.set("match:1", text("v2"), Duration.ofMinutes(5));
        assertArrayEquals(text("v2"), a.get("match:1"));
        byte[] raw = new byte[256];
        for (int i = 0; i < raw.length; i++) {
            raw[i] = (byte) i;
        }
        a.set("raw", raw, null);
        assertArrayEquals(raw, b.get("raw"));
        assertTrue(b.delete("match:1"));
        assertFalse(a.delete("match:1"));
        assertNull(a.get("match:1"));
    }

    @Test
    void valuesExpireAfterTheirTtl() {
        KeyValueStore a = node();
        Duration ttl = shortTtl();
        a.set("short", text("x"), ttl);
        a.set("long", text("y"), Duration.ofHours(1));
        assertTrue(a.setIfAbsent("lock", text("me"), ttl));
        advance(ttl.plusMillis(1));
        Poll.until("values expire", Duration.ofSeconds(15), () -> a.get("short") == null && a.get("lock") == null);
        assertArrayEquals(text("y"), a.get("long"));
        assertTrue(a.setIfAbsent("lock", text("you"), ttl), "an expired lock can be taken again");
        assertTrue(a.compareAndSet("short", null, text("z"), null), "an expired value counts as absent");
    }

    @Test
    void setIfAbsentAndCompareAndSetAreConditional() {
        KeyValueStore a = node();
        KeyValueStore b = node();
        assertTrue(a.setIfAbsent("k", text("1"), null));
        assertFalse(b.setIfAbsent("k", text("2"), null));
        assertArrayEquals(text("1"), a.get("k"));

        assertFalse(a.compareAndSet("k", null, text("x"), null), "not absent");
        assertFalse(a.compareAndSet("k", text("2"), text("x"), null), "wrong expected value");
        assertTrue(b.compareAndSet("k", text("1"), text("3"), Duration.ofMinutes(1)));
        assertArrayEquals(text("3"), a.get("k"));
        assertTrue(a.compareAndSet("k", text("3"), null, null), "null value deletes");
        assertNull(b.get("k"));
        assertTrue(a.compareAndSet("k", null, text("4"), null), "expected null: only if absent");
        assertArrayEquals(text("4"), b.get("k"));
        assertTrue(a.compareAndSet("empty", null, new byte[0], null));
        assertFalse(a.compareAndSet("empty", null, text("no"), null), "an empty value is still present");
        assertTrue(a.compareAndSet("empty", new byte[0], text("yes"), null));
    }

    @Test
    void queuesAreFifoWithoutDuplicates() {
        KeyValueStore a = node();
        KeyValueStore b = node();
        assertEquals(0, a.size("q"));
        assertEquals(List.of(), a.popPair("q"));
        assertTrue(a.enqueue("q", "p1"));
        assertTrue(b.enqueue("q", "p2"));
        assertTrue(a.enqueue("q", "p3"));
        assertTrue(a.enqueue("q", "p4 with space:and colon"));
        assertFalse(b.enqueue("q", "p1"), "no duplicates");
        assertEquals(4, a.size("q"));
        assertTrue(b.contains("q", "p2"));
        assertFalse(b.contains("q", "p9"));
        assertTrue(b.remove("q", "p2"));
        assertFalse(a.remove("q", "p2"));
        assertEquals(List.of("p1", "p3"), b.popPair("q"));
        assertEquals(List.of(), a.popPair("q"), "one left: nothing is taken");
        assertEquals(1, a.size("q"));
        assertTrue(a.enqueue("q", "p1"), "a popped member can queue again");
        assertEquals(List.of("p4 with space:and colon", "p1"), a.popPair("q"));
        assertEquals(0, b.size("q"));
        assertEquals(0, b.size("other"));
        assertNull(a.get("q"), "queues and values are separate namespaces");
    }

    @Test
    void concurrentPopPairsNeverHandOutAMemberTwice() throws Exception {
        KeyValueStore[] nodes = {node(), node()};
        int producers = 4;
        int perProducer = 150;
        Set<String> popped = ConcurrentHashMap.newKeySet();
        AtomicInteger producing = new AtomicInteger(producers);
        AtomicInteger duplicates = new AtomicInteger();
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(producers + 4);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < producers; t++) {
                KeyValueStore s = nodes[t % 2];
                int thread = t;
                done.add(pool.submit(() -> {
                    try {
                        start.await();
                        for (int i = 0; i < perProducer; i++) {
                            assertTrue(s.enqueue("mm", "player-" + thread + "-" + i));
                        }
                    } finally {
                        producing.decrementAndGet();
                    }
                    return null;
                }));
            }
            for (int t = 0; t < 4; t++) {
                KeyValueStore s = nodes[t % 2];
                done.add(pool.submit(() -> {
                    start.await();
                    while (producing.get() > 0 || s.size("mm") >= 2) {
                        List<String> pair = s.popPair("mm");
                        if (pair.isEmpty()) {
                            Thread.onSpinWait();
                            continue;
                        }
                        assertEquals(2, pair.size());
                        for (String m : pair) {
                            if (!popped.add(m)) {
                                duplicates.incrementAndGet();
                            }
                        }
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(0, duplicates.get(), "a member was matched twice");
        int total = producers * perProducer;
        assertEquals(total, popped.size() + nodes[0].size("mm"));
        assertTrue(nodes[0].size("mm") < 2);
    }

    @Test
    void concurrentEnqueuesOfOneMemberAddItOnce() throws Exception {
        KeyValueStore[] nodes = {node(), node()};
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<Integer>> done = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                KeyValueStore s = nodes[t % 2];
                done.add(pool.submit(() -> {
                    int added = 0;
                    for (int i = 0; i < 20; i++) {
                        added += s.enqueue("once", "m" + i) ? 1 : 0;
                    }
                    return added;
                }));
            }
            int total = 0;
            for (Future<Integer> f : done) {
                total += f.get();
            }
            assertEquals(20, total);
        } finally {
            pool.shutdownNow();
        }
        assertEquals(20, nodes[1].size("once"));
    }
}
