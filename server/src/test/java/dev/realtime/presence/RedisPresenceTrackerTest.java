package dev.realtime.presence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.realtime.store.PresenceStore;
import dev.realtime.store.RedisPresenceStore;
import dev.realtime.store.Stores;
import dev.realtime.testing.RedisServer;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisPooled;

/**
 * The tracker contract against a real Redis server: each node (and the test) has its own pool and
 * store handle; all share one key prefix per test. Expiry runs on Redis's clock.
 */
class RedisPresenceTrackerTest extends PresenceTrackerContract {
    private static RedisServer redis;
    private final String prefix = "t" + UUID.randomUUID().toString().substring(0, 8) + ":";
    private final List<JedisPooled> pools = new ArrayList<>();

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
        closeTrackers(); // before the pools they use
        pools.forEach(JedisPooled::close);
    }

    @Override
    synchronized PresenceStore store() {
        JedisPooled pool = Stores.pool(new HostAndPort("127.0.0.1", redis.port()), null, 4);
        pools.add(pool);
        return new RedisPresenceStore(pool, prefix, TIMEOUT);
    }

    /** Redis killed and restarted empty on the same port: the tracker re-announces its current state. */
    @Test
    void redisDownThenBackRestoresTheCurrentLocalState() throws IOException {
        PresenceTracker t = tracker(store(), "node-a");
        t.start();
        t.connected("u1", "s1");
        t.connected("u2", "s2");
        t.joined("lobby", "u1");
        t.joined("lobby", "u2");
        PresenceStore view = store();
        until("announced", () -> view.onlineUsers().equals(Set.of("u1", "u2")) && t.healthy());

        redis.stopProcess();
        try {
            until("outage noticed", () -> !t.healthy());
            t.left("lobby", "u2"); // all three changes happen while Redis is down
            t.disconnected("u2", "s2");
            t.connected("u3", "s3");
            t.joined("lobby", "u3");
            fence(t);
            assertFalse(t.healthy());
        } finally {
            redis.startProcess();
        }
        until("repaired", () -> t.healthy() && view.onlineUsers().equals(Set.of("u1", "u3"))
                && view.members("lobby").equals(Set.of("u1", "u3")) && view.nodes().equals(Map.of("node-a", 2)));
        assertTrue(errors.get() >= 1, "failures were counted");
        assertEquals(Set.of("u1", "u3"), get(t.onlineUsers()));
    }
}
