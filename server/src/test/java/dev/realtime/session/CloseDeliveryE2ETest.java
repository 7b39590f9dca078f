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

    /** Sends pings, 50 frames per write, as fast as the socket takes them until told to stop or the node hangs up. */
    private static Thread keepSending(RawWs ws, AtomicBoolean stop) {
        byte[] ping = "{\"op\":\"ping\"}".getBytes(StandardCharsets.UTF_8);
        java.io.ByteArrayOutputStream batch = new java.io.ByteArrayOutputStream();
        for (int i = 0; i < 50; i++) {
            batch.write(0x81);
            batch.write(0x80 | ping.length);
            batch.writeBytes(new byte[4]); // a zero mask: the payload goes as it is
            batch.writeBytes(ping);
        }
        byte[] bytes = batch.toByteArray();
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
        return t;
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
                    AtomicBoolean stop = new AtomicBoolean();
                    Thread sender = keepSending(ws, stop);
                    Thread.sleep(300);
                    stop.set(true);
                    sender.join(5_000);
                    int pongs = 0;
                    RawWs.Frame f;
                    while ((f = ws.read()).opcode() != 0x8) {
                        pongs += f.text().contains("pong") ? 1 : 0;
                    }
                    assertTrue(pongs > 1_000, "the pongs queued before the close arrive: " + pongs);
                    assertEquals(CloseCodes.TOO_MANY_REQUESTS, f.closeCode(), "round " + round);
                }
            }
        }
    }
}
