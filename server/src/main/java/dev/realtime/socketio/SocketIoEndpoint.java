package dev.realtime.socketio;

import dev.realtime.server.GatewayContext;
import dev.realtime.session.ConnectionRegistry;
import dev.realtime.ws.ClientAddress;
import dev.realtime.ws.WebSocketUpgrade;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.websocketx.Utf8FrameValidator;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakerFactory;
import java.util.List;

/**
 * Every request to {@code SOCKETIO_PATH}: the Engine.IO handshake (polling or WebSocket), the
 * long-polling GETs and POSTs of an open session, and the WebSocket upgrade of a polling session.
 * Refusals use engine.io's bodies: 400 {@code {"code":0,"message":"Transport unknown"}}, code 1
 * "Session ID unknown", 2 "Bad handshake method", 3 "Bad request", 403 code 4 "Forbidden", code 5
 * "Unsupported protocol version"; limits and draining answer 429/503 with code 4. Authentication is
 * not checked here but at the Socket.IO CONNECT, as socket.io servers do ({@code connect_error}).
 *
 * <p>Stateless apart from immutable config; shared by all channels.
 */
public final class SocketIoEndpoint {
    private final SocketIoServer server;
    private final GatewayContext ctx;
    private final ClientAddress addresses;
    private final WebSocketDecoderConfig decoderConfig;
    private final String path;
    private final String pathNoSlash;

    public SocketIoEndpoint(SocketIoServer server) {
        this.server = server;
        this.ctx = server.ctx();
        this.addresses = new ClientAddress(ctx.config().trustedProxies());
        this.decoderConfig = WebSocketDecoderConfig.newBuilder()
                .maxFramePayloadLength(ctx.config().maxMessageBytes())
                .allowExtensions(false)
                .closeOnProtocolViolation(true)
                .build();
        String p = ctx.config().socketIoPath();
        this.path = p.endsWith("/") ? p : p + "/";
        this.pathNoSlash = path.substring(0, path.length() - 1);
    }

    /** Whether {@code path} is this endpoint's ({@code /socket.io/} or {@code /socket.io}). */
    public boolean matches(String requestPath) {
        return requestPath.equals(path) || requestPath.equals(pathNoSlash);
    }

    public void handle(ChannelHandlerContext chc, FullHttpRequest req, QueryStringDecoder query) {
        String origin = req.headers().get(HttpHeaderNames.ORIGIN);
        EngineHttp http = new EngineHttp(chc, HttpUtil.isKeepAlive(req), originAllowed(origin) ? origin : null);
        if (!originAllowed(origin)) {
            http.error(HttpResponseStatus.FORBIDDEN, 4, "Forbidden");
            return;
        }
        if (req.method().equals(HttpMethod.OPTIONS)) {
            preflight(http, req);
            return;
        }
        if (!"4".equals(param(query, "EIO"))) {
            http.error(HttpResponseStatus.BAD_REQUEST, 5, "Unsupported protocol version");
            return;
        }
        String transport = param(query, "transport");
        if (!"polling".equals(transport) && !"websocket".equals(transport)) {
            http.error(HttpResponseStatus.BAD_REQUEST, 0, "Transport unknown");
            return;
        }
        if (param(query, "j") != null) { // JSONP polling is not served
            http.error(HttpResponseStatus.BAD_REQUEST, 3, "Bad request");
            return;
        }
        boolean upgrade = req.headers().containsValue(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET, true);
        if ("websocket".equals(transport) != upgrade || upgrade && WebSocketUpgrade.malformed(req) != null) {
            http.error(HttpResponseStatus.BAD_REQUEST, 3, "Bad request"); // checked before a slot is taken
            return;
        }
        String sid = param(query, "sid");
        if (sid == null) {
            open(chc, req, query, http, upgrade);
            return;
        }
        EngineSession engine = server.sessions().get(sid);
        if (engine == null) {
            http.error(HttpResponseStatus.BAD_REQUEST, 1, "Session ID unknown");
            return;
        }
        if (upgrade) {
            Channel ch = handshake(chc, req, http);
            if (ch != null) {
                installPipeline(chc, engine);
                engine.onLoop(() -> engine.offerProbe(ch));
            }
        } else if (req.method().equals(HttpMethod.GET)) {
            engine.onLoop(() -> engine.onPoll(http));
        } else if (req.method().equals(HttpMethod.POST)) {
            byte[] body = ByteBufUtil.getBytes(req.content());
            engine.onLoop(() -> engine.onPost(http, body));
        } else {
            http.error(HttpResponseStatus.BAD_REQUEST, 3, "Bad request");
        }
    }

