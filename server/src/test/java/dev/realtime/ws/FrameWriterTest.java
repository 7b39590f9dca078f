package dev.realtime.ws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameEncoder;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * The coalescing frame encoder on an EmbeddedChannel: frames are encoded as Netty's server encoder
 * does, small ones wait for the flush and leave as one buffer, order is kept around writes that
 * cannot wait, shared fan-out frames are copied (never retained), and what is pending counts
 * toward writability.
 */
class FrameWriterTest {

    private static EmbeddedChannel channel() {
        EmbeddedChannel ch = new EmbeddedChannel();
        ch.pipeline().addLast(FrameWriter.NAME, new WebSocket13FrameEncoder(false));
        assertTrue(FrameWriter.install(ch.pipeline()) != null);
        return ch;
    }

    /** What Netty's own server encoder makes of {@code frame}, as one byte array. */
    private static byte[] nettyEncoding(io.netty.handler.codec.http.websocketx.WebSocketFrame frame) {
        EmbeddedChannel ref = new EmbeddedChannel(new WebSocket13FrameEncoder(false));
        ref.writeOutbound(frame);
        ByteBuf all = Unpooled.buffer();
        for (ByteBuf b; (b = ref.readOutbound()) != null; ) {
            all.writeBytes(b);
            b.release();
        }
        ref.finishAndReleaseAll();
        byte[] out = new byte[all.readableBytes()];
        all.readBytes(out);
        all.release();
        return out;
    }

    private static byte[] drain(EmbeddedChannel ch) {
        ByteBuf all = Unpooled.buffer();
        for (ByteBuf b; (b = ch.readOutbound()) != null; ) {
            all.writeBytes(b);
            b.release();
        }
        byte[] out = new byte[all.readableBytes()];
        all.readBytes(out);
        all.release();
        return out;
    }

    @Test
    void encodesFramesLikeNettysServerEncoder() {
        for (io.netty.handler.codec.http.websocketx.WebSocketFrame f : new io.netty.handler.codec.http.websocketx.WebSocketFrame[] {
            new TextWebSocketFrame("hello"), new BinaryWebSocketFrame(Unpooled.wrappedBuffer(new byte[300])),
            new TextWebSocketFrame("x".repeat(70_000)), new PingWebSocketFrame(Unpooled.wrappedBuffer(new byte[] {1, 2})),
            new CloseWebSocketFrame(1000, "bye")}) {
            byte[] expected = nettyEncoding(f.retainedDuplicate());
            EmbeddedChannel ch = channel();
            ch.writeOutbound(f);
            assertEquals(new String(expected, StandardCharsets.ISO_8859_1), new String(drain(ch), StandardCharsets.ISO_8859_1),
                    f.getClass().getSimpleName());
            ch.finishAndReleaseAll();
        }
    }

    @Test
    void smallWritesWaitForTheFlushAndLeaveAsOneBuffer() {
        EmbeddedChannel ch = channel();
        ch.write(new TextWebSocketFrame("a"), ch.voidPromise());
        ch.write(Unpooled.wrappedBuffer(new byte[] {(byte) 0x81, 1, 'b'}), ch.voidPromise());
        FrameWriter w = FrameWriter.of(ch);
        ByteBuf shared = Unpooled.directBuffer().writeBytes(new byte[] {(byte) 0x81, 1, 'c'});
        w.writeShared(shared);
        assertEquals(1, shared.refCnt(), "a shared frame is copied, not retained");
        assertEquals(9, w.pendingBytes());
        assertNull(ch.readOutbound(), "nothing reaches the transport before the flush");
        ch.flush();
        ByteBuf one = ch.readOutbound();
        assertEquals("\u0081\u0001a\u0081\u0001b\u0081\u0001c", one.toString(StandardCharsets.ISO_8859_1));
        one.release();
        assertNull(ch.readOutbound(), "one write for the three frames");
        assertEquals(0, w.pendingBytes());
        shared.release();
        ch.finishAndReleaseAll();
    }

    @Test
    void aWriteWithAPromiseGoesAfterWhatIsPendingAndCompletes() {
        EmbeddedChannel ch = channel();
        ch.write(new TextWebSocketFrame("first"), ch.voidPromise());
        ChannelFuture closeWritten = ch.writeAndFlush(new CloseWebSocketFrame(1000, ""));
        assertTrue(closeWritten.isSuccess());
        ByteBuf a = ch.readOutbound();
        assertEquals(0x81, a.getUnsignedByte(0), "the pending frame first");
        a.release();
        ByteBuf b = ch.readOutbound();
        assertEquals(0x88, b.getUnsignedByte(0), "then the close frame");
        b.release();
        ch.finishAndReleaseAll();
    }

    @Test
    void bigSharedFramesAreNotCopiedAndKeepTheirPlace() {
        EmbeddedChannel ch = channel();
        FrameWriter w = FrameWriter.of(ch);
        ch.write(new TextWebSocketFrame("before"), ch.voidPromise());
        ByteBuf big = Unpooled.directBuffer().writeBytes(new byte[FrameWriter.COALESCE_MAX + 1]);
        w.writeShared(big);
        assertEquals(2, big.refCnt(), "a big frame is written as a retained duplicate");
        ch.flush();
        ByteBuf first = ch.readOutbound();
        assertEquals(8, first.readableBytes(), "the pending small frame went out first");
        first.release();
        ByteBuf second = ch.readOutbound();
        assertEquals(FrameWriter.COALESCE_MAX + 1, second.readableBytes());
        second.release();
        assertEquals(1, big.refCnt());
        big.release();
        ch.finishAndReleaseAll();
    }

    @Test
    void pendingBytesCountTowardWritabilityAndAreReleasedOnClose() {
        EmbeddedChannel ch = channel();
        ch.config().setWriteBufferWaterMark(new WriteBufferWaterMark(16, 32));
        FrameWriter w = FrameWriter.of(ch);
        assertTrue(w.isWritable());
        ByteBuf frame = Unpooled.directBuffer().writeBytes(new byte[40]);
        w.writeShared(frame);
        assertTrue(ch.isWritable(), "the channel alone does not see pending bytes");
        assertFalse(w.isWritable(), "the writer does");
        frame.release();
        ch.close();
        assertEquals(0, w.pendingBytes(), "closing releases what never left");
        ch.finishAndReleaseAll();
    }
}
