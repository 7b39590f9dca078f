package dev.realtime.ws;

import dev.realtime.auth.AuthException;
import dev.realtime.auth.Principal;
import dev.realtime.http.HttpBodyGate;
import dev.realtime.http.HttpPhase;
import dev.realtime.http.HttpStatusCounter;
import dev.realtime.http.HttpResponses;
import dev.realtime.protocol.BinaryCodec;
import dev.realtime.protocol.JsonCodec;
import dev.realtime.server.GatewayContext;
import dev.realtime.session.ConnectionRegistry;
import dev.realtime.session.Session;
import dev.realtime.server.Json;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakerFactory;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Everything that happens to a {@code GET /ws} request before it becomes a WebSocket: drain check,
 * origin allow-list, token from {@code Authorization: Bearer} or {@code ?token=} (HTTP 401 before
 * the upgrade if it is bad), admission limits (503 node full, 429 per address or per user), the
 * handshake with subprotocol negotiation, and finally replacing the HTTP handlers with the
 * WebSocket pipeline. Stateless apart from immutable config; shared by all channels.
 */
public final class WebSocketUpgrade {
    /** Name of the HTTP-phase read timeout handler, removed at upgrade. */
    public static final String HTTP_IDLE_HANDLER = "http-idle";
    /** Names of the HTTP decoder/encoder and the aggregator in the pipeline (set by the server's initializer). */
    public static final String HTTP_CODEC_HANDLER = "http";
    public static final String HTTP_AGGREGATOR_HANDLER = "http-aggregator";
    private static final String SUBPROTOCOLS = JsonCodec.SUBPROTOCOL + "," + BinaryCodec.SUBPROTOCOL;

    private final GatewayContext ctx;
    private final ClientAddress addresses;
    private final WebSocketDecoderConfig decoderConfig;
    /** Channels in the HTTP phase (the server's group for shutdown); a WebSocket leaves it. May be null. */
    private final io.netty.channel.group.ChannelGroup httpChannels;

    public WebSocketUpgrade(GatewayContext ctx) {
        this(ctx, null);
    }

    /**
     * @param httpChannels the group every accepted channel starts in; an upgraded connection leaves
     *                     it (its session is tracked by its loop's sweeper instead: one registration,
     *                     not two, per idle connection)
     */
    public WebSocketUpgrade(GatewayContext ctx, io.netty.channel.group.ChannelGroup httpChannels) {
        this.httpChannels = httpChannels;
        this.ctx = ctx;
        this.addresses = new ClientAddress(ctx.config().trustedProxies());
        this.decoderConfig = WebSocketDecoderConfig.newBuilder()
                .maxFramePayloadLength(ctx.config().maxMessageBytes())
                .allowExtensions(false)
                .closeOnProtocolViolation(true)
                .build();
    }

