package dev.realtime.counts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.realtime.cluster.PeerChannel;
import dev.realtime.protocol.ServerMessage;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The counting state machine without Netty: nodes joined by an in-test peer channel, real owner
 * threads, short intervals. Waits are on conditions with generous deadlines.
 */
class RoomCountsTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final RoomCounts.Counter VIEWERS = new RoomCounts.Counter("video:", "video:viewers", "videoId");

    /** Every node's channel reaches every other node (as if all had members in every room). */
    private static final class Hub {
        final Map<String, Map<String, PeerChannel.Listener>> listeners = new ConcurrentHashMap<>();

        PeerChannel node(String id) {
            Map<String, PeerChannel.Listener> mine = new ConcurrentHashMap<>();
            listeners.put(id, mine);
            return new PeerChannel() {
                @Override
                public void send(String room, String kind, byte[] body) {
                    listeners.forEach((other, ls) -> {
                        PeerChannel.Listener l = ls.get(kind);
                        if (!other.equals(id) && l != null) {
                            l.onPeerMessage(room, id, body);
                        }
                    });
                }

                @Override
                public void listen(String kind, PeerChannel.Listener l) {
                    mine.put(kind, l);
                }

                @Override
                public boolean clustered() {
                    return true;
                }
            };
        }

        void disconnect(String id) {
            listeners.remove(id);
        }
    }

    private final List<RoomCounts> started = new ArrayList<>();

    @AfterEach
    void close() {
        started.forEach(RoomCounts::close);
    }

    private RoomCounts counts(String node, PeerChannel peers, List<ServerMessage.Event> shown, long intervalMs, long refreshMs) {
        RoomCounts c = new RoomCounts(node, List.of(VIEWERS), (room, e) -> shown.add(e), peers, intervalMs, refreshMs);
        started.add(c);
        return c;
    }

    private static int lastCount(List<ServerMessage.Event> shown) {
        if (shown.isEmpty()) {
            return -1;
        }
        try {
            JsonNode d = MAPPER.readTree(shown.get(shown.size() - 1).data().bytes());
            return d.get("count").asInt();
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    private static void awaitCount(List<ServerMessage.Event> shown, int count) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (lastCount(shown) != count) {
            assertTrue(System.nanoTime() < deadline, "last shown " + lastCount(shown) + ", wanted " + count);
            java.util.concurrent.locks.LockSupport.parkNanos(5_000_000);
        }
    }

    @Test
    void aBurstOnOneNodeIsShownInAFewEventsWithTheFinalCount() throws Exception {
        List<ServerMessage.Event> shown = new CopyOnWriteArrayList<>();
        RoomCounts c = counts("solo", PeerChannel.NONE, shown, 500, 1000);
        for (int i = 0; i < 50; i++) {
            c.joined("s" + i, "video:1");
        }
        c.joined("s0", "video:1"); // reported twice (an anonymous connection that logged in): counted once
        c.joined("s0", "other");   // no counter
        c.joined("s0", "video:");  // no id
        awaitCount(shown, 50);
        assertTrue(shown.size() <= 3, shown.size() + " events for one burst");
        ServerMessage.Event e = shown.get(shown.size() - 1);
        assertEquals("video:1", e.room());
        assertEquals("video:viewers", e.event());
        assertEquals("1", MAPPER.readTree(e.data().bytes()).get("videoId").asText());
        c.left("s1", "video:1");
        c.left("s1", "video:1");
        c.left("nobody", "video:1");
        awaitCount(shown, 49);
    }

    @Test
    void nodesAddUpTheirCountsAndASilentNodeDropsOut() {
        Hub hub = new Hub();
        List<ServerMessage.Event> onA = new CopyOnWriteArrayList<>();
        List<ServerMessage.Event> onB = new CopyOnWriteArrayList<>();
        RoomCounts a = counts("a", hub.node("a"), onA, 50, 100);
        RoomCounts b = counts("b", hub.node("b"), onB, 50, 100);
        a.joined("a1", "video:9");
        a.joined("a2", "video:9");
        b.joined("b1", "video:9");
        awaitCount(onA, 3);
        awaitCount(onB, 3);
        b.left("b1", "video:9");   // b reports 0 and forgets the room
        awaitCount(onA, 2);
        b.joined("b2", "video:9"); // b comes back and asks a for its count
        awaitCount(onB, 3);
        awaitCount(onA, 3);
        hub.disconnect("b"); // b goes silent (crash): a drops it after three refresh periods
        b.close();
        awaitCount(onA, 2);
    }
}
