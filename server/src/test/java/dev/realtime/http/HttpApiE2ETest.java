package dev.realtime.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.realtime.testing.Http;
import dev.realtime.testing.HttpResult;
import dev.realtime.testing.TestNode;
import dev.realtime.testing.WsClient;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The HTTP surface: health, metrics, stats, notify and broadcast, and their errors. */
class HttpApiE2ETest {
    private TestNode node;

    @BeforeEach
    void start() {
        node = TestNode.start();
    }

    @AfterEach
    void stop() {
        node.close();
    }

    @Test
    void rootAndHealth() {
        JsonNode root = node.get("/").json();
        assertEquals("realtime-gateway", root.get("service").asText());
        assertTrue(root.has("version"));
        try (WsClient c = node.connect("h1")) {
            HttpResult health = node.get("/health");
            assertEquals(200, health.status());
            assertTrue(health.contentType().startsWith("application/json"));
            JsonNode h = health.json();
            assertEquals("ok", h.get("status").asText());
            assertEquals("realtime-gateway", h.get("service").asText());
            assertTrue(h.get("timestamp").asText().endsWith("Z"));
            assertTrue(h.get("uptime").asDouble() >= 0);
            assertEquals(1, h.get("connections").asInt());
        }
        assertEquals(200, node.get("/health/live").status());
        HttpResult ready = node.get("/health/ready");
        assertEquals(200, ready.status());
        assertTrue(ready.json().get("ready").asBoolean());
    }

    @Test
    void unknownPathAndWrongMethod() throws Exception {
        HttpResult missing = node.get("/nope");
        assertEquals(404, missing.status());
        assertEquals(404, missing.json().get("statusCode").asInt());
        assertEquals("Not Found", missing.json().get("error").asText());
        HttpResult wrong = Http.send(node.http("/health"), "POST", "{}", Map.of());
        assertEquals(405, wrong.status());
        assertEquals(405, node.get("/api/realtime/internal/notify").status());
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", node.port())) {
            s.getOutputStream().write("GET /api/broadcast/room HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                    .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            String head = new String(s.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.US_ASCII);
            assertTrue(head.startsWith("HTTP/1.1 405") && head.toLowerCase(java.util.Locale.ROOT).contains("allow: post\r\n"), head);
        }
        HttpResult plain = node.get("/ws");
        assertEquals(400, plain.status(), "GET /ws without upgrade headers");
    }

    @Test
    void requestsAreCountedByRouteAndTheStatusTheyGot() {
        assertEquals(202, node.post("/api/realtime/internal/notify", "{\"userIds\":[\"u\"],\"payload\":{}}").status());
        assertEquals(400, node.post("/api/realtime/internal/notify", "{\"userIds\":[]}").status());
        assertEquals(401, node.get("/api/stats").status());
        assertEquals(404, node.get("/nope").status());
        assertEquals(405, node.get("/api/broadcast/room").status());
        assertEquals(200, node.get("/health/ready").status());
        assertEquals(401, Http.send(node.http("/api/broadcast/room"), "POST", "{}", Map.of()).status());
        for (String sample : new String[] {"route=\"notify\",status=\"202\"", "route=\"notify\",status=\"400\"",
                "route=\"stats\",status=\"401\"", "route=\"not_found\",status=\"404\"", "route=\"broadcast\",status=\"405\"",
                "route=\"ready\",status=\"200\"", "route=\"broadcast\",status=\"401\""}) {
            assertEquals(1.0, node.metric("realtime_http_requests_total{" + sample + "}"), sample);
        }
        assertEquals(0.0, node.metric("realtime_http_requests_total{route=\"notify\",status=\"any\"}"));
    }

