package dev.realtime.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.realtime.config.GatewayConfig.SlowConsumerPolicy;
import dev.realtime.room.DeliveryMode;
import dev.realtime.room.PrefixPolicies;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A bad route file fails with messages naming the file, line, column and the wrong field. */
class RouteTableLoadErrorsTest {

    private static RouteTableException fail(String json) {
        return assertThrows(RouteTableException.class, () -> RouteTable.load(json, "routes.json"));
    }

    /** The single problem of a file that has exactly one. */
    private static String only(String json) {
        RouteTableException e = fail(json);
        assertEquals(1, e.problems().size(), e.getMessage());
        assertTrue(e.getMessage().contains(e.problems().get(0)), e.getMessage());
        return e.problems().get(0);
    }

    private static void assertStarts(String expectedPrefix, String actual) {
        assertTrue(actual.startsWith(expectedPrefix), "expected to start with <" + expectedPrefix + "> but was <" + actual + ">");
    }

    @Test
    void unclosedTemplateBraceNamesLineAndField() {
        String json = """
                {
                  "routes": [
                    {"kafka": "a", "event": "e", "targets": ["global"]},
                    {"kafka": "b", "event": "e", "targets": ["global"]},
                    {"kafka": "c", "event": "e", "targets": ["global"]},
                    {
                      "kafka": "d",
                      "event": "e",
                      "targets": [
                        {"room": "survey:{user"}
                      ]
                    }
                  ]
                }
                """;
        String p = only(json);
        assertStarts("routes.json line 10, column 10: routes[3].targets[0].room: ", p);
        assertTrue(p.contains("unknown template field syntax '{user'"), p);
    }

    @Test
    void invalidJsonNamesLineAndColumn() {
        String p = only("{\n  \"routes\": [\n    {\"kafka\": \"a\",, }\n  ]\n}\n");
        assertStarts("routes.json line 3, column ", p);
        assertTrue(p.contains("invalid JSON"), p);
    }

    @Test
    void emptyFileAndWrongTopLevel() {
        assertTrue(only("").contains("empty"));
        assertTrue(only("  // only a comment\n").contains("empty"));
        assertStarts("routes.json line 1, column 1: the file must hold a JSON object", only("[1,2]"));
        assertTrue(only("{\"routes\":{}}").contains("routes: must be an array"));
        assertTrue(only("{\"version\":2,\"routes\":[]}").contains("version: unsupported version 2"));
    }

    @Test
    void unknownKeysSuggestTheNearestKnownOne() {
        String p = only("""
                {"routes": [
                  {"kafka": "a", "event": "e", "traget": ["global"], "targets": ["global"]}
                ]}
                """);
        assertStarts("routes.json line 2, column 32: routes[0].traget: unknown key 'traget' (did you mean 'targets'?)", p);
        assertTrue(only("{\"rutes\": []}").contains("rutes: unknown key 'rutes' (did you mean 'routes'?)"));
        assertTrue(only("{\"routes\":[{\"kafka\":\"a\",\"event\":\"e\",\"targets\":[{\"room\":\"x\",\"fallback\":\"global\"}]}]}")
                .contains("routes[0].targets[0].fallback: unknown key 'fallback'"));
    }

    @Test
    void duplicateKeysAreAnError() {
        String p = only("{\"routes\": [],\n \"routes\": []}");
        assertStarts("routes.json line 2, column 2: routes: duplicate key 'routes'", p);
    }

