package dev.realtime.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The history contract for the in-memory store: nodes share one instance; time is a manual clock. */
class InMemoryHistoryStoreTest extends HistoryStoreContract {
    private final ManualClock clock = new ManualClock(5_000);
    private InMemoryHistoryStore store;

    @Override
    HistoryStore node(int capacity, Duration ttl) {
        if (store == null) {
            store = new InMemoryHistoryStore(capacity, ttl, clock);
        }
        return store;
    }

    @Override
    HistoryStore node(int capacity, Duration ttl, long roomMaxBytes) {
        if (store == null) {
            store = new InMemoryHistoryStore(capacity, ttl, roomMaxBytes, Long.MAX_VALUE, clock);
        }
        return store;
    }

    @Override
    int entryOverhead() {
        return InMemoryHistoryStore.ENTRY_OVERHEAD;
    }

    @Override
    Duration shortTtl() {
        return Duration.ofMinutes(5);
    }

    @Override
    void advance(Duration d) {
        clock.advance(d);
    }

    /**
     * Many rooms of big events: the node budget holds, the rooms published to longest ago lose their
     * whole history first, and the accounting returns to zero when everything is cleared.
     */
    @Test
    void theNodeBudgetDropsTheLeastRecentlyPublishedRoomsWhole() {
        long budget = 100_000;
        InMemoryHistoryStore h = new InMemoryHistoryStore(100, Duration.ofHours(1), 20_000, budget, clock);
        String firstEpoch = null;
        for (int room = 0; room < 50; room++) {
            clock.advance(Duration.ofMillis(1));
            for (int i = 0; i < 2; i++) {
                HistoryStore.Appended a = h.append("r" + room, new byte[5_000]);
                if (room == 0 && i == 0) {
                    firstEpoch = a.epoch();
                }
            }
            assertTrue(h.bytes() <= budget, "over budget after room " + room + ": " + h.bytes());
        }
        assertNull(h.head("r0"), "the oldest room's history was dropped whole");
        assertFalse(h.since("r0", firstEpoch, 1, 10).recovered());
        assertEquals(2, h.latest("r49", 10).size(), "the newest room keeps its events");
        assertTrue(h.evictedRooms() > 0);
        assertTrue(h.evictedEvents() >= 2 * h.evictedRooms());

        // A room published to again is young again: it survives the next eviction over older ones.
        clock.advance(Duration.ofMillis(1));
        h.append("r45", new byte[10]);
        for (int room = 50; room < 54; room++) {
            clock.advance(Duration.ofMillis(1));
            h.append("r" + room, new byte[19_000]);
        }
        assertTrue(h.head("r45") != null, "recently published");
        assertNull(h.head("r46"), "older than r45's last publish");

        for (int room = 0; room < 54; room++) {
            h.clear("r" + room);
        }
        assertEquals(0, h.bytes(), "the accounting balances");
    }

    @Test
    void expiredStreamsGiveTheirBytesBack() {
        InMemoryHistoryStore h = new InMemoryHistoryStore(10, Duration.ofSeconds(10), 10_000, 100_000, clock);
        h.append("a", new byte[1_000]);
        assertTrue(h.bytes() > 1_000);
        clock.advance(Duration.ofSeconds(11));
        h.append("b", new byte[10]); // runs the sweep
        h.clear("b");
        assertEquals(0, h.bytes());
    }
}
