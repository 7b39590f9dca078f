package dev.realtime.http;

import dev.realtime.server.GatewayContext;
import dev.realtime.server.Json;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code /}, {@code /health}, {@code /health/live}, {@code /health/ready}, {@code /metrics} and
 * {@code /api/openapi.json}. Stateless.
 */
public final class HealthRoutes {
    private final GatewayContext ctx;

    private final OpenApiDocument openApi;

    public HealthRoutes(GatewayContext ctx) {
        this.ctx = ctx;
        this.openApi = new OpenApiDocument(ctx.config().wsPath());
    }

    /** {@code GET /api/openapi.json}: the OpenAPI 3.1 description of these routes (no key: it is public). */
    void openApi(ChannelHandlerContext chc, FullHttpRequest req) {
        HttpResponses.bytes(chc, req, HttpResponseStatus.OK, openApi.bytes(), "application/json; charset=utf-8");
    }

    void root(ChannelHandlerContext chc, FullHttpRequest req) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("service", ctx.config().serviceName());
        body.put("version", ctx.version());
        body.put("node", ctx.config().nodeId());
        HttpResponses.json(chc, req, HttpResponseStatus.OK, body);
    }

    void health(ChannelHandlerContext chc, FullHttpRequest req) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", ctx.isDraining() ? "draining" : "ok");
        body.put("service", ctx.config().serviceName());
        body.put("node", ctx.config().nodeId());
        body.put("version", ctx.version());
        body.put("timestamp", Json.isoMillis(System.currentTimeMillis()));
        body.put("uptime", (System.currentTimeMillis() - ctx.startedAtMillis()) / 1000.0);
        body.put("connections", ctx.connections().total());
        body.put("cluster", ctx.bus() == null ? "single" : ctx.bus().name());
        body.put("dependencies", checks());
        body.putAll(ctx.dependencies().details());
        HttpResponses.json(chc, req, HttpResponseStatus.OK, body);
    }

    void live(ChannelHandlerContext chc, FullHttpRequest req) {
        HttpResponses.json(chc, req, HttpResponseStatus.OK, Map.of("status", "ok"));
    }

    void ready(ChannelHandlerContext chc, FullHttpRequest req) {
        if (ctx.isDraining()) {
            HttpResponses.json(chc, req, HttpResponseStatus.SERVICE_UNAVAILABLE,
                    withDetails(Json.obj("status", "draining", "ready", false, "checks", checks())));
        } else if (!ctx.dependenciesHealthy()) {
            HttpResponses.json(chc, req, HttpResponseStatus.SERVICE_UNAVAILABLE,
                    withDetails(Json.obj("status", "degraded", "ready", false, "checks", checks())));
        } else {
            HttpResponses.json(chc, req, HttpResponseStatus.OK,
                    withDetails(Json.obj("status", "ready", "ready", true, "checks", checks())));
        }
    }

    /** Adds the dependencies' details (e.g. {@code redis}: mode, cluster state, reachable primaries). */
    private Map<String, Object> withDetails(Map<String, Object> body) {
        body.putAll(ctx.dependencies().details());
        return body;
    }

    /** The state of each configured dependency. */
    private Map<String, Object> checks() {
        return ctx.dependencies().states();
    }

    void metrics(ChannelHandlerContext chc, FullHttpRequest req) {
        HttpResponses.text(chc, req, HttpResponseStatus.OK, ctx.metrics().scrape(),
                "text/plain; version=0.0.4; charset=utf-8");
    }
}