    public void handle(ChannelHandlerContext chc, FullHttpRequest req, QueryStringDecoder query) {
        if (ctx.isDraining()) {
            refuse(chc, req, HttpResponseStatus.SERVICE_UNAVAILABLE, "draining", "server is shutting down");
            return;
        }
        String malformed = malformed(req);
        if (malformed != null) {
            refuse(chc, req, HttpResponseStatus.BAD_REQUEST, "not_websocket", malformed);
            return;
        }
        String origin = req.headers().get(HttpHeaderNames.ORIGIN);
        List<String> allowed = ctx.config().allowedOrigins();
        if (origin != null && !allowed.isEmpty() && !allowed.contains(origin) && !allowed.contains("*")) {
            refuse(chc, req, HttpResponseStatus.FORBIDDEN, "origin", "origin not allowed");
            return;
        }
        Principal principal = null;
        String token = token(req, query);
        if (token != null) {
            try {
                principal = ctx.tokens().verify(token);
            } catch (AuthException e) {
                ctx.metrics().authFailures.labels(e.reason()).inc();
                ctx.metrics().handshakes.labels("unauthorized").inc();
                HttpResponses.json(chc, req, HttpResponseStatus.UNAUTHORIZED,
                        Json.obj("statusCode", 401, "message", "Unauthorized", "error", e.getMessage()));
                return;
            }
        } else if (ctx.config().allowAnonymous()) {
            principal = Principal.ANONYMOUS;
        }
        String ip = addresses.of(chc.channel(), req.headers());
        ConnectionRegistry.Admission admission = ctx.connections().admit(ip);
        if (admission != ConnectionRegistry.Admission.OK) {
            boolean full = admission == ConnectionRegistry.Admission.NODE_FULL;
            refuse(chc, req, full ? HttpResponseStatus.SERVICE_UNAVAILABLE : HttpResponseStatus.TOO_MANY_REQUESTS,
                    full ? "node_full" : "ip_limit",
                    full ? "server connection limit reached" : "too many connections from this address");
            return;
        }
        String subprotocol = negotiatedSubprotocol(req);
        UpgradeResponse direct = UpgradeResponse.of(req, subprotocol);
        WebSocketServerHandshaker handshaker = direct != null ? null
                : new WebSocketServerHandshakerFactory(wsUrl(req), SUBPROTOCOLS, decoderConfig).newHandshaker(req);
        if (direct == null && handshaker == null) {
            ctx.connections().release(ip);
            ctx.metrics().handshakes.labels("unsupported_version").inc();
            WebSocketServerHandshakerFactory.sendUnsupportedVersionResponse(chc.channel());
            return;
        }
        Channel ch = chc.channel();
        if (httpChannels != null) {
            httpChannels.remove(ch); // before the session's close listener: it then is the only one
        }
        Session session = new Session(ctx, newSid(), ch,
                ctx.codecFor(subprotocol == null ? JsonCodec.SUBPROTOCOL : subprotocol), ip);
        // From here on the session owns the admission count; closing the channel releases it: its
        // WsReader reports the close (channelInactive), no close listener per connection needed.
        if (principal != null && !principal.anonymous() && !session.reserveUser(principal.userId())) {
            ch.closeFuture().addListener(f -> session.onClosed()); // no WsReader on this path
            ctx.metrics().handshakes.labels("user_limit").inc();
            // No keep-alive: closing releases the admission this connection already holds.
            HttpResponses.error(chc, null, HttpResponseStatus.TOO_MANY_REQUESTS,
                    "this user already has the maximum number of connections");
            return;
        }
        if (direct != null) {
            upgradeDirectly(chc, direct, session, principal);
            return;
        }
        ChannelFuture done;
        try {
            done = handshaker.handshake(ch, req);
        } catch (RuntimeException refused) { // a draft's own rule the checks above do not know
            ch.closeFuture().addListener(f -> session.onClosed()); // gives the admission and user slot back
            ctx.metrics().handshakes.labels("failed").inc();
            HttpResponses.error(chc, null, HttpResponseStatus.BAD_REQUEST, "not a valid WebSocket upgrade request");
            return;
        }
        Session live = session;
        installPipeline(chc, live);
        Principal authenticated = principal;
        done.addListener(f -> {
            if (!f.isSuccess()) {
                ctx.metrics().handshakes.labels("failed").inc();
                ch.close();
                return;
            }
            if (!ch.isActive()) {
                return; // closed meanwhile: the session already released everything
            }
            opened(live, authenticated);
        });
    }

