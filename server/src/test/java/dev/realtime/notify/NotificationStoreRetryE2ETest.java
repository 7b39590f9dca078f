package dev.realtime.notify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.realtime.testing.TestNode;
import dev.realtime.testing.WsClient;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The inbox cannot be reached for a moment (a Redis primary failing over) while notifications for
 * an offline user are accepted: they are stored once it answers, in their order, and the user gets
 * them on the next connect (they used to be lost).
 */
class NotificationStoreRetryE2ETest {

    @Test
    void notificationsTheStoreRefusedReachTheInboxOnceItAnswers() {
        SlowInbox inbox = new SlowInbox();
        try (TestNode node = NotificationLimitsE2ETest.node(inbox, Map.of())) {
            inbox.addFailures.set(3); // the first three adds fail: notifications 1 and 2, then 1 again
            for (int i = 1; i <= 3; i++) {
                assertEquals(202, node.post("/api/realtime/internal/notify",
                        "{\"userIds\":[\"away\"],\"payload\":{\"n\":" + i + "}}").status());
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (NotificationLimitsE2ETest.metric(node, "realtime_notifications_total{outcome=\"stored_late\",}") < 3) {
                assertTrue(System.nanoTime() < deadline, "never stored");
                java.util.concurrent.locks.LockSupport.parkNanos(20_000_000);
            }
            try (WsClient user = node.connect("away")) {
                for (int i = 1; i <= 3; i++) {
                    JsonNode n = user.expectEvent("notification:new");
                    assertEquals(i, n.get("data").get("n").asInt(), "in the order accepted: " + n);
                    assertTrue(n.get("data").has("notificationId"), n.toString());
                }
                user.expectNone(m -> "notification:new".equals(m.path("event").asText()), Duration.ofMillis(300));
            }
        }
    }
}
