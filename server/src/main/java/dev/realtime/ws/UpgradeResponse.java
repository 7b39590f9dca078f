package dev.realtime.ws;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.concurrent.FastThreadLocal;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/**
 * The {@code 101 Switching Protocols} answer to an RFC 6455 (version 13) upgrade, written as bytes
 * straight to the connection: the handshake's one response, with the same headers Netty's
 * {@code WebSocketServerHandshaker13} sends, but without a handshaker, a response object, the HTTP
 * encoder or the two handlers it would add and we would replace, and sent in one write together
 * with the {@code connected} frame that follows (issue 12: a handshake's CPU).
 *
 * <p>Only a well-formed version 13 request takes this path ({@link #of} returns null otherwise);
 * anything else (older drafts, a missing key or {@code Connection: upgrade}, HTTP/1.0, not GET)
 * goes through Netty's handshaker as before, with its answers and errors.
 *
 * <p>Threading: immutable; the SHA-1 digest is one per thread.
 */
final class UpgradeResponse {
    private static final String GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    private static final FastThreadLocal<MessageDigest> SHA1 = new FastThreadLocal<>() {
        @Override
        protected MessageDigest initialValue() throws NoSuchAlgorithmException {
            return MessageDigest.getInstance("SHA-1");
        }
    };

    private final String accept;
    private final String subprotocol;

    private UpgradeResponse(String accept, String subprotocol) {
        this.accept = accept;
        this.subprotocol = subprotocol;
    }

    /**
     * The response to {@code req}, or null when the request is not a plain version 13 upgrade.
     *
     * @param subprotocol the subprotocol to confirm (one the client asked for), or null for none
     */
    static UpgradeResponse of(FullHttpRequest req, String subprotocol) {
        HttpHeaders h = req.headers();
        String key = h.get(HttpHeaderNames.SEC_WEBSOCKET_KEY);
        if (key == null || !HttpMethod.GET.equals(req.method()) || !HttpVersion.HTTP_1_1.equals(req.protocolVersion())
                || !"13".equals(h.get(HttpHeaderNames.SEC_WEBSOCKET_VERSION))
                || !h.containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE, true)
                || !h.containsValue(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET, true)) {
            return null;
        }
        return new UpgradeResponse(accept(key), subprotocol);
    }

    /** RFC 6455 section 4.2.2: base64(SHA-1(key + GUID)), the key as sent (Netty does not trim it either). */
    static String accept(String key) {
        MessageDigest sha1 = SHA1.get();
        sha1.reset();
        sha1.update((key + GUID).getBytes(StandardCharsets.US_ASCII));
        return Base64.getEncoder().encodeToString(sha1.digest());
    }

    /** The response bytes (a new buffer the caller writes, which releases it). */
    ByteBuf encode(ByteBufAllocator alloc) {
        ByteBuf out = alloc.directBuffer(160);
        ByteBufUtil.writeAscii(out, "HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: upgrade\r\n"
                + "sec-websocket-accept: ");
        ByteBufUtil.writeAscii(out, accept);
        if (subprotocol != null) {
            ByteBufUtil.writeAscii(out, "\r\nsec-websocket-protocol: ");
            ByteBufUtil.writeAscii(out, subprotocol);
        }
        ByteBufUtil.writeAscii(out, "\r\n\r\n");
        return out;
    }
}
