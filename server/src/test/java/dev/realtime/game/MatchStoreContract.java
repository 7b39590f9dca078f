package dev.realtime.game;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The rules every {@link MatchStore} follows, run against each implementation by a subclass that
 * says how to open a node's handle on one shared backend and how time passes.
 */
abstract class MatchStoreContract {
    static final Duration LONG = Duration.ofMinutes(5);

    abstract MatchStore node();

    /** A ttl short enough to wait for in real time. */
    abstract Duration shortTtl();

    /** Moves time forward (a manual clock), or does nothing where time is real. */
    abstract void advance(Duration d);

    static byte[] text(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void createOnceThenCompareAndSetByVersion() {
        MatchStore a = node();
        MatchStore b = node();
        assertNull(a.read("match:1"));
        assertTrue(a.create("match:1", text("s1"), LONG));
        assertFalse(b.create("match:1", text("other"), LONG));
        MatchStore.Versioned v1 = b.read("match:1");
        assertEquals(1, v1.version());
        assertArrayEquals(text("s1"), v1.state());

        assertTrue(b.replace("match:1", 1, text("s2"), LONG).written());
        MatchStore.Replaced lost = a.replace("match:1", 1, text("stale"), LONG);
        assertFalse(lost.written(), "a writer that read version 1 lost");
        assertEquals(2, lost.current().version(), "and got the current state back");
        assertArrayEquals(text("s2"), lost.current().state());
        MatchStore.Versioned v2 = a.read("match:1");
        assertEquals(2, v2.version());
        assertArrayEquals(text("s2"), v2.state());
        assertTrue(a.replace("match:1", 2, text("s3"), LONG).written());
        assertEquals(3, b.read("match:1").version());
        assertEquals(new MatchStore.Replaced(false, null), a.replace("match:absent", 1, text("x"), LONG),
                "nothing to replace");
        assertNull(a.read("match:absent"));

        byte[] raw = new byte[300];
        for (int i = 0; i < raw.length; i++) {
            raw[i] = (byte) i;
        }
        assertTrue(a.replace("match:1", 3, raw, LONG).written());
        assertArrayEquals(raw, b.read("match:1").state());
        b.delete("match:1");
        assertNull(a.read("match:1"));
        assertTrue(a.create("match:1", text("again"), LONG), "a deleted id can be created again");
        assertEquals(1, a.read("match:1").version());
    }

    @Test
    void statesExpireAfterTheTtlOfTheirLastWrite() throws InterruptedException {
        MatchStore a = node();
        assertTrue(a.create("match:e", text("s"), shortTtl()));
        assertTrue(a.create("match:keep", text("s"), LONG));
        advance(shortTtl().multipliedBy(2));
        waitUntil(() -> a.read("match:e") == null);
        assertFalse(a.replace("match:e", 1, text("late"), LONG).written());
        assertTrue(a.create("match:e", text("new"), LONG), "an expired id is free");
        assertTrue(a.replace("match:keep", 1, text("s2"), shortTtl()).written(), "a write sets the new ttl");
        advance(shortTtl().multipliedBy(2));
        waitUntil(() -> a.read("match:keep") == null);
    }

    private static void waitUntil(java.util.function.BooleanSupplier c) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!c.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within 10 s");
            }
            Thread.sleep(20);
        }
    }

    @Test
    void dueIndexHoldsOneTimePerMatchEarliestFirst() {
        MatchStore a = node();
        MatchStore b = node();
        assertEquals(List.of(), a.due(Long.MAX_VALUE, 10));
        a.schedule("match:3", 300);
        b.schedule("match:1", 100);
        a.schedule("match:2", 200);
        assertEquals(List.of("match:1", "match:2"), b.due(250, 10));
        assertEquals(List.of("match:1"), b.due(250, 1));
        assertEquals(List.of(), b.due(99, 10));
        a.schedule("match:1", 400); // replaces, never adds a second entry
        assertEquals(List.of("match:2", "match:3", "match:1"), b.due(1000, 10));
        b.unschedule("match:2");
        b.unschedule("match:2");
        assertEquals(List.of("match:3", "match:1"), a.due(1000, 10));
        a.schedule("match:none", 50); // scheduled without a state: the index does not care
        assertEquals("match:none", a.due(1000, 10).get(0));
    }

    /** Concurrent read-modify-write from several nodes loses no update. */
    @Test
    void concurrentIncrementsThroughCompareAndSetLoseNothing() throws Exception {
        MatchStore first = node();
        assertTrue(first.create("match:c", text("0"), LONG));
        int threads = 4;
        int each = 50;
        AtomicInteger conflicts = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> work = new java.util.ArrayList<>();
            for (int t = 0; t < threads; t++) {
                MatchStore s = node();
                work.add(pool.submit(() -> {
                    for (int i = 0; i < each; i++) {
                        MatchStore.Versioned v = s.read("match:c");
                        while (true) {
                            int n = Integer.parseInt(new String(v.state(), StandardCharsets.UTF_8));
                            MatchStore.Replaced r = s.replace("match:c", v.version(), text(Integer.toString(n + 1)), LONG);
                            if (r.written()) {
                                break;
                            }
                            conflicts.incrementAndGet();
                            v = r.current(); // retry on what the winner wrote, without another read
                        }
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
        MatchStore.Versioned end = first.read("match:c");
        assertEquals(Integer.toString(threads * each), new String(end.state(), StandardCharsets.UTF_8));
        assertEquals(1 + threads * each, end.version());
    }
}
