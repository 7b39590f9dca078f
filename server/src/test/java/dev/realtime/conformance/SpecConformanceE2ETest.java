package dev.realtime.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.realtime.testing.HttpResult;
import dev.realtime.testing.TestNode;
import dev.realtime.testing.WsClient;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Acceptance review: what SPEC.md (and, where it is silent, the seeds) promise a black-box client,
 * checked over real sockets on one node. Each test is a deviation that review found and fixed. One
 * node for the class (with {@code MAX_ROOM_MEMBERS=1}, which only one test needs); every test uses
 * users of its own.
 */
class SpecConformanceE2ETest {
    private static TestNode node;

    @BeforeAll
    static void start() {
        node = TestNode.start(Map.of("MAX_ROOM_MEMBERS", "1"));
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    /** SPEC "On connect: auto-join ... send connected": nothing the client sent may be answered before it. */
    @Test
    void connectedIsTheFirstMessageWhateverTheClientSendsAtOnce() {
        // First-frame auth with more in the same batch: the ping (no id: answered at once) must wait.
        try (WsClient c = WsClient.connect(node.ws())) {
            c.send("[{\"op\":\"auth\",\"token\":\"" + TestNode.token("first-a") + "\"},{\"op\":\"ping\"},"
                    + "{\"op\":\"emit\",\"id\":3,\"event\":\"get_rooms\"}]");
            assertEquals("connected", c.expect(m -> true).path("op").asText());
            assertEquals("pong", c.expect(m -> true).path("op").asText());
            JsonNode rooms = c.expect(m -> true);
            assertEquals(3, rooms.path("id").asLong(), rooms.toString());
            assertTrue(rooms.path("data").path("rooms").toString().contains("user:first-a"), rooms.toString());
        }
        // Header token: the client sends as soon as it has the 101, while the auto-joins are on their way.
        for (int i = 0; i < 10; i++) {
            try (WsClient c = WsClient.connect(node.ws(), Map.of("Authorization", "Bearer " + TestNode.token("first-b")), null)) {
                c.send("{\"op\":\"ping\",\"id\":1}");
                JsonNode first = c.expect(m -> true);
                assertEquals("connected", first.path("op").asText(), "attempt " + i + ": " + first);
                assertEquals("pong", c.expect(m -> true).path("op").asText());
            }
        }
    }

    /**
     * SPEC: every connection is auto-joined to {@code user:{id}} and {@code global}; {@code MAX_ROOM_MEMBERS}
     * (seed 002 sets 1000) limits the rooms clients join, not those: it used to cut connections off
     * global broadcasts and their own notifications.
     */
    @Test
    void maxRoomMembersDoesNotApplyToTheAutoJoinedRooms() {
        List<WsClient> clients = new ArrayList<>();
        try {
            for (String user : List.of("cap-a", "cap-b", "cap-a")) {
                WsClient c = WsClient.connect(node.ws(), Map.of("Authorization", "Bearer " + TestNode.token(user)), null);
                clients.add(c);
                JsonNode connected = c.expectOp("connected");
                assertEquals("[\"user:" + user + "\",\"global\"]", connected.get("rooms").toString(), connected.toString());
            }
            assertEquals(202, node.post("/api/broadcast/global", "{\"event\":\"cap:all\",\"data\":1}").status());
            assertEquals(202, node.post("/api/realtime/internal/notify", "{\"userIds\":[\"cap-a\"],\"payload\":{\"n\":1}}").status());
            for (WsClient c : clients) {
                c.expectEvent("cap:all");
            }
            clients.get(0).expectEvent("notification:new");
            clients.get(2).expectEvent("notification:new");
            // Client-joined rooms keep the cap.
            assertTrue(clients.get(0).join("cap-room").path("ok").asBoolean());
            assertEquals("room_full", WsClient.errorCode(clients.get(1).join("cap-room")));
        } finally {
            clients.forEach(WsClient::close);
        }
    }

    /**
     * SPEC: the route table maps "Kafka topic, Redis channel pattern, or HTTP event source" and the bundled
     * default reproduces every seed topic. Without Kafka (a single node, or a Redis-only cluster) a seed
     * topic's record can still be fed as the HTTP source of the same name.
     */
    @Test
    void everySeedKafkaTopicIsAlsoAnHttpSource() {
        try (WsClient buyer = node.connect("topic-buyer");
             WsClient admin = WsClient.connect(node.ws(), Map.of("Authorization", "Bearer " + TestNode.token("topic-admin", "admin")), null)) {
            admin.expectOp("connected");
            assertTrue(admin.emit("subscribe:admin", null).path("ok").asBoolean());
            HttpResult r = node.post("/api/events/order.created", "{\"orderId\":\"o-1\",\"buyerId\":\"topic-buyer\",\"total\":42}");
            assertEquals(202, r.status(), r.body());
            assertEquals("o-1", buyer.expectEvent("order:created").path("data").path("orderId").asText());
            assertEquals("o-1", admin.expectEvent("admin:order:created").path("data").path("orderId").asText());

            r = node.post("/api/events/SessionStartingSoon",
                    "{\"userIds\":[\"topic-buyer\"],\"message\":{\"type\":\"session_reminder\",\"title\":\"Session Starting Soon\"}}");
            assertEquals(202, r.status(), r.body());
            JsonNode n = buyer.expectEvent("notification:new");
            assertEquals("Session Starting Soon", n.path("data").path("title").asText(), n.toString());
        }
    }

    /** The seeds' services wrote times with {@code toISOString()}: always milliseconds, always a fraction. */
    @Test
    void healthTimestampIsJavaScriptIso() {
        String ts = node.get("/health").json().get("timestamp").asText();
        assertTrue(ts.matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z"), ts);
    }

    /** Clients that put the header's form in the first {@code auth} frame (as Socket.IO clients may) are accepted. */
    @Test
    void authFrameAcceptsABearerPrefix() {
        try (WsClient c = WsClient.connect(node.ws())) {
            c.send("{\"op\":\"auth\",\"id\":1,\"token\":\"Bearer " + TestNode.token("bearer-frame") + "\"}");
            assertEquals("bearer-frame", c.expectOp("connected").path("userId").asText());
        }
    }
}
