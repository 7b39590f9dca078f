package dev.realtime.cluster;

import dev.realtime.metrics.GatewayMetrics;
import dev.realtime.testing.RedisServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import redis.clients.jedis.HostAndPort;

/** The bus contract against a real Redis server. */
class RedisBusTest extends BusContract {
    private static RedisServer redis;
    private static int nodes;

    @BeforeAll
    static void startRedis() {
        redis = RedisServer.start();
    }

    @AfterAll
    static void stopRedis() {
        redis.close();
    }

    @Override
    Bus[] pair() {
        HostAndPort at = new HostAndPort("127.0.0.1", redis.port());
        return new Bus[] {new RedisBus(at, null, "n" + nodes++, new GatewayMetrics()),
            new RedisBus(at, null, "n" + nodes++, new GatewayMetrics())};
    }
}
