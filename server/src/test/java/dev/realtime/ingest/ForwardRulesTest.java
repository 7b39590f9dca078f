package dev.realtime.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The forward section: which emits and lifecycle events go to which topic, keyed how. */
class ForwardRulesTest {
    static final RouteTable TABLE = RouteTable.load("""
            {
              "forward": [
                {"id": "chat", "emit": "chat:message", "topic": "chat.messages", "key": "{videoId}"},
                {"id": "video", "emit": ["video:progress", "video:*"], "topic": "video.activity"},
                {"id": "typing", "emit": "chat:typing", "topic": "chat.typing", "key": "none"},
                {"id": "rooms", "lifecycle": ["join", "leave"], "topic": "realtime.rooms", "key": "room"},
                {"id": "sessions", "lifecycle": ["connect", "disconnect", "join", "leave"], "topic": "realtime.lifecycle",
                 "key": "user"},
                {"id": "by-session", "lifecycle": "disconnect", "topic": "realtime.sessions", "key": "session"}
              ]
            }""", "forward.json");

    static List<String> ids(List<ForwardRule> rules) {
        return rules.stream().map(ForwardRule::id).toList();
    }

    @Test
    void emitLookup() {
        assertEquals(List.of("chat"), ids(TABLE.forwardsForEmit("chat:message")));
        assertEquals(List.of("video"), ids(TABLE.forwardsForEmit("video:progress")));
        assertEquals(List.of("video"), ids(TABLE.forwardsForEmit("video:join")), "trailing * is a prefix");
        assertEquals(List.of(), TABLE.forwardsForEmit("matchmaking:join"));
        assertTrue(TABLE.forwardsEmits());
        assertFalse(RouteTable.bundledDefault().forwardsEmits());
    }

    @Test
    void lifecycleLookup() {
        assertEquals(List.of("rooms", "sessions"), ids(TABLE.forwardsForLifecycle("join")));
        assertEquals(List.of("rooms", "sessions"), ids(TABLE.forwardsForLifecycle(LifecycleKind.LEAVE)));
        assertEquals(List.of("sessions"), ids(TABLE.forwardsForLifecycle("connect")));
        assertEquals(List.of("sessions", "by-session"), ids(TABLE.forwardsForLifecycle("disconnect")));
        assertEquals(List.of(), TABLE.forwardsForLifecycle("logout"));
        assertEquals(Set.of(LifecycleKind.JOIN, LifecycleKind.LEAVE), TABLE.forwardRules().get(3).lifecycleKinds());
        assertEquals(Set.of(), TABLE.forwardRules().get(0).lifecycleKinds());
    }

    @Test
    void keys() {
        var data = RouteTableRoutingTest.json("{\"videoId\":\"v9\",\"message\":\"hi\"}");
        ForwardRule chat = TABLE.forwardsForEmit("chat:message").get(0);
        assertEquals(ForwardRule.KeyMode.FIELD, chat.keyMode());
        assertEquals("v9", chat.key("u1", "s1", null, data));
        assertNull(chat.key("u1", "s1", null, RouteTableRoutingTest.json("{}")), "missing field: no key");
        assertNull(chat.key("u1", "s1", null, null));
        ForwardRule video = TABLE.forwardsForEmit("video:progress").get(0);
        assertEquals(ForwardRule.KeyMode.USER, video.keyMode(), "user is the default key");
        assertEquals("u1", video.key("u1", "s1", null, data));
        assertEquals("s1", video.key(null, "s1", null, data), "anonymous: the session keeps its own order");
        assertNull(TABLE.forwardsForEmit("chat:typing").get(0).key("u1", "s1", null, data));
        assertEquals("lobby", TABLE.forwardsForLifecycle("join").get(0).key("u1", "s1", "lobby", null));
        assertEquals("s1", TABLE.forwardsForLifecycle("disconnect").get(1).key("u1", "s1", null, null));
        assertEquals(Set.of("chat.messages", "video.activity", "chat.typing", "realtime.rooms", "realtime.lifecycle",
                "realtime.sessions"), TABLE.forwardTopics());
    }

