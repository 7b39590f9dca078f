package dev.realtime.history;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.realtime.metrics.GatewayMetrics;
import dev.realtime.protocol.Payload;
import dev.realtime.protocol.ServerMessage;
import dev.realtime.store.StoreUnavailableException;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The journal's breaker: a failing store is skipped for a pause, then probed by one call. */
class StoreJournalTest {

    private static ServerMessage.Event event(String name) {
        return new ServerMessage.Event("r", name, Payload.json("1"), null, null);
    }

    @Test
    void aFailingStoreIsSkippedThenProbedAndUsedAgain() {
        SwitchableHistoryStore store = new SwitchableHistoryStore(10);
        StoreJournal journal = new StoreJournal(store, new GatewayMetrics(), 0, "t");
        assertEquals(1L, journal.append("r", event("a")).offset());

        store.down.set(true);
        assertNull(journal.append("r", event("b")).offset(), "delivered unstamped when the store fails");
        int callsAfterFailure = store.calls.get();
        for (int i = 0; i < 100; i++) {
            assertNull(journal.append("r", event("skipped")).offset());
        }
        assertThrows(StoreUnavailableException.class, () -> journal.since("r", "e", 0, 10), "reads fail fast too");
        assertEquals(callsAfterFailure, store.calls.get(), "nothing reached the store during the pause");

        store.down.set(false);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        Long offset = null;
        while (offset == null) {
            assertTrue(System.nanoTime() < deadline, "the store was never probed again");
            offset = journal.append("r", event("back")).offset();
            java.util.concurrent.locks.LockSupport.parkNanos(20_000_000);
        }
        assertEquals(2L, offset, "after the probe succeeded, appends are stamped again");
        assertEquals(callsAfterFailure + 1, store.calls.get(), "exactly one probe, then the next append");
        assertTrue(journal.since("r", journal.latest("r", 1).epoch(), 0, 10).recovered());
        journal.close();
        assertNull(journal.append("r", event("closed")).offset(), "closed: unstamped, store untouched");
    }
}
