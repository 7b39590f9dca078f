package dev.realtime.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The presence contract against a real Redis server; expiry runs on Redis's clock (1.5 s timeout). */
class RedisPresenceStoreTest extends PresenceStoreContract {
    @RegisterExtension
    static final RedisStoreExtension REDIS = new RedisStoreExtension();

    @Override
    PresenceStore node() {
        return new RedisPresenceStore(REDIS.fixture().node(), REDIS.fixture().prefix, Duration.ofMillis(1500));
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
        Set<String> keys = REDIS.fixture().keys();
        assertTrue(keys.contains(REDIS.fixture().prefix + "presence:nodes"), keys.toString());
        assertTrue(keys.contains(REDIS.fixture().prefix + "presence:room:{lobby}"), keys.toString());
        assertTrue(keys.contains(REDIS.fixture().prefix + "presence:user:{u1}"), keys.toString());
        assertTrue(keys.stream().anyMatch(k -> k.matches(java.util.regex.Pattern.quote(REDIS.fixture().prefix)
                + "presence:\\{n1@[0-9a-f]{8}\\}:sessions")), keys.toString());
        a.forgetNode("n1");
        assertEquals(Set.of(), REDIS.fixture().keys());
    }
}
