package dev.realtime.game;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.realtime.store.RedisStoreExtension;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The matchmaking contract against a real redis-server; every node() is a separate pool. */
class RedisMatchmakingQueueTest extends MatchmakingQueueContract {
    @RegisterExtension
    static final RedisStoreExtension REDIS = new RedisStoreExtension();

    @Override
    MatchmakingQueue node() {
        return new RedisMatchmakingQueue(REDIS.fixture().node(), REDIS.fixture().prefix);
    }

    /** Every key of a queue shares one hash tag, so each script stays in one Redis Cluster slot. */
    @Test
    void layoutSharesOneHashTag() {
        MatchmakingQueue q = node();
        q.join(Q, "u1", "s1", 1);
        q.join(Q, "u2", "s2", 2);
        q.join(Q, "u3", "s3", 3);
        q.commit(Q, "match:1", "u1", "u2");
        String p = REDIS.fixture().prefix + "{mm:" + Q + "}:";
        assertEquals(Set.of(p + "queue", p + "seq", p + "waiting", p + "playing"), REDIS.fixture().keys());
    }
}
