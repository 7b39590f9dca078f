package dev.realtime.ws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.realtime.testing.RawWs;
import dev.realtime.testing.TestNode;
import dev.realtime.testing.WsClient;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Server pings; a peer that never answers is closed, one that answers stays. */
class HeartbeatE2ETest {

    @Test
    void silentPeerIsClosedAfterPingTimeout() throws Exception {
        try (TestNode node = TestNode.start(Map.of("WS_PING_INTERVAL", "200", "WS_PING_TIMEOUT", "300"));
             RawWs raw = RawWs.connect(node.port(), "/ws?token=" + TestNode.token("silent"), 0)) {
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

    /**
     * Ten pings answered (2 s) outlast the 1.5 s timeout, so a node that ignored pongs would have
     * closed both peers by the end; the timeout is long enough that a paused test thread (GC, a busy
     * machine) does not close a peer that answers.
     */
    @Test
    void answeringPeerStaysConnected() throws Exception {
        try (TestNode node = TestNode.start(Map.of("WS_PING_INTERVAL", "200", "WS_PING_TIMEOUT", "1500"));
             WsClient c = node.connect("alive"); RawWs raw = RawWs.connect(node.port(), "/ws?token=" + TestNode.token("raw"), 0)) {
            // Answer the pings by hand; the JDK client answers its own automatically.
            int pongs = 0;
            while (pongs < 10) {
                RawWs.Frame f = raw.read();
                assertFalse(f.opcode() == 0x8, "closed though it answered: " + f.closeCode());
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
