package dev.realtime.notify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.realtime.testing.TestNode;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Shutdown drains the notifications already answered 202 (issue 11, item 11): within
 * {@code NOTIFY_DRAIN_TIMEOUT_MS} they all reach the inbox before the stores close; past it, what is
 * dropped is counted, and stored plus dropped is everything that was accepted.
 */
class NotificationShutdownE2ETest {

    private static String notify(int users) {
        StringBuilder ids = new StringBuilder();
        for (int i = 0; i < users; i++) {
            ids.append(i == 0 ? "" : ",").append("\"u").append(i).append('"');
        }
        return "{\"userIds\":[" + ids + "],\"payload\":{\"m\":\"bye\"}}";
    }

    private static int stored(SlowInbox inbox, int users) {
        int n = 0;
        for (int i = 0; i < users; i++) {
            n += inbox.real.unread("u" + i, 10).size();
        }
        return n;
    }

    /** 300 notifications x 30 ms is 9 s of inbox work, longer than the 5 s the node used to wait. */
    @Test
    void queuedNotificationsReachTheInboxBeforeTheNodeStops() {
        SlowInbox inbox = new SlowInbox();
        int users = 300;
        TestNode node = NotificationLimitsE2ETest.node(inbox, Map.of("NOTIFY_DRAIN_TIMEOUT_MS", "30000"));
        inbox.addDelayMs = 30;
        assertEquals(202, node.post("/api/realtime/internal/notify", notify(users)).status());
        node.close();
        assertEquals(users, stored(inbox, users), "every notification answered 202 was stored");
        assertEquals(0.0, node.server().metrics().notifications.labels("dropped_at_shutdown").get());
    }

    @Test
    void whatTheDeadlineCutsIsCounted() {
        SlowInbox inbox = new SlowInbox();
        int users = 100;
        TestNode node = NotificationLimitsE2ETest.node(inbox, Map.of("NOTIFY_DRAIN_TIMEOUT_MS", "300"));
        inbox.addDelayMs = 30;
        assertEquals(202, node.post("/api/realtime/internal/notify", notify(users)).status());
        node.close();
        int stored = stored(inbox, users);
        double dropped = node.server().metrics().notifications.labels("dropped_at_shutdown").get();
        assertTrue(dropped > 0, "the deadline cut nothing?");
        assertEquals(users, stored + (int) dropped, "stored " + stored + " + dropped " + dropped);
    }
}
