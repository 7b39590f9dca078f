package dev.realtime.store;

import java.time.Duration;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The key-value contract on a real Redis Cluster. */
class ClusterKeyValueStoreTest extends KeyValueStoreContract {
    @RegisterExtension
    static final RedisStoreExtension REDIS = RedisStoreExtension.cluster();

    @Override
    KeyValueStore node() {
        return new RedisKeyValueStore(REDIS.fixture().node(), REDIS.fixture().prefix);
    }

    @Override
    Duration shortTtl() {
        return Duration.ofMillis(200);
    }

    @Override
    void advance(Duration d) {
        // real time: the contract polls until Redis expires the keys
    }
}
