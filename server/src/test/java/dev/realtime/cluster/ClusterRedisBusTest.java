package dev.realtime.cluster;

import dev.realtime.metrics.GatewayMetrics;
import dev.realtime.testing.RedisClusterExtension;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The bus contract over a real Redis Cluster (sharded pub/sub), each bus given one seed only. */
class ClusterRedisBusTest extends BusContract {
    @RegisterExtension
    static final RedisClusterExtension CLUSTER = new RedisClusterExtension();

    @Override
    Bus[] pair() {
        String prefix = "t" + UUID.randomUUID().toString().substring(0, 6) + ":";
        var nodes = CLUSTER.cluster().nodes();
        return new Bus[] {
            RedisBus.cluster(List.of(nodes.get(0).address()), null, prefix, "a", new GatewayMetrics(), RedisBus.DEFAULT_BUFFER_BYTES),
            RedisBus.cluster(List.of(nodes.get(4).address()), null, prefix, "b", new GatewayMetrics(), RedisBus.DEFAULT_BUFFER_BYTES)};
    }
}