    @Test
    void oversizeBodyIs413Json() {
        try (TestNode small = TestNode.start(Map.of("HTTP_MAX_BODY_BYTES", "2048"))) {
            HttpResult r = small.post("/api/broadcast/global", "{\"event\":\"e\",\"data\":\"" + "x".repeat(4000) + "\"}");
            assertEquals(413, r.status());
            assertEquals(413, r.json().get("statusCode").asInt());
            assertEquals(200, small.get("/health").status(), "the node is fine afterwards");
            // curl's way with a big body: Expect: 100-continue, refused before the body is sent, same JSON.
            try (java.net.Socket s = new java.net.Socket("127.0.0.1", small.port())) {
                s.setSoTimeout(5_000);
                s.getOutputStream().write(("POST /api/broadcast/global HTTP/1.1\r\nHost: x\r\ninternal-api-key: "
                        + TestNode.API_KEY + "\r\nContent-Type: application/json\r\nContent-Length: 4000\r\n"
                        + "Expect: 100-continue\r\n\r\n").getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                String answer = new String(s.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
                assertTrue(answer.startsWith("HTTP/1.1 413"), answer);
                assertTrue(answer.contains("\"statusCode\":413") && answer.contains("Payload Too Large"), answer);
            } catch (java.io.IOException e) {
                throw new AssertionError(e);
            }
        }
    }

    @Test
    void apiKeyIsRequired() {
        String body = "{\"userIds\":[\"u\"],\"payload\":{}}";
        for (Map<String, String> headers : new Map[] {Map.of(), Map.of("internal-api-key", "wrong"),
                Map.of("internal-api-key", TestNode.API_KEY + "x")}) {
            HttpResult r = Http.send(node.http("/api/realtime/internal/notify"), "POST", body, headers);
            assertEquals(401, r.status());
            assertEquals("{\"statusCode\":401,\"message\":\"Unauthorized\"}", r.body());
            assertEquals(401, Http.send(node.http("/api/stats"), "GET", null, headers).status());
            assertEquals(401, Http.send(node.http("/api/broadcast/global"), "POST", "{\"event\":\"e\"}", headers).status());
        }
    }

    @Test
    void notifyDeliversNotificationNewToEveryDevice() {
        try (WsClient phone = node.connect("user123"); WsClient laptop = node.connect("user123");
             WsClient other = node.connect("user456"); WsClient bystander = node.connect("nobody")) {
            HttpResult r = node.post("/api/realtime/internal/notify",
                    "{\"userIds\":[\"user123\",\"user456\"],\"payload\":{\"type\":\"achievement\",\"message\":\"You earned a new badge!\"}}");
            assertEquals(202, r.status());
            assertEquals("{\"status\":\"queued\"}", r.body());
            for (WsClient c : new WsClient[] {phone, laptop, other}) {
                JsonNode ev = c.expectEvent("notification:new");
                assertEquals("achievement", ev.get("data").get("type").asText());
                assertFalse(ev.has("room"));
            }
            bystander.expectNone(m -> "notification:new".equals(m.path("event").asText()), Duration.ofMillis(300));
            // A user named twice gets it once: the next notification:new the phone sees is the second request's.
            assertEquals(202, node.post("/api/realtime/internal/notify",
                    "{\"userIds\":[\"user123\",\"user123\"],\"payload\":{\"n\":1}}").status());
            assertEquals(202, node.post("/api/realtime/internal/notify",
                    "{\"userIds\":[\"user123\"],\"payload\":{\"n\":2}}").status());
            assertEquals(1, phone.expectEvent("notification:new").get("data").get("n").asInt());
            assertEquals(2, phone.expectEvent("notification:new").get("data").get("n").asInt(), "no second copy of n=1");
        }
    }

    @Test
    void notifyValidation() {
        JsonNode empty = node.post("/api/realtime/internal/notify", "{}").json();
        assertEquals(400, empty.get("statusCode").asInt());
        assertEquals("Bad Request", empty.get("error").asText());
        assertEquals("[\"userIds should not be empty\",\"payload must be an object\"]", empty.get("message").toString());
        HttpResult notArray = node.post("/api/realtime/internal/notify", "{\"userIds\":\"u1\",\"payload\":{}}");
        assertEquals(400, notArray.status());
        assertEquals("[\"userIds must be an array\"]", notArray.json().get("message").toString());
        HttpResult badItem = node.post("/api/realtime/internal/notify", "{\"userIds\":[1],\"payload\":[]}");
        assertEquals(2, badItem.json().get("message").size());
        HttpResult notJson = node.post("/api/realtime/internal/notify", "{oops");
        assertEquals(400, notJson.status());
        assertEquals("[\"body is not valid JSON\"]", notJson.json().get("message").toString());
        HttpResult trailing = node.post("/api/realtime/internal/notify", "{\"userIds\":[\"u1\"],\"payload\":{}}  x");
        assertEquals(400, trailing.status(), "one JSON value and nothing after it");
        assertEquals("[\"body is not valid JSON\"]", trailing.json().get("message").toString());
        HttpResult deep = node.post("/api/realtime/internal/notify", "{\"userIds\":[\"u\"],\"payload\":{\"a\":" + "[".repeat(5000) + "]".repeat(5000) + "}}");
        assertEquals(400, deep.status());
        assertEquals("[\"body is nested more than 64 levels deep\"]", deep.json().get("message").toString());
        for (String id : new String[] {"a b", "tab\\tid", "u".repeat(129)}) {
            HttpResult unreachable = node.post("/api/realtime/internal/notify", "{\"userIds\":[\"ok\",\"" + id + "\"],\"payload\":{}}");
            assertEquals(400, unreachable.status(), id);
            assertTrue(unreachable.body().contains("must be a user id"), unreachable.body());
        }
        assertEquals(202, node.post("/api/realtime/internal/notify", "{\"userIds\":[\"" + "u".repeat(128) + "\"],\"payload\":{}}").status());
    }

    @Test
    void broadcastRoomAndGlobal() {
        try (WsClient member = node.connect("m1"); WsClient outsider = node.connect("o1")) {
            member.join("survey:123");
            HttpResult r = node.post("/api/broadcast/room", "{\"room\":\"survey:123\",\"event\":\"survey.response\",\"data\":{\"n\":1}}");
            assertEquals(202, r.status());
            JsonNode ev = member.expectEvent("survey.response");
            assertEquals("survey:123", ev.get("room").asText());
            assertEquals(1, ev.get("data").get("n").asInt());

            assertEquals(202, node.post("/api/broadcast/global", "{\"event\":\"system:maintenance\",\"data\":{\"in\":5}}").status());
            for (WsClient c : new WsClient[] {member, outsider}) {
                JsonNode g = c.expectEvent("system:maintenance");
                assertFalse(g.has("room"));
            }
            // The room API naming global is a global broadcast too: no room field.
            assertEquals(202, node.post("/api/broadcast/room", "{\"room\":\"global\",\"event\":\"to-all\",\"data\":1}").status());
            assertFalse(outsider.expectEvent("to-all").has("room"));
            JsonNode leave = outsider.request("leave", "\"room\":\"global\"");
            assertEquals("forbidden", leave.get("error").get("code").asText(), "every connection stays in global");
            outsider.expectNone(m -> "survey.response".equals(m.path("event").asText()), Duration.ofMillis(200));
        }
        JsonNode bad = node.post("/api/broadcast/room", "{\"room\":\"has space\",\"event\":\"\"}").json();
        assertEquals(2, bad.get("message").size(), bad.toString());
        assertEquals(400, node.post("/api/broadcast/user", "{\"event\":\"x\"}").status());
        assertEquals(400, node.post("/api/broadcast/global", "[1]").status());
        // socket.io-client's own names would make every Socket.IO client of the room drop its connection.
        for (String name : new String[] {"connect", "disconnect", "connect_error", "newListener"}) {
            HttpResult reserved = node.post("/api/broadcast/room", "{\"room\":\"lobby\",\"event\":\"" + name + "\"}");
            assertEquals(400, reserved.status(), name);
            assertTrue(reserved.json().get("message").get(0).asText().contains("reserved by Socket.IO clients"), reserved.body());
        }
    }

    @Test
    void statsShape() {
        try (WsClient a = node.connect("alice"); WsClient a2 = node.connect("alice"); WsClient b = node.connect("bob")) {
            a.join("lobby");
            b.join("lobby");
            JsonNode s = node.getWithKey("/api/stats").json();
            assertEquals(3, s.get("totalConnections").asInt());
            assertEquals(3, s.get("authenticatedConnections").asInt());
            assertEquals(0, s.get("anonymousConnections").asInt());
            assertEquals(2, s.get("uniqueUsers").asInt());
            assertEquals(4, s.get("totalRooms").asInt(), s.toString()); // global, lobby, user:alice, user:bob
            assertTrue(s.get("success").asBoolean());
            assertFalse(s.has("stats"), "each figure once, not repeated under \"stats\": " + s);
            assertEquals(java.util.List.of("node", "totalConnections", "authenticatedConnections", "anonymousConnections",
                    "uniqueUsers", "totalRooms", "roomStats", "userConnections", "success"),
                    fieldNames(s));
            JsonNode global = null;
            for (JsonNode r : s.get("roomStats")) {
                if (r.get("name").asText().equals("global")) {
                    global = r;
                }
            }
            assertEquals(3, global.get("connections").asInt());
            assertEquals("[{\"userId\":\"alice\",\"connectionCount\":2},{\"userId\":\"bob\",\"connectionCount\":1}]",
                    s.get("userConnections").toString());
        }
    }

    @Test
    void metricsExposition() {
        try (WsClient a = node.connect("metric-user")) {
            a.join("m-room");
            a.publish("m-room", "e", "1");
            a.expectEvent("e");
            String text = node.get("/metrics").body();
            for (String name : new String[] {"realtime_connections 1.0", "realtime_handshakes_total{result=\"ok\"",
                    "realtime_messages_in_total{op=\"publish\"", "realtime_deliveries_total", "realtime_rooms",
                    "realtime_fanout_latency_seconds_bucket", "realtime_dropped_deliveries_total",
                    "realtime_rate_limited_total", "realtime_auth_failures_total", "jvm_memory_bytes_used"}) {
                assertTrue(text.contains(name), name);
            }
        }
    }

    private static java.util.List<String> fieldNames(JsonNode n) {
        java.util.List<String> out = new java.util.ArrayList<>();
        n.fieldNames().forEachRemaining(out::add);
        return out;
    }
}
