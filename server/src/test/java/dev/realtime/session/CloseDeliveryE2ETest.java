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
    /** 3,000 messages in a window longer than the test, then a close: a count, not a speed. */
    private static final Map<String, String> LIMITS = Map.of(
            "RATE_LIMIT_MAX_MESSAGES", "3000", "RATE_LIMIT_WINDOW_MS", "600000", "RATE_LIMIT_STRIKES", "1");

    /**
     * Starts sending {@code message} as text frames, 50 per write, as fast as the socket takes them,
     * reading nothing, and returns once the node has counted its close (the limit: the 3,001st
     * message in a window longer than the test, whatever the machine's speed). The sending goes on
     * while the caller reads, until the returned flag is set: frames keep arriving in the node's
     * socket after its close frame, what made its kernel answer with a reset. The node waits at most
     * 2 s for us to read what it queued, so reading starts at once.
     */
    private static AtomicBoolean floodWithoutReading(TestNode node, RawWs ws, String message) {
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
        String closes = "realtime_closes_total{code=\"4429\"}";
        double before = node.metric(closes);
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
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
        while (node.metric(closes) <= before && System.nanoTime() < deadline) {
            Thread.onSpinWait(); // each check is an HTTP request
        }
        assertTrue(node.metric(closes) > before, "the node closed the flooder");
        return stop;
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
        try (TestNode node = TestNode.start(LIMITS)) {
            for (int round = 0; round < 3; round++) {
                try (RawWs ws = RawWs.connect(node.port(), "/ws?token=" + TestNode.token("flooder" + round), 4096)) {
                    ws.socket().setSoTimeout(5_000);
                    AtomicBoolean stop = floodWithoutReading(node, ws, "{\"op\":\"ping\"}");
                    assertAnswersThenClose4429(ws, "{\"op\":\"pong\"");
                    stop.set(true);
                }
            }
        }
    }

    /** The same over the Socket.IO endpoint's WebSocket: acked calls answered, then the close, no reset. */
    @Test
    void aSocketIoFloodThatDoesNotReadStillGetsItsAcksAndTheClose() throws Exception {
        try (TestNode node = TestNode.start(LIMITS)) {
            try (RawWs ws = RawWs.connect(node.port(),
                    "/socket.io/?EIO=4&transport=websocket&token=" + TestNode.token("sio-flooder"), 4096)) {
                ws.socket().setSoTimeout(5_000);
                assertTrue(ws.read().text().startsWith("0{"));
                ws.sendText("40".getBytes(StandardCharsets.UTF_8));
                assertTrue(ws.read().text().startsWith("40{"), "connected to the namespace before the flood");
                AtomicBoolean stop = floodWithoutReading(node, ws, "421[\"get_rooms\"]");
                assertAnswersThenClose4429(ws, "431");
                stop.set(true);
            }
        }
    }
}
