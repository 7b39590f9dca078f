package dev.realtime.client;

import dev.realtime.protocol.MessageCodec;
import dev.realtime.protocol.ProtocolException;
import dev.realtime.protocol.ServerMessage;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decodes server data frames with the codec matching the frame type (text: {@code rt.json.v1},
 * binary: {@code rt.binary.v1}). A frame that cannot be decoded is logged at warn, counted, and
 * skipped: the connection stays up. Immutable apart from the shared atomic counter, so one instance
 * may serve every connection of a client.
 */
final class FrameDecoder {
    private static final Logger log = LoggerFactory.getLogger(FrameDecoder.class);

    private final MessageCodec json;
    private final MessageCodec binary;
    private final AtomicLong malformed;
    private final String address;

    FrameDecoder(MessageCodec json, MessageCodec binary, AtomicLong malformed, String address) {
        this.json = json;
        this.binary = binary;
        this.malformed = malformed;
        this.address = address;
    }

    /** The messages in {@code frame} (a batch gives several), or an empty list if it is malformed. Does not release. */
    List<ServerMessage> decode(WebSocketFrame frame) {
        int size = frame.content().readableBytes();
        try {
            return (frame instanceof TextWebSocketFrame ? json : binary).decodeServer(frame.content());
        } catch (ProtocolException e) {
            return skip(size, e.getMessage());
        } catch (RuntimeException e) {
            // Codecs promise ProtocolException; anything else from a hostile frame is treated the same.
            return skip(size, e.toString());
        }
    }

    private List<ServerMessage> skip(int size, String why) {
        long n = malformed.incrementAndGet();
        // The reason describes the frame's structure; it never includes our token.
        log.warn("ignored a malformed {}-byte frame from {} ({} so far): {}", size, address, n, why);
        return List.of();
    }
}
