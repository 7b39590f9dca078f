package dev.realtime.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.realtime.config.GatewayConfig;
import dev.realtime.config.GatewayConfig.RedisMode;
import dev.realtime.testing.RedisClusterExtension;
import dev.realtime.testing.RedisServer;
import java.net.ServerSocket;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * REDIS_MODE left unset: several seed addresses mean cluster mode, and a single address is asked at
 * start-up whether it is a Redis Cluster node, so `REDIS_URL=redis://any-cluster-node:port` alone runs
 * the node in cluster mode. An explicit REDIS_MODE wins; an unreachable Redis keeps standalone mode.
 */
class RedisModeDetectionTest {
    @RegisterExtension
    static final RedisClusterExtension CLUSTER = new RedisClusterExtension();

    private static Map<String, String> env(String... pairs) {
        var m = new java.util.HashMap<String, String>(Map.of("JWT_SECRET", "detection-secret-0123456789abcdef"));
        for (int i = 0; i < pairs.length; i += 2) {
            m.put(pairs[i], pairs[i + 1]);
        }
        return m;
    }

    @Test
    void aSingleClusterNodeAddressRunsInClusterMode() {
        int port = CLUSTER.cluster().primaries().get(1).port();
        GatewayConfig config = Main.configFrom(env("REDIS_URL", "redis://127.0.0.1:" + port));
        assertEquals(RedisMode.CLUSTER, config.redisMode());
        assertEquals(java.util.List.of("127.0.0.1:" + port), config.redisNodes());
    }

    @Test
    void anExplicitModeIsNeverSecondGuessed() {
        int port = CLUSTER.cluster().primaries().get(0).port();
        GatewayConfig config = Main.configFrom(env("REDIS_URL", "redis://127.0.0.1:" + port, "REDIS_MODE", "standalone"));
        assertEquals(RedisMode.STANDALONE, config.redisMode());
    }

    @Test
    void severalSeedsMeanClusterModeWithoutAsking() {
        GatewayConfig config = GatewayConfig.fromEnv(env("REDIS_URL", "redis://127.0.0.1:1,127.0.0.1:2"));
        assertEquals(RedisMode.CLUSTER, config.redisMode());
    }

    @Test
    void aPlainRedisServerStaysStandalone() throws Exception {
        try (RedisServer redis = RedisServer.start()) {
            assertEquals(RedisMode.STANDALONE, Main.configFrom(env("REDIS_URL", redis.url())).redisMode());
        }
    }

    @Test
    void anUnreachableRedisKeepsStandaloneMode() throws Exception {
        int free;
        try (ServerSocket s = new ServerSocket(0)) {
            free = s.getLocalPort();
        }
        assertEquals(RedisMode.STANDALONE, Main.configFrom(env("REDIS_URL", "redis://127.0.0.1:" + free)).redisMode());
    }
}
