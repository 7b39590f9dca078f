package dev.realtime.ws;

import dev.realtime.protocol.ClientMessage;
import dev.realtime.protocol.MessageCodec;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToMessageDecoder;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import java.util.List;

/**
 * Complete data frames to typed {@link ClientMessage}s: text frames with the JSON codec, binary
 * frames with the binary codec (whichever subprotocol was negotiated; replies use the negotiated
 * one). Bad content becomes {@link ClientMessage.Invalid}, answered downstream; never an exception.
 * Stateless; one instance per channel.
 */
public final class ProtocolDecoder extends MessageToMessageDecoder<WebSocketFrame> {
    private final MessageCodec json;
    private final MessageCodec binary;

    public ProtocolDecoder(MessageCodec json, MessageCodec binary) {
        super(WebSocketFrame.class);
        this.json = json;
        this.binary = binary;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, WebSocketFrame frame, List<Object> out) {
        if (frame instanceof TextWebSocketFrame) {
            out.addAll(json.decodeClient(frame.content()));
        } else if (frame instanceof BinaryWebSocketFrame) {
            out.addAll(binary.decodeClient(frame.content()));
        }
    }
}
