package dev.realtime.protocol;

import io.netty.buffer.ByteBuf;
import java.util.List;

/**
 * One wire format of the native protocol, for both directions. Implementations are immutable and
 * thread-safe: one instance is shared by every connection and shard.
 *
 * <p>Decoding client messages never throws for bad content: a frame that cannot be parsed yields a
 * single {@link ClientMessage.Invalid}, and a bad element of a batch yields an {@code Invalid} in its
 * place so the other elements still run. Decoding server messages (client side) throws
 * {@link ProtocolException}, because a client has nobody to answer.
 */
public interface MessageCodec {

    /** The WebSocket subprotocol name that selects this codec, e.g. {@code rt.json.v1}. */
    String subprotocol();

    /** Whether this codec's messages travel in binary frames (otherwise text frames). */
    boolean binaryFrames();

    /** Decodes one frame's payload (a single message or a batch). Does not release {@code frame}. */
    List<ClientMessage> decodeClient(ByteBuf frame);

    /** Appends one server message to {@code out}. */
    void encodeServer(ServerMessage message, ByteBuf out);

    /** Appends one client message to {@code out} (used by clients and tests). */
    void encodeClient(ClientMessage message, ByteBuf out);

    /** Decodes one frame's payload sent by a server (used by clients and tests). */
    List<ServerMessage> decodeServer(ByteBuf frame);
}
