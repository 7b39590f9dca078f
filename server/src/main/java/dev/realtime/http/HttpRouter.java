package dev.realtime.http;

import dev.realtime.server.GatewayContext;
import dev.realtime.socketio.SocketIoEndpoint;
import dev.realtime.ws.WebSocketUpgrade;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Routes aggregated HTTP requests: health and metrics, the internal APIs (API key), and the
 * WebSocket upgrade. Unknown paths get a 404 JSON body, wrong methods a 405. One instance per
 * channel (it is replaced by the WebSocket handlers after an upgrade); the routes it calls are
 * shared and stateless.
 */
public final class HttpRouter extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final Logger log = LoggerFactory.getLogger(HttpRouter.class);

    private final GatewayContext ctx;
    private final HealthRoutes health;
    private final ApiRoutes api;
    private final EventRoutes events;
    private final WebSocketUpgrade upgrade;
    private final SocketIoEndpoint socketIo;

    public HttpRouter(GatewayContext ctx, HealthRoutes health, ApiRoutes api, EventRoutes events, WebSocketUpgrade upgrade) {
        this(ctx, health, api, events, upgrade, null);
    }

    /** With the Socket.IO endpoint ({@code null}: not served). */
    public HttpRouter(GatewayContext ctx, HealthRoutes health, ApiRoutes api, EventRoutes events, WebSocketUpgrade upgrade,
                      SocketIoEndpoint socketIo) {
        this.socketIo = socketIo;
        this.ctx = ctx;
        this.health = health;
        this.api = api;
        this.events = events;
        this.upgrade = upgrade;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext chc, FullHttpRequest req) {
        if (!chc.channel().isActive()) {
            return; // closed below while requests of the same read were still being decoded
        }
        if (!chc.channel().isWritable()) {
            // Pipelined requests whose answers are not being read: answering more would only grow
            // our memory (an HTTP answer cannot be dropped without breaking the stream), so hang up.
            ctx.metrics().httpSlowClients.inc();
            chc.close();
            return;
        }
        DecoderResult result = req.decoderResult();
        if (!result.isSuccess()) {
            HttpResponses.error(chc, null, HttpResponseStatus.BAD_REQUEST, "malformed HTTP request");
            return;
        }
        QueryStringDecoder query = new QueryStringDecoder(req.uri());
        String path = HttpEndpoint.decodedPath(query);
        if (path == null) {
            HttpResponses.error(chc, null, HttpResponseStatus.BAD_REQUEST, "malformed request path (a bad %-escape)");
            return;
        }
        if (socketIo != null && socketIo.matches(path)) {
            socketIo.handle(chc, req, query); // its own transport (Engine.IO): polling and the WebSocket upgrade
            return;
        }
        HttpEndpoint endpoint = HttpEndpoint.match(path, ctx.config().wsPath());
        if (endpoint == null) {
            HttpResponses.error(chc, req, HttpResponseStatus.NOT_FOUND, "Cannot " + req.method() + " " + path);
            return;
        }
        if (!endpoint.allows(req.method())) {
            HttpResponses.methodNotAllowed(chc, req, endpoint.allowHeader(), req.method() + " not allowed here");
            return;
        }
        // A switch expression: adding an endpoint without a handler does not compile.
        Runnable action = switch (endpoint) {
            case WEBSOCKET -> () -> upgrade.handle(chc, req, query);
            case EVENTS -> () -> events.ingest(chc, req, path);
            case BROADCAST_SURVEY_RESPONSE -> () -> events.ingest(chc, req, EventRoutes.PREFIX + "survey-response");
            case BROADCAST_LOCATION -> () -> events.ingest(chc, req, EventRoutes.PREFIX + "location");
            case ROOT -> () -> health.root(chc, req);
            case HEALTH -> () -> health.health(chc, req);
            case LIVE -> () -> health.live(chc, req);
            case READY -> () -> health.ready(chc, req);
            case METRICS -> () -> health.metrics(chc, req);
            case OPENAPI -> () -> health.openApi(chc, req);
            case STATS -> () -> api.stats(chc, req);
            case NOTIFY -> () -> api.notify(chc, req);
            case BROADCAST_ROOM -> () -> api.broadcastRoom(chc, req);
            case BROADCAST_USER -> () -> api.broadcastUser(chc, req);
            case BROADCAST_GLOBAL -> () -> api.broadcastGlobal(chc, req);
        };
        action.run();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext chc, Throwable cause) {
        log.debug("HTTP connection failed: {}", cause.toString());
        chc.close();
    }
}
