package dev.realtime.game;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.realtime.store.RedisStoreExtension;
import dev.realtime.testing.RedisCluster;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The matchmaking contract on a real Redis Cluster (3 primaries, 3 replicas); every node() is a separate cluster client. */
class ClusterMatchmakingQueueTest extends MatchmakingQueueContract {
    @RegisterExtension
    static final RedisStoreExtension REDIS = RedisStoreExtension.cluster();

    @Override
    MatchmakingQueue node() {
        return new RedisMatchmakingQueue(REDIS.fixture().node(), REDIS.fixture().prefix);
    }

    /** Each queue's four keys share one slot (its scripts run there), whatever the queue's name. */
    @Test
    void eachQueuesKeysShareASlot() {
        MatchmakingQueue q = node();
        for (String queue : new String[] {Q, "2v2", "odd}{name"}) {
            q.join(queue, "u1", "s1", 1);
            q.join(queue, "u2", "s2", 2);
            assertEquals(true, q.commit(queue, "match:" + queue, "u1", "u2"), queue);
            q.join(queue, "u3", "s3", 3);
            assertEquals(1, q.size(queue), queue);
        }
        Set<String> keys = REDIS.fixture().keys();
        assertEquals(3 * 4, keys.size(), keys.toString());
        for (String k : keys) {
            String queueKeys = k.substring(0, k.lastIndexOf(':'));
            for (String part : new String[] {"queue", "seq", "waiting", "playing"}) {
                assertEquals(RedisCluster.slot(k), RedisCluster.slot(queueKeys + ":" + part), k);
            }
        }
    }
}
