package dev.realtime.store;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The presence contract on a real Redis Cluster (expiry on Redis's clock, 1.5 s timeout). */
class ClusterPresenceStoreTest extends PresenceStoreContract {
    @RegisterExtension
    static final RedisStoreExtension REDIS = RedisStoreExtension.cluster();

    @Override
    PresenceStore node() {
        return new RedisPresenceStore(REDIS.fixture().node(), REDIS.fixture().prefix, Duration.ofMillis(3000)); // real time: a busy machine must not expire a live node mid-test
    }

    @Override
    void advance(Duration d) {
        // real time: the contract polls until Redis expires the node
    }

    @Test
    void forgettingTheLastNodeLeavesNoKeysBehindOnAnyShard() {
        PresenceStore a = node();
        a.heartbeat("n1");
        for (int i = 0; i < 20; i++) {
            a.online("n1", "u" + i, "s" + i);
            a.joined("room-" + i, "u" + i, "n1");
        }
        assertEquals(20 * 3 + 3, REDIS.fixture().keys().size(),
                "users, rooms and their user counts, nodes, sessions and joined index");
        a.forgetNode("n1");
        assertEquals(Set.of(), REDIS.fixture().keys());
    }
}
