package dev.realtime.socketio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.realtime.testing.Http;
import dev.realtime.testing.HttpResult;
import dev.realtime.testing.RawWs;
import dev.realtime.testing.TestNode;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A Socket.IO WebSocket outlives the HTTP phase's limits: the request-head deadline
 * (HTTP_HEADER_TIMEOUT_MS, 400 ms here) must end with the upgrade. Before the fix the first frame a
 * client sent re-armed it, and the node answered {@code HTTP/1.1 408} into the WebSocket after the
 * deadline, which clients read as a close frame: every socket.io client was cut off ten seconds
 * after it first spoke. Both ways in: WebSocket from the start, and polling upgraded to WebSocket.
 */
class SocketIoLongLivedE2ETest {
    private static TestNode node;

    @BeforeAll
    static void start() {
        node = TestNode.start(Map.of("HTTP_HEADER_TIMEOUT_MS", "400"));
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    private static String text(RawWs ws) throws Exception {
        RawWs.Frame f = ws.read();
        assertEquals(0x1, f.opcode(), () -> "a text frame, got opcode " + f.opcode() + ": " + f.text());
        return f.text();
    }

    private static void send(RawWs ws, String packet) throws Exception {
        ws.sendText(packet.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Acked calls spread over several head deadlines, each answered on the same socket. Between calls
     * the socket is read for 300 ms with nothing expected: the 408 the bug wrote would arrive there.
     */
    private static void talkPastTheDeadline(RawWs ws) throws Exception {
        for (int i = 1; i <= 5; i++) {
            expectSilence(ws, 300);
            send(ws, "42" + i + "[\"get_rooms\"]");
            String ack = text(ws);
            while (!ack.startsWith("43" + i)) { // other packets (a ping) may come first
                if (ack.equals("2")) {
                    send(ws, "3");
                }
                ack = text(ws);
            }
        }
    }

    /** Reads for {@code ms}: Socket.IO packets may arrive (pings are answered), the session stays open. */
    private static void expectSilence(RawWs ws, int ms) throws Exception {
        long until = System.nanoTime() + ms * 1_000_000L;
        try {
            for (long left = ms; left > 0; left = (until - System.nanoTime()) / 1_000_000L) {
                ws.socket().setSoTimeout((int) Math.max(1, left));
                if (text(ws).equals("2")) { // packets may come (connected, pings), a close frame may not
                    send(ws, "3");
                }
            }
        } catch (java.net.SocketTimeoutException quiet) {
            // nothing arrived: what the deadline must look like after the upgrade
        } finally {
            ws.socket().setSoTimeout(5_000);
        }
    }

    @Test
    void aWebSocketSessionOutlivesTheHeadDeadline() throws Exception {
        try (RawWs ws = RawWs.connect(node.port(), "/socket.io/?EIO=4&transport=websocket&token=" + TestNode.token("long-ws"), 0)) {
            ws.socket().setSoTimeout(5_000);
            assertEquals(101, ws.status);
            assertTrue(text(ws).startsWith("0{\"sid\""));
            send(ws, "40");
            assertTrue(text(ws).startsWith("40{\"sid\""));
            talkPastTheDeadline(ws);
        }
    }

    @Test
    void anUpgradedPollingSessionOutlivesTheHeadDeadline() throws Exception {
        String base = "http://127.0.0.1:" + node.port() + "/socket.io/?EIO=4&transport=polling";
        HttpResult open = Http.send(URI.create(base), "GET", null, Map.of());
        String sid = open.body().substring(9, open.body().indexOf('"', 9));
        assertEquals("ok", Http.send(URI.create(base + "&sid=" + sid), "POST",
                "40{\"token\":\"" + TestNode.token("long-poll") + "\"}", Map.of("Content-Type", "text/plain;charset=UTF-8")).body());
        assertTrue(Http.send(URI.create(base + "&sid=" + sid), "GET", null, Map.of()).body().startsWith("40{\"sid\""));
        try (RawWs ws = RawWs.connect(node.port(), "/socket.io/?EIO=4&transport=websocket&sid=" + sid, 0)) {
            ws.socket().setSoTimeout(5_000);
            assertEquals(101, ws.status);
            send(ws, "2probe");
            assertEquals("3probe", text(ws));
            send(ws, "5");
            talkPastTheDeadline(ws);
        }
    }
}
