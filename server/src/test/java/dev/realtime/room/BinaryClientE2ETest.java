package dev.realtime.room;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.realtime.protocol.BinaryCodec;
import dev.realtime.protocol.ClientMessage;
import dev.realtime.protocol.Payload;
import dev.realtime.protocol.ServerMessage;
import dev.realtime.testing.TestNode;
import dev.realtime.testing.WsClient;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A binary-codec client and a JSON client in one room: each gets the event in its own codec. */
class BinaryClientE2ETest {
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

    private static ServerMessage decode(byte[] frame) {
        ByteBuf b = Unpooled.wrappedBuffer(frame);
        try {
            List<ServerMessage> msgs = CODEC.decodeServer(b);
            assertEquals(1, msgs.size());
            return msgs.get(0);
        } finally {
            b.release();
        }
    }

    /** The next binary message that is not a presence event (the JSON member's arrival is announced). */
    private static ServerMessage next(WsClient c) {
        while (true) {
            ServerMessage m = decode(c.nextBinary());
            if (!(m instanceof ServerMessage.Event e && e.event().startsWith("room:user_"))) {
                return m;
            }
        }
    }

    @Test
    void binaryAndJsonMembersShareARoom() {
        try (TestNode node = TestNode.start();
             WsClient bin = WsClient.connect(node.ws(), Map.of("Authorization", "Bearer " + TestNode.token("b")), "rt.binary.v1");
             WsClient json = node.connect("j")) {
            ServerMessage.Connected connected = assertInstanceOf(ServerMessage.Connected.class, decode(bin.nextBinary()));
            assertEquals("b", connected.userId());
            bin.sendBinary(encode(new ClientMessage.Join(1L, "mixed", null)));
            ServerMessage.Reply joined = assertInstanceOf(ServerMessage.Reply.class, decode(bin.nextBinary()));
            assertTrue(joined.ok());
            json.join("mixed");

            // Raw bytes from the binary client reach the JSON client as base64 and the binary client as bytes.
            byte[] raw = {0, 1, 2, (byte) 0xFF};
            bin.sendBinary(encode(new ClientMessage.Publish(2L, "mixed", "blob", Payload.binary(raw))));
            ServerMessage first = next(bin);
            ServerMessage second = next(bin);
            ServerMessage.Event ev = (ServerMessage.Event) (first instanceof ServerMessage.Event ? first : second);
            assertArrayEquals(raw, ev.data().bytes());
            var jsonEvent = json.expectEvent("blob");
            assertTrue(jsonEvent.get("binary").asBoolean());
            assertEquals("AAEC/w==", jsonEvent.get("data").asText());

            // JSON publish reaches the binary client in binary.
            json.publish("mixed", "chat:message", "{\"t\":\"hi\"}");
            ServerMessage.Event fromJson = assertInstanceOf(ServerMessage.Event.class, next(bin));
            assertEquals("{\"t\":\"hi\"}", fromJson.data().jsonText());
            assertEquals("mixed", fromJson.room());
        }
    }
}
