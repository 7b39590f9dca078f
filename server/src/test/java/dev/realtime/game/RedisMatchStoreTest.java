package dev.realtime.game;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.realtime.store.RedisStoreExtension;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The match store contract against a real redis-server; every node() is a separate pool. */
class RedisMatchStoreTest extends MatchStoreContract {
    @RegisterExtension
    static final RedisStoreExtension REDIS = new RedisStoreExtension();

    @Override
    MatchStore node() {
        return new RedisMatchStore(REDIS.fixture().node(), REDIS.fixture().prefix);
    }

    @Override
    Duration shortTtl() {
        return Duration.ofMillis(200);
    }

    @Override
    void advance(Duration d) {
        // real time: the contract polls until Redis expires the keys
    }

    @Test
    void layoutTagsEachStateWithItsMatch() {
        MatchStore s = node();
        s.create("match:abc", text("x"), LONG);
        s.schedule("match:abc", 5);
        String p = REDIS.fixture().prefix;
        assertEquals(Set.of(p + "{match:abc}:state", p + "game:due"), REDIS.fixture().keys());
    }
}