    @Test
    void everyProblemIsListedNotOnlyTheFirst() {
        String json = """
                {
                  "routes": [
                    {"kafka": "bad topic!", "event": "e", "targets": ["global"]},
                    {"redis": "x:*", "event": "has space", "targets": ["global"]},
                    {"http": "s", "event": "e", "targets": []},
                    {"event": "e", "targets": ["global"]},
                    {"kafka": "k", "targets": ["global"]},
                    {"kafka": "k", "event": "e", "targets": ["everyone"]},
                    {"kafka": "k", "event": "e", "targets": [{"room": "r", "user": "{u}"}]},
                    {"kafka": "k", "event": "e", "targets": [{"user": "alice-fixed"}], "payload": "field:a..b"},
                    {"kafka": "k", "event": "e", "targets": ["global"], "addTimestamp": "unix"}
                  ]
                }
                """;
        RouteTableException e = fail(json);
        List<String> ps = e.problems();
        assertEquals(9, ps.size(), e.getMessage());
        assertStarts("routes.json line 3, column 6: routes[0].kafka: 'bad topic!' is not a valid Kafka topic", ps.get(0));
        assertStarts("routes.json line 4, column 22: routes[1].event: event name must be", ps.get(1));
        assertStarts("routes.json line 5, column 33: routes[2].targets: \"targets\" must be a non-empty array", ps.get(2));
        assertStarts("routes.json line 6, column 5: routes[3]: a route needs a source", ps.get(3));
        assertStarts("routes.json line 7, column 5: routes[4]: \"event\" is required", ps.get(4));
        assertStarts("routes.json line 8, column 46: routes[5].targets[0]: unknown target 'everyone'", ps.get(5));
        assertStarts("routes.json line 9, column 46: routes[6].targets[0]: a target has exactly one of", ps.get(6));
        assertStarts("routes.json line 10, column 72: routes[7].payload: must be \"record\" or \"field:<path>\"", ps.get(7));
        assertStarts("routes.json line 11, column 57: routes[8].addTimestamp: must be true, false, \"iso\"", ps.get(8));
        assertTrue(e.getMessage().startsWith("Invalid route table routes.json (9 problems):\n  - routes.json line 3"),
                e.getMessage());
    }

    @Test
    void templateMistakes() {
        assertTrue(only(route("{\"room\": \"survey:{}\"}")).contains("empty placeholder '{}'"));
        assertTrue(only(route("{\"room\": \"survey:{a b}\"}")).contains("unknown template field syntax '{a b}'"));
        assertTrue(only(route("{\"room\": \"survey:a}\"}")).contains("unmatched '}'"));
        assertTrue(only(route("{\"room\": \"survey:{$bogus}\"}")).contains("unknown placeholder '{$bogus}'"));
        assertTrue(only(route("{\"room\": \"has space\"}")).contains("routes[0].targets[0].room: room name contains whitespace"));
        assertTrue(only(route("{\"user\": \"fixed-{}\"}")).contains("empty placeholder"));
        assertTrue(only(route("{\"userIds\": \"ids-{x}\"}")).contains("must be exactly one record field"));
        assertTrue(only(route("{\"global\": false}")).contains("routes[0].targets[0].global: must be true"));
        assertTrue(only(route("{\"room\": \"r:{a}\", \"optional\": \"yes\"}")).contains("targets[0].optional: must be true or false"));
        assertTrue(only(route("{\"room\": \"r:{a}\", \"orElse\": {\"room\": \"q:{b}\", \"optional\": true}}"))
                .contains("targets[0].orElse.optional: \"optional\" belongs on the top-level target"));
        assertTrue(only(route("{\"admin\": true, \"orElse\": \"global\"}")).contains("admin always resolves"));
    }

    @Test
    void captureReferencesNeedARedisPatternWithThatManyStars() {
        String p = only("{\"routes\":[{\"kafka\":\"k\",\"event\":\"{$1}\",\"targets\":[\"global\"]}]}");
        assertTrue(p.contains("routes[0].event: {$1} needs a Redis pattern source"), p);
        p = only("{\"routes\":[{\"redis\":\"a:*\",\"event\":\"{$2}\",\"targets\":[\"global\"]}]}");
        assertTrue(p.contains("refers to '*' number 2 but the route's Redis pattern has only 1"), p);
        p = only("{\"routes\":[{\"redis\":[\"a:*:*\",\"b:*\"],\"event\":\"e\",\"targets\":[{\"user\":\"{$2}\"}]}]}");
        assertTrue(p.contains("routes[0].targets[0].user: {$2} refers to '*' number 2"), p);
    }

    @Test
    void redisPatternsThatCouldSeeTheClusterBusAreRefused() {
        for (String bad : new String[] {"*", "r*", "rt:*", "*:created", "?t:room:*", "rt:room:game"}) {
            String p = only("{\"routes\":[{\"redis\":\"" + bad + "\",\"event\":\"e\",\"targets\":[\"global\"]}]}");
            assertTrue(p.contains("could match the cluster bus channels"), bad + " -> " + p);
        }
        assertTrue(only("{\"routes\":[{\"redis\":\"a:[x\",\"event\":\"e\",\"targets\":[\"global\"]}]}").contains("unclosed '['"));
        assertTrue(only("{\"routes\":[{\"redis\":\"a:*:*:*:*:*\",\"event\":\"e\",\"targets\":[\"global\"]}]}")
                .contains("at most 4 are allowed"));
    }

