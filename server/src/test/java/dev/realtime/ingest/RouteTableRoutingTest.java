package dev.realtime.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Templates, skip counting, fan-out, payload shaping and record limits. */
class RouteTableRoutingTest {
    static final ObjectMapper M = new ObjectMapper();
    static final long NOW = 1_704_067_200_123L; // 2024-01-01T00:00:00.123Z

    static JsonNode json(String s) {
        try {
            return M.readTree(s);
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }

    static RouteTable table(String routesJsonArray) {
        return RouteTable.load("{\"routes\":" + routesJsonArray + "}", "test.json");
    }

    static RouteResult kafka(RouteTable t, String topic, String record) {
        return t.route(SourceKind.KAFKA, topic, json(record), NOW);
    }

    /** "event -> room" per delivery, for compact assertions. */
    static List<String> summary(RouteResult r) {
        List<String> out = new ArrayList<>();
        for (Delivery d : r.deliveries()) {
            out.add(d.event() + " -> " + d.room());
        }
        return out;
    }

    @Test
    void roomTemplatesWithNestedFieldsNumbersAndSource() {
        RouteTable t = table("""
                [{"kafka": "s", "event": "e", "targets": [
                   {"room": "survey:{surveyId}"},
                   {"room": "project:{metadata.projectId}"},
                   {"room": "first-item:{items.0.id}"},
                   {"room": "src:{$source}:{n}:{f}:{b}"}
                ]}]""");
        RouteResult r = kafka(t, "s", """
                {"surveyId":"s1","metadata":{"projectId":"p9"},"items":[{"id":7}],"n":42,"f":1.50,"b":true}""");
        assertEquals(List.of("e -> survey:s1", "e -> project:p9", "e -> first-item:7", "e -> src:s:42:1.5:true"), summary(r));
        assertEquals(0, r.skipped());
        assertTrue(r.matched());
        Delivery room = r.deliveries().get(0);
        assertEquals(new Target.Room("survey:s1"), room.target());
        assertTrue(room.target().carriesRoom());
        assertFalse(room.inbox());
        assertEquals("routes[0]", room.route());
    }

    @Test
    void userGlobalAndAdminTargets() {
        RouteTable t = table("""
                [{"kafka": "o", "event": "order:created", "targets": [
                   {"user": "{buyerId}"}, {"user": "sellerId"}, "global", {"admin": true}, {"global": true}
                ]}]""");
        RouteResult r = kafka(t, "o", "{\"buyerId\":\"b1\",\"sellerId\":\"s1\"}");
        assertEquals(List.of("order:created -> user:b1", "order:created -> user:s1", "order:created -> global",
                "order:created -> admin"), summary(r), "the second global is deduplicated");
        assertEquals(new Target.User("b1"), r.deliveries().get(0).target());
        assertFalse(r.deliveries().get(0).target().carriesRoom());
        assertSame(Target.GLOBAL, r.deliveries().get(2).target());
        assertFalse(Target.GLOBAL.carriesRoom());
        assertTrue(Target.ADMIN.carriesRoom());
    }

    @Test
    void missingFieldSkipsThatDeliveryCountsItAndOthersProceed() {
        RouteTable t = table("""
                [{"id": "r1", "kafka": "o", "event": "e", "targets": [
                   {"user": "{buyerId}"}, {"room": "shop:{shop.id}"}, "admin", {"room": "x:{obj}"}, {"room": "y:{nul}"},
                   {"room": "z:{empty}"}, {"user": "{bad}"}
                ]},
                 {"id": "r2", "kafka": "o", "event": "e2", "targets": ["global"]}]""");
        RouteResult r = kafka(t, "o", "{\"shop\":{},\"obj\":{\"a\":1},\"nul\":null,\"empty\":\"\",\"bad\":\"has space\"}");
        assertEquals(List.of("e -> admin", "e2 -> global"), summary(r));
        assertEquals(6, r.skipped());
        assertEquals(List.of(
                "r1 targets[0]: field 'buyerId' is missing",
                "r1 targets[1]: field 'shop.id' is missing",
                "r1 targets[3]: field 'obj' is an object, not a string or number",
                "r1 targets[4]: field 'nul' is null",
                "r1 targets[5]: field 'empty' is empty",
                "r1 targets[6]: user id 'has space' is invalid: room name contains whitespace or control characters"),
                r.reasons());
    }

    @Test
    void anInvalidExpandedRoomIsSkipped() {
        RouteTable t = table("[{\"kafka\":\"k\",\"event\":\"e\",\"targets\":[{\"room\":\"r:{id}\"}]}]");
        RouteResult r = kafka(t, "k", "{\"id\":\"" + "x".repeat(300) + "\"}");
        assertEquals(0, r.deliveries().size());
        assertEquals(1, r.skipped());
        assertTrue(r.reasons().get(0).contains("longer than 200"), r.reasons().toString());
    }

    @Test
    void optionalTargetsAreNotCountedAndOrElseFallsBack() {
        RouteTable t = table("""
                [{"kafka": "n", "event": "notification", "targets": [
                   {"user": "{userId}", "orElse": "global"},
                   {"room": "project:{projectId}", "optional": true},
                   {"userIds": "{userIds}", "orElse": {"room": "channel:{channelId}", "orElse": {"user": "{ownerId}"}}}
                ]}]""");
        RouteResult withAll = kafka(t, "n", "{\"userId\":\"u1\",\"projectId\":\"p1\",\"userIds\":[\"a\"],\"channelId\":\"c\"}");
        assertEquals(List.of("notification -> user:u1", "notification -> project:p1", "notification -> user:a"),
                summary(withAll));
        RouteResult fallback = kafka(t, "n", "{\"channelId\":\"c\"}");
        assertEquals(List.of("notification -> global", "notification -> channel:c"), summary(fallback));
        assertEquals(0, fallback.skipped());
        RouteResult deepest = kafka(t, "n", "{\"ownerId\":\"o\",\"userIds\":[]}");
        assertEquals(List.of("notification -> global", "notification -> user:o"), summary(deepest));
        RouteResult none = kafka(t, "n", "{}");
        assertEquals(List.of("notification -> global"), summary(none));
        assertEquals(1, none.skipped(), "the userIds chain found nothing; the optional project target is not counted");
        assertTrue(none.reasons().get(0).contains("field 'ownerId' is missing"), none.reasons().toString());
    }

    @Test
    void userIdsFanOutDeduplicatesAndCountsBadEntries() {
        RouteTable t = table("""
                [{"kafka": "s", "event": "notification:new", "targets": [{"userIds": "{userIds}"}, {"user":"{userIds.0}"}],
                  "payload": "field:message", "inbox": true}]""");
        RouteResult r = kafka(t, "s", """
                {"userIds": ["u1", "u2", "u1", 7, null, {"x":1}, "", "u 3"], "message": {"title": "hi"}}""");
        assertEquals(List.of("notification:new -> user:u1", "notification:new -> user:u2", "notification:new -> user:7"),
                summary(r), "u1 twice and user:u1 again from the second target are delivered once");
        assertEquals(4, r.skipped());
        assertEquals("routes[0] targets[0]: field 'userIds[4]' is null", r.reasons().get(0));
        JsonNode data = r.deliveries().get(0).data();
        for (Delivery d : r.deliveries()) {
            assertSame(data, d.data(), "one payload instance for the whole fan-out");
            assertTrue(d.inbox());
        }
        assertEquals(json("{\"title\":\"hi\"}"), data);

        RouteResult single = kafka(t, "s", "{\"userIds\":\"solo\",\"message\":{}}");
        assertEquals(List.of("notification:new -> user:solo"), summary(single));
        assertEquals(2, kafka(t, "s", "{\"userIds\":[],\"message\":{}}").skipped());
    }

    @Test
    void fanOutAboveTheCapIsRefused() {
        RouteTable t = table("[{\"kafka\":\"s\",\"event\":\"e\",\"targets\":[{\"userIds\":\"ids\"}]}]");
        StringBuilder ids = new StringBuilder("{\"ids\":[");
        for (int i = 0; i <= RouteTable.MAX_FANOUT; i++) {
            ids.append(i == 0 ? "" : ",").append('"').append("u").append(i).append('"');
        }
        RouteResult r = kafka(t, "s", ids.append("]}").toString());
        assertEquals(0, r.deliveries().size());
        assertEquals(1, r.skipped());
        assertTrue(r.reasons().get(0).contains("more than 10000"), r.reasons().toString());
    }

    @Test
    void payloadSelectionAndAddedTypeAndTimestamp() {
        RouteTable t = table("""
                [{"id":"whole", "kafka": "k", "event": "e.whole", "targets": ["global"]},
                 {"id":"field", "kafka": "k", "event": "e.field", "targets": ["global"], "payload": "field:message"},
                 {"id":"bare", "kafka": "k", "event": "e.bare", "targets": ["global"], "payload": "meta.inner"},
                 {"id":"typed", "kafka": "k", "event": "e.typed", "targets": ["global"], "addType": true, "addTimestamp": true},
                 {"id":"named", "kafka": "k", "event": "e.named", "targets": ["global"], "addType": "order.{kind}",
                  "addTimestamp": "millis", "rename": {"type": "updateType"}, "omit": ["secret"]},
                 {"id":"keep", "kafka": "k", "event": "e.keep", "targets": ["global"], "payload": "field:message",
                  "addType": "x", "addTimestamp": "iso"},
                 {"id":"scalar", "kafka": "k", "event": "e.scalar", "targets": ["global"], "payload": "field:count",
                  "addType": true}]""");
        JsonNode rec = json("""
                {"kind":"created","type":"realtime","secret":"s","message":{"type":"own","timestamp":"t0","body":"b"},
                 "meta":{"inner":[1,2]},"count":3}""");
        RouteResult r = t.route(SourceKind.KAFKA, "k", rec, NOW);
        assertEquals(0, r.skipped(), r.reasons().toString());
        assertSame(rec, r.deliveries().get(0).data(), "whole record, untouched, not copied");
        assertSame(rec.get("message"), r.deliveries().get(1).data());
        assertEquals(json("[1,2]"), r.deliveries().get(2).data());
        assertEquals("""
                {"kind":"created","type":"realtime","secret":"s","message":{"type":"own","timestamp":"t0","body":"b"},\
                "meta":{"inner":[1,2]},"count":3,"timestamp":"2024-01-01T00:00:00.123Z"}""",
                r.deliveries().get(3).data().toString(), "an existing type is kept; timestamp is ISO-8601 UTC, last");
        assertEquals("""
                {"type":"order.created","kind":"created","updateType":"realtime","message":{"type":"own","timestamp":"t0",\
                "body":"b"},"meta":{"inner":[1,2]},"count":3,"timestamp":1704067200123}""",
                r.deliveries().get(4).data().toString(), "type renamed, then added first; secret omitted; millis");
        assertEquals("{\"type\":\"own\",\"timestamp\":\"t0\",\"body\":\"b\"}", r.deliveries().get(5).data().toString(),
                "neither type nor timestamp is overwritten");
        assertEquals(json("3"), r.deliveries().get(6).data(), "non-object payloads are never reshaped");
        assertEquals("{\"kind\":\"created\",\"type\":\"realtime\",\"secret\":\"s\",\"message\":{\"type\":\"own\",\"timestamp\":"
                + "\"t0\",\"body\":\"b\"},\"meta\":{\"inner\":[1,2]},\"count\":3}", rec.toString(), "the record is not modified");
    }

    @Test
    void renameOntoAnExistingFieldReplacesIt() {
        RouteTable t = table("[{\"kafka\":\"k\",\"event\":\"e\",\"targets\":[\"global\"],\"rename\":{\"a\":\"b\"}}]");
        assertEquals("{\"b\":1}", kafka(t, "k", "{\"b\":2,\"a\":1}").deliveries().get(0).data().toString());
        assertEquals("{\"b\":1}", kafka(t, "k", "{\"a\":1,\"b\":2}").deliveries().get(0).data().toString());
        assertEquals("{\"b\":2}", kafka(t, "k", "{\"b\":2}").deliveries().get(0).data().toString());
    }

    @Test
    void missingPayloadFieldOrEventFieldSkipsTheWholeRoute() {
        RouteTable t = table("""
                [{"id":"p", "kafka": "k", "event": "e", "targets": ["global", "admin"], "payload": "field:message"},
                 {"id":"ev", "kafka": "k", "event": "{eventType}", "targets": ["global"]},
                 {"id":"ty", "kafka": "k", "event": "ok", "targets": ["admin"], "addType": "{kind}"},
                 {"id":"fine", "kafka": "k", "event": "ok", "targets": ["global"]}]""");
        RouteResult r = kafka(t, "k", "{\"message\":null}");
        assertEquals(List.of("ok -> global"), summary(r));
        assertEquals(4, r.skipped());
        assertEquals(List.of("p: payload field 'message' is null", "ev: event: field 'eventType' is missing",
                "ty: addType: field 'kind' is missing"), r.reasons());
        RouteResult badEvent = kafka(t, "k", "{\"message\":{},\"eventType\":\"has space\",\"kind\":\"k\"}");
        assertTrue(badEvent.reasons().get(0).startsWith("ev: event name 'has space' is invalid"), badEvent.reasons().toString());
        RouteResult dynamic = kafka(t, "k", "{\"message\":{},\"eventType\":\"order:shipped\",\"kind\":\"k\"}");
        assertEquals(List.of("e -> global", "e -> admin", "order:shipped -> global", "ok -> admin", "ok -> global"),
                summary(dynamic));
    }

    @Test
    void unknownSourcesAreUnmatched() {
        RouteTable t = table("[{\"kafka\":\"k\",\"http\":\"h\",\"event\":\"e\",\"targets\":[\"global\"]}]");
        assertFalse(kafka(t, "other", "{}").matched());
        assertFalse(t.route(SourceKind.HTTP, "k", json("{}")).matched());
        assertFalse(t.route(SourceKind.REDIS, "k", json("{}")).matched());
        assertTrue(t.route(SourceKind.HTTP, "h", json("{}")).matched());
        assertEquals(1, t.route(SourceKind.HTTP, "h", json("[1]")).deliveries().size(), "any JSON value is a record");
        assertEquals(1, t.route(SourceKind.HTTP, "h", null).deliveries().size(), "null is the JSON null record");
        assertFalse(t.route(SourceKind.HTTP, null, json("{}")).matched());
        assertFalse(t.routeRedis("x:*", null, json("{}")).matched());
    }

    @Test
    void sourcesAreListedForSubscription() {
        RouteTable t = table("""
                [{"kafka": ["b", "a"], "redis": "x:*", "event": "e", "targets": ["global"]},
                 {"kafka": "a", "http": ["h1", "h2"], "event": "e", "targets": ["global"]},
                 {"redis": ["y:*", "x:*"], "event": "e", "targets": ["global"]}]""");
        assertEquals(List.of("b", "a"), List.copyOf(t.kafkaTopics()));
        assertEquals(List.of("x:*", "y:*"), t.redisPatterns());
        assertEquals(List.of("h1", "h2"), List.copyOf(t.httpSources()));
        assertEquals(3, t.routeCount());
        assertEquals(3, t.describe().size());
        assertThrows(UnsupportedOperationException.class, () -> t.kafkaTopics().add("z"));
    }

    @Test
    void recordsAreParsedWithinTheSizeLimit() throws Exception {
        RouteTable t = RouteTable.load("{\"routes\":[]}", "t", 64);
        assertEquals(64, t.maxRecordBytes());
        assertEquals(RouteTable.DEFAULT_MAX_RECORD_BYTES, RouteTable.load("{}", "t").maxRecordBytes());
        byte[] ok = "{\"a\":\"0123456789012345678901234567890123456789012345\"}".getBytes(StandardCharsets.UTF_8);
        assertTrue(ok.length <= 64);
        assertEquals("0123456789012345678901234567890123456789012345", t.parseRecord(ok).get("a").asText());
        byte[] big = ("{\"a\":\"" + "x".repeat(100) + "\"}").getBytes(StandardCharsets.UTF_8);
        RecordException tooLarge = assertThrows(RecordException.class, () -> t.parseRecord(big));
        assertEquals(RecordException.Reason.TOO_LARGE, tooLarge.reason());
        assertEquals("too_large", tooLarge.reason().label());
        for (String bad : new String[] {"", "{", "not json", "{\"a\":1} trailing"}) {
            RecordException e = assertThrows(RecordException.class,
                    () -> t.parseRecord(bad.getBytes(StandardCharsets.UTF_8)), bad);
            assertEquals(RecordException.Reason.MALFORMED, e.reason(), bad);
        }
        assertEquals(RecordException.Reason.MALFORMED, assertThrows(RecordException.class, () -> t.parseRecord(null)).reason());
        RouteTable roomy = RouteTable.load("{}", "t", 10_000);
        String deep = "[".repeat(100) + "]".repeat(100);
        assertEquals(RecordException.Reason.MALFORMED, assertThrows(RecordException.class,
                () -> roomy.parseRecord(deep.getBytes(StandardCharsets.UTF_8))).reason());
        byte[] framed = "xx{\"k\":1}yy".getBytes(StandardCharsets.UTF_8);
        assertEquals(1, roomy.parseRecord(framed, 2, 7).get("k").asInt());
    }

    @Test
    void routeResultsAreImmutable() {
        RouteTable t = table("[{\"kafka\":\"k\",\"event\":\"e\",\"targets\":[\"global\"]}]");
        RouteResult r = kafka(t, "k", "{}");
        assertThrows(UnsupportedOperationException.class, () -> r.deliveries().clear());
        assertThrows(UnsupportedOperationException.class, () -> r.reasons().add("x"));
    }
}
