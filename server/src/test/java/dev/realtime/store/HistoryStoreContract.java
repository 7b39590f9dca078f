package dev.realtime.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.realtime.store.HistoryStore.Appended;
import dev.realtime.store.HistoryStore.Entry;
import dev.realtime.store.HistoryStore.Recovery;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * The rules every {@link HistoryStore} follows, run against each implementation by a subclass that
 * says how to open a node's handle on one shared backend and how time passes.
 */
abstract class HistoryStoreContract {
    private static final Duration LONG_TTL = Duration.ofHours(1);

    /**
     * A node's handle on this test's backend; every call in one test shares state, and callers
     * pass the same capacity and ttl each time.
     */
    abstract HistoryStore node(int capacity, Duration ttl);

    /** As {@link #node(int, Duration)}, with a byte budget per room ({@code ROOM_HISTORY_MAX_BYTES}). */
    abstract HistoryStore node(int capacity, Duration ttl, long roomMaxBytes);

    /** The bytes a store accounts for one kept event of {@code size} bytes (0 where it counts raw bytes). */
    abstract int entryOverhead();

    /** A ttl short enough for {@link #expiryTest} to wait for in real time. */
    abstract Duration shortTtl();

    /** Moves time forward (a manual clock), or does nothing where time is real. */
    abstract void advance(Duration d);

