package dev.realtime.ws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Which requests take the direct path, and the bytes it answers with. */
class UpgradeResponseTest {

    private static FullHttpRequest request(HttpMethod method, HttpVersion version, String wsVersion, String key,
                                           String connection) {
        FullHttpRequest req = new DefaultFullHttpRequest(version, method, "/ws");
        req.headers().set("Upgrade", "websocket");
        if (connection != null) {
            req.headers().set("Connection", connection);
        }
        if (key != null) {
            req.headers().set("Sec-WebSocket-Key", key);
        }
        if (wsVersion != null) {
            req.headers().set("Sec-WebSocket-Version", wsVersion);
        }
        return req;
    }

    @Test
    void acceptValueIsRfc6455s() {
        assertEquals("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", UpgradeResponse.accept("dGhlIHNhbXBsZSBub25jZQ=="));
    }

    @Test
    void encodesTheHeadWithTheSubprotocolOnlyWhenGiven() {
        FullHttpRequest req = request(HttpMethod.GET, HttpVersion.HTTP_1_1, "13", "dGhlIHNhbXBsZSBub25jZQ==", "keep-alive, Upgrade");
        try {
            ByteBuf with = UpgradeResponse.of(req, "rt.json.v1").encode(UnpooledByteBufAllocator.DEFAULT);
            ByteBuf without = UpgradeResponse.of(req, null).encode(UnpooledByteBufAllocator.DEFAULT);
            assertEquals("HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: upgrade\r\n"
                    + "sec-websocket-accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nsec-websocket-protocol: rt.json.v1\r\n\r\n",
                    with.toString(StandardCharsets.US_ASCII));
            assertEquals("HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: upgrade\r\n"
                    + "sec-websocket-accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n", without.toString(StandardCharsets.US_ASCII));
            with.release();
            without.release();
        } finally {
            req.release();
        }
    }

    @Test
    void onlyAPlainVersion13UpgradeTakesTheDirectPath() {
        String key = "dGhlIHNhbXBsZSBub25jZQ==";
        FullHttpRequest[] others = {
            request(HttpMethod.GET, HttpVersion.HTTP_1_1, "8", key, "Upgrade"),
            request(HttpMethod.GET, HttpVersion.HTTP_1_1, null, key, "Upgrade"),
            request(HttpMethod.GET, HttpVersion.HTTP_1_1, "13", null, "Upgrade"),
            request(HttpMethod.GET, HttpVersion.HTTP_1_1, "13", key, null),
            request(HttpMethod.GET, HttpVersion.HTTP_1_1, "13", key, "keep-alive"),
            request(HttpMethod.GET, HttpVersion.HTTP_1_0, "13", key, "Upgrade"),
            request(HttpMethod.POST, HttpVersion.HTTP_1_1, "13", key, "Upgrade"),
        };
        for (FullHttpRequest r : others) {
            assertNull(UpgradeResponse.of(r, null), r.toString());
            r.release();
        }
        FullHttpRequest ok = request(HttpMethod.GET, HttpVersion.HTTP_1_1, "13", key, "keep-alive, upgrade");
        assertNotNull(UpgradeResponse.of(ok, null));
        ok.release();
    }
}
