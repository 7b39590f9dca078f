package dev.realtime.chat;

import static dev.realtime.testing.WsClient.errorCode;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.realtime.testing.RedisServer;
import dev.realtime.testing.TestNode;
import dev.realtime.testing.WsClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Seed 004's live chat: messages with server ids in the history, counts, typing, limits, recovery through another node. */
class ChatE2ETest {

    private static JsonNode say(WsClient c, String videoId, String message) {
        return c.emit("chat:message", "{\"videoId\":" + WsClient.quote(videoId) + ",\"message\":" + WsClient.quote(message) + "}");
    }

    private static Predicate<JsonNode> chat(String message) {
        return m -> "chat:message".equals(m.path("event").asText()) && message.equals(m.path("data").path("message").asText());
    }

    @Test
    void messagesCountsAndTypingInOneRoom() {
        try (TestNode node = TestNode.start(Map.of("VIEWER_COUNT_INTERVAL_MS", "100", "ROOM_TYPING_TIMEOUT", "60000"));
             WsClient alice = node.connect("alice");
             WsClient bob = node.connect("bob")) {
            JsonNode joined = alice.emit("chat:join", "{\"videoId\":\"v1\"}");
            assertEquals("chat:v1", joined.get("data").get("room").asText(), joined.toString());
            alice.expect(m -> "chat:user-count".equals(m.path("event").asText()) && m.path("data").path("count").asInt() == 1);
            bob.emit("chat:join", "{\"videoId\":\"v1\"}");
            JsonNode count = alice.expect(m -> "chat:user-count".equals(m.path("event").asText())
                    && m.path("data").path("count").asInt() == 2);
            assertEquals("v1", count.get("data").get("videoId").asText());

            // A userId in the payload is ignored: the sender is the token's user.
            JsonNode sent = alice.emit("chat:message", "{\"videoId\":\"v1\",\"message\":\"Hello!\",\"userId\":\"mallory\"}");
            assertTrue(sent.get("ok").asBoolean(), sent.toString());
            for (WsClient c : new WsClient[] {alice, bob}) {
                JsonNode m = c.expect(chat("Hello!"));
                JsonNode d = m.get("data");
                assertEquals(sent.get("data").get("id").asText(), d.get("id").asText());
                assertEquals(sent.get("data").get("timestamp").asLong(), d.get("timestamp").asLong());
                assertEquals("v1", d.get("videoId").asText());
                assertEquals("alice", d.get("userId").asText());
                assertEquals("chat:v1", m.get("room").asText());
                assertTrue(m.has("offset") && m.has("epoch"), "kept in the room history: " + m);
            }
            JsonNode history = bob.emit("history", "{\"room\":\"chat:v1\",\"limit\":10}");
            assertTrue(history.toString().contains("Hello!"), history.toString());

            assertTrue(alice.emit("chat:typing", "{\"videoId\":\"v1\",\"isTyping\":true}").get("ok").asBoolean());
            JsonNode typing = bob.expect(m -> "chat:typing".equals(m.path("event").asText()));
            assertEquals("alice", typing.get("data").get("userId").asText());
            assertEquals("v1", typing.get("data").get("videoId").asText());
            assertTrue(typing.get("data").get("isTyping").asBoolean());
            alice.emit("chat:leave", "{\"videoId\":\"v1\"}"); // leaving ends typing
            assertFalse(bob.expect(m -> "chat:typing".equals(m.path("event").asText())).get("data").get("isTyping").asBoolean());
            bob.expect(m -> "chat:user-count".equals(m.path("event").asText()) && m.path("data").path("count").asInt() == 1);
            assertEquals("not_in_room", errorCode(alice.emit("chat:leave", "{\"videoId\":\"v1\"}")));
            assertEquals("not_in_room", errorCode(say(alice, "v1", "gone")));
        }
    }

