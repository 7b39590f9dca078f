package dev.realtime.ws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.realtime.session.Session;
import dev.realtime.testing.TestNode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The inbound WebSocket handler on an EmbeddedChannel with a real node's services: frames parsed and
 * unmasked from raw bytes (also split across reads), messages executed, fragments reassembled,
 * control frames answered, and every RFC 6455 violation turned into the right close code.
 */
class WsReaderTest {
    private static TestNode node;

    @BeforeAll
    static void start() {
        node = TestNode.start(java.util.Map.of("WS_MAX_MESSAGE_BYTES", "1024"));
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    private static EmbeddedChannel channel() {
        EmbeddedChannel ch = new EmbeddedChannel();
        node.server().context().connections().admit("127.0.0.1"); // as the upgrade does: the session releases it
        Session s = new Session(node.server().context(), "sid", ch, node.server().context().json(), "127.0.0.1");
        ch.pipeline().addLast(WsReader.NAME, new WsReader(s));
        return ch;
    }

    /** A masked client frame. */
    static ByteBuf frame(int first, byte[] payload) {
        ByteBuf b = Unpooled.buffer();
        b.writeByte(first);
        if (payload.length < 126) {
            b.writeByte(0x80 | payload.length);
        } else {
            b.writeByte(0x80 | 126).writeShort(payload.length);
        }
        byte[] key = {0x11, 0x22, 0x33, 0x44};
        b.writeBytes(key);
        for (int i = 0; i < payload.length; i++) {
            b.writeByte(payload[i] ^ key[i & 3]);
        }
        return b;
    }

    static ByteBuf text(String s) {
        return frame(0x81, s.getBytes(StandardCharsets.UTF_8));
    }

    /** The outbound bytes (this handler encodes what it writes), as one buffer the caller releases. */
    private static ByteBuf outbound(EmbeddedChannel ch) {
        ByteBuf all = Unpooled.buffer();
        for (Object o; (o = ch.readOutbound()) != null; ) {
            all.writeBytes((ByteBuf) o);
            ((ByteBuf) o).release();
        }
        return all;
    }

    /** The status of the close frame among what was written, or -1. */
    private static int closeCode(EmbeddedChannel ch) {
        ByteBuf out = outbound(ch);
        try {
            while (out.readableBytes() >= 2) {
                int op = out.readUnsignedByte() & 0x0F;
                int len = out.readUnsignedByte() & 0x7F;
                if (len == 126) {
                    len = out.readUnsignedShort();
                }
                if (op == 0x8) {
                    return len >= 2 ? out.getUnsignedShort(out.readerIndex()) : 1005;
                }
                out.skipBytes(len);
            }
            return -1;
        } finally {
            out.release();
        }
    }

    /** Everything the session wrote so far, as text (frame headers included). */
    private static String written(EmbeddedChannel ch) {
        ByteBuf out = outbound(ch);
        String s = out.toString(StandardCharsets.ISO_8859_1);
        out.release();
        return s;
    }

    @Test
    void messagesAreDecodedAndExecutedAlsoWhenSplitAcrossReads() {
        EmbeddedChannel ch = channel();
        // An unauthenticated connection answers its first message: the answer proves it was read whole.
        ByteBuf f = text("{\"op\":\"ping\",\"id\":7}");
        ch.writeInbound(f.readRetainedSlice(5));
        assertEquals("", written(ch), "half a frame: nothing yet");
        ch.writeInbound(f);
        String out = written(ch);
        assertTrue(out.contains("the first message must be auth") && out.contains("\"id\":7"), out);
        ch.finishAndReleaseAll();
    }

    @Test
    void fragmentsAreReassembledIntoOneMessage() {
        EmbeddedChannel ch = channel();
        ch.writeInbound(frame(0x01, "{\"op\":\"pi".getBytes(StandardCharsets.UTF_8)));
        assertEquals("", written(ch));
        ch.writeInbound(frame(0x00, "ng\",".getBytes(StandardCharsets.UTF_8)));
        ch.writeInbound(frame(0x80, "\"id\":8}".getBytes(StandardCharsets.UTF_8)));
        String out = written(ch);
        assertTrue(out.contains("the first message must be auth") && out.contains("\"id\":8"), out);
        ch.finishAndReleaseAll();
    }

    @Test
    void pingIsAnsweredWithItsPayloadAndPongsAreSwallowed() {
        EmbeddedChannel ch = channel();
        ch.writeInbound(frame(0x8A, new byte[] {9}));
        assertNull(ch.readOutbound());
        ch.writeInbound(frame(0x89, new byte[] {1, 2, 3}));
        ByteBuf pong = outbound(ch);
        assertEquals(Unpooled.wrappedBuffer(new byte[] {(byte) 0x8A, 3, 1, 2, 3}), pong, "a pong with the ping's payload");
        pong.release();
        ch.finishAndReleaseAll();
    }

    @Test
    void clientCloseIsEchoedThenTheChannelCloses() {
        EmbeddedChannel ch = channel();
        ch.writeInbound(frame(0x88, new byte[] {0x03, (byte) 0xE8, 'b', 'y', 'e'}));
        assertEquals(1000, closeCode(ch));
        assertFalse(ch.isOpen());
        ch.finishAndReleaseAll();
    }

    @Test
    void violationsCloseWithTheirCodes() {
        Object[][] cases = {
            {"unmasked", frame(0x81, "{}".getBytes(StandardCharsets.UTF_8)).setByte(1, 2), 1002},
            {"RSV1 without an extension", frame(0xC1, "{}".getBytes(StandardCharsets.UTF_8)), 1002},
            {"reserved opcode", frame(0x83, new byte[] {1}), 1002},
            {"fragmented ping", frame(0x09, new byte[] {1}), 1002},
            {"control frame over 125 bytes", frame(0x89, new byte[126]), 1002},
            {"continuation without a start", frame(0x80, new byte[] {1}), 1002},
            {"one-byte close body", frame(0x88, new byte[] {3}), 1002},
            {"close code 1005 on the wire", frame(0x88, new byte[] {0x03, (byte) 0xED}), 1002},
            {"over MAX_MESSAGE_BYTES", frame(0x81, new byte[2000]), 1009},
            {"invalid UTF-8", frame(0x81, new byte[] {'"', (byte) 0xFF, '"'}), 1007},
        };
        for (Object[] c : cases) {
            EmbeddedChannel ch = channel();
            ch.writeInbound(c[1]);
            assertEquals((int) c[2], closeCode(ch), (String) c[0]);
            ch.finishAndReleaseAll();
        }
        EmbeddedChannel tooLong = channel();
        tooLong.writeInbound(frame(0x01, new byte[600]));
        tooLong.writeInbound(frame(0x80, new byte[600])); // the reassembled message is over the limit
        assertEquals(1009, closeCode(tooLong));
        tooLong.finishAndReleaseAll();
    }

    @Test
    void unmaskingHandlesEveryLengthAndOffset() {
        for (int n = 0; n < 40; n++) {
            EmbeddedChannel ch = channel();
            String pad = "x".repeat(n);
            ch.writeInbound(text("{\"op\":\"ping\",\"id\":" + n + ",\"p\":\"" + pad + "\"}"));
            String out = written(ch);
            assertTrue(out.contains("\"id\":" + n), n + ": " + out);
            ch.finishAndReleaseAll();
        }
    }

    @Test
    void serverFramesAreEncodedAndWaitForTheFlush() {
        EmbeddedChannel ch = channel();
        ch.write(new TextWebSocketFrame("x"), ch.voidPromise());
        ch.write(new TextWebSocketFrame("y"), ch.voidPromise());
        assertNull(ch.readOutbound(), "coalesced until the flush");
        assertTrue(FrameWriter.of(ch) != null, "the reader's writer is the connection's sink");
        ch.flush();
        ByteBuf out = ch.readOutbound();
        assertEquals("\u0081\u0001x\u0081\u0001y", out.toString(StandardCharsets.ISO_8859_1));
        out.release();
        ch.finishAndReleaseAll();
    }
}