    @Test
    void sourcesAndIds() {
        assertTrue(only("{\"routes\":[{\"http\":\"a/b\",\"event\":\"e\",\"targets\":[\"global\"]}]}")
                .contains("routes[0].http: 'a/b' is not a valid HTTP source name"));
        assertTrue(only("{\"routes\":[{\"kafka\":[\"a\",\"a\"],\"event\":\"e\",\"targets\":[\"global\"]}]}")
                .contains("routes[0].kafka[1]: 'a' is listed twice"));
        assertTrue(only("{\"routes\":[{\"kafka\":[],\"event\":\"e\",\"targets\":[\"global\"]}]}")
                .contains("routes[0].kafka: must be a string or a non-empty array"));
        assertTrue(only("{\"routes\":[{\"id\":\"x\",\"kafka\":\"a\",\"event\":\"e\",\"targets\":[\"global\"]},"
                + "{\"id\":\"x\",\"kafka\":\"b\",\"event\":\"e\",\"targets\":[\"global\"]}]}")
                .contains("routes[1].id: duplicate id 'x'"));
        assertTrue(only("{\"routes\":[{\"kafka\":\"a\",\"event\":\"e\",\"targets\":[\"global\"],\"inbox\":true}]}")
                .contains("routes[0].inbox: the inbox holds per-user notifications"));
    }

    @Test
    void forwardMistakes() {
        assertTrue(only("{\"forward\":[{\"emit\":\"chat:message\"}]}").contains("forward[0]: \"topic\" is required"));
        assertTrue(only("{\"forward\":[{\"emit\":\"a\",\"lifecycle\":\"join\",\"topic\":\"t\"}]}").contains("exactly one of"));
        assertTrue(only("{\"forward\":[{\"lifecycle\":[\"join\",\"logout\"],\"topic\":\"t\"}]}")
                .contains("forward[0].lifecycle[1]: unknown lifecycle event 'logout'"));
        assertTrue(only("{\"forward\":[{\"lifecycle\":[\"connect\",\"join\"],\"topic\":\"t\",\"key\":\"room\"}]}")
                .contains("forward[0].key: key \"room\" needs every lifecycle event to have a room, but 'connect'"));
        assertTrue(only("{\"forward\":[{\"emit\":\"chat:message\",\"topic\":\"t\",\"key\":\"room\"}]}")
                .contains("emits have no room"));
        assertTrue(only("{\"forward\":[{\"emit\":\"*\",\"topic\":\"t\"}]}").contains("would forward every emit"));
        assertTrue(only("{\"forward\":[{\"emit\":\"a\",\"topic\":\"bad topic\"}]}").contains("forward[0].topic: 'bad topic'"));
        assertTrue(only("{\"forward\":[{\"lifecycle\":\"join\",\"topic\":\"t\",\"key\":\"{room}\"}]}")
                .contains("forward[0].key: must be \"user\", \"session\", \"room\" (join/leave), \"none\""));
    }

    @Test
    void loadFileNamesThePathAndUnreadableFilesFailClearly(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("my-routes.json");
        Files.writeString(f, "{\n\"routes\": [ {\"kafka\":\"a\", \"event\":\"e\", \"targets\":[\"nobody\"]} ]\n}");
        RouteTableException e = assertThrows(RouteTableException.class, () -> RouteTable.loadFile(f));
        assertStarts("Invalid route table: " + f + " line 2, column 51: routes[0].targets[0]: unknown target 'nobody'",
                e.getMessage());
        Path missing = dir.resolve("nope.json");
        e = assertThrows(RouteTableException.class, () -> RouteTable.fromConfig(missing.toString(), 1024));
        assertTrue(e.getMessage().contains("nope.json: cannot read the route file"), e.getMessage());
    }

    @Test
    void aValidFileLoads(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("ok.json");
        Files.writeString(f, "/* comments are allowed */ {\"routes\":[{\"kafka\":\"a\",\"event\":\"e\",\"targets\":[\"global\"]}],"
                + "\"policies\":{\"video:*\":{\"presenceEvents\":true}}}");
        RouteTable t = RouteTable.fromConfig(f.toString(), 4096);
        assertEquals(4096, t.maxRecordBytes());
        assertEquals(java.util.Set.of("a"), t.kafkaTopics());
        assertTrue(t.policies().get("video:*").get("presenceEvents").asBoolean());
        assertTrue(t.roomPolicies().presenceEvents("video:1"), "the file's video:* replaces the built-in default");
        assertEquals("default-routes.json", RouteTable.fromConfig(null, 1024).origin());
        assertEquals("default-routes.json", RouteTable.fromConfig(" ", 1024).origin());
    }

