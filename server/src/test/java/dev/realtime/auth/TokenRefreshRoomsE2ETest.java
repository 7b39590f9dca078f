package dev.realtime.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.realtime.testing.TestNode;
import dev.realtime.testing.WsClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A token refresh is a new principal: every room the connection is in is checked against it again,
 * and what it no longer grants is left, with a {@code room:left} notice, before the {@code auth} reply.
 */
class TokenRefreshRoomsE2ETest {

    @Test
    void losingTheAdminRoleLeavesTheAdminRoomsAndKeepsTheRest() {
        try (TestNode node = TestNode.start();
             WsClient c = WsClient.connect(node.ws(), Map.of("Authorization", "Bearer " + TestNode.token("ops", "admin")), null)) {
            c.expectOp("connected");
            assertTrue(c.join("admin").get("ok").asBoolean());
            assertTrue(c.join("admin:alerts").get("ok").asBoolean());
            assertTrue(c.join("lobby").get("ok").asBoolean());

            JsonNode reply = c.request("auth", "\"token\":\"" + TestNode.token("ops", "user") + "\"");
            assertTrue(reply.get("ok").asBoolean(), reply.toString());
            List<String> left = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                JsonNode notice = c.expectEvent("room:left");
                assertFalse(notice.has("room"), "addressed to the connection, like auth:expiring");
                assertEquals("revoked", notice.get("data").get("reason").asText());
                left.add(notice.get("data").get("room").asText());
            }
            assertEquals(List.of("admin", "admin:alerts"), left.stream().sorted().toList());

            JsonNode rooms = c.request("emit", "\"event\":\"get_rooms\"").get("data").get("rooms");
            List<String> names = new ArrayList<>();
            rooms.forEach(r -> names.add(r.asText()));
            assertEquals(List.of("global", "lobby", "user:ops"), names.stream().sorted().toList());

            // Nothing sent to the admin room reaches it any more; the lobby still does.
            node.post("/api/broadcast/room", "{\"room\":\"admin\",\"event\":\"secret\",\"data\":1}");
            node.post("/api/broadcast/room", "{\"room\":\"lobby\",\"event\":\"public\",\"data\":2}");
            c.expectEvent("public");
            c.expectNone(m -> "secret".equals(m.path("event").asText()), Duration.ofMillis(300));
            assertEquals("not_in_room", c.publish("admin", "x", "1").get("error").get("code").asText());
            assertEquals("forbidden", c.join("admin").get("error").get("code").asText());
        }
    }

    @Test
    void aRefreshThatKeepsTheRoleKeepsEveryRoom() {
        try (TestNode node = TestNode.start();
             WsClient c = WsClient.connect(node.ws(), Map.of("Authorization", "Bearer " + TestNode.token("ops", "admin")), null)) {
            c.expectOp("connected");
            c.join("admin");
            assertTrue(c.request("auth", "\"token\":\"" + TestNode.token("ops", "admin") + "\"").get("ok").asBoolean());
            node.post("/api/broadcast/room", "{\"room\":\"admin\",\"event\":\"still\",\"data\":1}");
            c.expectEvent("still");
            c.expectNone(m -> "room:left".equals(m.path("event").asText()), Duration.ofMillis(200));
        }
    }
}
