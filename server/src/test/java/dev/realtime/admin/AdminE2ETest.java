package dev.realtime.admin;

import static dev.realtime.testing.WsClient.errorCode;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.realtime.testing.TestNode;
import dev.realtime.testing.WsClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Seed 001's dashboard: subscribe:admin (role admin), request:stats (same shape as /api/stats), subscribe:orders. */
class AdminE2ETest {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private static WsClient connect(TestNode node, String user, String role) {
        WsClient c = WsClient.connect(node.ws(), Map.of("Authorization", "Bearer " + TestNode.token(user, role)), null);
        c.expectOp("connected");
        return c;
    }

    private static List<String> keys(JsonNode n) {
        List<String> out = new ArrayList<>();
        n.fieldNames().forEachRemaining(out::add);
        return out;
    }

    @Test
    void adminsSubscribeAndGetStatsOthersAreForbidden() throws Exception {
        try (TestNode node = TestNode.start();
             WsClient admin = connect(node, "boss", "admin");
             WsClient user = connect(node, "u1", null)) {
            assertEquals("forbidden", errorCode(user.emit("subscribe:admin", null)));
            assertEquals("forbidden", errorCode(user.emit("request:stats", null)));
            JsonNode sub = admin.emit("subscribe:admin", null);
            assertEquals("admin", sub.get("data").get("room").asText(), sub.toString());
            assertTrue(admin.emit("subscribe:admin", "{}").get("ok").asBoolean(), "again: already a member");

            assertEquals(202, node.post("/api/events/admin-alert", "{\"level\":\"warn\",\"message\":\"disk\"}").status());
            JsonNode alert = admin.expectEvent("admin:alert");
            assertEquals("disk", alert.get("data").get("message").asText());
            user.expectNone(m -> "admin:alert".equals(m.path("event").asText()), Duration.ofMillis(200));

            JsonNode reply = admin.emit("request:stats", null);
            assertTrue(reply.get("ok").asBoolean(), reply.toString());
            JsonNode stats = admin.expectEvent("stats").get("data");
            JsonNode http = MAPPER.readTree(node.getWithKey("/api/stats").body());
            assertEquals(keys(http), keys(stats), "one shape for the event and the HTTP API");
            assertEquals(2, stats.get("totalConnections").asInt());
            assertEquals(http.get("totalConnections"), stats.get("totalConnections"));
            assertTrue(stats.get("roomStats").toString().contains("\"name\":\"admin\""), stats.toString());

            assertTrue(admin.emit("unsubscribe:admin", null).get("ok").asBoolean());
            assertEquals("not_in_room", errorCode(admin.emit("unsubscribe:admin", null)));
            node.post("/api/events/admin-alert", "{\"message\":\"again\"}");
            admin.expectNone(m -> "admin:alert".equals(m.path("event").asText()), Duration.ofMillis(300));
        }
    }

    @Test
    void subscribeOrdersIsForTheTokenUserOnly() {
        try (TestNode node = TestNode.start(Map.of("ALLOW_ANONYMOUS", "true"));
             WsClient buyer = connect(node, "buyer-9", null)) {
            JsonNode ok = buyer.emit("subscribe:orders", "{\"userId\":\"buyer-9\"}");
            assertEquals("user:buyer-9", ok.get("data").get("room").asText(), ok.toString());
            assertTrue(buyer.emit("subscribe:orders", null).get("ok").asBoolean());
            JsonNode other = buyer.emit("subscribe:orders", "{\"userId\":\"someone-else\"}");
            assertEquals("user:buyer-9", other.get("data").get("room").asText(), "the token's user, never the payload's: " + other);
            assertEquals("invalid_message", errorCode(buyer.emit("subscribe:orders", "[]")));
            assertEquals(202, node.post("/api/events/order", "{\"orderId\":\"o-1\",\"userId\":\"buyer-9\",\"status\":\"shipped\"}")
                    .status());
            assertEquals("o-1", buyer.expectEvent("order:updated").get("data").get("orderId").asText());
            try (WsClient anon = WsClient.connect(node.ws())) {
                anon.expectOp("connected");
                assertEquals("forbidden", errorCode(anon.emit("subscribe:orders", null)));
                assertEquals("forbidden", errorCode(anon.emit("subscribe:admin", null)));
            }
        }
    }
}
