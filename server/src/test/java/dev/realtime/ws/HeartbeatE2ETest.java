package dev.realtime.ws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.realtime.testing.RawWs;
import dev.realtime.testing.TestNode;
import dev.realtime.testing.WsClient;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Server pings; a peer that never answers is closed, one that answers stays. */
class HeartbeatE2ETest {
    private TestNode node;

    @BeforeEach
    void start() {
        node = TestNode.start(Map.of("WS_PING_INTERVAL", "200", "WS_PING_TIMEOUT", "300"));
    }

    @AfterEach
    void stop() {
        node.close();
    }

    @Test
    void silentPeerIsClosedAfterPingTimeout() throws Exception {
        try (RawWs raw = RawWs.connect(node.port(), "/ws?token=" + TestNode.token("silent"), 0)) {
            assertEquals(101, raw.status);
            boolean sawPing = false;
            RawWs.Frame f;
            while ((f = raw.read()).opcode() != 0x8) {
                sawPing |= f.opcode() == 0x9;
            }
            assertEquals(true, sawPing, "server pinged before giving up");
            assertEquals(1008, f.closeCode());
        }
    }

    @Test
    void answeringPeerStaysConnected() throws Exception {
        try (WsClient c = node.connect("alive"); RawWs raw = RawWs.connect(node.port(), "/ws?token=" + TestNode.token("raw"), 0)) {
            // Answer three pings by hand; the JDK client answers its own automatically.
            int pongs = 0;
            while (pongs < 3) {
                RawWs.Frame f = raw.read();
                if (f.opcode() == 0x9) {
                    raw.sendFrame(0xA, f.payload(), true);
                    pongs++;
                }
            }
            c.send("{\"op\":\"ping\",\"id\":1}");
            c.expectOp("pong");
            assertFalse(c.isClosed());
        }
    }
}
