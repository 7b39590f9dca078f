package dev.realtime.cluster;

import dev.realtime.config.GatewayConfig;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;
import redis.clients.jedis.Jedis;

/**
 * Start-up check for a node given one Redis address and no {@code REDIS_MODE}: it asks that server
 * whether it is a Redis Cluster node ({@code INFO cluster}), so a node pointed at any node of a
 * cluster runs in cluster mode instead of failing on {@code MOVED} replies. An explicit
 * {@code REDIS_MODE} is never second-guessed, and an unreachable Redis keeps standalone mode (the
 * node starts degraded as usual; set {@code REDIS_MODE=cluster} when the cluster may be down at
 * start-up). Called once by {@code Main} before the node starts; no state.
 */
public final class RedisModeProbe {
    private static final int TIMEOUT_MS = 2_000;

    private RedisModeProbe() {
    }

    /**
     * The environment to build the node's configuration from: {@code env} itself, or a copy with
     * {@code REDIS_MODE=cluster} when the single configured address answers as a cluster node.
     */
    public static Map<String, String> resolve(Map<String, String> env, GatewayConfig config, Consumer<String> log) {
        String explicit = env.get("REDIS_MODE");
        if ((explicit != null && !explicit.isBlank()) || !config.clustered()
                || config.redisMode() == GatewayConfig.RedisMode.CLUSTER) {
            return env;
        }
        Boolean cluster = clusterEnabled(config.redisHost(), config.redisPort(), config.redisPassword());
        if (cluster == null) {
            log.accept("REDIS_MODE is not set and Redis at " + config.redisHost() + ":" + config.redisPort()
                    + " did not answer within " + TIMEOUT_MS + " ms: starting in standalone mode "
                    + "(set REDIS_MODE=cluster if it is a Redis Cluster)");
            return env;
        }
        if (!cluster) {
            return env;
        }
        log.accept("Redis at " + config.redisHost() + ":" + config.redisPort()
                + " is a Redis Cluster node: running with REDIS_MODE=cluster (set REDIS_MODE to choose explicitly)");
        Map<String, String> copy = new HashMap<>(env);
        copy.put("REDIS_MODE", "cluster");
        return copy;
    }

    /** {@code true}/{@code false} from {@code INFO cluster}, or {@code null} when the server did not answer. */
    static Boolean clusterEnabled(String host, int port, String password) {
        try (Jedis jedis = new Jedis(host, port, TIMEOUT_MS)) {
            if (password != null) {
                jedis.auth(password);
            }
            return jedis.info("cluster").contains("cluster_enabled:1");
        } catch (RuntimeException e) {
            return null;
        }
    }
}