    @Test
    void records() {
        var data = RouteTableRoutingTest.json("{\"videoId\":\"v9\",\"message\":\"hi\"}");
        assertEquals("{\"type\":\"emit\",\"event\":\"chat:message\",\"userId\":\"u1\",\"sessionId\":\"s1\",\"nodeId\":\"n1\","
                + "\"timestamp\":\"2024-01-01T00:00:00.123Z\",\"data\":{\"videoId\":\"v9\",\"message\":\"hi\"}}",
                ForwardRule.emitRecord("n1", "s1", "u1", "chat:message", data, RouteTableRoutingTest.NOW).toString());
        assertEquals("{\"type\":\"emit\",\"event\":\"x\",\"userId\":null,\"sessionId\":\"s1\",\"nodeId\":\"n1\","
                + "\"timestamp\":\"2024-01-01T00:00:00.123Z\",\"data\":null}",
                ForwardRule.emitRecord("n1", "s1", null, "x", null, RouteTableRoutingTest.NOW).toString());
        assertEquals("{\"type\":\"lifecycle\",\"kind\":\"join\",\"userId\":\"u1\",\"sessionId\":\"s1\",\"nodeId\":\"n1\","
                + "\"room\":\"lobby\",\"timestamp\":\"2024-01-01T00:00:00.123Z\"}",
                ForwardRule.lifecycleRecord(LifecycleKind.JOIN, "n1", "s1", "u1", "lobby", RouteTableRoutingTest.NOW).toString());
        assertEquals("{\"type\":\"lifecycle\",\"kind\":\"connect\",\"userId\":\"u1\",\"sessionId\":\"s1\",\"nodeId\":\"n1\","
                + "\"timestamp\":\"2024-01-01T00:00:00.123Z\"}",
                ForwardRule.lifecycleRecord(LifecycleKind.CONNECT, "n1", "s1", "u1", null, RouteTableRoutingTest.NOW).toString());
    }

    @Test
    void serverEventRules() {
        RouteTable t = RouteTable.load("""
                {"forward": [
                  {"id": "done", "event": "match:completed", "topic": "match.completed", "key": "{matchId}"},
                  {"id": "all-match", "event": "match:*", "topic": "match.all"}
                ]}""", "events.json");
        assertEquals(List.of("done", "all-match"), ids(t.forwardsForEvent("match:completed")));
        assertEquals(List.of("all-match"), ids(t.forwardsForEvent("match:stateUpdate")));
        assertEquals(List.of(), t.forwardsForEmit("match:completed"), "event rules never take client emits");
        assertEquals(List.of(), TABLE.forwardsForEvent("chat:message"), "emit rules never take server events");
        assertFalse(t.forwardsEmits());
        var data = RouteTableRoutingTest.json("{\"matchId\":\"match:1\",\"winnerUserId\":\"u1\"}");
        assertEquals("match:1", t.forwardRules().get(0).key(null, null, null, data));
        assertEquals(ForwardRule.KeyMode.NONE, t.forwardRules().get(1).keyMode(), "server events default to no key");
        assertEquals("{\"type\":\"event\",\"event\":\"match:completed\",\"nodeId\":\"n1\","
                + "\"timestamp\":\"2024-01-01T00:00:00.123Z\",\"data\":{\"matchId\":\"match:1\",\"winnerUserId\":\"u1\"}}",
                ForwardRule.eventRecord("n1", "match:completed", data, RouteTableRoutingTest.NOW).toString());
        RouteTableException bad = org.junit.jupiter.api.Assertions.assertThrows(RouteTableException.class,
                () -> RouteTable.load("{\"forward\":[{\"event\":\"match:completed\",\"topic\":\"t\",\"key\":\"user\"},"
                        + "{\"event\":\"x\",\"emit\":\"y\",\"topic\":\"t\"}]}", "bad.json"));
        assertEquals(2, bad.problems().size(), bad.getMessage());
        assertTrue(bad.problems().get(0).contains("server events have no user or session"), bad.getMessage());
        assertTrue(bad.problems().get(1).contains("exactly one of"), bad.getMessage());
    }

    @Test
    void describeAndDefaults() {
        assertEquals("chat: emit [chat:message] -> kafka chat.messages (key {videoId})", TABLE.forwardRules().get(0).toString());
        RouteTable noId = RouteTable.load("{\"forward\":[{\"lifecycle\":\"connect\",\"topic\":\"t\"}]}", "x");
        assertEquals("forward[0]", noId.forwardRules().get(0).id());
        assertEquals(ForwardRule.Kind.LIFECYCLE, noId.forwardRules().get(0).kind());
        assertEquals("t", noId.forwardRules().get(0).topic());
        assertEquals(List.of("connect"), noId.forwardRules().get(0).names());
        assertEquals(LifecycleKind.LEAVE, LifecycleKind.fromWire("leave"));
        assertNull(LifecycleKind.fromWire("LEAVE"));
    }
}
