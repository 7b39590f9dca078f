package dev.realtime.notify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.realtime.testing.HttpResult;
import dev.realtime.testing.TestNode;
import dev.realtime.testing.WsClient;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code /notify} to many users does not multiply its payload (issue 11, item 12): a request whose
 * user count times payload size exceeds {@code NOTIFY_MAX_FANOUT_BYTES} is refused whole with 413,
 * and an accepted one is stored once in memory, shared by every user's inbox entry.
 */
class NotifyFanoutE2ETest {

    private static String body(int users, int payloadChars) {
        StringBuilder b = new StringBuilder("{\"userIds\":[");
        for (int i = 0; i < users; i++) {
            b.append(i == 0 ? "" : ",").append("\"u").append(i).append('"');
        }
        return b.append("],\"payload\":{\"blob\":\"").append("p".repeat(payloadChars)).append("\"}}").toString();
    }

    @Test
    void tenThousandUsersTimesOneMebibyteIsRefusedWith413() {
        SlowInbox inbox = new SlowInbox();
        try (TestNode node = NotificationLimitsE2ETest.node(inbox, Map.of("HTTP_MAX_BODY_BYTES", Integer.toString(4 << 20)));
             WsClient u0 = node.connect("u0")) {
            HttpResult r = node.post("/api/realtime/internal/notify", body(10_000, 1 << 20));
            assertEquals(413, r.status(), r.body());
            JsonNode err = r.json();
            assertEquals(413, err.get("statusCode").asInt());
            assertTrue(err.get("message").asText().contains("NOTIFY_MAX_FANOUT_BYTES"), r.body());
            u0.expectNone(m -> "notification:new".equals(m.path("event").asText()), Duration.ofMillis(300));
            assertEquals(0, inbox.real.unread("u0", 10).size(), "nothing stored");
            assertEquals(1.0, NotificationLimitsE2ETest.metric(node,
                    "realtime_notifications_total{outcome=\"fanout_too_large\",}"));
        }
    }

    @Test
    void anAcceptedFanoutStoresThePayloadOnce() {
        SlowInbox inbox = new SlowInbox();
        int users = 1000;
        try (TestNode node = NotificationLimitsE2ETest.node(inbox, Map.of());
             WsClient last = node.connect("u" + (users - 1))) {
            assertEquals(202, node.post("/api/realtime/internal/notify", body(users, 1000)).status());
            JsonNode live = last.expectEvent("notification:new");
            assertTrue(live.get("data").has("notificationId"), live.toString());
            byte[] first = inbox.real.unread("u0", 1).get(0).payload();
            for (int i = 1; i < users; i++) {
                assertSame(first, inbox.real.unread("u" + i, 1).get(0).payload(), "user u" + i + " has its own copy");
            }
            assertTrue(!inbox.real.unread("u0", 1).get(0).id().equals(inbox.real.unread("u1", 1).get(0).id()),
                    "each user still gets an id of its own");
        }
    }
}
