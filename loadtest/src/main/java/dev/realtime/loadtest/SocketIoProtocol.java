package dev.realtime.loadtest;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import java.net.URI;
import java.nio.charset.StandardCharsets;

/**
 * Socket.IO v5 over Engine.IO v4, WebSocket transport (what socket.io-client does with
 * {@code transports:["websocket"]}), speaking seed 000's vocabulary so the same harness measures the
 * gateway's {@code /socket.io/} endpoint and the peer servers in {@code loadtest/peers/}: the token
 * in {@code ?token=} and {@code Authorization: Bearer}, {@code 40} CONNECT after OPEN, pong for each
 * ping, {@code joinRoom} with an ack, {@code broadcastToRoom {room,event,payload}}; events are
 * located by scanning for the probe payload, not parsed.
 */
final class SocketIoProtocol implements ProtocolAdapter {
    private static final byte[] EVENT_PREFIX = "42[\"".getBytes(StandardCharsets.US_ASCII);

    @Override
    public String name() {
        return "socketio";
    }

    /** {@code ws://host:port/socket.io/?EIO=4&transport=websocket&token=...} (the --url's path if it has one). */
    @Override
    public URI handshakeUri(URI base, String token) {
        String path = base.getPath() == null || base.getPath().isEmpty() || base.getPath().equals("/ws")
                ? "/socket.io/" : base.getPath();
        return URI.create(base.getScheme() + "://" + base.getHost() + ":" + base.getPort() + path
                + "?EIO=4&transport=websocket&token=" + token);
    }

    @Override
    public HttpHeaders handshakeHeaders(String token) {
        return new DefaultHttpHeaders().set(HttpHeaderNames.AUTHORIZATION, "Bearer " + token);
    }

    @Override
    public String subprotocol() {
        return null;
    }

    @Override
    public WebSocketFrame join(ByteBufAllocator alloc, String room, long id) {
        return text(alloc, "42" + id + "[\"joinRoom\",\"" + room + "\"]");
    }

    @Override
    public WebSocketFrame publish(ByteBufAllocator alloc, String room, String event, byte[] jsonData) {
        ByteBuf buf = alloc.buffer(64 + jsonData.length);
        ByteBufUtil.writeAscii(buf, "42[\"broadcastToRoom\",{\"room\":\"" + room + "\",\"event\":\"" + event + "\",\"payload\":");
        buf.writeBytes(jsonData);
        ByteBufUtil.writeAscii(buf, "}]");
        return new TextWebSocketFrame(buf);
    }

    @Override
    public void read(WebSocketFrame frame, InboundSink sink) {
        if (!(frame instanceof TextWebSocketFrame)) {
            return; // binary attachments: the harness publishes JSON only
        }
        ByteBuf c = frame.content();
        int n = c.readableBytes();
        int at = c.readerIndex();
        if (n == 0) {
            return;
        }
        byte type = c.getByte(at);
        if (type == '2') { // Engine.IO ping: answer at once, or the server closes the session
            sink.send(text(c.alloc(), "3"));
            return;
        }
        if (type == '0') { // Engine.IO OPEN: join the main namespace (the token came with the handshake)
            sink.send(text(c.alloc(), "40"));
            return;
        }
        if (type != '4' || n < 2) {
            return;
        }
        byte sio = c.getByte(at + 1);
        switch (sio) {
            case '2' -> event(c, sink);
            case '3' -> ack(c, sink);
            case '0' -> sink.connected();
            case '4' -> sink.error("connect_error");
            case '1' -> sink.error("server_disconnect");
            default -> {
            }
        }
    }

    /** The allocation-free path for events ({@code 42["name",data]}); everything else as before. */
    @Override
    public void read(ByteBuf buf, int from, int to, boolean binary, InboundSink sink) {
        if (!binary && to - from > EVENT_PREFIX.length && buf.getByte(from) == '4' && buf.getByte(from + 1) == '2'
                && buf.getByte(from + 2) == '[' && buf.getByte(from + 3) == '"') {
            int i = from + EVENT_PREFIX.length;
            while (i < to && buf.getByte(i) != '"') {
                if (buf.getByte(i) == '\\') {
                    i++;
                }
                i++;
            }
            i += 2; // the closing quote and the comma
            if (i < to) {
                sink.event(buf, i, to);
            }
            return;
        }
        ProtocolAdapter.super.read(buf, from, to, binary, sink);
    }

    /** {@code 42["event",<data>...]}: hands over the data (from its first byte; trailing arguments are ignored). */
    private static void event(ByteBuf c, InboundSink sink) {
        int at = c.readerIndex();
        int end = c.writerIndex();
        if (!startsWith(c, EVENT_PREFIX)) {
            return;
        }
        int i = at + EVENT_PREFIX.length;
        while (i < end && c.getByte(i) != '"') {
            if (c.getByte(i) == '\\') {
                i++;
            }
            i++;
        }
        i += 2; // the closing quote and the comma
        if (i < end) {
            sink.event(c.slice(i, end - i));
        }
    }

    /** {@code 43<id>[...]}; an ack whose first argument is {@code {"error":...}} is a refusal. */
    private static void ack(ByteBuf c, InboundSink sink) {
        int i = c.readerIndex() + 2;
        int end = c.writerIndex();
        long id = 0;
        while (i < end && c.getByte(i) >= '0' && c.getByte(i) <= '9') {
            id = id * 10 + (c.getByte(i++) - '0');
        }
        String rest = c.toString(i, end - i, StandardCharsets.UTF_8);
        boolean ok = !rest.startsWith("[{\"error\"");
        String code = null;
        if (!ok) {
            int k = rest.indexOf("\"code\":\"");
            code = k < 0 ? "error" : rest.substring(k + 8, Math.max(k + 8, rest.indexOf('"', k + 8)));
        }
        sink.reply(id, ok, code);
    }

    private static WebSocketFrame text(ByteBufAllocator alloc, String s) {
        ByteBuf b = alloc.buffer(s.length());
        ByteBufUtil.writeUtf8(b, s);
        return new TextWebSocketFrame(b);
    }

    private static boolean startsWith(ByteBuf buf, byte[] prefix) {
        if (buf.readableBytes() < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (buf.getByte(buf.readerIndex() + i) != prefix[i]) {
                return false;
            }
        }
        return true;
    }
}
