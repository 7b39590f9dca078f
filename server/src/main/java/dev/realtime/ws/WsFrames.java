package dev.realtime.ws;

import dev.realtime.protocol.MessageCodec;
import dev.realtime.protocol.ServerMessage;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * Builds complete server-to-client WebSocket frames (header + payload) in one direct buffer.
 * Server frames are unmasked, so one such buffer can be written to any number of connections with
 * {@code retainedDuplicate()}; the WebSocket frame encoder lets plain {@code ByteBuf}s pass through.
 */
public final class WsFrames {
    private static final int MAX_HEADER = 10;
    private static final int OPCODE_TEXT = 0x1;
    private static final int OPCODE_BINARY = 0x2;

    private WsFrames() {
    }

    /** Encodes {@code message} with {@code codec} into a single final data frame. Caller owns the buffer. */
    public static ByteBuf encode(MessageCodec codec, ServerMessage message, ByteBufAllocator alloc) {
        ByteBuf buf = alloc.directBuffer(128);
        try {
            buf.writerIndex(MAX_HEADER);
            codec.encodeServer(message, buf);
            return frame(buf, codec.binaryFrames());
        } catch (RuntimeException e) {
            buf.release();
            throw e;
        }
    }

    /**
     * One final data frame whose payload {@code writer} appends (text or binary). For encodings that
     * are not a {@link MessageCodec} (the Socket.IO endpoint). Caller owns the buffer.
     */
    public static ByteBuf encode(ByteBufAllocator alloc, boolean binary, java.util.function.Consumer<ByteBuf> writer) {
        ByteBuf buf = alloc.directBuffer(128);
        try {
            buf.writerIndex(MAX_HEADER);
            writer.accept(buf);
            return frame(buf, binary);
        } catch (RuntimeException e) {
            buf.release();
            throw e;
        }
    }

    /** Writes the header in front of a payload that starts at index {@value #MAX_HEADER}. */
    private static ByteBuf frame(ByteBuf buf, boolean binary) {
        int len = buf.writerIndex() - MAX_HEADER;
        int start;
        if (len < 126) {
            start = MAX_HEADER - 2;
            buf.setByte(start + 1, len);
        } else if (len < 65536) {
            start = MAX_HEADER - 4;
            buf.setByte(start + 1, 126);
            buf.setShort(start + 2, len);
        } else {
            start = 0;
            buf.setByte(1, 127);
            buf.setLong(2, len);
        }
        buf.setByte(start, 0x80 | (binary ? OPCODE_BINARY : OPCODE_TEXT));
        buf.readerIndex(start);
        return buf;
    }
}
