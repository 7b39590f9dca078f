package dev.realtime.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The memory budgets' settings (issue 11): defaults derived from the heap, overrides, refusals. */
class MemoryBudgetConfigTest {
    private static final String SECRET = "0123456789abcdef0123";

    @Test
    void historyBudgetsDefaultToAShareOfTheHeap() {
        GatewayConfig c = GatewayConfig.fromEnv(Map.of("JWT_SECRET", SECRET));
        long heap = Runtime.getRuntime().maxMemory();
        assertEquals(heap / 4, c.historyMaxBytes(), "a quarter of the max heap for all history");
        assertEquals(Math.min(heap / 4 / 16, 16L << 20), c.roomHistoryMaxBytes());
        assertEquals(1 << 20, c.historyReadMaxBytes());
    }

    @Test
    void historyBudgetsCanBeSetAndAreChecked() {
        GatewayConfig c = GatewayConfig.fromEnv(Map.of("JWT_SECRET", SECRET, "HISTORY_MAX_BYTES", "8388608",
                "ROOM_HISTORY_MAX_BYTES", "65536", "HISTORY_READ_MAX_BYTES", "4096"));
        assertEquals(8 << 20, c.historyMaxBytes());
        assertEquals(65536, c.roomHistoryMaxBytes());
        assertEquals(4096, c.historyReadMaxBytes());
        assertEquals(512 * 1024, GatewayConfig.fromEnv(Map.of("JWT_SECRET", SECRET, "HISTORY_MAX_BYTES", "8388608"))
                .roomHistoryMaxBytes(), "the room default follows the node budget (a sixteenth)");

        List<String> p = assertThrows(ConfigException.class, () -> GatewayConfig.fromEnv(Map.of("JWT_SECRET", SECRET,
                "HISTORY_MAX_BYTES", "1000000", "ROOM_HISTORY_MAX_BYTES", "2000000", "HISTORY_READ_MAX_BYTES", "10")))
                .problems();
        assertTrue(p.contains("ROOM_HISTORY_MAX_BYTES (2000000) must not exceed HISTORY_MAX_BYTES (1000000)"), p.toString());
        assertTrue(p.stream().anyMatch(s -> s.startsWith("HISTORY_READ_MAX_BYTES='10' must be between")), p.toString());
    }

    @Test
    void notificationBoundsHaveDefaultsAndOverrides() {
        GatewayConfig d = GatewayConfig.fromEnv(Map.of("JWT_SECRET", SECRET));
        assertEquals(Math.min(Runtime.getRuntime().maxMemory() / 16, 256L << 20), d.notifyQueueMaxBytes());
        assertEquals(1 << 20, d.notifyReplayMaxBytes());
        assertEquals(10_000, d.notifyDrainTimeoutMs());
        assertEquals(16 << 20, d.notifyMaxFanoutBytes());
        GatewayConfig c = GatewayConfig.fromEnv(Map.of("JWT_SECRET", SECRET, "NOTIFY_QUEUE_MAX_BYTES", "65536",
                "NOTIFY_REPLAY_MAX_BYTES", "2048"));
        assertEquals(65536, c.notifyQueueMaxBytes());
        assertEquals(2048, c.notifyReplayMaxBytes());
        List<String> p = assertThrows(ConfigException.class, () -> GatewayConfig.fromEnv(Map.of("JWT_SECRET", SECRET,
                "NOTIFY_QUEUE_MAX_BYTES", "10"))).problems();
        assertTrue(p.stream().anyMatch(s -> s.startsWith("NOTIFY_QUEUE_MAX_BYTES='10' must be between")), p.toString());
    }

    @Test
    void queueBudgetsDefaultToAShareOfTheHeap() {
        GatewayConfig d = GatewayConfig.fromEnv(Map.of("JWT_SECRET", SECRET));
        long expected = Math.min(Runtime.getRuntime().maxMemory() / 16, 64L << 20);
        assertEquals(expected, d.outboxMaxBytes());
        assertEquals(expected, d.shardQueueMaxBytes());
        assertEquals(expected, d.historyLaneMaxBytes());
        assertEquals(5, d.kafkaDlqMaxAttempts());
        GatewayConfig c = GatewayConfig.fromEnv(Map.of("JWT_SECRET", SECRET, "OUTBOX_MAX_BYTES", "100000",
                "SHARD_QUEUE_MAX_BYTES", "200000", "HISTORY_LANE_MAX_BYTES", "300000"));
        assertEquals(100_000, c.outboxMaxBytes());
        assertEquals(200_000, c.shardQueueMaxBytes());
        assertEquals(300_000, c.historyLaneMaxBytes());
    }
}
