package dev.realtime.ws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.realtime.testing.TestNode;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The upgrade as a client sees it on the wire: the 101 of the direct path (RFC 6455 accept value,
 * subprotocol confirmed only when asked for and spoken), a first frame sent in the same packet as
 * the request, the answers to requests the direct path leaves to Netty's handshaker.
 */
class UpgradeE2ETest {
    private static TestNode node;

    @BeforeAll
    static void start() {
        node = TestNode.start(Map.of());
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    /** Response head (lower-cased header names) and the stream positioned after it. */
    private record Answer(int status, Map<String, String> headers, Socket socket, DataInputStream in) {
    }

    private static Answer send(String request, byte[] after) throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", node.port()), 5000);
        s.setSoTimeout(10_000);
        byte[] head = request.getBytes(StandardCharsets.US_ASCII);
        byte[] all = new byte[head.length + after.length];
        System.arraycopy(head, 0, all, 0, head.length);
        System.arraycopy(after, 0, all, head.length, after.length);
        s.getOutputStream().write(all); // one write: request and first frame arrive together
        InputStream is = s.getInputStream();
        String[] lines = dev.realtime.testing.RawWs.readHead(is).split("\r\n");
        Map<String, String> headers = new java.util.HashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).trim());
        }
        return new Answer(Integer.parseInt(lines[0].split(" ")[1]), headers, s, new DataInputStream(is));
    }

    private static String upgrade(String user, String version, String extraHeaders) {
        return "GET /ws?token=" + TestNode.token(user) + " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                + (version == null ? "" : "Sec-WebSocket-Version: " + version + "\r\n") + extraHeaders + "\r\n";
    }

    /** A masked text frame (clients must mask). */
    private static byte[] text(String payload) {
        byte[] p = payload.getBytes(StandardCharsets.UTF_8);
        byte[] mask = {1, 2, 3, 4};
        byte[] f = new byte[2 + 4 + p.length];
        f[0] = (byte) 0x81;
        f[1] = (byte) (0x80 | p.length);
        System.arraycopy(mask, 0, f, 2, 4);
        for (int i = 0; i < p.length; i++) {
            f[6 + i] = (byte) (p[i] ^ mask[i & 3]);
        }
        return f;
    }

    private static String readText(DataInputStream in) throws IOException {
        int b0 = in.readUnsignedByte();
        int len = in.readUnsignedByte() & 0x7f;
        if (len == 126) {
            len = in.readUnsignedShort();
        }
        byte[] p = new byte[len];
        in.readFully(p);
        assertEquals(0x81, b0, "a final text frame");
        return new String(p, StandardCharsets.UTF_8);
    }

    @Test
    void answersWithTheRfcAcceptValueAndSendsConnected() throws Exception {
        Answer a = send(upgrade("wire-1", "13", ""), new byte[0]);
        try (Socket s = a.socket()) {
            assertEquals(101, a.status());
            // RFC 6455 section 1.3's example key and its accept value.
            assertEquals("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", a.headers().get("sec-websocket-accept"));
            assertEquals("websocket", a.headers().get("upgrade").toLowerCase(Locale.ROOT));
            assertEquals("upgrade", a.headers().get("connection").toLowerCase(Locale.ROOT));
            assertFalse(a.headers().containsKey("sec-websocket-protocol"), "none asked for, none confirmed");
            assertTrue(readText(a.in()).contains("\"connected\""));
        }
    }

    @Test
    void confirmsTheFirstSubprotocolItSpeaksAndOnlyThat() throws Exception {
        Answer a = send(upgrade("wire-2", "13", "Sec-WebSocket-Protocol: mqtt, rt.binary.v1, rt.json.v1\r\n"),
                new byte[0]);
        try (Socket s = a.socket()) {
            assertEquals(101, a.status());
            assertEquals("rt.binary.v1", a.headers().get("sec-websocket-protocol"));
        }
        Answer b = send(upgrade("wire-3", "13", "Sec-WebSocket-Protocol: mqtt\r\n"), new byte[0]);
        try (Socket s = b.socket()) {
            assertEquals(101, b.status());
            assertFalse(b.headers().containsKey("sec-websocket-protocol"), "none spoken: not confirmed, JSON used");
            assertTrue(readText(b.in()).contains("\"connected\""));
        }
    }

    @Test
    void aFrameSentWithTheRequestIsNotLost() throws Exception {
        Answer a = send(upgrade("wire-4", "13", ""), text("{\"op\":\"ping\",\"id\":7}"));
        try (Socket s = a.socket()) {
            assertEquals(101, a.status());
            boolean pong = false;
            for (int i = 0; i < 5 && !pong; i++) {
                String frame = readText(a.in());
                pong = frame.contains("\"pong\"");
            }
            assertTrue(pong, "the ping that came with the request was answered");
        }
    }

    @Test
    void anUnsupportedVersionGets426NamingVersion13() throws Exception {
        Answer a = send(upgrade("wire-5", "99", ""), new byte[0]);
        try (Socket s = a.socket()) {
            assertEquals(426, a.status());
            assertEquals("13", a.headers().get("sec-websocket-version"));
        }
    }

    @Test
    void anOlderDraftStillUpgradesThroughNettysHandshaker() throws Exception {
        Answer a = send(upgrade("wire-6", "8", ""), new byte[0]);
        try (Socket s = a.socket()) {
            assertEquals(101, a.status());
            assertEquals("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", a.headers().get("sec-websocket-accept"));
            assertTrue(readText(a.in()).contains("\"connected\""));
        }
    }

    /**
     * Upgrades a handshaker cannot answer (no key, no version, no {@code Connection: Upgrade}, a
     * blank key) get a 400 JSON answer and hold nothing: before, each got no answer and kept a node
     * connection slot and, with a valid token, one of the user's five slots, until restart.
     */
    @Test
    void malformedUpgradesAreAnswered400AndHoldNoSlot() throws Exception {
        try (TestNode fresh = TestNode.start(Map.of("WS_MAX_CONNECTIONS", "3"))) {
            String key = "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n";
            String[] broken = {
                "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n",
                "Upgrade: websocket\r\nConnection: Upgrade\r\n" + key,
                "Upgrade: websocket\r\n" + key + "Sec-WebSocket-Version: 13\r\n",
                "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key:  \r\nSec-WebSocket-Version: 13\r\n",
            };
            for (int round = 0; round < 2; round++) {
                for (String headers : broken) {
                    for (String path : new String[] {"/ws?token=" + TestNode.token("victim"),
                        "/socket.io/?EIO=4&transport=websocket&token=" + TestNode.token("victim")}) {
                        String answer = exchange(fresh, "GET " + path + " HTTP/1.1\r\nHost: x\r\n" + headers + "\r\n");
                        assertTrue(answer.startsWith("HTTP/1.1 400"), headers + " -> " + answer);
                        assertTrue(answer.contains("\"message\""), "a JSON answer: " + answer);
                    }
                }
            }
            com.fasterxml.jackson.databind.JsonNode stats = fresh.getWithKey("/api/stats").json();
            assertEquals(0, stats.get("totalConnections").asInt(), stats.toString());
            assertEquals(0, stats.get("userConnections").size(), stats.toString());
            for (int i = 0; i < 3; i++) { // the node's three slots and the user's are all still there
                Answer a = send(upgrade("victim", "13", ""), new byte[0]);
                assertEquals(101, a.status());
                a.socket().close();
            }
        }
    }

    @Test
    void aPathWithABadPercentEscapeIs400Json() throws Exception {
        for (String path : new String[] {"/%zz", "/health%zz", "/ws%zz"}) {
            String answer = exchange(node, "GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n");
            assertTrue(answer.startsWith("HTTP/1.1 400") && answer.contains("\"statusCode\":400"), path + " -> " + answer);
        }
    }

    /** Sends {@code request} and reads until the node closes or 2 s pass; returns what came back. */
    private static String exchange(TestNode to, String request) throws IOException {
        try (Socket s = new Socket("127.0.0.1", to.port())) {
            s.setSoTimeout(2_000);
            s.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            byte[] buf = new byte[4096];
            try {
                int n;
                while ((n = s.getInputStream().read(buf)) > 0) {
                    got.write(buf, 0, n);
                    String text = got.toString(StandardCharsets.UTF_8);
                    int head = text.indexOf("\r\n\r\n");
                    int length = text.toLowerCase(Locale.ROOT).indexOf("content-length: ");
                    if (head > 0 && length > 0) {
                        int end = text.indexOf("\r\n", length);
                        int bodyLength = Integer.parseInt(text.substring(length + 16, end).trim());
                        if (got.size() >= head + 4 + bodyLength) {
                            break; // a keep-alive answer is complete
                        }
                    }
                }
            } catch (java.net.SocketTimeoutException quiet) {
                // whatever came is the answer
            }
            return got.toString(StandardCharsets.UTF_8);
        }
    }
}
