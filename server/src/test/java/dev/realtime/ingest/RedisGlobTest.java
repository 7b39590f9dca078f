package dev.realtime.ingest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Redis PSUBSCRIBE glob semantics, captures, and most-specific-pattern routing. */
class RedisGlobTest {

    @Test
    void redisGlobSyntax() {
        RedisGlob star = RedisGlob.compile("booking:*");
        assertTrue(star.matches("booking:created"));
        assertTrue(star.matches("booking:"));
        assertTrue(star.matches("booking:a:b:c"), "* crosses ':' as in Redis");
        assertFalse(star.matches("Booking:created"), "case-sensitive");
        assertFalse(star.matches("booking"));
        assertFalse(star.matches("xbooking:created"));

        RedisGlob q = RedisGlob.compile("h?llo");
        assertTrue(q.matches("hello"));
        assertTrue(q.matches("hallo"));
        assertFalse(q.matches("hllo"));

        RedisGlob cls = RedisGlob.compile("h[ae]llo");
        assertTrue(cls.matches("hello"));
        assertTrue(cls.matches("hallo"));
        assertFalse(cls.matches("hillo"));
        RedisGlob neg = RedisGlob.compile("h[^e]llo");
        assertTrue(neg.matches("hallo"));
        assertFalse(neg.matches("hello"));
        RedisGlob range = RedisGlob.compile("room:[a-c]");
        assertTrue(range.matches("room:b"));
        assertFalse(range.matches("room:d"));

        RedisGlob esc = RedisGlob.compile("lit\\*:*");
        assertTrue(esc.matches("lit*:x"));
        assertFalse(esc.matches("litx:x"));
        assertEquals("lit*:", esc.literalPrefix());

        assertNull(star.match(null));
        assertNull(star.match("booking:" + "x".repeat(RedisGlob.MAX_CHANNEL_CHARS)));
        assertThrows(IllegalArgumentException.class, () -> RedisGlob.compile("a[b"));
        assertThrows(IllegalArgumentException.class, () -> RedisGlob.compile("a\\"));
        assertThrows(IllegalArgumentException.class, () -> RedisGlob.compile("a[]"));
    }

    @Test
    void capturesTakeTheShortestRunExceptTheLast() {
        assertArrayEquals(new String[] {"created"}, RedisGlob.compile("booking:*").match("booking:created"));
        assertArrayEquals(new String[] {"42", "notification:new"},
                RedisGlob.compile("user:*:*").match("user:42:notification:new"));
        assertArrayEquals(new String[] {"a", "b"}, RedisGlob.compile("*:x:*").match("a:x:b"));
        assertArrayEquals(new String[] {"a"}, RedisGlob.compile("*:end").match("a:end"));
        assertArrayEquals(new String[] {""}, RedisGlob.compile("a**b").match("ab"), "consecutive stars are one");
        assertNull(RedisGlob.compile("user:*:*").match("user:online"));
    }

    /** Without the failure memo this is ~n^4 steps and would hang; the timeout only guards against that. */
    @Test
    void pathologicalPatternsTerminate() {
        RedisGlob g = RedisGlob.compile("a*a*a*a*b");
        String s = "a".repeat(2000);
        assertTimeoutPreemptively(Duration.ofSeconds(30), () -> assertFalse(g.matches(s)));
        assertTrue(g.matches(s + "b"));
    }

    @Test
    void specificity() {
        assertTrue(RedisGlob.compile("user:*:*").specificity() > RedisGlob.compile("user:*").specificity());
        assertTrue(RedisGlob.compile("booking:created").specificity() > RedisGlob.compile("booking:*").specificity());
        assertEquals(2, RedisGlob.compile("user:*:*").stars());
    }

    @Test
    void theMostSpecificPatternOwnsAChannel() {
        RouteTable t = RouteTable.load("""
                {"routes": [
                  {"id": "any", "redis": "booking:*", "event": "{$source}", "targets": [{"user": "{userId}"}]},
                  {"id": "created", "redis": "booking:created", "event": "booking:new", "targets": ["admin"]},
                  {"id": "per-user", "redis": "user:*:*", "event": "{$2}", "targets": [{"user": "{$1}"}]},
                  {"id": "user", "redis": "user:*", "event": "{$source}", "targets": [{"user": "{userId}"}]}
                ]}""", "t.json");
        assertEquals(List.of("booking:*", "booking:created", "user:*:*", "user:*"), t.redisPatterns());
        var rec = RouteTableRoutingTest.json("{\"userId\":\"u1\"}");

        RouteResult created = t.route(SourceKind.REDIS, "booking:created", rec);
        assertEquals(List.of("booking:new -> admin"), RouteTableRoutingTest.summary(created));
        RouteResult confirmed = t.route(SourceKind.REDIS, "booking:confirmed", rec);
        assertEquals(List.of("booking:confirmed -> user:u1"), RouteTableRoutingTest.summary(confirmed));

        // Redis delivers booking:created once per matching pattern; only the owner routes it.
        assertTrue(t.ownsRedisMessage("booking:created", "booking:created"));
        assertFalse(t.ownsRedisMessage("booking:*", "booking:created"));
        assertFalse(t.routeRedis("booking:*", "booking:created", rec).matched());
        assertEquals(1, t.routeRedis("booking:created", "booking:created", rec).deliveries().size());
        assertTrue(t.ownsRedisMessage("booking:*", "booking:confirmed"));

        RouteResult perUser = t.routeRedis("user:*:*", "user:bob:notification:new", rec);
        assertEquals(List.of("notification:new -> user:bob"), RouteTableRoutingTest.summary(perUser));
        assertFalse(t.ownsRedisMessage("user:*", "user:bob:notification:new"));
        RouteResult online = t.routeRedis("user:*", "user:online", rec);
        assertEquals(List.of("user:online -> user:u1"), RouteTableRoutingTest.summary(online));

        assertFalse(t.route(SourceKind.REDIS, "payment:done", rec).matched());
        assertFalse(t.ownsRedisMessage("booking:*", "payment:done"));
    }

    @Test
    void emptyCaptureSkips() {
        RouteTable t = RouteTable.load("{\"routes\":[{\"redis\":\"user:*:*\",\"event\":\"{$2}\",\"targets\":[{\"user\":\"{$1}\"}]}]}",
                "t.json");
        RouteResult r = t.route(SourceKind.REDIS, "user::x", RouteTableRoutingTest.json("{}"));
        assertEquals(0, r.deliveries().size());
        assertEquals(1, r.skipped());
        assertTrue(r.reasons().get(0).contains("pattern capture {$1} is empty"), r.reasons().toString());
    }
}
