package dev.realtime.store;

import dev.realtime.testing.RedisClusterExtension;
import dev.realtime.testing.RedisServer;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * For the Redis store contract tests: one real redis-server per test class ({@code new
 * RedisStoreExtension()}), or the run's shared Redis Cluster ({@link #cluster()}), and a fresh
 * {@link RedisStoreFixture} (own key prefix, own clients) per test, closed after it. Register it as
 * a static field with {@code @RegisterExtension} (feature stores in other packages use it too).
 */
public final class RedisStoreExtension implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AfterEachCallback {
    private final RedisClusterExtension cluster;
    private RedisServer server;
    private RedisStoreFixture fixture;

    public RedisStoreExtension() {
        this(null);
    }

    private RedisStoreExtension(RedisClusterExtension cluster) {
        this.cluster = cluster;
    }

    /** Over the shared 3-primary, 3-replica Redis Cluster. */
    public static RedisStoreExtension cluster() {
        return new RedisStoreExtension(new RedisClusterExtension());
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        if (cluster != null) {
            cluster.beforeAll(context);
        } else {
            server = RedisServer.start();
        }
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        if (cluster != null) {
            cluster.beforeEach(context);
            fixture = new RedisStoreFixture(cluster.cluster());
        } else {
            fixture = new RedisStoreFixture(server);
        }
    }

    @Override
    public void afterEach(ExtensionContext context) {
        fixture.close();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (server != null) {
            server.close();
        }
    }

    /** The current test's fixture. */
    public RedisStoreFixture fixture() {
        return fixture;
    }
}