    @Test
    void roomPoliciesAreCheckedLikeRoutes() {
        String p = only("{\n  \"policies\": {\n    \"video:*\": {\"presenceEvent\": false}\n  }\n}\n");
        assertStarts("routes.json line 3, column 17: policies.video:*.presenceEvent: unknown key 'presenceEvent' "
                + "(did you mean 'presenceEvents'?)", p);
        assertTrue(only("{\"policies\": {\"lobby\": {\"presenceEvents\": \"no\"}}}")
                .contains("policies.lobby.presenceEvents: must be true or false"));
        assertTrue(only("{\"policies\": {\"a b*\": {}}}").contains("must be a room name, a prefix ending in '*'"));
        assertTrue(only("{\"policies\": {\"a*b*\": {}}}").contains("must be a room name, a prefix ending in '*'"));
        assertTrue(only("{\"policies\": {\"lobby\": true}}").contains("must be an object such as"));
        assertTrue(only("{\"policies\": [1]}").contains("policies: must be an object of room name or prefix"));

        RouteTable t = RouteTable.load("{\"policies\": {\"*\": {\"presenceEvents\": false}, \"lobby-*\": "
                + "{\"presenceEvents\": true}, \"lobby-quiet\": {\"presenceEvents\": false, \"description\": \"x\"}}}", "p.json");
        assertTrue(!t.roomPolicies().presenceEvents("other"), "'*' turns every room off");
        assertTrue(t.roomPolicies().presenceEvents("lobby-1"), "a longer prefix wins");
        assertTrue(!t.roomPolicies().presenceEvents("lobby-quiet"), "an exact name wins over any prefix");
        assertTrue(!t.roomPolicies().presenceEvents("video:9"), "the built-in video:* default stays");
        RouteTable none = RouteTable.load("{}", "none.json");
        assertTrue(none.roomPolicies().presenceEvents("lobby") && !none.roomPolicies().presenceEvents("video:1"));
        assertTrue(none.roomPolicies().clientPublish("lobby") && !none.roomPolicies().clientPublish("chat:1")
                && !none.roomPolicies().clientPublish("video:1"));
        RouteTable open = RouteTable.load("{\"policies\": {\"chat:open-*\": {\"clientPublish\": true}}}", "o.json");
        assertTrue(open.roomPolicies().clientPublish("chat:open-1") && !open.roomPolicies().clientPublish("chat:2"));
        assertTrue(!open.roomPolicies().presenceEvents("video:1"), "a setting a key leaves out comes from less specific keys");
        assertTrue(only("{\"policies\": {\"lobby\": {\"clientPublish\": 0}}}").contains("clientPublish: must be true or false"));
    }

    /** {@code writeDelayMs} (issue 12): whole milliseconds 0-50, most specific key wins, 0 by default. */
    @Test
    void writeDelayIsAWholeNumberOfMillisecondsUpToFifty() {
        for (String bad : new String[] {"51", "-1", "2.5", "\"10\"", "true"}) {
            assertTrue(only("{\"policies\": {\"counts:*\": {\"writeDelayMs\": " + bad + "}}}")
                    .contains("policies.counts:*.writeDelayMs: must be a whole number of milliseconds from 0 to 50"), bad);
        }
        RouteTable t = RouteTable.load("{\"policies\": {\"counts:*\": {\"writeDelayMs\": 20}, "
                + "\"counts:vip\": {\"writeDelayMs\": 0}}}", "d.json");
        assertEquals(20, t.roomPolicies().writeDelayMs("counts:1"));
        assertEquals(0, t.roomPolicies().writeDelayMs("counts:vip"), "an exact name wins");
        assertEquals(0, t.roomPolicies().writeDelayMs("lobby"), "no delay by default");
        assertTrue(t.roomPolicies().clientPublish("counts:1"), "other settings keep their defaults");
    }

