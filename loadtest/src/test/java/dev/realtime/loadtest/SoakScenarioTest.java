package dev.realtime.loadtest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.realtime.config.GatewayConfig;
import dev.realtime.server.GatewayServer;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A short soak against a real in-process server: churn with recoveries, slow clients, notifications
 * with acks; the accounting must add up (nothing lost, every recovery gap-free, samples taken). The
 * memory verdict needs a separate server process and minutes (docs/benchmarks.md), not a unit test.
 */
class SoakScenarioTest {
    private static final String SECRET = "soak-test-secret-0123456789";

    @Test
    @SuppressWarnings("unchecked")
    void aShortSoakAccountsForEverything() throws Exception {
        GatewayServer server = new GatewayServer(GatewayConfig.fromEnv(Map.of("PORT", "0", "HOST", "127.0.0.1", "SHUTDOWN_DELAY_MS", "0",
                "JWT_SECRET", SECRET, "INTERNAL_API_KEY", "soak-key", "IO_THREADS", "2", "ROOM_SHARDS", "2",
                "RATE_LIMIT_MAX_MESSAGES", "100000", "RATE_LIMIT_MAX_CONNECTIONS", "0"))).start();
        try {
            Map<String, Object> r = LoadTest.run(Options.parse(new String[] {"soak", "--url",
                "ws://127.0.0.1:" + server.port() + "/ws", "--secret", SECRET, "--api-key", "soak-key",
                "--connections", "20", "--rooms", "4", "--publishers", "2", "--rate", "100", "--payload-bytes", "200",
                "--churn", "8", "--slow", "2", "--notify-rate", "10", "--duration", "12", "--sample-seconds", "3",
                "--flat-window", "6", "--threads", "1"}));
            assertEquals(0L, r.get("lost"), r.toString());
            assertEquals(0L, r.get("duplicates"), r.toString());
            assertTrue((long) r.get("sent") > 500, r.toString());
            assertTrue((long) r.get("notificationsPosted") > 50, r.toString());
            assertEquals(0L, r.get("notificationsLost"), r.toString());
            assertTrue((long) r.get("notificationAcks") > 0, r.toString());
            assertTrue((long) r.get("churnCycles") > 8, r.toString());
            Map<String, Object> rec = (Map<String, Object>) r.get("recoveries");
            assertTrue((long) rec.get("recovered") > 0, r.toString());
            assertEquals(0L, rec.get("withGaps"), r.toString());
            assertTrue(((List<?>) r.get("samples")).size() >= 4, r.toString());
            assertTrue(((Map<String, Object>) r.get("memory")).containsKey("node0"), r.toString());
            assertEquals(null, r.get("leakReports"), "no --server-log: not checked");
            assertEquals("FAIL", r.get("verdict"), "an unchecked leak count is not a pass");
        } finally {
            server.shutdown();
        }
    }
}