    /** A new Engine.IO session: admission as on the native endpoint, then OPEN on the chosen transport. */
    private void open(ChannelHandlerContext chc, FullHttpRequest req, QueryStringDecoder query, EngineHttp http,
                      boolean websocket) {
        if (!req.method().equals(HttpMethod.GET)) {
            http.error(HttpResponseStatus.BAD_REQUEST, 2, "Bad handshake method");
            return;
        }
        if (ctx.isDraining()) {
            ctx.metrics().handshakes.labels("draining").inc();
            http.error(HttpResponseStatus.SERVICE_UNAVAILABLE, 4, "server is shutting down");
            return;
        }
        String ip = addresses.of(chc.channel(), req.headers());
        ConnectionRegistry.Admission admission = ctx.connections().admit(ip);
        if (admission != ConnectionRegistry.Admission.OK) {
            boolean full = admission == ConnectionRegistry.Admission.NODE_FULL;
            ctx.metrics().handshakes.labels(full ? "node_full" : "ip_limit").inc();
            http.error(full ? HttpResponseStatus.SERVICE_UNAVAILABLE : HttpResponseStatus.TOO_MANY_REQUESTS, 4,
                    full ? "server connection limit reached" : "too many connections from this address");
            return;
        }
        String sid = SocketIoServer.newId();
        EngineSession engine = new EngineSession(server, sid, chc.channel().eventLoop(), ip, token(req, query));
        // From here the session owns the admission count (released by Session.onClosed).
        Channel ch = null;
        if (websocket) {
            ch = handshake(chc, req, http);
            if (ch == null) {
                engine.session().onClosed();
                return;
            }
        }
        server.sessions().put(sid, engine);
        ctx.sweepers().get(engine.loop()).add(engine.session());
        if (websocket) {
            installPipeline(chc, engine);
            engine.startWebSocket(ch);
        } else {
            http.text(SioFrames.open(sid, true, ctx.config().pingIntervalMs(), ctx.config().pingTimeoutMs(),
                    server.maxPayload()));
        }
    }

    /** The WebSocket handshake on this request's channel; null (answered) when it cannot be done. */
    private Channel handshake(ChannelHandlerContext chc, FullHttpRequest req, EngineHttp http) {
        String host = req.headers().get(HttpHeaderNames.HOST, "localhost");
        WebSocketServerHandshaker handshaker = new WebSocketServerHandshakerFactory(
                (ctx.config().tlsEnabled() ? "wss://" : "ws://") + host + path, null, decoderConfig).newHandshaker(req);
        if (handshaker == null) {
            WebSocketServerHandshakerFactory.sendUnsupportedVersionResponse(chc.channel());
            return null;
        }
        try {
            handshaker.handshake(chc.channel(), req);
        } catch (RuntimeException refused) { // a draft's own rule WebSocketUpgrade.malformed does not know
            http.error(HttpResponseStatus.BAD_REQUEST, 3, "Bad request");
            return null;
        }
        return chc.channel();
    }

    private void installPipeline(ChannelHandlerContext chc, EngineSession engine) {
        ChannelPipeline p = chc.pipeline();
        dev.realtime.ws.FrameWriter.install(p); // coalesces a tick's frames into one write
        WebSocketUpgrade.leaveHttpPhase(p); // the Engine.IO heartbeat takes over
        p.addLast("sio-utf8", new Utf8FrameValidator(true));
        p.addLast("sio-aggregator", new WebSocketFrameAggregator(ctx.config().maxMessageBytes()));
        p.addLast("sio-engine", new EngineWsHandler(engine));
        p.remove(chc.handler());
    }

    private void preflight(EngineHttp http, FullHttpRequest req) {
        FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.NO_CONTENT,
                Unpooled.EMPTY_BUFFER);
        http.cors(res);
        res.headers().set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_METHODS, "GET, POST, OPTIONS");
        String asked = req.headers().get(HttpHeaderNames.ACCESS_CONTROL_REQUEST_HEADERS);
        if (asked != null) {
            res.headers().set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_HEADERS, asked);
        }
        res.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
        http.ctx().writeAndFlush(res, http.ctx().voidPromise());
    }

    private boolean originAllowed(String origin) {
        List<String> allowed = ctx.config().allowedOrigins();
        return origin == null || allowed.isEmpty() || allowed.contains(origin) || allowed.contains("*");
    }

    /** A token from the opening request: {@code Authorization: Bearer}, else {@code ?token=}. */
    private static String token(FullHttpRequest req, QueryStringDecoder query) {
        String header = req.headers().get(HttpHeaderNames.AUTHORIZATION);
        if (header != null && header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return header.substring(7).trim();
        }
        return param(query, "token");
    }

    private static String param(QueryStringDecoder q, String name) {
        List<String> v = q.parameters().get(name);
        return v == null || v.isEmpty() ? null : v.get(0);
    }
}