    /** Every setting of a key at once: the write delay (issue 12) beside the delivery settings. */
    @Test
    void everyPolicySettingLoadsTogether() {
        RouteTable t = RouteTable.load("{\"policies\": {\"feed:*\": {\"presenceEvents\": false, \"clientPublish\": false, "
                + "\"delivery\": \"latest\", \"slowConsumer\": \"drop\", \"writeDelayMs\": 10, \"description\": \"x\"}}}",
                "all.json");
        PrefixPolicies r = t.roomPolicies();
        assertEquals(DeliveryMode.LATEST, r.delivery("feed:1"));
        assertEquals(SlowConsumerPolicy.DROP, r.slowConsumer("feed:1"));
        assertEquals(10, r.writeDelayMs("feed:1"));
        assertTrue(!r.presenceEvents("feed:1") && !r.clientPublish("feed:1"));
        assertTrue(only("{\"policies\": {\"feed:*\": {\"delivery\": \"volatile\", \"writeDelayMs\": 99}}}")
                .contains("policies.feed:*.writeDelayMs: must be a whole number of milliseconds from 0 to 50"));
    }

    /** {@code delivery} and {@code slowConsumer}: named choices with a "did you mean", resolved like the other settings. */
    @Test
    void deliveryPoliciesAreCheckedAndResolvedByName() {
        String p = only("{\n  \"policies\": {\n    \"score:*\": {\"delivery\": \"lastest\"}\n  }\n}\n");
        assertStarts("routes.json line 3, column 17: policies.score:*.delivery: must be \"stream\", \"latest\" or "
                + "\"volatile\" (did you mean \"latest\"?), not \"lastest\"", p);
        assertTrue(only("{\"policies\": {\"lobby\": {\"delivery\": 1}}}")
                .endsWith("policies.lobby.delivery: must be \"stream\", \"latest\" or \"volatile\", not 1"));
        assertTrue(only("{\"policies\": {\"lobby\": {\"slowConsumer\": \"Disconnect\"}}}")
                .endsWith("policies.lobby.slowConsumer: must be \"drop\" or \"disconnect\" (did you mean \"disconnect\"?), "
                        + "not \"Disconnect\""));
        assertTrue(only("{\"policies\": {\"lobby\": {\"slowConsumer\": \"kick\"}}}")
                .endsWith("must be \"drop\" or \"disconnect\", not \"kick\""));
        assertTrue(only("{\"policies\": {\"lobby\": {\"slowConsumers\": \"drop\"}}}")
                .contains("unknown key 'slowConsumers' (did you mean 'slowConsumer'?)"));
        assertTrue(only("{\"policies\": {\"tv:*\": {\"delivery\": \"volatile\", \"slowConsumer\": \"disconnect\"}}}")
                .contains("policies.tv:*.slowConsumer: a volatile room drops a slow consumer's deliveries and never "
                        + "disconnects it"));
        RouteTableException two = fail("{\"policies\": {\"a\": {\"delivery\": \"log\"}, \"b\": {\"slowConsumer\": true}}}");
        assertEquals(2, two.problems().size(), "every problem, not only the first: " + two.getMessage());

        RouteTable t = RouteTable.load("""
                {"policies": {
                  "*":            {"slowConsumer": "disconnect"},
                  "score:*":      {"delivery": "latest"},
                  "score:live-*": {"delivery": "volatile"},
                  "score:vip":    {"delivery": "stream", "slowConsumer": "drop"},
                  "tv:*":         {"delivery": "volatile", "slowConsumer": "drop"}
                }}""", "d.json");
        PrefixPolicies r = t.roomPolicies();
        assertEquals(DeliveryMode.LATEST, r.delivery("score:1"));
        assertEquals(DeliveryMode.VOLATILE, r.delivery("score:live-1"), "a longer prefix wins");
        assertEquals(DeliveryMode.STREAM, r.delivery("score:vip"), "an exact name wins");
        assertEquals(DeliveryMode.STREAM, r.delivery("lobby"), "stream by default");
        assertEquals(SlowConsumerPolicy.DISCONNECT, r.slowConsumer("score:1"), "from '*'");
        assertEquals(SlowConsumerPolicy.DROP, r.slowConsumer("score:live-1"), "a volatile room always drops, whatever '*' says");
        assertEquals(SlowConsumerPolicy.DROP, r.slowConsumer("score:vip"));
        assertEquals(SlowConsumerPolicy.DROP, r.slowConsumer("tv:1"));
        assertEquals(null, RouteTable.load("{}", "e.json").roomPolicies().slowConsumer("lobby"), "null: the node's policy");
        assertTrue(r.presenceEvents("score:1") && !r.presenceEvents("video:1"), "other settings keep their defaults");
    }

    private static String route(String target) {
        return "{\"routes\":[{\"kafka\":\"k\",\"event\":\"e\",\"targets\":[" + target + "]}]}";
    }
}
