package dev.realtime.loadtest;

import dev.realtime.protocol.BinaryCodec;
import dev.realtime.protocol.ClientMessage;
import dev.realtime.protocol.JsonCodec;
import dev.realtime.protocol.MessageCodec;
import dev.realtime.protocol.Payload;
import dev.realtime.protocol.ProtocolException;
import dev.realtime.protocol.ServerMessage;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import java.net.URI;
import java.nio.charset.StandardCharsets;

/**
 * Our native protocol ({@code rt.json.v1} or {@code rt.binary.v1}). Events on the JSON codec are
 * located by scanning for the {@code data} field instead of a full parse, so the harness spends its
 * CPU on sending and timing, not on parsing what the server sent.
 */
final class NativeProtocol implements ProtocolAdapter {
    private static final byte[] EVENT_PREFIX = "{\"op\":\"event\"".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] DATA_FIELD = "\"data\":".getBytes(StandardCharsets.US_ASCII);
    private static final ByteBuf DATA_NEEDLE = Unpooled.unreleasableBuffer(Unpooled.wrappedBuffer(DATA_FIELD));

    private final boolean binary;
    private final MessageCodec codec;

    NativeProtocol(boolean binary) {
        this.binary = binary;
        this.codec = binary ? new BinaryCodec() : new JsonCodec();
    }

    @Override
    public String name() {
        return binary ? "native-binary" : "native-json";
    }

    @Override
    public URI handshakeUri(URI base, String token) {
        return base;
    }

    @Override
    public HttpHeaders handshakeHeaders(String token) {
        return new DefaultHttpHeaders().set(HttpHeaderNames.AUTHORIZATION, "Bearer " + token);
    }

    @Override
    public String subprotocol() {
        return codec.subprotocol();
    }

    @Override
    public WebSocketFrame join(ByteBufAllocator alloc, String room, long id) {
        return frame(alloc, new ClientMessage.Join(id, room, null));
    }

    @Override
    public WebSocketFrame publish(ByteBufAllocator alloc, String room, String event, byte[] jsonData) {
        return frame(alloc, new ClientMessage.Publish(null, room, event, Payload.json(jsonData)));
    }

    @Override
    public WebSocketFrame emit(ByteBufAllocator alloc, String event, byte[] jsonData, Long id) {
        return frame(alloc, new ClientMessage.Emit(id, event, jsonData == null ? null : Payload.json(jsonData)));
    }

    private WebSocketFrame frame(ByteBufAllocator alloc, ClientMessage m) {
        ByteBuf buf = alloc.buffer(64);
        codec.encodeClient(m, buf);
        return binary ? new BinaryWebSocketFrame(buf) : new TextWebSocketFrame(buf);
    }

    @Override
    public void read(WebSocketFrame frame, InboundSink sink) {
        ByteBuf content = frame.content();
        if (!binary && !sink.wantsEventNames() && startsWith(content, EVENT_PREFIX)) {
            int at = ByteBufUtil.indexOf(DATA_NEEDLE, content);
            if (at >= 0) {
                int start = at + DATA_FIELD.length;
                sink.event(content.slice(start, content.writerIndex() - start));
                return;
            }
        }
        try {
            for (ServerMessage m : codec.decodeServer(content)) {
                dispatch(m, sink);
            }
        } catch (ProtocolException e) {
            sink.error("malformed_frame");
        }
    }

    /** The allocation-free path: an event's data is located by index, everything else decoded as before. */
    @Override
    public void read(ByteBuf buf, int from, int to, boolean binaryFrame, InboundSink sink) {
        if (!binary && !sink.wantsEventNames() && startsWith(buf, from, to, EVENT_PREFIX)) {
            int at = indexOf(buf, from, to, DATA_FIELD);
            if (at >= 0) {
                sink.event(buf, at + DATA_FIELD.length, to);
                return;
            }
        }
        ProtocolAdapter.super.read(buf, from, to, binaryFrame, sink);
    }

    private static boolean startsWith(ByteBuf buf, int from, int to, byte[] prefix) {
        if (to - from < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (buf.getByte(from + i) != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    static int indexOf(ByteBuf buf, int from, int to, byte[] needle) {
        int last = to - needle.length;
        byte first = needle[0];
        outer:
        for (int i = from; i <= last; i++) {
            if (buf.getByte(i) != first) {
                continue;
            }
            for (int k = 1; k < needle.length; k++) {
                if (buf.getByte(i + k) != needle[k]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private static void dispatch(ServerMessage m, InboundSink sink) {
        if (m instanceof ServerMessage.Event e) {
            if (e.data() != null) {
                if (sink.wantsEventNames()) {
                    sink.event(e.event(), Unpooled.wrappedBuffer(e.data().bytes()));
                } else {
                    sink.event(Unpooled.wrappedBuffer(e.data().bytes()));
                }
            }
        } else if (m instanceof ServerMessage.Reply r) {
            sink.reply(r.id(), r.ok(), r.error() == null ? null : r.error().code());
        } else if (m instanceof ServerMessage.Connected) {
            sink.connected();
        } else if (m instanceof ServerMessage.Error e) {
            sink.error(e.error() == null ? "error" : e.error().code());
        }
    }

    private static boolean startsWith(ByteBuf buf, byte[] prefix) {
        if (buf.readableBytes() < prefix.length) {
            return false;
        }
        int base = buf.readerIndex();
        for (int i = 0; i < prefix.length; i++) {
            if (buf.getByte(base + i) != prefix[i]) {
                return false;
            }
        }
        return true;
    }
}
