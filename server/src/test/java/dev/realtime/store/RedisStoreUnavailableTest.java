package dev.realtime.store;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import redis.clients.jedis.HostAndPort;

/** With nothing listening, every Redis store call fails fast with {@link StoreUnavailableException}. */
class RedisStoreUnavailableTest {

    @Test
    void everyCallSurfacesStoreUnavailable() throws IOException {
        try (Stores stores = Stores.redis(new HostAndPort("127.0.0.1", closedPort()), null, "rt:", 2, Stores.Settings.defaults())) {
            assertEveryCallFails(stores);
        }
    }

    @Test
    void everyCallSurfacesStoreUnavailableInClusterMode() throws IOException {
        try (Stores stores = Stores.redisCluster(java.util.Set.of(new HostAndPort("127.0.0.1", closedPort()),
                new HostAndPort("127.0.0.1", closedPort())), null, "rt:", 2, Stores.Settings.defaults(), kind -> { })) {
            assertEveryCallFails(stores);
        }
    }

    private static int closedPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static void assertEveryCallFails(Stores stores) {
        byte[] x = {1};
        {
            PresenceStore presence = stores.presence();
            HistoryStore history = stores.history();
            InboxStore inbox = stores.inbox();
            KeyValueStore kv = stores.keyValue();
            List<Executable> calls = List.of(
                    () -> presence.heartbeat("n1"), () -> presence.online("n1", "u", "s"),
                    () -> presence.isOnline("u"), () -> presence.members("r"), () -> presence.sweep(),
                    () -> presence.nodes(), () -> presence.forgetNode("n1"),
                    () -> history.append("r", x), () -> history.since("r", "e", 1, 10),
                    () -> history.latest("r", 10), () -> history.head("r"), () -> history.clear("r"),
                    () -> inbox.add("u", x), () -> inbox.unread("u", 10), () -> inbox.markRead("u", "1"),
                    () -> inbox.unackedOlderThan(Duration.ZERO, 10), () -> inbox.markForwarded("u", "1"),
                    () -> kv.get("k"), () -> kv.set("k", x, null), () -> kv.setIfAbsent("k", x, null),
                    () -> kv.compareAndSet("k", null, x, null), () -> kv.delete("k"),
                    () -> kv.enqueue("q", "m"), () -> kv.popPair("q"), () -> kv.size("q"));
            long start = System.nanoTime();
            for (Executable call : calls) {
                assertThrows(StoreUnavailableException.class, call);
            }
            assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(30), "failures are bounded in time");
        }
    }
}
