package dev.realtime.room;

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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Join/leave/publish among several real clients over loopback. */
class RoomsE2ETest {
    private TestNode node;
    private final List<WsClient> clients = new ArrayList<>();

    @BeforeEach
    void start() {
        node = TestNode.start(env());
    }

    /** The node's settings; subclasses run the same tests with other room placements. */
    Map<String, String> env() {
        return Map.of("MAX_ROOM_MEMBERS", "5");
    }

    @AfterEach
    void stop() {
        clients.forEach(WsClient::close);
        node.close();
    }

    private WsClient connect(String user) {
        WsClient c = node.connect(user);
        clients.add(c);
        return c;
    }

    @Test
    void connectedListsAutoJoinedRooms() {
        WsClient a = WsClient.connect(node.ws(), Map.of("Authorization", "Bearer " + TestNode.token("alice")), null);
        clients.add(a);
        JsonNode connected = a.expectOp("connected");
        assertEquals("alice", connected.get("userId").asText());
        assertFalse(connected.get("anonymous").asBoolean());
        assertEquals("[\"user:alice\",\"global\"]", connected.get("rooms").toString());
        assertTrue(connected.get("sid").asText().length() > 8);
        assertTrue(connected.get("serverTime").asLong() > 0);
        assertEquals(25000, connected.get("pingIntervalMs").asLong());
        assertEquals("", a.subprotocol(), "no subprotocol requested: JSON by default, no header");
    }

    @Test
    void subprotocolNegotiation() {
        WsClient json = WsClient.connect(node.ws(), Map.of("Authorization", "Bearer " + TestNode.token("a")), "rt.json.v1");
        clients.add(json);
        assertEquals("rt.json.v1", json.subprotocol());
        json.expectOp("connected");
        WsClient bin = WsClient.connect(node.ws(), Map.of("Authorization", "Bearer " + TestNode.token("b")), "rt.binary.v1");
        clients.add(bin);
        assertEquals("rt.binary.v1", bin.subprotocol());
        assertEquals((byte) 0x81, bin.nextBinary()[0], "binary connected message");
    }

    @Test
    void membersReceiveAndNonMembersDoNot() {
        WsClient a = connect("alice");
        WsClient b = connect("bob");
        WsClient c = connect("carol");
        assertTrue(a.join("game-lobby-1").get("ok").asBoolean());
        assertTrue(b.join("game-lobby-1").get("ok").asBoolean());

        JsonNode reply = a.publish("game-lobby-1", "chat:message", "{\"text\":\"hi\",\"n\":[1,2,3]}");
        assertTrue(reply.get("ok").asBoolean(), reply.toString());

        for (WsClient member : List.of(a, b)) {
            JsonNode ev = member.expectEvent("chat:message");
            assertEquals("game-lobby-1", ev.get("room").asText());
            assertEquals("{\"text\":\"hi\",\"n\":[1,2,3]}", ev.get("data").toString());
        }
        c.expectNone(m -> "event".equals(m.path("op").asText()), Duration.ofMillis(300));
    }