    static byte[] text(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static String text(Entry e) {
        return new String(e.event(), StandardCharsets.UTF_8);
    }

    private static List<Long> offsets(List<Entry> entries) {
        return entries.stream().map(Entry::offset).toList();
    }

    @Test
    void offsetsStartAtOneAndGrowPerRoomUnderOneEpoch() {
        HistoryStore h = node(100, LONG_TTL);
        assertNull(h.head("lobby"));
        Appended first = h.append("lobby", text("a"));
        assertEquals(1, first.offset());
        assertNotNull(first.epoch());
        assertFalse(first.epoch().isEmpty());
        assertEquals(new Appended(2, first.epoch()), h.append("lobby", text("b")));
        Appended other = h.append("other", text("x"));
        assertEquals(1, other.offset(), "offsets are per room");
        assertNotEquals(first.epoch(), other.epoch(), "each stream gets its own random epoch");
        assertEquals(new Appended(2, first.epoch()), h.head("lobby"));
        assertEquals(List.of("a", "b"), h.latest("lobby", 10).stream().map(HistoryStoreContract::text).toList());
        assertEquals(List.of(1L, 2L), offsets(h.latest("lobby", 10)));
    }

    @Test
    void sinceReplaysEveryLaterEventInOrder() {
        HistoryStore h = node(100, LONG_TTL);
        String epoch = null;
        for (int i = 1; i <= 5; i++) {
            epoch = h.append("r", text("m" + i)).epoch();
        }
        Recovery r = h.since("r", epoch, 2, 100);
        assertTrue(r.recovered());
        assertEquals(epoch, r.epoch());
        assertEquals(5, r.head());
        assertEquals(List.of(3L, 4L, 5L), offsets(r.events()));
        assertEquals(List.of("m3", "m4", "m5"), r.events().stream().map(HistoryStoreContract::text).toList());
        assertTrue(r.complete());

        Recovery upToDate = h.since("r", epoch, 5, 100);
        assertTrue(upToDate.recovered() && upToDate.events().isEmpty() && upToDate.complete());
        assertEquals(List.of(1L, 2L, 3L, 4L, 5L), offsets(h.since("r", epoch, 0, 100).events()));

        Recovery limited = h.since("r", epoch, 1, 2);
        assertTrue(limited.recovered());
        assertEquals(List.of(2L, 3L), offsets(limited.events()));
        assertFalse(limited.complete(), "more events follow");
    }

    @Test
    void sinceAnswersNotRecoveredWhenItCannotReplayExactly() {
        HistoryStore h = node(100, LONG_TTL);
        String epoch = h.append("r", text("one")).epoch();
        h.append("r", text("two"));
        Recovery wrongEpoch = h.since("r", "not-" + epoch, 1, 100);
        assertFalse(wrongEpoch.recovered());
        assertEquals(epoch, wrongEpoch.epoch(), "the answer tells the current epoch");
        assertEquals(2, wrongEpoch.head());
        assertTrue(wrongEpoch.events().isEmpty());
        assertFalse(h.since("r", epoch, 3, 100).recovered(), "offset ahead of the stream");
        assertFalse(h.since("r", epoch, -1, 100).recovered());
        assertFalse(h.since("r", null, 1, 100).recovered());
        Recovery none = h.since("never-used", epoch, 1, 100);
        assertFalse(none.recovered());
        assertNull(none.epoch());
        assertEquals(0, none.head());
        assertEquals(List.of(), h.latest("never-used", 10));
    }

    @Test
    void keepsOnlyTheLastCapacityEvents() {
        HistoryStore h = node(5, LONG_TTL);
        String epoch = null;
        for (int i = 1; i <= 8; i++) {
            epoch = h.append("r", text("m" + i)).epoch();
        }
        assertEquals(5, h.capacity());
        assertEquals(List.of(4L, 5L, 6L, 7L, 8L), offsets(h.latest("r", 100)));
        assertEquals(List.of("m7", "m8"), h.latest("r", 2).stream().map(HistoryStoreContract::text).toList());
        assertEquals(List.of(7L, 8L), offsets(h.latest("r", 2)));
        Recovery edge = h.since("r", epoch, 3, 100);
        assertTrue(edge.recovered(), "event 4 onwards is all retained");
        assertEquals(List.of(4L, 5L, 6L, 7L, 8L), offsets(edge.events()));
        assertEquals("m4", text(edge.events().get(0)));
        assertFalse(h.since("r", epoch, 2, 100).recovered(), "event 3 was dropped");
    }

    @Test
    void expiryTest() {
        Duration ttl = shortTtl();
        HistoryStore h = node(10, ttl);
        Appended first = h.append("idle", text("old"));
        advance(ttl.plusMillis(1));
        Poll.until("the idle stream expires", Duration.ofSeconds(15), () -> h.head("idle") == null);
        assertEquals(List.of(), h.latest("idle", 10));
        assertFalse(h.since("idle", first.epoch(), 1, 10).recovered());
        Appended fresh = h.append("idle", text("new"));
        // Read first: where time is real, the new stream expires after the ttl too.
        assertEquals(List.of("new"), h.latest("idle", 10).stream().map(HistoryStoreContract::text).toList());
        assertEquals(1, fresh.offset(), "a recreated stream starts again at 1");
        assertNotEquals(first.epoch(), fresh.epoch(), "with a new epoch");
        assertFalse(h.since("idle", first.epoch(), 1, 10).recovered(), "the old epoch cannot recover");
    }

    @Test
    void clearStartsANewEpoch() {
        HistoryStore h = node(10, LONG_TTL);
        Appended first = h.append("r", text("a"));
        h.clear("r");
        assertNull(h.head("r"));
        Appended again = h.append("r", text("b"));
        assertEquals(1, again.offset());
        assertNotEquals(first.epoch(), again.epoch());
    }

    @Test
    void eventsAreBinarySafe() {
        HistoryStore h = node(10, LONG_TTL);
        byte[] raw = new byte[256];
        for (int i = 0; i < raw.length; i++) {
            raw[i] = (byte) i;
        }
        Appended a = h.append("bin", raw);
        h.append("bin", new byte[0]);
        List<Entry> events = h.since("bin", a.epoch(), 0, 10).events();
        assertArrayEquals(raw, events.get(0).event());
        assertArrayEquals(new byte[0], events.get(1).event());
    }

    @Test
    void concurrentAppendsFromTwoNodesGetUniqueGapFreeOffsets() throws Exception {
        int threads = 8;
        int perThread = 200;
        int total = threads * perThread;
        HistoryStore[] nodes = {node(total, LONG_TTL), node(total, LONG_TTL)};
        Map<Long, String> byOffset = new ConcurrentHashMap<>();
        Map<String, Boolean> epochs = new ConcurrentHashMap<>();
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                done.add(pool.submit(() -> {
                    start.await();
                    for (int i = 0; i < perThread; i++) {
                        String payload = thread + "-" + i;
                        Appended a = nodes[(thread + i) % 2].append("hot", text(payload));
                        assertTrue(byOffset.putIfAbsent(a.offset(), payload) == null, "offset given twice: " + a);
                        epochs.put(a.epoch(), true);
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
        assertEquals(1, epochs.size(), "one stream, one epoch");
        for (long o = 1; o <= total; o++) {
            assertTrue(byOffset.containsKey(o), "gap at offset " + o);
        }
        assertEquals(total, byOffset.size());
        String epoch = epochs.keySet().iterator().next();
        Recovery all = nodes[0].since("hot", epoch, 0, total);
        assertTrue(all.recovered());
        Map<Long, String> stored = new HashMap<>();
        for (Entry e : all.events()) {
            stored.put(e.offset(), text(e));
        }
        assertEquals(byOffset, stored, "each event is stored at the offset its append returned");
        for (int i = 1; i < all.events().size(); i++) {
            assertEquals(all.events().get(i - 1).offset() + 1, all.events().get(i).offset());
        }
    }

    @Test
    void aRoomKeepsNoMoreThanItsByteBudgetDroppingTheOldest() {
        int size = 1000;
        long budget = 3L * (size + entryOverhead()) + 10; // room for three events
        HistoryStore h = node(100, LONG_TTL, budget);
        String epoch = null;
        for (int i = 1; i <= 5; i++) {
            epoch = h.append("big", text(String.valueOf(i).repeat(size))).epoch();
        }
        assertEquals(List.of(3L, 4L, 5L), offsets(h.latest("big", 100)), "the two oldest went for the budget");
        assertFalse(h.since("big", epoch, 1, 100).recovered(), "event 2 was dropped");
        assertTrue(h.since("big", epoch, 2, 100).recovered());

        // An event over the room budget by itself gets its offset but is not kept, nor anything older.
        HistoryStore.Appended huge = h.append("big", new byte[(int) budget + 1]);
        assertEquals(6, huge.offset());
        assertEquals(List.of(), h.latest("big", 100));
        assertFalse(h.since("big", epoch, 5, 100).recovered(), "event 6 cannot be replayed");
        assertTrue(h.since("big", epoch, 6, 100).recovered(), "nothing is missing after it");
        h.append("big", text("small"));
        assertEquals(List.of(7L), offsets(h.latest("big", 100)), "the stream goes on under its epoch");
    }

    @Test
    void readsAreBoundedInBytesButAlwaysMakeProgress() {
        HistoryStore h = node(100, LONG_TTL);
        String epoch = null;
        for (int i = 1; i <= 6; i++) {
            epoch = h.append("paged", text(String.valueOf(i).repeat(100))).epoch();
        }
        Recovery page = h.since("paged", epoch, 0, 100, 250);
        assertTrue(page.recovered());
        assertEquals(List.of(1L, 2L), offsets(page.events()), "two 100-byte events fit in 250");
        assertFalse(page.complete());
        Recovery next = h.since("paged", epoch, 2, 100, 250);
        assertEquals(List.of(3L, 4L), offsets(next.events()));
        assertEquals(List.of(1L), offsets(h.since("paged", epoch, 0, 100, 10).events()),
                "one event even when it alone is over the cap");
        assertEquals(List.of(5L, 6L), offsets(h.latest("paged", 100, 250)), "the newest that fit");
        assertEquals(List.of(6L), offsets(h.latest("paged", 100, 1)));
        assertEquals(List.of(4L, 5L, 6L), offsets(h.latest("paged", 3, 100_000)));
        assertEquals(List.of(1L, 2L, 3L, 4L, 5L, 6L), offsets(h.since("paged", epoch, 0, 100, 100_000).events()));
    }

    // ---------------------------------------------------------------- latest-value streams

    private static List<String> texts(List<Entry> entries) {
        return entries.stream().map(HistoryStoreContract::text).toList();
    }

    @Test
    void aLatestStreamKeepsTheNewestEventOfEachKeyInOffsetOrder() {
        HistoryStore h = node(100, LONG_TTL);
        Appended first = h.appendLatest("scores", "a", text("a1"));
        assertEquals(1, first.offset());
        assertEquals(new Appended(2, first.epoch()), h.appendLatest("scores", "b", text("b1")));
        assertEquals(new Appended(3, first.epoch()), h.appendLatest("scores", "a", text("a2")));
        h.appendLatest("scores", "c", text("c1"));
        h.appendLatest("scores", "b", text("b2"));
        String epoch = first.epoch();
        assertEquals(new Appended(5, epoch), h.head("scores"));
        assertEquals(List.of(3L, 4L, 5L), offsets(h.latest("scores", 10)));
        assertEquals(List.of("a2", "c1", "b2"), texts(h.latest("scores", 10)));
        assertEquals(List.of("c1", "b2"), texts(h.latest("scores", 2)));

        Recovery all = h.since("scores", epoch, 0, 100);
        assertTrue(all.recovered(), "replaced events are not missing: their key's newer one is there");
        assertEquals(List.of(3L, 4L, 5L), offsets(all.events()));
        assertEquals(List.of("a2", "c1", "b2"), texts(all.events()));
        assertTrue(all.complete());
        Recovery afterA2 = h.since("scores", epoch, 3, 100);
        assertEquals(List.of("c1", "b2"), texts(afterA2.events()), "only what changed after the offset");
        assertEquals(List.of(3L, 4L, 5L), offsets(h.since("scores", epoch, 2, 100).events()));
        Recovery upToDate = h.since("scores", epoch, 5, 100);
        assertTrue(upToDate.recovered() && upToDate.events().isEmpty() && upToDate.complete());
        Recovery paged = h.since("scores", epoch, 0, 2);
        assertEquals(List.of(3L, 4L), offsets(paged.events()));
        assertFalse(paged.complete(), "more follow");
        assertEquals(List.of(3L), offsets(h.since("scores", epoch, 0, 100, 1).events()), "at least one, then the byte cap");

        assertFalse(h.since("scores", "not-" + epoch, 0, 100).recovered());
        assertFalse(h.since("scores", epoch, 6, 100).recovered(), "ahead of the head");
    }

    @Test
    void aLatestStreamKeepsCapacityKeysAndCannotRecoverFromBeforeADroppedOne() {
        HistoryStore h = node(3, LONG_TTL);
        String epoch = null;
        for (int i = 1; i <= 5; i++) {
            epoch = h.appendLatest("board", "k" + i, text("v" + i)).epoch();
        }
        assertEquals(List.of("v3", "v4", "v5"), texts(h.latest("board", 100)), "the least recently appended keys went");
        assertFalse(h.since("board", epoch, 1, 100).recovered(), "k2 (offset 2) was dropped for the cap");
        Recovery edge = h.since("board", epoch, 2, 100);
        assertTrue(edge.recovered());
        assertEquals(List.of(3L, 4L, 5L), offsets(edge.events()));

        h.appendLatest("board", "k3", text("v3b")); // offset 6: k3 is the newest key now
        h.appendLatest("board", "k6", text("v6")); // offset 7: k4 (offset 4) goes
        assertEquals(List.of("v5", "v3b", "v6"), texts(h.latest("board", 100)));
        assertEquals(List.of(5L, 6L, 7L), offsets(h.latest("board", 100)));
        assertFalse(h.since("board", epoch, 3, 100).recovered(), "k4 was dropped after offset 3");
        assertEquals(List.of(5L, 6L, 7L), offsets(h.since("board", epoch, 4, 100).events()));
    }

    @Test
    void aLatestStreamKeepsItsByteBudget() {
        int size = 1000;
        long budget = 2L * (size + entryOverhead()) + 50; // room for two events (and their short keys)
        HistoryStore h = node(100, LONG_TTL, budget);
        String epoch = null;
        for (int i = 1; i <= 3; i++) {
            epoch = h.appendLatest("big", "k" + i, text(String.valueOf(i).repeat(size))).epoch();
        }
        assertEquals(List.of(2L, 3L), offsets(h.latest("big", 100)), "the oldest key went for the budget");
        assertFalse(h.since("big", epoch, 0, 100).recovered());
        assertTrue(h.since("big", epoch, 1, 100).recovered());

        // A value over the budget by itself is stamped, not kept, and takes its key's older value with it.
        Appended huge = h.appendLatest("big", "k3", new byte[(int) budget + 1]);
        assertEquals(4, huge.offset());
        assertEquals(List.of(2L), offsets(h.latest("big", 100)));
        assertFalse(h.since("big", epoch, 3, 100).recovered(), "offset 4 cannot be replayed");
        assertTrue(h.since("big", epoch, 4, 100).recovered(), "nothing is missing after it");
        h.appendLatest("big", "k3", text("small"));
        assertEquals(List.of(2L, 5L), offsets(h.latest("big", 100)), "the stream goes on under its epoch");
    }

    @Test
    void appendingTheOtherKindStartsANewStream() {
        HistoryStore h = node(10, LONG_TTL);
        Appended log = h.append("switch", text("x"));
        h.append("switch", text("y"));
        Appended latest = h.appendLatest("switch", "k", text("z"));
        assertEquals(1, latest.offset(), "a new stream starts at 1");
        assertNotEquals(log.epoch(), latest.epoch(), "with a new epoch");
        assertFalse(h.since("switch", log.epoch(), 1, 10).recovered());
        assertEquals(List.of("z"), texts(h.latest("switch", 10)));
        Appended again = h.append("switch", text("w"));
        assertEquals(1, again.offset());
        assertNotEquals(latest.epoch(), again.epoch());
        assertEquals(List.of("w"), texts(h.latest("switch", 10)));
        h.clear("switch");
        assertNull(h.head("switch"));
    }

    @Test
    void latestAppendsFromTwoNodesGetUniqueOffsetsAndEachKeyEndsWithItsNewest() throws Exception {
        int threads = 4;
        int perThread = 100;
        HistoryStore[] nodes = {node(100, LONG_TTL), node(100, LONG_TTL)};
        Map<Long, String> byOffset = new ConcurrentHashMap<>();
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                done.add(pool.submit(() -> {
                    start.await();
                    for (int i = 0; i < perThread; i++) {
                        String key = "key" + thread; // one key per thread: its values arrive in order
                        Appended a = nodes[(thread + i) % 2].appendLatest("hot-latest", key, text(key + "=" + i));
                        assertTrue(byOffset.putIfAbsent(a.offset(), key + "=" + i) == null, "offset given twice: " + a);
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
        assertEquals(threads * perThread, byOffset.size());
        for (long o = 1; o <= threads * perThread; o++) {
            assertTrue(byOffset.containsKey(o), "gap at offset " + o);
        }
        List<Entry> kept = nodes[1].latest("hot-latest", 100);
        assertEquals(threads, kept.size(), "one event per key");
        for (Entry e : kept) {
            assertTrue(text(e).endsWith("=" + (perThread - 1)), "each key's newest value: " + text(e));
            assertEquals(text(e), byOffset.get(e.offset()), "at the offset its append returned");
        }
    }
}
