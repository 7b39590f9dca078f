package dev.realtime.testing;

import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One real {@link RedisCluster} (3 primaries + 3 replicas) for the whole test run: started by the
 * first test class that registers this extension, shared by every later one, and stopped when the
 * run ends (JUnit closes it with the root context). Before each test the cluster is healed (killed
 * nodes restarted, every slot served, every primary with a synced replica), so a test that kills or
 * fails over nodes leaves nothing behind. Tests keep their keys apart with their own prefixes.
 *
 * <p>Register as a static field: {@code @RegisterExtension static final RedisClusterExtension CLUSTER = ...}.
 */
public final class RedisClusterExtension implements BeforeAllCallback, BeforeEachCallback {
    private static final Object KEY = RedisClusterExtension.class;
    private RedisCluster cluster;

    @Override
    public void beforeAll(ExtensionContext context) {
        Holder h = context.getRoot().getStore(ExtensionContext.Namespace.GLOBAL)
                .getOrComputeIfAbsent(KEY, k -> new Holder(RedisCluster.start()), Holder.class);
        cluster = h.cluster;
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        cluster.heal();
    }

    /** The shared cluster (valid from {@code @BeforeAll} on). */
    public RedisCluster cluster() {
        return cluster;
    }

    private record Holder(RedisCluster cluster) implements ExtensionContext.Store.CloseableResource {
        @Override
        public void close() {
            cluster.close();
        }
    }
}
