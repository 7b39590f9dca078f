package dev.realtime.notify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.realtime.cluster.Backends;
import dev.realtime.store.Stores;
import dev.realtime.testing.TestNode;
import dev.realtime.testing.WsClient;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Every task of the notification service goes through one bounded queue, with per-connection quotas
 * and counted refusals (issue 11, item 10), seen from outside against a node whose inbox is slow.
 */
class NotificationLimitsE2ETest {

    static TestNode node(SlowInbox inbox, Map<String, String> extra) {
        Map<String, String> env = new HashMap<>(Map.of("RATE_LIMIT_MAX_MESSAGES", "100000",
                "RATE_LIMIT_MAX_CONNECTIONS", "0"));
        env.putAll(extra);
        return TestNode.start(env, new Backends(null, Stores.inMemory(Stores.Settings.defaults()).withInbox(inbox)));
    }

    static double metric(TestNode node, String sample) {
        for (String line : node.get("/metrics").body().split("\n")) {
            if (line.startsWith(sample + " ")) {
                return Double.parseDouble(line.substring(sample.length() + 1));
            }
        }
        return 0;
    }

    /** 100 acks at once from one connection: a few run, the rest are refused at once, not queued. */
    @Test
    void ackSpamFromOneConnectionIsRefusedBeyondItsQuota() {
        SlowInbox inbox = new SlowInbox();
        try (TestNode node = node(inbox, Map.of()); WsClient user = node.connect("acker")) {
            node.post("/api/realtime/internal/notify", "{\"userIds\":[\"acker\"],\"payload\":{\"m\":1}}");
            String id = user.expectEvent("notification:new").get("data").get("notificationId").asText();
            inbox.markReadDelayMs = 20;
            int n = 100;
            for (int i = 1; i <= n; i++) {
                user.send("{\"op\":\"emit\",\"id\":" + i + ",\"event\":\"notifications:read\",\"data\":{\"notificationId\":\""
                        + id + "\"}}");
            }
            int ok = 0;
            int refused = 0;
            for (int i = 1; i <= n; i++) {
                long want = i;
                JsonNode r = user.expect(m -> "reply".equals(m.path("op").asText()) && m.path("id").asLong() == want);
                if (r.get("ok").asBoolean()) {
                    ok++;
                } else {
                    assertEquals("rate_limited", r.get("error").get("code").asText(), r.toString());
                    assertTrue(r.get("error").get("retryAfterMs").asLong() > 0, r.toString());
                    refused++;
                }
            }
            assertTrue(refused > 0, "no ack was refused: the quota is missing");
            assertTrue(ok >= NotificationService.DEFAULT_READS_PER_CONNECTION, "ok " + ok);
            assertEquals(refused, metric(node, "realtime_notifications_total{outcome=\"read_refused\",}"), 0.0);
            inbox.markReadDelayMs = 0;
            JsonNode again = user.request("emit", "\"event\":\"notifications:read\",\"data\":{\"notificationId\":\"" + id + "\"}");
            assertTrue(again.get("ok").asBoolean(), "the quota is given back: " + again);
        }
    }

    /**
     * A reconnect storm against a slow inbox: the replays on connect queue behind the same bound as
     * everything else (here 64 KiB, about 64 tasks), and the excess is refused and counted instead
     * of piling up.
     */
    @Test
    void replaysOnConnectGoThroughTheBoundedQueue() {
        SlowInbox inbox = new SlowInbox();
        inbox.unreadDelayMs = 300;
        List<WsClient> clients = new ArrayList<>();
        try (TestNode node = node(inbox, Map.of("NOTIFY_QUEUE_MAX_BYTES", "65536", "NOTIFY_DRAIN_TIMEOUT_MS", "100"))) {
            try {
                for (int i = 0; i < 100; i++) {
                    clients.add(node.connect("storm-" + i));
                }
                assertTrue(metric(node, "realtime_notifications_total{outcome=\"replay_skipped\",}") > 0,
                        "replays on connect bypass the bound");
                assertTrue(metric(node, "realtime_notify_queue_tasks") <= 65, "queue " + metric(node, "realtime_notify_queue_tasks"));
            } finally {
                clients.forEach(WsClient::close);
            }
        }
    }
}
