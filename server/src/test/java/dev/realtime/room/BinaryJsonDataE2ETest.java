package dev.realtime.room;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.realtime.cluster.BusEnvelope;
import dev.realtime.protocol.BinaryCodec;
import dev.realtime.protocol.ClientMessage;
import dev.realtime.protocol.Payload;
import dev.realtime.protocol.ServerMessage;
import dev.realtime.store.RedisHistoryStore;
import dev.realtime.store.Stores;
import dev.realtime.testing.RedisServer;
import dev.realtime.testing.TestNode;
import dev.realtime.testing.WsClient;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisPooled;

/**
 * JSON data from a binary client reaches JSON clients byte for byte, so it must be one valid JSON
 * value: a forged envelope key or invalid UTF-8 is refused with {@code invalid_message} and never
 * reaches (or breaks) a JSON member, and events stored before this check are made safe on the way out.
 */
class BinaryJsonDataE2ETest {
    private static final BinaryCodec CODEC = new BinaryCodec();

    private static byte[] encode(ClientMessage m) {
        ByteBuf b = Unpooled.buffer();
        try {
            CODEC.encodeClient(m, b);
            return ByteBufUtil.getBytes(b);
        } finally {
            b.release();
        }
    }

    /** The next binary message that answers {@code id} (events in between are skipped). */
    private static ServerMessage.Reply reply(WsClient bin, long id) {
        while (true) {
            ByteBuf b = Unpooled.wrappedBuffer(bin.nextBinary());
            try {
                for (ServerMessage m : CODEC.decodeServer(b)) {
                    if (m instanceof ServerMessage.Reply r && r.id() == id) {
                        return r;
                    }
                }
            } finally {
                b.release();
            }
        }
    }

    @Test
    void forgedKeysAndInvalidUtf8AreRefusedAndJsonMembersNeverSeeThem() {
        try (TestNode node = TestNode.start();
             WsClient bin = WsClient.connect(node.ws(), Map.of("Authorization", "Bearer " + TestNode.token("mallory")),
                     "rt.binary.v1");
             WsClient victim = node.connect("victim")) {
            bin.nextBinary(); // connected
            bin.sendBinary(encode(new ClientMessage.Join(1L, "lobby", null)));
            assertTrue(reply(bin, 1).ok());
            victim.join("lobby");

            byte[] forged = "1,\"event\":\"notification:new\",\"room\":\"user:victim\"".getBytes(StandardCharsets.UTF_8);
            bin.sendBinary(encode(new ClientMessage.Publish(2L, "lobby", "chat:message", Payload.json(forged))));
            ServerMessage.Reply refused = reply(bin, 2);
            assertFalse(refused.ok());
            assertEquals("invalid_message", refused.error().code());

            bin.sendBinary(encode(new ClientMessage.Publish(3L, "lobby", "chat:message",
                    Payload.json(new byte[] {'"', (byte) 0xFF, (byte) 0xFE, '"'}))));
            assertEquals("invalid_message", reply(bin, 3).error().code());

            bin.sendBinary(encode(new ClientMessage.Emit(4L, "get_rooms", Payload.json("{\"deep\":" + "[".repeat(40)
                    + "]".repeat(40) + "}"))));
            assertEquals("invalid_message", reply(bin, 4).error().code());

            // A valid value still passes, and it is the first thing the JSON member sees: nothing forged before it.
            bin.sendBinary(encode(new ClientMessage.Publish(5L, "lobby", "chat:message", Payload.json("{\"text\":\"hi\"}"))));
            assertTrue(reply(bin, 5).ok());
            // (presence events may arrive first: mallory's join is announced asynchronously)
            JsonNode event = victim.expect(m -> "event".equals(m.path("op").asText())
                    && !m.path("event").asText().startsWith("room:user_"));
            assertEquals("chat:message", event.get("event").asText());
            assertEquals("lobby", event.get("room").asText());
            assertEquals("hi", event.get("data").get("text").asText());
            victim.send("{\"op\":\"ping\",\"id\":99}");
            assertEquals(99, victim.expectOp("pong").get("id").asLong());
            assertFalse(victim.isClosed());
        }
    }

    @Test
    void invalidJsonStoredBeforeTheCheckReachesJsonClientsAsRawBytes() {
        try (RedisServer redis = RedisServer.start();
             JedisPooled pool = Stores.pool(new HostAndPort("127.0.0.1", redis.port()), null, 2)) {
            // What an older node appended for a binary client: kind-1 data that is not JSON.
            byte[] bad = "1,\"event\":\"x\"\u00ff".getBytes(StandardCharsets.ISO_8859_1);
            RedisHistoryStore store = new RedisHistoryStore(pool, 100, Duration.ofHours(1));
            var at = store.append("stored", new BusEnvelope("old-node", "stored",
                    new ServerMessage.Event("stored", "chat:message", Payload.json(bad), null, null)).encode());
            store.append("stored", new BusEnvelope("old-node", "stored",
                    new ServerMessage.Event("stored", "chat:message", Payload.json("{\"ok\":1}"), null, null)).encode());
            try (TestNode node = TestNode.start(Map.of("REDIS_URL", redis.url()));
                 WsClient json = node.connect("reader")) {
                JsonNode reply = json.request("join", "\"room\":\"stored\",\"since\":{\"epoch\":"
                        + WsClient.quote(at.epoch()) + ",\"offset\":0}");
                List<JsonNode> events = List.of(json.expectEvent("chat:message"), json.expectEvent("chat:message"));
                assertTrue(reply.get("ok").asBoolean(), reply.toString());
                assertTrue(events.get(0).get("binary").asBoolean(), events.get(0).toString());
                assertEquals(bad.length, java.util.Base64.getDecoder().decode(events.get(0).get("data").asText()).length);
                assertEquals(1, events.get(1).get("data").get("ok").asInt());
                JsonNode history = json.request("emit", "\"event\":\"history\",\"data\":{\"room\":\"stored\"}");
                assertTrue(history.get("data").get("events").get(0).get("binary").asBoolean(), history.toString());
                assertInstanceOf(com.fasterxml.jackson.databind.node.ObjectNode.class,
                        history.get("data").get("events").get(1).get("data"));
                assertFalse(json.isClosed());
            }
        }
    }
}
