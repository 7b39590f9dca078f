package dev.realtime.ws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import dev.realtime.protocol.BinaryCodec;
import dev.realtime.protocol.JsonCodec;
import dev.realtime.protocol.Payload;
import dev.realtime.protocol.ServerMessage;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameDecoder;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Pre-built frames must be exactly what a standard WebSocket decoder expects, at every length class. */
class WsFramesTest {

    private static ServerMessage.Event event(int dataChars) {
        return new ServerMessage.Event("r", "e", Payload.json("\"" + "d".repeat(dataChars) + "\""), null, null);
    }

    @Test
    void textFramesOfEveryLengthClassDecode() {
        JsonCodec json = new JsonCodec();
        for (int size : new int[] {0, 50, 90, 200, 65_000, 70_000}) {
            EmbeddedChannel client = new EmbeddedChannel(new WebSocket13FrameDecoder(false, false, 1 << 20));
            ByteBuf frame = WsFrames.encode(json, event(size), ByteBufAllocator.DEFAULT);
            client.writeInbound(frame);
            TextWebSocketFrame decoded = client.readInbound();
            ServerMessage back = json.decodeServer(decoded.content()).get(0);
            decoded.release();
            assertEquals(event(size), back, "size " + size);
            client.finishAndReleaseAll();
        }
    }

    @Test
    void binaryFrameAndSharedBufferForManyRecipients() {
        BinaryCodec binary = new BinaryCodec();
        ByteBuf frame = WsFrames.encode(binary, event(10), ByteBufAllocator.DEFAULT);
        for (int i = 0; i < 3; i++) {
            EmbeddedChannel client = new EmbeddedChannel(new WebSocket13FrameDecoder(false, false, 1 << 20));
            client.writeInbound(frame.retainedDuplicate());
            BinaryWebSocketFrame decoded = assertInstanceOf(BinaryWebSocketFrame.class, client.readInbound());
            List<ServerMessage> msgs = binary.decodeServer(decoded.content());
            decoded.release();
            assertEquals(List.of(event(10)), msgs);
            client.finishAndReleaseAll();
        }
        assertEquals(1, frame.refCnt(), "duplicates released, original intact");
        frame.release();
    }
}
