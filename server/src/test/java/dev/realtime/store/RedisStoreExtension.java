package dev.realtime.store;

import dev.realtime.testing.RedisServer;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * For the Redis store contract tests: one real redis-server per test class, and a fresh
 * {@link RedisStoreFixture} (own key prefix, own pools) per test, closed after it. Register it as a
 * static field with {@code @RegisterExtension} (feature stores in other packages use it too).
 */
public final class RedisStoreExtension implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AfterEachCallback {
    private RedisServer server;
    private RedisStoreFixture fixture;

    @Override
    public void beforeAll(ExtensionContext context) {
        server = RedisServer.start();
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        fixture = new RedisStoreFixture(server);
    }

    @Override
    public void afterEach(ExtensionContext context) {
        fixture.close();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        server.close();
    }

    /** The current test's fixture. */
    public RedisStoreFixture fixture() {
        return fixture;
    }
}
