package dev.realtime.ws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.realtime.protocol.BinaryCodec;
import dev.realtime.protocol.ClientMessage;
import dev.realtime.protocol.JsonCodec;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import org.junit.jupiter.api.Test;

class ProtocolDecoderTest {

    @Test
    void textAndBinaryFramesBecomeTypedMessagesAndFramesAreReleased() {
        EmbeddedChannel ch = new EmbeddedChannel(new ProtocolDecoder(new JsonCodec(), new BinaryCodec()));
        TextWebSocketFrame text = new TextWebSocketFrame("[{\"op\":\"ping\",\"id\":1},{\"op\":\"leave\",\"room\":\"r\"}]");
        ch.writeInbound(text);
        assertEquals(new ClientMessage.Ping(1L), ch.readInbound());
        assertEquals(new ClientMessage.Leave(null, "r"), ch.readInbound());
        assertEquals(0, text.refCnt());

        BinaryWebSocketFrame bin = new BinaryWebSocketFrame(Unpooled.wrappedBuffer(new byte[] {0x06, 0x01, 0x07}));
        ch.writeInbound(bin);
        assertEquals(new ClientMessage.Ping(7L), ch.readInbound());
        assertEquals(0, bin.refCnt());

        ch.writeInbound(new TextWebSocketFrame("{bad"));
        ClientMessage.Invalid invalid = assertInstanceOf(ClientMessage.Invalid.class, ch.readInbound());
        assertEquals("invalid_message", invalid.error().code());
        assertNull(ch.readInbound());
        ch.finishAndReleaseAll();
    }
}
