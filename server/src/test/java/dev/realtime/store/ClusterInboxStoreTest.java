package dev.realtime.store;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.realtime.testing.RedisCluster;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The inbox contract on a real Redis Cluster. */
class ClusterInboxStoreTest extends InboxStoreContract {
    @RegisterExtension
    static final RedisStoreExtension REDIS = RedisStoreExtension.cluster();

    @Override
    InboxStore node(int capacity, Duration ttl, LongSupplier clockMillis) {
        return new RedisInboxStore(REDIS.fixture().node(), REDIS.fixture().prefix, capacity, ttl, clockMillis);
    }

    @Test
    void aUsersKeysShareASlotEvenWithBracesInTheId() {
        InboxStore inbox = node(10, Duration.ofMinutes(10), clock);
        for (String user : new String[] {"u1", "a}b{c", "{x}", "%7D"}) {
            inbox.add(user, "x".getBytes(StandardCharsets.UTF_8));
            String tagged = REDIS.fixture().prefix + "inbox:" + RedisKeys.tag(user);
            assertEquals(RedisCluster.slot(tagged + ":items"), RedisCluster.slot(tagged + ":order"), user);
            assertEquals(1, inbox.unread(user, 10).size(), user);
        }
        assertEquals(2 + 4 * 2, REDIS.fixture().keys().size());
    }
}