    @Test
    void limitsAndBadInputGetSpecificErrors(@TempDir Path dir) throws Exception {
        Path words = dir.resolve("blocked.txt");
        Files.writeString(words, "# one per line\nass\n\nbad phrase\n");
        try (TestNode node = TestNode.start(Map.of("CHAT_MAX_LENGTH", "20", "CHAT_BLOCKED_WORDS_FILE", words.toString(),
                "CHAT_RATE_LIMIT_MAX_MESSAGES", "4", "CHAT_RATE_LIMIT_WINDOW_MS", "60000",
                "ALLOW_ANONYMOUS", "true", "PUBLIC_ROOMS", "chat:*"));
             WsClient alice = node.connect("alice");
             WsClient alicePhone = node.connect("alice");
             WsClient bob = node.connect("bob")) {
            for (WsClient c : new WsClient[] {alice, alicePhone, bob}) {
                c.emit("chat:join", "{\"videoId\":\"v2\"}");
            }
            assertEquals("invalid_message", errorCode(alice.emit("chat:message", null)));
            assertEquals("invalid_message", errorCode(alice.emit("chat:message", "{\"videoId\":\"v2\"}")));
            assertEquals("invalid_message", errorCode(alice.emit("chat:message", "{\"videoId\":\"v2\",\"message\":7}")));
            assertEquals("invalid_message", errorCode(alice.emit("chat:message", "{\"message\":\"hi\"}")));
            assertEquals("invalid_message", errorCode(say(alice, "v2", "   ")));
            // Spaces Java's isBlank lets through: no-break, figure, narrow no-break, zero-width, BOM.
            for (String invisible : new String[] {"\u00a0", "\u2007", "\u202f", "\u200b", "\ufeff", " \u00a0\u200b\t",
                    "\u3164", "\uffa0", "\u2800", "\u034f", "\ufe0f", "\u17b5", "\u180b", "hi\u0000there", "red\u001b[31m"}) {
                assertEquals("invalid_message", errorCode(say(alice, "v2", invisible)), invisible.codePoints().boxed().toList().toString());
            }
            assertTrue(say(alice, "v2", "\u00a0hi\u200b\ntwo\tlines").path("ok").asBoolean(),
                    "text with spaces around it, line breaks and tabs is fine");
            assertEquals("invalid_message", errorCode(alice.emit("chat:join", "{\"videoId\":\"v2\",\"since\":{\"epoch\":\"x\",\"offset\":-1}}")));
            assertEquals("too_large", errorCode(say(alice, "v2", "x".repeat(21))));
            assertEquals("content_blocked", errorCode(say(alice, "v2", "you ASS")));
            assertEquals("content_blocked", errorCode(say(alice, "v2", "a Bad  phrase")));
            assertEquals("not_in_room", errorCode(say(alice, "other", "hi")));
            // No way around the chat's checks through a plain publish into the chat room.
            assertEquals("forbidden", errorCode(alice.publish("chat:v2", "chat:message",
                    "{\"id\":\"fake\",\"userId\":\"bob\",\"message\":\"you ASS\"}")));
            assertEquals("invalid_message", errorCode(alice.emit("chat:join", "{\"videoId\":\"v2\",\"since\":{\"offset\":1}}")));
            assertEquals("invalid_message", errorCode(alice.emit("chat:typing", "{\"videoId\":\"v2\"}")));
            assertEquals("not_in_room", errorCode(alice.emit("chat:typing", "{\"videoId\":\"v9\",\"isTyping\":true}")));

            // Blocked messages count too: 4 per minute per user, whichever device sends.
            assertTrue(say(alice, "v2", "first class").get("ok").asBoolean(), "whole words only");
            JsonNode limited = say(alicePhone, "v2", "hi");
            for (int i = 0; i < 4 && limited.get("ok").asBoolean(); i++) {
                limited = say(i % 2 == 0 ? alice : alicePhone, "v2", "hi " + i);
            }
            assertEquals("rate_limited", errorCode(limited));
            assertTrue(limited.get("error").get("retryAfterMs").asLong() > 1000, limited.toString());
            assertTrue(say(bob, "v2", "my turn").get("ok").asBoolean(), "other users are not limited by alice");
            bob.expect(chat("my turn"));
            bob.expectNone(chat("you ASS"), Duration.ZERO);

            try (WsClient anon = WsClient.connect(node.ws())) {
                anon.expectOp("connected");
                assertTrue(anon.emit("chat:join", "{\"videoId\":\"v2\"}").get("ok").asBoolean(), "reading is open");
                assertEquals("forbidden", errorCode(say(anon, "v2", "hi")));
                assertEquals("forbidden", errorCode(anon.emit("chat:typing", "{\"videoId\":\"v2\",\"isTyping\":true}")));
            }
        }
    }

    @Test
    void aReconnectThroughTheOtherNodeRecoversTheMessagesItMissed() {
        try (RedisServer redis = RedisServer.start();
             TestNode a = TestNode.start(Map.of("NODE_ID", "a", "REDIS_URL", redis.url()));
             TestNode b = TestNode.start(Map.of("NODE_ID", "b", "REDIS_URL", redis.url()));
             WsClient host = b.connect("host")) {
            host.emit("chat:join", "{\"videoId\":\"live\"}");
            JsonNode last;
            try (WsClient viewer = a.connect("viewer")) {
                viewer.emit("chat:join", "{\"videoId\":\"live\"}");
                say(host, "live", "one");
                last = viewer.expect(chat("one"));
            }
            say(host, "live", "two");
            say(host, "live", "three");
            try (WsClient again = b.connect("viewer")) {
                JsonNode joined = again.emit("chat:join", "{\"videoId\":\"live\",\"since\":{\"epoch\":"
                        + WsClient.quote(last.get("epoch").asText()) + ",\"offset\":" + last.get("offset").asLong() + "}}");
                assertTrue(joined.get("ok").asBoolean(), joined.toString());
                assertTrue(joined.get("data").get("recovered").asBoolean(), joined.toString());
                assertEquals("live", joined.get("data").get("videoId").asText());
                assertEquals(2, joined.get("data").get("replayed").asInt());
                JsonNode two = again.expect(chat("two"));
                JsonNode three = again.expect(chat("three"));
                assertTrue(two.get("offset").asLong() < three.get("offset").asLong());
                again.expectNone(chat("one"), Duration.ZERO);
                say(host, "live", "four");
                again.expect(chat("four"));
            }
        }
    }
}
