package dev.realtime.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.realtime.testing.RedisServer;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The presence contract against a real Redis server; expiry runs on Redis's clock (1.5 s timeout). */
class RedisPresenceStoreTest extends PresenceStoreContract {
    private static RedisServer redis;
    private final RedisStoreFixture fixture = new RedisStoreFixture(redis);

    @BeforeAll
    static void startRedis() {
        redis = RedisServer.start();
    }

    @AfterAll
    static void stopRedis() {
        redis.close();
    }

    @AfterEach
    void closePools() {
        fixture.close();
    }

    @Override
    PresenceStore node() {
        return new RedisPresenceStore(fixture.node(), fixture.prefix, Duration.ofMillis(1500));
    }

    @Override
    void advance(Duration d) {
        // real time: the contract polls until Redis expires the alive key
    }

    @Test
    void forgettingTheLastNodeLeavesNoKeysBehind() {
        PresenceStore a = node();
        a.heartbeat("n1");
        a.online("n1", "u1", "s1");
        a.joined("lobby", "u1", "n1");
        Set<String> keys = fixture.keys();
        assertTrue(keys.contains(fixture.prefix + "presence:alive:n1"), keys.toString());
        assertTrue(keys.contains(fixture.prefix + "presence:room:lobby"), keys.toString());
        a.forgetNode("n1");
        assertEquals(Set.of(), fixture.keys());
    }
}
