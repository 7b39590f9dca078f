package dev.realtime.http;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.realtime.testing.TestNode;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Plain HTTP clients that try to hold the node's memory or sockets. */
class HostileHttpClientE2ETest {

    @Test
    void pipelinedRequestsFromAClientThatNeverReadsDoNotPileUpResponses() throws Exception {
        long high = 64 * 1024;
        try (TestNode node = TestNode.start(Map.of("WS_WRITE_BUFFER_LOW", "32768",
                "WS_WRITE_BUFFER_HIGH", Long.toString(high)));
             Socket s = new Socket()) {
            s.setReceiveBufferSize(4096);
            s.connect(new InetSocketAddress("127.0.0.1", node.port()), 5000);
            byte[] request = "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
            OutputStream out = s.getOutputStream();
            try {
                for (int i = 0; i < 3000; i++) { // each answer is tens of KB: ~100 MB if all were kept
                    out.write(request);
                }
                out.flush();
            } catch (java.io.IOException closedByServer) {
                // the expected outcome once the server gives up on this client
            }
            long deadline = System.nanoTime() + 20_000_000_000L;
            double peak = 0;
            while (node.metric("realtime_http_requests_total{route=\"metrics\",status=\"any\"}") < 3000
                    && node.metric("realtime_http_slow_clients_total") < 1) {
                peak = Math.max(peak, node.metric("realtime_outbound_buffered_bytes"));
                assertTrue(peak < 4 * 1024 * 1024, "outbound buffer grew to " + peak + " bytes");
                assertTrue(System.nanoTime() < deadline, "the server neither answered nor dropped the client");
                Thread.sleep(20);
            }
            peak = Math.max(peak, node.metric("realtime_outbound_buffered_bytes"));
            assertTrue(peak < 4 * 1024 * 1024, "outbound buffer grew to " + peak + " bytes");
            assertTrue(node.metric("realtime_http_slow_clients_total") >= 1, "the client was not dropped");
        }
    }
}
