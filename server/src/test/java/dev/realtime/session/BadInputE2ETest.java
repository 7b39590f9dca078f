package dev.realtime.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.realtime.testing.RawWs;
import dev.realtime.testing.TestNode;
import dev.realtime.testing.WsClient;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Each bad input gets its documented answer, and a bystander in the same room keeps receiving
 * throughout (checked at the end of every test).
 */
class BadInputE2ETest {
    private TestNode node;
    private WsClient bystander;
    private WsClient speaker;

    @BeforeEach
    void start() {
        node = TestNode.start(Map.of("WS_MAX_MESSAGE_BYTES", "65536", "RATE_LIMIT_MAX_MESSAGES", "50",
                "RATE_LIMIT_WINDOW_MS", "60000"));
        bystander = node.connect("bystander");
        speaker = node.connect("speaker");
        bystander.join("shared");
        speaker.join("shared");
    }

    @AfterEach
    void stop() {
        // The bystander was never disturbed: a fresh publish still reaches it.
        assertTrue(speaker.publish("shared", "still-alive", "true").get("ok").asBoolean());
        bystander.expectEvent("still-alive");
        bystander.close();
        speaker.close();
        node.close();
    }

    @Test
    void malformedJsonKeepsConnectionOpen() {
        try (WsClient c = node.connect("bad")) {
            for (String junk : new String[] {"{not json", "[1,2", "42", "\"str\"", "{\"op\":\"join\",\"room\":\"a\"}garbage", "[]"}) {
                c.send(junk);
                assertEquals("invalid_message", c.expectOp("error").get("error").get("code").asText(), junk);
            }
            c.send("{\"op\":\"ping\",\"id\":1}");
            c.expectOp("pong");
            assertFalse(c.isClosed());
        }
    }

    @Test
    void unknownOpAndMissingFieldsGetCodedReplies() {
        try (WsClient c = node.connect("bad")) {
            c.send("{\"op\":\"teleport\",\"id\":3}");
            JsonNode r = c.expectOp("reply");
            assertEquals(3, r.get("id").asInt());
            assertEquals("unknown_op", r.get("error").get("code").asText());
            c.send("{\"op\":\"join\",\"id\":4}");
            assertEquals("invalid_message", c.expect(m -> m.path("id").asInt() == 4).get("error").get("code").asText());
            c.send("{\"op\":\"publish\",\"id\":5,\"room\":\"shared\"}");
            assertEquals("invalid_message", c.expect(m -> m.path("id").asInt() == 5).get("error").get("code").asText());
            c.send("{\"id\":6}");
            assertEquals("invalid_message", c.expect(m -> m.path("id").asInt() == 6).get("error").get("code").asText());
            c.send("{\"op\":\"join\",\"id\":\"seven\",\"room\":\"x\"}");
            assertEquals("invalid_message", c.expectOp("error").get("error").get("code").asText());
            c.send("{\"op\":\"join\",\"id\":8,\"room\":42}");
            assertEquals("invalid_message", c.expect(m -> m.path("id").asInt() == 8).get("error").get("code").asText());
        }
    }

    @Test
    void batchRunsEveryElementAndAnswersTheBadOnes() {
        try (WsClient c = node.connect("batcher")) {
            c.send("[{\"op\":\"join\",\"id\":1,\"room\":\"b1\"},{\"op\":\"nope\",\"id\":2},{\"op\":\"ping\",\"id\":3}]");
            assertTrue(c.expect(m -> "reply".equals(m.path("op").asText()) && m.path("id").asInt() == 1).get("ok").asBoolean());
            assertEquals("unknown_op", c.expect(m -> m.path("id").asInt() == 2).get("error").get("code").asText());
            c.expectOp("pong");
        }
    }

    @Test
    void deeplyNestedOrHugeJsonIsRefusedWithoutHarm() {
        try (WsClient c = node.connect("nester")) {
            c.send("{\"op\":\"publish\",\"room\":\"shared\",\"event\":\"x\",\"data\":" + "[".repeat(20_000) + "]".repeat(20_000) + "}");
            assertEquals("invalid_message", c.expectOp("error").get("error").get("code").asText());
            StringBuilder batch = new StringBuilder("[");
            for (int i = 0; i < 1000; i++) {
                batch.append(i == 0 ? "" : ",").append("{\"op\":\"ping\"}");
            }
            c.send(batch.append("]").toString());
            assertEquals("too_large", c.expectOp("error").get("error").get("code").asText());
            c.send("{\"op\":\"ping\",\"id\":1}");
            c.expectOp("pong");
        }
    }

    @Test
    void oversizeMessageCloses1009() {
        try (WsClient c = node.connect("big")) {
            c.send("{\"op\":\"ping\",\"pad\":\"" + "x".repeat(70_000) + "\"}");
            assertEquals(1009, c.awaitClose());
        }
    }

    @Test
    void oversizeFragmentedMessageCloses1009() throws Exception {
        try (RawWs raw = RawWs.connect(node.port(), "/ws?token=" + TestNode.token("frag"), 0)) {
            assertEquals(101, raw.status);
            raw.sendFrame(0x1, "{\"op\":\"ping\",\"pad\":\"".getBytes(StandardCharsets.UTF_8), false);
            byte[] chunk = "y".repeat(40_000).getBytes(StandardCharsets.UTF_8);
            raw.sendFrame(0x0, chunk, false);
            raw.sendFrame(0x0, chunk, true);
            assertEquals(1009, raw.readUntilClose().closeCode());
        }
    }

    @Test
    void invalidUtf8Closes1007() throws Exception {
        try (RawWs raw = RawWs.connect(node.port(), "/ws?token=" + TestNode.token("utf"), 0)) {
            assertEquals(101, raw.status);
            raw.sendText(new byte[] {'{', '"', (byte) 0xC3, (byte) 0x28, '"', '}'});
            assertEquals(1007, raw.readUntilClose().closeCode());
        }
    }

    @Test
    void malformedBinaryFrameGetsInvalidMessage() {
        try (WsClient c = node.connect("bin")) {
            c.sendBinary(new byte[] {0x02, 0x01, (byte) 0xFF});
            assertEquals("invalid_message", c.expectOp("error").get("error").get("code").asText());
            c.sendBinary(new byte[] {0x7F, 0x00});
            assertEquals("unknown_op", c.expectOp("error").get("error").get("code").asText());
            c.send("{\"op\":\"ping\",\"id\":2}");
            c.expectOp("pong");
        }
    }

    @Test
    void floodIsRateLimitedThenClosed4429() {
        try (WsClient c = node.connect("flooder")) {
            for (int i = 0; i < 50; i++) {
                c.send("{\"op\":\"ping\"}");
            }
            c.send("{\"op\":\"ping\",\"id\":51}");
            JsonNode limited = c.expectOp("error");
            assertEquals("rate_limited", limited.get("error").get("code").asText());
            assertTrue(limited.get("error").get("retryAfterMs").asLong() > 0);
            JsonNode reply = c.expect(m -> "reply".equals(m.path("op").asText()) && m.path("id").asInt() == 51);
            assertEquals("rate_limited", reply.get("error").get("code").asText());
            for (int i = 0; i < 60 && !c.isClosed(); i++) {
                c.send("{\"op\":\"ping\"}");
            }
            assertEquals(4429, c.awaitClose());
        }
        assertTrue(node.get("/metrics").body().contains("realtime_abuse_disconnects_total 1.0"));
    }
}
