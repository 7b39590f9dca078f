package dev.realtime.loadtest;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import java.net.URI;

/**
 * Everything protocol-specific the harness needs, so one harness can measure our native protocol
 * and Socket.IO servers side by side ({@link SocketIoProtocol}). Implementations are stateless and thread-safe.
 */
public interface ProtocolAdapter {

    /** Short name for reports, e.g. {@code native-json}. */
    String name();

    /** The WebSocket URI of one connection. */
    URI handshakeUri(URI base, String token);

    /** Extra handshake headers (e.g. {@code Authorization}); may be empty. */
    HttpHeaders handshakeHeaders(String token);

    /** The subprotocol to request, or {@code null}. */
    String subprotocol();

    /** A frame that joins {@code room}; the server answers with a reply carrying {@code id}. */
    WebSocketFrame join(ByteBufAllocator alloc, String room, long id);

    /** A frame that publishes {@code jsonData} (UTF-8 JSON) as {@code event} to {@code room}, no reply. */
    WebSocketFrame publish(ByteBufAllocator alloc, String room, String event, byte[] jsonData);

    /**
     * A frame that calls the server-side handler {@code event} with {@code jsonData} (UTF-8 JSON, may
     * be null); with an {@code id} the server answers with a reply carrying it. Adapters without
     * server-side events do not support the scenarios that need them.
     */
    default WebSocketFrame emit(ByteBufAllocator alloc, String event, byte[] jsonData, Long id) {
        throw new UnsupportedOperationException(name() + " cannot emit server-side events");
    }

    /** Classifies one inbound frame for {@code sink}. Must not release {@code frame}. */
    void read(WebSocketFrame frame, InboundSink sink);

    /**
     * Classifies one inbound message given as bytes {@code [from, to)} of {@code buf} (valid during
     * the call only), as the harness's {@link RawWebSocket} reads them. Adapters override this to
     * find their events without allocating; the default wraps the bytes in a frame.
     */
    default void read(ByteBuf buf, int from, int to, boolean binary, InboundSink sink) {
        ByteBuf content = buf.retainedSlice(from, to - from);
        WebSocketFrame frame = binary ? new io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame(content)
                : new io.netty.handler.codec.http.websocketx.TextWebSocketFrame(content);
        try {
            read(frame, sink);
        } finally {
            frame.release();
        }
    }

    /** What the harness wants to know about inbound traffic. Called on the connection's event loop. */
    interface InboundSink {
        /** The server accepted the session (native: the {@code connected} message). */
        void connected();

        /** A reply to a request with {@code id}. */
        void reply(long id, boolean ok, String errorCode);

        /** An error message not tied to a request. */
        void error(String code);

        /** An event; {@code data} is the event's JSON data, valid only during the call. */
        void event(ByteBuf data);

        /** An event whose JSON data is bytes {@code [from, to)} of {@code buf}, valid only during the call. */
        default void event(ByteBuf buf, int from, int to) {
            event(buf.slice(from, to - from));
        }

        /** Whether this sink needs event names (then {@link #event(String, ByteBuf)} is called instead). */
        default boolean wantsEventNames() {
            return false;
        }

        /** An event with its name, for sinks that {@link #wantsEventNames()}. */
        default void event(String name, ByteBuf data) {
            event(data);
        }

        /** Writes a protocol frame back at once (Socket.IO: CONNECT after OPEN, pong after ping). */
        default void send(WebSocketFrame frame) {
            frame.release();
        }
    }
}