    @Test
    void everyMemberGetsEveryMessageInOrder() {
        List<WsClient> members = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            WsClient m = connect("u" + i);
            m.join("order-room");
            members.add(m);
        }
        WsClient publisher = members.get(0);
        for (int i = 0; i < 50; i++) {
            publisher.send("{\"op\":\"publish\",\"room\":\"order-room\",\"event\":\"tick\",\"data\":" + i + "}");
        }
        for (WsClient m : members) {
            for (int i = 0; i < 50; i++) {
                assertEquals(i, m.expectEvent("tick").get("data").asInt());
            }
        }
    }

    @Test
    void leaveStopsDeliveryAndPublishNeedsMembership() {
        WsClient a = connect("alice");
        WsClient b = connect("bob");
        a.join("r1");
        b.join("r1");
        JsonNode left = b.request("leave", "\"room\":\"r1\"");
        assertTrue(left.get("ok").asBoolean());
        JsonNode notMember = b.publish("r1", "chat:message", "{}");
        assertFalse(notMember.get("ok").asBoolean());
        assertEquals("not_in_room", notMember.get("error").get("code").asText());
        assertEquals("not_in_room", b.request("leave", "\"room\":\"r1\"").get("error").get("code").asText());
        a.publish("r1", "after-leave", "1");
        a.expectEvent("after-leave");
        b.expectNone(m -> "after-leave".equals(m.path("event").asText()), Duration.ofMillis(300));
    }

    @Test
    void permissionsAndNames() {
        WsClient a = connect("alice");
        assertEquals("forbidden", a.join("user:bob").get("error").get("code").asText());
        assertTrue(a.join("user:alice").get("ok").asBoolean());
        assertEquals("forbidden", a.request("leave", "\"room\":\"user:alice\"").get("error").get("code").asText());
        assertEquals("forbidden", a.join("admin").get("error").get("code").asText());
        assertEquals("forbidden", a.join("admin:orders").get("error").get("code").asText());
        assertEquals("forbidden", a.join("match:123").get("error").get("code").asText());
        assertEquals("invalid_room", a.join("").get("error").get("code").asText());
        assertEquals("invalid_room", a.join("has space").get("error").get("code").asText());
        assertEquals("invalid_room", a.join("tab\there").get("error").get("code").asText());
        assertEquals("invalid_room", a.join("x".repeat(201)).get("error").get("code").asText());
        assertTrue(a.join("x".repeat(200)).get("ok").asBoolean());
        a.join("chat");
        for (String reserved : List.of("system:restart", "admin:stats", "match:found", "notification:new", "notifications")) {
            JsonNode r = a.publish("chat", reserved, "{}");
            assertEquals("forbidden", r.get("error").get("code").asText(), reserved);
        }
        assertEquals("forbidden", a.publish("global", "chat:message", "{}").get("error").get("code").asText());
        assertEquals("invalid_event", a.publish("chat", "bad event", "{}").get("error").get("code").asText());
        for (String socketIos : List.of("connect", "disconnect", "connect_error", "removeListener")) {
            assertEquals("invalid_event", a.publish("chat", socketIos, "{}").get("error").get("code").asText(), socketIos);
        }

        WsClient admin = WsClient.connect(node.ws(), Map.of("Authorization", "Bearer " + TestNode.token("root", "admin")), null);
        clients.add(admin);
        admin.expectOp("connected");
        assertTrue(admin.join("admin").get("ok").asBoolean());
        assertTrue(admin.join("admin:orders").get("ok").asBoolean());
    }

    @Test
    void roomMemberLimit() {
        for (int i = 0; i < 5; i++) {
            assertTrue(connect("m" + i).join("small").get("ok").asBoolean());
        }
        JsonNode full = connect("late").join("small");
        assertEquals("room_full", full.get("error").get("code").asText());
    }

    @Test
    void getRoomsEmitAndUnknownEmit() {
        WsClient a = connect("alice");
        a.join("lobby");
        JsonNode rooms = a.request("emit", "\"event\":\"get_rooms\"");
        assertEquals("[\"user:alice\",\"global\",\"lobby\"]", rooms.get("data").get("rooms").toString());
        JsonNode unknown = a.request("emit", "\"event\":\"no:such\",\"data\":{}");
        assertEquals("unknown_event", unknown.get("error").get("code").asText());
    }

    @Test
    void appLevelPing() {
        WsClient a = connect("alice");
        a.send("{\"op\":\"ping\",\"id\":77}");
        assertEquals(77, a.expectOp("pong").get("id").asLong());
    }

    @Test
    void userRoomReachesAllDevicesOfTheUser() {
        WsClient phone = connect("alice");
        WsClient laptop = connect("alice");
        WsClient other = connect("bob");
        assertEquals(202, node.post("/api/broadcast/user",
                "{\"userId\":\"alice\",\"event\":\"order:updated\",\"data\":{\"orderId\":\"o1\"}}").status());
        for (WsClient c : List.of(phone, laptop)) {
            JsonNode ev = c.expectEvent("order:updated");
            assertEquals("o1", ev.get("data").get("orderId").asText());
            assertFalse(ev.has("room"), "user events carry no room: " + ev);
        }
        other.expectNone(m -> "order:updated".equals(m.path("event").asText()), Duration.ofMillis(300));
    }
}