    /**
     * Why {@code req} is not a WebSocket upgrade a handshaker can answer (RFC 6455 section 4.2.1), or
     * null when it is one. Checked before anything is counted for the connection: Netty's handshaker
     * throws on these after the admission and the user's slot were taken, and they were never given
     * back (a request without its key held a connection slot until restart).
     */
    public static String malformed(FullHttpRequest req) {
        HttpHeaders h = req.headers();
        if (!HttpMethod.GET.equals(req.method())) {
            return "a WebSocket upgrade must be a GET request";
        }
        if (!h.containsValue(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET, true)) {
            return "expected a WebSocket upgrade request";
        }
        if (!h.containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.UPGRADE, true)) {
            return "a WebSocket upgrade needs the header Connection: Upgrade";
        }
        String key = h.get(HttpHeaderNames.SEC_WEBSOCKET_KEY);
        if (key == null || key.isBlank()) {
            return "a WebSocket upgrade needs a Sec-WebSocket-Key header";
        }
        if (!h.contains(HttpHeaderNames.SEC_WEBSOCKET_VERSION)) {
            return "a WebSocket upgrade needs a Sec-WebSocket-Version header (13)";
        }
        return null;
    }

    /**
     * The common case (a version 13 request): the HTTP handlers leave, the WebSocket handler comes
     * in, and the 101 response and the {@code connected} frame go out in one write. Bytes the client
     * sent right behind its request (a first frame, not waiting for the 101) reach the new handler
     * when the HTTP decoder leaves, which is last: by then the session is started, so they are
     * answered after {@code connected}, as any early message is.
     */
    private void upgradeDirectly(ChannelHandlerContext chc, UpgradeResponse response, Session session,
                                 Principal principal) {
        Channel ch = chc.channel();
        ChannelPipeline p = chc.pipeline();
        leaveHttpPhase(p);
        p.addLast(WsReader.NAME, new WsReader(session));
        if (p.get(HTTP_AGGREGATOR_HANDLER) != null) {
            p.remove(HTTP_AGGREGATOR_HANDLER);
        }
        p.remove(chc.handler()); // the router (this call runs inside it)
        ChannelHandler codec = p.get(HTTP_CODEC_HANDLER);
        if (codec instanceof HttpServerCodec http) {
            http.removeOutboundHandler(); // the raw response bytes must not meet the HTTP encoder
        }
        // Through the reader's writer with a void promise: appended to the same pending buffer as the
        // frames that follow, so response and connected frame are one write. A failed write closes the
        // channel, and the reader's channelInactive releases the session.
        ch.write(response.encode(ch.alloc()), ch.voidPromise());
        if (ch.isActive()) {
            opened(session, principal);
        }
        if (codec != null && p.context(codec) != null) {
            p.remove(codec); // what it read past the request goes to the reader now
        }
        ch.flush();
    }

    /** The handshake is done (or, on the direct path, its response is on its way): the session starts. */
    private void opened(Session session, Principal authenticated) {
        Channel ch = session.channel();
        ctx.sweepers().get(ch.eventLoop()).add(session); // the session leaves it when it closes
        if (authenticated != null) {
            ctx.metrics().handshakes.labels(authenticated.anonymous() ? "ok_anonymous" : "ok").inc();
            session.activate(authenticated, null);
        }
    }

    private void installPipeline(ChannelHandlerContext chc, Session session) {
        ChannelPipeline p = chc.pipeline();
        leaveHttpPhase(p);
        // One handler for the whole WebSocket: frames in (control, UTF-8, reassembly, decoding, the
        // session) and out (encoding, coalescing a tick's frames into one write).
        WsReader.install(p, new WsReader(session));
        p.remove(chc.handler());
    }

    /**
     * Takes the HTTP-phase handlers out of an upgraded connection's pipeline (both WebSocket
     * endpoints call it): keep-alive, the idle timer (a heartbeat takes over), the body gate, and
     * {@link HttpPhase}'s counting and head deadline, which would otherwise take the first frame for
     * the start of a request head and answer 408 into the WebSocket when no head follows.
     */
    public static void leaveHttpPhase(ChannelPipeline p) {
        if (p.get(HttpServerKeepAliveHandler.class) != null) {
            p.remove(HttpServerKeepAliveHandler.class);
        }
        for (String name : List.of(HTTP_IDLE_HANDLER, HttpPhase.BYTES_HANDLER, HttpPhase.HEADS_HANDLER, HttpStatusCounter.NAME,
                HttpBodyGate.NAME)) {
            if (p.get(name) != null) {
                p.remove(name);
            }
        }
    }

    private void refuse(ChannelHandlerContext chc, FullHttpRequest req, HttpResponseStatus status, String result,
                        String message) {
        ctx.metrics().handshakes.labels(result).inc();
        HttpResponses.error(chc, req, status, message);
    }

    /**
     * The first requested subprotocol we support (the same rule Netty's handshaker applies), or null
     * (none asked for, or none we speak: the connection then speaks JSON and confirms nothing).
     */
    static String negotiatedSubprotocol(FullHttpRequest req) {
        String requested = req.headers().get(HttpHeaderNames.SEC_WEBSOCKET_PROTOCOL);
        if (requested != null) {
            for (String p : requested.split(",")) {
                String name = p.trim();
                if (name.equals(JsonCodec.SUBPROTOCOL) || name.equals(BinaryCodec.SUBPROTOCOL)) {
                    return name;
                }
            }
        }
        return null;
    }

    /**
     * The bearer token from the header, else the {@code token} query parameter, else null. Other
     * {@code Authorization} schemes are not ours to read: browsers send {@code Basic} by themselves
     * to sites behind a proxy's password prompt, and such a client must still be able to connect.
     */
    static String token(FullHttpRequest req, QueryStringDecoder query) {
        String header = req.headers().get(HttpHeaderNames.AUTHORIZATION);
        if (header != null && header.regionMatches(true, 0, "Bearer", 0, 6)
                && (header.length() == 6 || Character.isWhitespace(header.charAt(6)))) {
            return header.substring(6).trim(); // "Bearer" alone: an empty token, refused
        }
        List<String> q = query.parameters().get("token");
        return q == null || q.isEmpty() ? null : q.get(0);
    }

    private String wsUrl(FullHttpRequest req) {
        String host = req.headers().get(HttpHeaderNames.HOST, "localhost");
        return (ctx.config().tlsEnabled() ? "wss://" : "ws://") + host + ctx.config().wsPath();
    }

    private static final char[] SID_CHARS =
            "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_".toCharArray();

    /** 16 characters of 6 random bits each (96 bits): unique enough, and 16 bytes less per connection than two base-36 longs. */
    private static String newSid() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        long a = r.nextLong();
        long b = r.nextLong();
        char[] c = new char[16];
        for (int i = 0; i < 10; i++) {
            c[i] = SID_CHARS[(int) (a >>> (6 * i)) & 63];
        }
        for (int i = 10; i < 16; i++) {
            c[i] = SID_CHARS[(int) (b >>> (6 * (i - 10))) & 63];
        }
        return new String(c);
    }
}
