package dev.realtime.socketio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.realtime.protocol.CloseCodes;
import dev.realtime.testing.Http;
import dev.realtime.testing.HttpResult;
import dev.realtime.testing.RawWs;
import dev.realtime.testing.TestNode;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Bad input on {@code /socket.io/}, over raw HTTP and raw WebSocket: engine.io's error bodies,
 * malformed packets closing only their own session, {@code maxPayload}, transports mixed up, and
 * the native endpoint's limits.
 */
class SocketIoBadInputE2ETest {
    private static TestNode node;

    @BeforeAll
    static void start() {
        node = TestNode.start(Map.of("WS_MAX_MESSAGE_BYTES", "4096", "RATE_LIMIT_MAX_MESSAGES", "5",
                "RATE_LIMIT_WINDOW_MS", "60000", "RATE_LIMIT_STRIKES", "100"));
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    private static HttpResult get(String query) {
        return Http.send(URI.create("http://127.0.0.1:" + node.port() + "/socket.io/?" + query), "GET", null, Map.of());
    }

    private static HttpResult post(String query, String body) {
        return Http.send(URI.create("http://127.0.0.1:" + node.port() + "/socket.io/?" + query), "POST", body,
                Map.of("Content-Type", "text/plain;charset=UTF-8"));
    }

    /** Opens a polling session and sends CONNECT with a token; returns the sid. */
    private static String pollingSession(String user) {
        HttpResult open = get("EIO=4&transport=polling");
        assertEquals(200, open.status());
        assertTrue(open.body().startsWith("0{\"sid\":\""), open.body());
        String sid = open.body().substring(9, open.body().indexOf('"', 9));
        assertTrue(open.body().contains("\"upgrades\":[\"websocket\"]") && open.body().contains("\"maxPayload\":4096"), open.body());
        assertEquals("ok", post("EIO=4&transport=polling&sid=" + sid, "40{\"token\":\"" + TestNode.token(user) + "\"}").body());
        String connect = get("EIO=4&transport=polling&sid=" + sid).body();
        assertTrue(connect.startsWith("40{\"sid\":\""), connect);
        return sid;
    }

    @Test
    void theSocketIdShownToOthersIsNotTheSessionsCredential() {
        HttpResult open = get("EIO=4&transport=polling");
        String sid = open.body().substring(9, open.body().indexOf('"', 9));
        assertEquals("ok", post("EIO=4&transport=polling&sid=" + sid, "40{\"token\":\"" + TestNode.token("victim-sio") + "\"}").body());
        String connect = get("EIO=4&transport=polling&sid=" + sid).body();
        String socketId = connect.substring(9, connect.indexOf('"', 9));
        assertTrue(!socketId.equals(sid), "socket.id " + socketId + " must differ from the Engine.IO sid");
        // What another user learns (the socket id, e.g. match:found's opponentClientId) opens nothing.
        assertEquals(400, post("EIO=4&transport=polling&sid=" + socketId, "42[\"joinRoom\",\"r\"]").status());
        assertEquals("{\"code\":1,\"message\":\"Session ID unknown\"}", get("EIO=4&transport=polling&sid=" + socketId).body());
        assertEquals("ok", post("EIO=4&transport=polling&sid=" + sid, "2").body(), "the session itself is untouched");
    }

    @Test
    void seed002LifecycleAndLoginEventsAreAcked() {
        String sid = pollingSession("seed002-user");
        assertEquals("ok", post("EIO=4&transport=polling&sid=" + sid, "421[\"socket:connect\"]").body());
        String ack = get("EIO=4&transport=polling&sid=" + sid).body();
        assertTrue(ack.startsWith("431[{\"timestamp\":"), ack);
        assertEquals("ok", post("EIO=4&transport=polling&sid=" + sid,
                "422[\"auth:login\",{\"token\":\"" + TestNode.token("seed002-user") + "\"}]").body());
        String login = get("EIO=4&transport=polling&sid=" + sid).body();
        assertTrue(login.startsWith("432["), login);
        assertTrue(!login.contains("unknown_event") && !login.contains("\"ok\":false"), login);
    }

    @Test
    void engineIoErrorBodies() {
        HttpResult noEio = get("transport=polling");
        assertEquals(400, noEio.status());
        assertEquals("{\"code\":5,\"message\":\"Unsupported protocol version\"}", noEio.body());
        assertEquals("{\"code\":5,\"message\":\"Unsupported protocol version\"}", get("EIO=3&transport=polling").body());
        HttpResult noTransport = get("EIO=4&transport=carrier-pigeon");
        assertEquals(400, noTransport.status());
        assertEquals("{\"code\":0,\"message\":\"Transport unknown\"}", noTransport.body());
        HttpResult unknownSid = get("EIO=4&transport=polling&sid=nope");
        assertEquals(400, unknownSid.status());
        assertEquals("{\"code\":1,\"message\":\"Session ID unknown\"}", unknownSid.body());
        HttpResult postHandshake = post("EIO=4&transport=polling", "40");
        assertEquals(400, postHandshake.status());
        assertEquals("{\"code\":2,\"message\":\"Bad handshake method\"}", postHandshake.body());
        assertEquals("{\"code\":3,\"message\":\"Bad request\"}", get("EIO=4&transport=polling&j=0").body());
        assertEquals(400, get("EIO=4&transport=websocket").status(), "websocket transport without an upgrade");
    }

    @Test
    void malformedPacketClosesOnlyThatSession() {
        String victim = pollingSession("victim");
        String bystander = pollingSession("bystander");
        HttpResult bad = post("EIO=4&transport=polling&sid=" + victim, "4zzz");
        assertEquals(400, bad.status());
        assertEquals("{\"code\":3,\"message\":\"Bad request\"}", bad.body());
        assertEquals("{\"code\":1,\"message\":\"Session ID unknown\"}", get("EIO=4&transport=polling&sid=" + victim).body());
        // the other session goes on: an event with an ack is answered
        assertEquals("ok", post("EIO=4&transport=polling&sid=" + bystander, "421[\"get_rooms\"]").body());
        String answer = get("EIO=4&transport=polling&sid=" + bystander).body();
        assertTrue(answer.contains("431[{\"rooms\":[\"user:bystander\",\"global\"]}]"), answer);
        for (String packet : new String[] {"9", "42[]", "42[\"connect\"]", "b%%%", "4\u001e\u001e4"}) {
            String sid = pollingSession("bad-" + packet.hashCode());
            assertEquals(400, post("EIO=4&transport=polling&sid=" + sid, packet).status(), packet);
            assertEquals(400, get("EIO=4&transport=polling&sid=" + sid).status(), packet);
        }
    }

    /**
     * A CONNECT the node refuses over polling (here: the user's five connections are taken): the
     * refusal waits for the client's next GET. Before, the session was gone by then and the GET got
     * 400 "Session ID unknown", which socket.io-client reports as "xhr poll error" and retries.
     */
    @Test
    void aRefusedConnectOverPollingIsReadByTheNextGet() {
        java.util.List<dev.realtime.testing.WsClient> five = new java.util.ArrayList<>();
        try {
            for (int i = 0; i < 5; i++) {
                five.add(node.connect("crowded"));
            }
            HttpResult open = get("EIO=4&transport=polling");
            String sid = open.body().substring(9, open.body().indexOf('"', 9));
            assertEquals("ok", post("EIO=4&transport=polling&sid=" + sid, "40{\"token\":\"" + TestNode.token("crowded") + "\"}").body());
            HttpResult refusal = get("EIO=4&transport=polling&sid=" + sid);
            assertEquals(200, refusal.status(), refusal.body());
            assertTrue(refusal.body().startsWith("44{") && refusal.body().contains("too_many_connections"), refusal.body());
            assertEquals(400, get("EIO=4&transport=polling&sid=" + sid).status(), "then the session is gone");
        } finally {
            five.forEach(dev.realtime.testing.WsClient::close);
        }
    }

    /** One connect_error per refused CONNECT: the auth timeout after it closes without a second 44. */
    @Test
    void aRefusedConnectGetsOneConnectErrorThenTheClose() throws Exception {
        try (TestNode quick = TestNode.start(Map.of("AUTH_TIMEOUT_MS", "1000"));
             dev.realtime.testing.RawWs ws = dev.realtime.testing.RawWs.connect(quick.port(),
                     "/socket.io/?EIO=4&transport=websocket", 0)) {
            ws.socket().setSoTimeout(5_000);
            assertTrue(ws.read().text().startsWith("0{"));
            ws.sendText("40{\"token\":\"not-a-token\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8));
            java.util.List<String> packets = new java.util.ArrayList<>();
            dev.realtime.testing.RawWs.Frame f;
            while ((f = ws.read()).opcode() != 0x8) {
                if (f.text().equals("2")) {
                    ws.sendText("3".getBytes(java.nio.charset.StandardCharsets.UTF_8));
                } else {
                    packets.add(f.text());
                }
            }
            assertEquals(1, packets.stream().filter(p -> p.startsWith("44")).count(), packets.toString());
            assertTrue(packets.get(0).contains("Authentication failed"), packets.toString());
        }
    }

    @Test
    void eventsBeforeConnectCloseTheSession() {
        HttpResult open = get("EIO=4&transport=polling");
        String sid = open.body().substring(9, open.body().indexOf('"', 9));
        assertEquals(400, post("EIO=4&transport=polling&sid=" + sid, "42[\"joinRoom\",\"r\"]").status());
        assertEquals(400, get("EIO=4&transport=polling&sid=" + sid).status());
    }

    @Test
    void payloadOverMaxPayloadClosesTheSession() throws Exception {
        String sid = pollingSession("big-poster");
        HttpResult tooBig = post("EIO=4&transport=polling&sid=" + sid, "42[\"x\",\"" + "y".repeat(5000) + "\"]");
        assertEquals(413, tooBig.status());
        assertEquals(400, get("EIO=4&transport=polling&sid=" + sid).status());
        try (RawWs ws = RawWs.connect(node.port(), "/socket.io/?EIO=4&transport=websocket&token=" + TestNode.token("big-ws"), 0)) {
            assertEquals(101, ws.status);
            assertTrue(ws.read().text().startsWith("0{\"sid\""));
            ws.sendText("40".getBytes(StandardCharsets.UTF_8));
            assertTrue(ws.read().text().startsWith("40{\"sid\""));
            ws.sendText(("42[\"x\",\"" + "y".repeat(5000) + "\"]").getBytes(StandardCharsets.UTF_8));
            assertEquals(CloseCodes.MESSAGE_TOO_BIG, ws.readUntilClose().closeCode());
        }
    }

    @Test
    void malformedPacketOverWebSocketClosesIt() throws Exception {
        try (RawWs ws = RawWs.connect(node.port(), "/socket.io/?EIO=4&transport=websocket", 0)) {
            assertTrue(ws.read().text().startsWith("0{\"sid\""));
            ws.sendText("4zzz".getBytes(StandardCharsets.UTF_8));
            assertEquals(CloseCodes.PROTOCOL_ERROR, ws.readUntilClose().closeCode());
        }
    }

    @Test
    void pollingRequestForAWebSocketSessionIsRefused() throws Exception {
        try (RawWs ws = RawWs.connect(node.port(), "/socket.io/?EIO=4&transport=websocket", 0)) {
            String open = ws.read().text();
            assertTrue(open.contains("\"upgrades\":[]"), open);
            String sid = open.substring(9, open.indexOf('"', 9));
            HttpResult poll = get("EIO=4&transport=polling&sid=" + sid);
            assertEquals(400, poll.status());
            assertEquals("{\"code\":3,\"message\":\"Bad request\"}", poll.body());
        }
    }

    @Test
    void overlappingPollsCloseTheSession() throws Exception {
        String sid = pollingSession("overlap");
        CompletableFuture<HttpResult> held = CompletableFuture.supplyAsync(() -> get("EIO=4&transport=polling&sid=" + sid));
        HttpResult second = null;
        for (int i = 0; i < 100 && (second == null || second.status() == 200); i++) {
            second = get("EIO=4&transport=polling&sid=" + sid); // the first GET may not be held yet
        }
        assertEquals(400, second.status());
        held.get(20, java.util.concurrent.TimeUnit.SECONDS);
        assertEquals("{\"code\":1,\"message\":\"Session ID unknown\"}", get("EIO=4&transport=polling&sid=" + sid).body());
    }

    @Test
    void rateLimitAppliesAsOnTheNativeEndpoint() {
        String sid = pollingSession("chatty");
        StringBuilder burst = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            burst.append(i == 0 ? "" : "\u001e").append("42").append(10 + i).append("[\"get_rooms\"]");
        }
        assertEquals("ok", post("EIO=4&transport=polling&sid=" + sid, burst.toString()).body());
        StringBuilder all = new StringBuilder();
        for (int i = 0; i < 10 && !all.toString().contains("4317["); i++) {
            all.append(get("EIO=4&transport=polling&sid=" + sid).body()).append('\u001e');
        }
        String answers = all.toString();
        assertTrue(answers.contains("4310[{\"rooms\""), answers);
        assertTrue(answers.contains("4317[{\"error\":{\"code\":\"rate_limited\""), answers);
        assertTrue(answers.contains("42[\"rate_limit_exceeded\""), answers);
    }

    @Test
    void corsAndPreflightForBrowsers() {
        HttpResult pre = Http.send(URI.create("http://127.0.0.1:" + node.port() + "/socket.io/?EIO=4&transport=polling"),
                "OPTIONS", null, Map.of("Origin", "http://app.example", "Access-Control-Request-Headers", "authorization"));
        assertEquals(204, pre.status());
    }
}
