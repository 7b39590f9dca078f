package dev.realtime.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import redis.clients.jedis.UnifiedJedis;

/** The history contract against a real Redis server; every node() is a separate pool. */
class RedisHistoryStoreTest extends HistoryStoreContract {
    @RegisterExtension
    static final RedisStoreExtension REDIS = new RedisStoreExtension();

    @Override
    HistoryStore node(int capacity, Duration ttl) {
        return new RedisHistoryStore(REDIS.fixture().node(), REDIS.fixture().prefix, capacity, ttl);
    }

    @Override
    HistoryStore node(int capacity, Duration ttl, long roomMaxBytes) {
        return new RedisHistoryStore(REDIS.fixture().node(), REDIS.fixture().prefix, capacity, ttl, roomMaxBytes);
    }

    @Override
    int entryOverhead() {
        return 0;
    }

    @Override
    Duration shortTtl() {
        return Duration.ofMillis(1_000); // the recreated stream must outlive a read on a busy machine
    }

    @Override
    void advance(Duration d) {
        // real time: the contract polls until Redis expires the keys
    }

    @Test
    void layoutIsAMetaHashAndAnEventListWithTheTtl() {
        HistoryStore h = node(3, Duration.ofMinutes(10));
        for (int i = 0; i < 5; i++) {
            h.append("lobby", text("e" + i));
        }
        String meta = REDIS.fixture().prefix + "hist:{lobby}:meta";
        String log = REDIS.fixture().prefix + "hist:{lobby}:log";
        assertEquals(Set.of(meta, log), REDIS.fixture().keys());
        UnifiedJedis j = REDIS.fixture().node();
        assertEquals("5", j.hget(meta, "head"));
        assertEquals(3, j.llen(log));
        long ttl = j.pttl(log);
        assertTrue(ttl > 0 && ttl <= 600_000, "ttl " + ttl);
    }

    @Test
    void aLatestStreamIsAMetaHashAKeyIndexAndAValueHashUnderTheRoomsTag() {
        HistoryStore h = node(3, Duration.ofMinutes(10));
        for (int i = 0; i < 5; i++) {
            h.appendLatest("scores", "k" + (i % 2), text("v" + i));
        }
        String tagged = REDIS.fixture().prefix + "hist:{scores}:";
        assertEquals(Set.of(tagged + "meta", tagged + "lkeys", tagged + "lvals"), REDIS.fixture().keys());
        UnifiedJedis j = REDIS.fixture().node();
        assertEquals("latest", j.hget(tagged + "meta", "mode"));
        assertEquals("5", j.hget(tagged + "meta", "head"));
        assertEquals(2, j.zcard(tagged + "lkeys"));
        assertEquals("v4", j.hget(tagged + "lvals", "k0"));
        for (String k : new String[] {"meta", "lkeys", "lvals"}) {
            long ttl = j.pttl(tagged + k);
            assertTrue(ttl > 0 && ttl <= 600_000, k + " ttl " + ttl);
        }
        h.clear("scores");
        assertEquals(Set.of(), REDIS.fixture().keys());
    }
}
