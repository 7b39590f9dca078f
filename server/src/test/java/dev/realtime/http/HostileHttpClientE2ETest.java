package dev.realtime.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.realtime.testing.TestNode;
import dev.realtime.testing.WsClient;
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
            while (node.metric("realtime_http_requests_total{route=\"metrics\",status=\"200\"}") < 3000
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

    @Test
    void aTrickledRequestHeadIsClosedAtTheHeadDeadline() throws Exception {
        try (TestNode node = TestNode.start(Map.of("HTTP_HEADER_TIMEOUT_MS", "1000", "HTTP_IDLE_TIMEOUT_MS", "30000"));
             Socket s = new Socket("127.0.0.1", node.port())) {
            s.setSoTimeout(100);
            OutputStream out = s.getOutputStream();
            out.write("GET /health HTTP/1.1\r\nHost: x\r\n".getBytes(StandardCharsets.US_ASCII));
            String answer = null;
            long giveUp = System.nanoTime() + 20_000_000_000L;
            // One header byte every 200 ms: each resets the read timeout, never the head deadline.
            while (answer == null && System.nanoTime() < giveUp) {
                try {
                    out.write('X');
                    out.flush();
                } catch (java.io.IOException closed) {
                    answer = "closed";
                    break;
                }
                answer = readAvailable(s);
                Thread.sleep(200);
            }
            assertTrue(answer != null, "a trickling client was never closed");
            assertTrue(answer.equals("closed") || answer.startsWith("HTTP/1.1 408"), answer);
            assertTrue(node.metric("realtime_http_refused_total{reason=\"head_timeout\"}") >= 1);
        }
    }

    /** What the server sent (or "closed"), or null when nothing arrived within the socket timeout. */
    private static String readAvailable(Socket s) throws java.io.IOException {
        byte[] buf = new byte[4096];
        try {
            int n = s.getInputStream().read(buf);
            return n < 0 ? "closed" : new String(buf, 0, n, StandardCharsets.US_ASCII);
        } catch (java.net.SocketTimeoutException nothingYet) {
            return null;
        } catch (java.io.IOException reset) {
            return "closed";
        }
    }

    @Test
    void connectionsStillInTheHttpPhaseAreCappedButWebSocketsAreNot() throws Exception {
        // The test's own keep-alive connection for /metrics is one of the four.
        try (TestNode node = TestNode.start(Map.of("HTTP_MAX_CONNECTIONS", "4"));
             Socket a = new Socket("127.0.0.1", node.port());
             Socket b = new Socket("127.0.0.1", node.port());
             Socket c = new Socket("127.0.0.1", node.port())) {
            awaitMetric(node, "realtime_http_connections", 4);
            try (Socket refused = new Socket("127.0.0.1", node.port())) {
                refused.setSoTimeout(10_000);
                String answer = new String(refused.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
                assertTrue(answer.startsWith("HTTP/1.1 503"), answer);
            }
            assertEquals(1, node.metric("realtime_http_refused_total{reason=\"too_many_http_connections\"}"));
            a.close();
            b.close();
            c.close();
            awaitMetric(node, "realtime_http_connections", 1);
            // WebSockets leave the HTTP phase at the upgrade: four of them do not fill the cap.
            try (WsClient w1 = node.connect("w1"); WsClient w2 = node.connect("w2"); WsClient w3 = node.connect("w3");
                 WsClient w4 = node.connect("w4")) {
                awaitMetric(node, "realtime_http_connections", 1);
                assertEquals(200, node.get("/health").status());
            }
        }
    }

    private static void awaitMetric(TestNode node, String sample, double value) throws InterruptedException {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (node.metric(sample) != value) {
            assertTrue(System.nanoTime() < deadline, sample + " never reached " + value);
            Thread.sleep(20);
        }
    }

    @Test
    void aBodyIsNotReadWithoutTheApiKeyNorWhereNoRouteTakesOne() throws Exception {
        try (TestNode node = TestNode.start()) {
            // Each head announces 100 KB and sends none of it: the answer must come without the body.
            assertTrue(headOnly(node, "POST /api/broadcast/room", "").startsWith("HTTP/1.1 401"));
            assertTrue(headOnly(node, "POST /api/broadcast/room", "internal-api-key: wrong\r\n").startsWith("HTTP/1.1 401"));
            assertTrue(headOnly(node, "POST /api/events/anything", "").startsWith("HTTP/1.1 401"));
            assertTrue(headOnly(node, "POST /nowhere", "").startsWith("HTTP/1.1 404"));
            String wrongMethod = headOnly(node, "POST /health", "");
            assertTrue(wrongMethod.startsWith("HTTP/1.1 405"), wrongMethod);
            assertTrue(wrongMethod.toLowerCase(java.util.Locale.ROOT).contains("allow: get, head\r\n"), wrongMethod);
            assertTrue(headOnly(node, "GET /api/stats", "internal-api-key: " + TestNode.API_KEY + "\r\n")
                    .startsWith("HTTP/1.1 400"));
            // With the key the body is read and the request served as before.
            assertEquals(202, node.post("/api/broadcast/room", "{\"room\":\"r\",\"event\":\"e\",\"data\":1}").status());
            assertEquals(401, dev.realtime.testing.Http.send(node.http("/api/broadcast/room"), "POST", "{}",
                    Map.of("Content-Type", "application/json")).status());
        }
    }

    /** Sends a request head announcing a 100 KB body, no body, and returns the status line and headers. */
    private static String headOnly(TestNode node, String requestLine, String extraHeaders) throws Exception {
        try (Socket s = new Socket("127.0.0.1", node.port())) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write((requestLine + " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    + extraHeaders + "Content-Length: 100000\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            String answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
            assertTrue(answer.contains("Connection: close") || answer.contains("connection: close"), answer);
            return answer;
        }
    }
}
