package dev.realtime.ws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.realtime.testing.RawWs;
import dev.realtime.testing.TestNode;
import java.io.IOException;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * WebSocket control frames are client messages like any other: a ping flood is rate limited (before
 * and after auth), and pongs to a client that does not read obey the slow-consumer rule instead of
 * piling up in the server's memory.
 */
class ControlFrameFloodE2ETest {
    private static final byte[] PING_PAYLOAD = new byte[125]; // the largest control frame

    @Test
    void pingFloodBeforeAuthClosesWith4429() throws IOException {
        try (TestNode node = TestNode.start(Map.of("AUTH_TIMEOUT_MS", "20000"));
             RawWs raw = RawWs.connect(node.port(), "/ws", 0)) {
            for (int i = 0; i < 1000; i++) {
                raw.sendFrame(0x9, PING_PAYLOAD, true);
            }
            assertEquals(4429, raw.readUntilClose().closeCode());
            assertTrue(node.metric("realtime_abuse_disconnects_total") >= 1);
        }
    }

    @Test
    void pingFloodAfterAuthClosesWith4429() throws IOException {
        try (TestNode node = TestNode.start();
             RawWs raw = RawWs.connect(node.port(), "/ws?token=" + TestNode.token("pinger"), 0)) {
            for (int i = 0; i < 1000; i++) {
                raw.sendFrame(0x9, PING_PAYLOAD, true);
            }
            assertEquals(4429, raw.readUntilClose().closeCode());
        }
    }

    @Test
    void pongsToAClientThatNeverReadsStayBelowTheHighWaterMark() throws Exception {
        // 15 MB of pongs: more than the kernel's socket buffers hold even when the pongs of one read
        // leave in one write (the server coalesces them), so the high-water mark is reached.
        int pings = 120_000;
        long high = 64 * 1024;
        try (TestNode node = TestNode.start(Map.of("RATE_LIMIT_MAX_MESSAGES", "10000000",
                "WS_WRITE_BUFFER_LOW", "32768", "WS_WRITE_BUFFER_HIGH", Long.toString(high)));
             RawWs raw = RawWs.connect(node.port(), "/ws?token=" + TestNode.token("stalled"), 4096)) {
            for (int i = 0; i < pings; i++) {
                raw.sendFrame(0x9, PING_PAYLOAD, true);
            }
            long deadline = System.nanoTime() + 20_000_000_000L;
            while (node.metric("realtime_messages_in_total{op=\"ws_ping\"}") < pings) {
                assertTrue(System.nanoTime() < deadline, "the server did not read every ping");
                Thread.sleep(50);
            }
            double buffered = node.metric("realtime_outbound_buffered_bytes");
            // One pong may go past the mark; kernel buffers take the rest. Unbounded would be ~5 MB.
            assertTrue(buffered < 2 * high, "outbound buffer grew to " + buffered + " bytes");
            assertTrue(node.metric("realtime_dropped_deliveries_total{reason=\"slow_consumer\"}") > 0);
        }
    }
}
