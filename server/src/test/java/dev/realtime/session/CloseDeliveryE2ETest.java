package dev.realtime.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.realtime.protocol.CloseCodes;
import dev.realtime.testing.RawWs;
import dev.realtime.testing.TestNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * A client that is still sending when the node closes it gets what was sent to it and the close
 * code, not a reset: the node half-closes after its close frame and reads on until the client closes. Before,
 * it closed the socket with the client's frames unread in it; the kernel then answered with a
 * reset, and the client's stack could drop the error and close frame still waiting to be read
 * (clients saw 1006 instead of 4401 or 4429).
 */
class CloseDeliveryE2ETest {

    /**
     * Sends {@code message} as text frames, 50 per write, as fast as the socket takes them until the
     * node has closed the connection (4429), reading nothing meanwhile; the sender stops on its own after.
     */
    private static void floodWithoutReading(TestNode node, RawWs ws, String message) throws InterruptedException {
        byte[] payload = message.getBytes(StandardCharsets.UTF_8);
        java.io.ByteArrayOutputStream batch = new java.io.ByteArrayOutputStream();
        for (int i = 0; i < 50; i++) {
            batch.write(0x81);
            batch.write(0x80 | payload.length);
            batch.writeBytes(new byte[4]); // a zero mask: the payload goes as it is
            batch.writeBytes(payload);
        }
        byte[] bytes = batch.toByteArray();
        AtomicBoolean stop = new AtomicBoolean();
        Thread t = new Thread(() -> {
            try {
                java.io.OutputStream out = ws.socket().getOutputStream();
                while (!stop.get()) {
                    out.write(bytes);
                }
            } catch (IOException hungUp) {
                // what the node does at the end, one way or another
            }
        }, "close-test-sender");
        t.setDaemon(true);
        t.start();
        // The node closes after the first few thousand (the rate limit); we flood on until it has
        // counted that close, so our frames keep arriving in its socket after it. Then read at once:
        // the node waits at most 2 s for us to take what it queued (a busy CI machine must not eat
        // that margin here).
        String closes = "realtime_closes_total{code=\"4429\"}";
        double before = node.metric(closes);
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
        while (node.metric(closes) <= before && System.nanoTime() < deadline) {
            Thread.onSpinWait(); // each check is an HTTP request
        }
        stop.set(true);
        assertTrue(node.metric(closes) > before, "the node closed the flooder");
    }

    /** Reads to the close frame: more than 1,000 answers starting with {@code answer} first, then code 4429. */
    private static void assertAnswersThenClose4429(RawWs ws, String answer) throws IOException {
        int answers = 0;
        RawWs.Frame f;
        while ((f = ws.read()).opcode() != 0x8) {
            answers += f.text().startsWith(answer) ? 1 : 0;
        }
        assertTrue(answers > 1_000, "the answers queued before the close arrive: " + answers);
        assertEquals(CloseCodes.TOO_MANY_REQUESTS, f.closeCode());
    }

    /**
     * The flooder does not read either (a 4 KB receive buffer): its pongs back up in the node's send
     * buffer, where the close frame queues behind them. A reset would discard that queue, so the
     * close code was lost every time, not now and then as with a client that reads.
     */
    @Test
    void aFloodThatDoesNotReadStillGetsItsPongsAndClose4429() throws Exception {
        try (TestNode node = TestNode.start(Map.of("RATE_LIMIT_MAX_MESSAGES", "3000", "RATE_LIMIT_STRIKES", "1"))) {
            for (int round = 0; round < 3; round++) {
                try (RawWs ws = RawWs.connect(node.port(), "/ws?token=" + TestNode.token("flooder" + round), 4096)) {
                    ws.socket().setSoTimeout(5_000);
                    floodWithoutReading(node, ws, "{\"op\":\"ping\"}");
                    assertAnswersThenClose4429(ws, "{\"op\":\"pong\"");
                }
            }
        }
    }

    /** The same over the Socket.IO endpoint's WebSocket: acked calls answered, then the close, no reset. */
    @Test
    void aSocketIoFloodThatDoesNotReadStillGetsItsAcksAndTheClose() throws Exception {
        try (TestNode node = TestNode.start(Map.of("RATE_LIMIT_MAX_MESSAGES", "3000", "RATE_LIMIT_STRIKES", "1"))) {
            try (RawWs ws = RawWs.connect(node.port(),
                    "/socket.io/?EIO=4&transport=websocket&token=" + TestNode.token("sio-flooder"), 4096)) {
                ws.socket().setSoTimeout(5_000);
                assertTrue(ws.read().text().startsWith("0{"));
                ws.sendText("40".getBytes(StandardCharsets.UTF_8));
                assertTrue(ws.read().text().startsWith("40{"), "connected to the namespace before the flood");
                floodWithoutReading(node, ws, "421[\"get_rooms\"]");
                assertAnswersThenClose4429(ws, "431");
            }
        }
    }
}
