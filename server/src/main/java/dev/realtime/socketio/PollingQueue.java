package dev.realtime.socketio;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import java.util.ArrayDeque;
import java.util.Base64;
import java.util.function.Consumer;

/**
 * Packets waiting for a long-polling session's next GET. Everything queued is in WebSocket-frame
 * form (what fan-out shares between members); {@link #drain} turns it into an Engine.IO v4 polling
 * payload: packets separated by {@code \x1e}, text packets as they are, binary ones as {@code b} +
 * base64. Bounded by the caller through {@link #bytes()} (the slow-consumer rule).
 *
 * <p>Threading: owned by the session's event loop.
 */
final class PollingQueue {
    static final byte SEPARATOR = 0x1e;
    private final ArrayDeque<ByteBuf> frames = new ArrayDeque<>();
    private long bytes;

    /** Takes ownership of {@code framed} (one or more complete frames). */
    void add(ByteBuf framed) {
        bytes += framed.readableBytes();
        frames.add(framed);
    }

    boolean isEmpty() {
        return frames.isEmpty();
    }

    long bytes() {
        return bytes;
    }

    /** Hands every queued buffer to {@code out} in order (ownership too) and empties the queue. */
    void drainFrames(Consumer<ByteBuf> out) {
        ByteBuf f;
        while ((f = frames.poll()) != null) {
            out.accept(f);
        }
        bytes = 0;
    }

    /** Everything queued as one polling payload; the queue is empty afterwards. Caller owns the result. */
    ByteBuf drain(ByteBufAllocator alloc) {
        ByteBuf out = alloc.buffer((int) Math.min(Integer.MAX_VALUE - 64, bytes + 16));
        boolean[] first = {true};
        drainFrames(framed -> {
            try {
                unframe(framed, (binary, payload) -> {
                    if (!first[0]) {
                        out.writeByte(SEPARATOR);
                    }
                    first[0] = false;
                    if (binary) {
                        out.writeByte('b');
                        out.writeBytes(Base64.getEncoder().encode(ByteBufUtil.getBytes(payload)));
                    } else {
                        out.writeBytes(payload);
                    }
                });
            } finally {
                framed.release();
            }
        });
        return out;
    }

    /** Releases everything queued. */
    void clear() {
        drainFrames(ByteBuf::release);
    }

    /** What one frame carried: its kind and its payload (a slice, valid during the call). */
    interface FrameVisitor {
        void frame(boolean binary, ByteBuf payload);
    }

    /** Walks the unmasked, unfragmented server frames in {@code buf} (as {@code WsFrames} writes them). */
    static void unframe(ByteBuf buf, FrameVisitor visitor) {
        int i = buf.readerIndex();
        int end = buf.writerIndex();
        while (i + 2 <= end) {
            int opcode = buf.getByte(i) & 0x0f;
            int len7 = buf.getByte(i + 1) & 0x7f;
            int header;
            long len;
            if (len7 < 126) {
                header = 2;
                len = len7;
            } else if (len7 == 126) {
                header = 4;
                len = buf.getUnsignedShort(i + 2);
            } else {
                header = 10;
                len = buf.getLong(i + 2);
            }
            visitor.frame(opcode == 0x2, buf.slice(i + header, (int) len));
            i += header + (int) len;
        }
    }
}
