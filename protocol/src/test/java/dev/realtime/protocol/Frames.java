package dev.realtime.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Test helpers that run a codec over heap buffers and release every buffer they allocate (asserting
 * that the release really freed it, so a codec that retained or released a frame would be caught).
 */
final class Frames {
    private Frames() {
    }

    static List<ClientMessage> decodeClient(MessageCodec codec, byte[] frame) {
        ByteBuf buf = copy(frame);
        try {
            List<ClientMessage> out = codec.decodeClient(buf);
            assertEquals(0, buf.readerIndex(), "decodeClient must not consume the frame");
            assertEquals(1, buf.refCnt(), "decodeClient must not release or retain the frame");
            return out;
        } finally {
            assertTrue(buf.release());
        }
    }

    static List<ClientMessage> decodeClient(MessageCodec codec, String text) {
        return decodeClient(codec, utf8(text));
    }

    static List<ServerMessage> decodeServer(MessageCodec codec, byte[] frame) {
        ByteBuf buf = copy(frame);
        try {
            List<ServerMessage> out = codec.decodeServer(buf);
            assertEquals(0, buf.readerIndex(), "decodeServer must not consume the frame");
            return out;
        } finally {
            assertTrue(buf.release());
        }
    }

    static List<ServerMessage> decodeServer(MessageCodec codec, String text) {
        return decodeServer(codec, utf8(text));
    }

    static byte[] encodeServer(MessageCodec codec, ServerMessage... messages) {
        ByteBuf buf = Unpooled.buffer();
        try {
            for (ServerMessage m : messages) {
                codec.encodeServer(m, buf);
            }
            return ByteBufUtil.getBytes(buf);
        } finally {
            assertTrue(buf.release());
        }
    }

    static byte[] encodeClient(MessageCodec codec, ClientMessage... messages) {
        ByteBuf buf = Unpooled.buffer();
        try {
            for (ClientMessage m : messages) {
                codec.encodeClient(m, buf);
            }
            return ByteBufUtil.getBytes(buf);
        } finally {
            assertTrue(buf.release());
        }
    }

    /** A fresh, releasable heap buffer (wrappedBuffer of an empty array would be the shared EMPTY_BUFFER). */
    static ByteBuf copy(byte[] bytes) {
        return Unpooled.buffer(bytes.length).writeBytes(bytes);
    }

    static String text(byte[] utf8) {
        return new String(utf8, StandardCharsets.UTF_8);
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static String hex(byte[] bytes) {
        ByteBuf buf = copy(bytes);
        try {
            return ByteBufUtil.hexDump(buf);
        } finally {
            assertTrue(buf.release());
        }
    }

    static byte[] unhex(String hex) {
        return ByteBufUtil.decodeHexDump(hex.replace(" ", ""));
    }

    /** The single message a frame decoded to. */
    static <T> T only(List<T> messages) {
        assertEquals(1, messages.size(), () -> "expected one message, got " + messages);
        return messages.get(0);
    }
}
