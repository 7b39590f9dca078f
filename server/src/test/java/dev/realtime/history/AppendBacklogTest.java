package dev.realtime.history;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.realtime.metrics.GatewayMetrics;
import dev.realtime.protocol.Payload;
import dev.realtime.protocol.ServerMessage;
import dev.realtime.room.RoomJournal;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * The journal's outage backlog (lanes, as over Redis): appends the store cannot take are kept and
 * written in order once it answers, before any later append or read of their lane; bounded, and
 * counted when lost.
 */
class AppendBacklogTest {

    private static ServerMessage.Event event(String name) {
        return new ServerMessage.Event("r", name, Payload.json("1"), null, null);
    }

    private static <T> T onLane(StoreJournal journal, String room, Supplier<T> call) {
        CompletableFuture<T> f = new CompletableFuture<>();
        journal.inOrder(room, () -> {
            try {
                f.complete(call.get());
            } catch (RuntimeException e) {
                f.completeExceptionally(e);
            }
        });
        return f.orTimeout(10, TimeUnit.SECONDS).join();
    }

    private static List<String> names(RoomJournal.Replay replay) {
        List<String> out = new ArrayList<>();
        replay.events().forEach(e -> out.add(e.event() + "@" + e.offset()));
        return out;
    }

    @Test
    void appendsDuringAnOutageAreWrittenInOrderBeforeTheNextOne() {
        SwitchableHistoryStore store = new SwitchableHistoryStore(1000);
        GatewayMetrics metrics = new GatewayMetrics();
        StoreJournal journal = new StoreJournal(store, metrics, 2, "t", 1 << 20);
        try {
            assertEquals(1L, onLane(journal, "r", () -> journal.append("r", event("a"))).offset());
            store.down.set(true);
            for (String name : new String[] {"b", "c", "d"}) {
                assertNull(onLane(journal, "r", () -> journal.append("r", event(name))).offset(), "delivered unstamped");
            }
            assertEquals(3, (int) metrics.redis.historyBuffered.get());
            store.down.set(false);
            // Once past the breaker's pause, b, c, d are written before any later append (e's).
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            Long offset = null;
            while (offset == null && System.nanoTime() < deadline) {
                offset = onLane(journal, "r", () -> journal.append("r", event("e"))).offset();
                sleep(200);
            }
            RoomJournal.Replay all = onLane(journal, "r", () -> journal.latest("r", 100));
            List<String> got = names(all);
            assertEquals(List.of("a@1", "b@2", "c@3", "d@4"), got.subList(0, 4), "kept appends first, in order");
            for (int i = 4; i < got.size(); i++) {
                assertEquals("e@" + (i + 1), got.get(i));
            }
            assertTrue(metrics.redis.historyReplayed.get() >= 3);
        } finally {
            journal.close();
        }
    }

    /** A latest room's appends kept during an outage still replace the previous event of their name. */
    @Test
    void aLatestRoomsKeptAppendsStillReplaceByName() {
        SwitchableHistoryStore store = new SwitchableHistoryStore(1000);
        GatewayMetrics metrics = new GatewayMetrics();
        dev.realtime.room.PrefixPolicies latest = dev.realtime.room.PrefixPolicies.of(List.of(new dev.realtime.room.PrefixPolicies.Policy(
                "score:*", null, null, dev.realtime.room.DeliveryMode.LATEST, null)));
        StoreJournal journal = new StoreJournal(store, metrics, 2, "t", Long.MAX_VALUE, Long.MAX_VALUE, 1 << 20, latest);
        try {
            String room = "score:1";
            String epoch = onLane(journal, room, () -> journal.append(room, event("home"))).epoch();
            store.down.set(true);
            for (String name : new String[] {"away", "home"}) {
                assertNull(onLane(journal, room, () -> journal.append(room, event(name))).offset(), "delivered unstamped");
            }
            store.down.set(false);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            Long offset = null;
            while (offset == null && System.nanoTime() < deadline) {
                offset = onLane(journal, room, () -> journal.append(room, event("final"))).offset();
                sleep(200);
            }
            RoomJournal.Replay all = onLane(journal, room, () -> journal.since(room, epoch, 0, 100));
            assertTrue(all.recovered(), "the same stream, not a new epoch: " + all);
            assertEquals(List.of("away@2", "home@3", "final@" + offset), names(all), "one event per name, the newest");
        } finally {
            journal.close();
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void keptAppendsAreWrittenWithoutANewPublish() throws Exception {
        SwitchableHistoryStore store = new SwitchableHistoryStore(1000);
        GatewayMetrics metrics = new GatewayMetrics();
        StoreJournal journal = new StoreJournal(store, metrics, 2, "t", 1 << 20);
        try {
            store.down.set(true);
            onLane(journal, "quiet", () -> journal.append("quiet", event("x")));
            store.down.set(false);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (store.real.head("quiet") == null && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertEquals(1L, store.real.head("quiet").offset(), "the half-second replay wrote it");
        } finally {
            journal.close();
        }
    }

    @Test
    void aReadWritesTheKeptAppendsOfItsLaneFirst() {
        SwitchableHistoryStore store = new SwitchableHistoryStore(1000);
        StoreJournal journal = new StoreJournal(store, new GatewayMetrics(), 1, "t", 1 << 20);
        try {
            store.down.set(true);
            onLane(journal, "r", () -> journal.append("r", event("x")));
            store.down.set(false);
            RoomJournal.Replay replay = null;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (replay == null && System.nanoTime() < deadline) {
                try {
                    replay = onLane(journal, "r", () -> journal.since("r", null, 0, 10));
                } catch (java.util.concurrent.CompletionException breakerStillOpen) {
                    // the breaker's pause
                }
            }
            RoomJournal.Replay latest = onLane(journal, "r", () -> journal.latest("r", 10));
            assertEquals(List.of("x@1"), names(latest));
        } finally {
            journal.close();
        }
    }

    @Test
    void theBudgetBoundsTheBacklogAndLossesAreCounted() {
        SwitchableHistoryStore store = new SwitchableHistoryStore(1000);
        GatewayMetrics metrics = new GatewayMetrics();
        StoreJournal journal = new StoreJournal(store, metrics, 1, "t", 10_000);
        store.down.set(true);
        ServerMessage.Event big = new ServerMessage.Event("r", "big", Payload.json("\"" + "x".repeat(3_000) + "\""), null, null);
        for (int i = 0; i < 10; i++) {
            onLane(journal, "r", () -> journal.append("r", big));
        }
        double kept = metrics.redis.historyBuffered.get();
        assertTrue(kept >= 2 && kept <= 3, "about 10 KB kept: " + kept);
        assertEquals(10 - kept, metrics.redis.historyOverflow.get());
        journal.close(); // the store is still down: the kept ones are lost too, and counted
        assertEquals(10, (int) metrics.redis.historyOverflow.get());
    }
}
