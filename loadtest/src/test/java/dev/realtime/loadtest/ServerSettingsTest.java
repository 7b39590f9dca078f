package dev.realtime.loadtest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.realtime.config.GatewayConfig;
import dev.realtime.server.GatewayServer;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Against a node with the default rate limit (100/s), the documented fan-out loses deliveries: the
 * harness must say why and which server setting fixes it.
 */
class ServerSettingsTest {
    private static final String SECRET = "harness-test-secret-0123456789";

    @Test
    void aRateLimitedRunSaysWhichSettingToRaise() throws Exception {
        GatewayServer server = new GatewayServer(GatewayConfig.fromEnv(Map.of("PORT", "0", "HOST", "127.0.0.1", "SHUTDOWN_DELAY_MS", "0",
                "JWT_SECRET", SECRET, "IO_THREADS", "1", "ROOM_SHARDS", "1"))).start();
        try {
            Map<String, Object> r = LoadTest.run(Options.parse(new String[] {"fanout", "--url",
                "ws://127.0.0.1:" + server.port() + "/ws", "--secret", SECRET, "--connections", "20", "--rooms", "1",
                "--rate", "300", "--duration", "2", "--warmup", "0", "--threads", "1"}));
            @SuppressWarnings("unchecked")
            List<String> hints = (List<String>) r.get("hints");
            assertEquals(1, hints.size(), r.toString());
            assertTrue(hints.get(0).contains("RATE_LIMIT_MAX_MESSAGES=453"), hints.get(0));
            @SuppressWarnings("unchecked")
            Map<String, Object> needed = (Map<String, Object>) r.get("serverSettingsNeeded");
            assertTrue(needed.get("RATE_LIMIT_MAX_MESSAGES").toString().startsWith("453 "), needed.toString());
            assertTrue((long) r.get("lost") > 0, "the default limit did refuse the publisher: " + r);
        } finally {
            server.shutdown();
        }
    }

    @Test
    void aRunWithinTheLimitsGetsNoHint() {
        ServerSettings s = ServerSettings.forRun(Options.parse(new String[] {"fanout", "--secret", "s",
            "--connections", "100", "--rooms", "10", "--rate", "50"}));
        assertEquals(List.of(), s.hints(Map.of("closed_before_ready", 1L)));
        assertTrue(s.summary().contains("RATE_LIMIT_MAX_MESSAGES >= 100"), s.summary());
    }
}
