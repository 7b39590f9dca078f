package dev.realtime.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.realtime.ingest.EventIngest;
import dev.realtime.ingest.RecordException;
import dev.realtime.ingest.RouteResult;
import dev.realtime.ingest.SourceKind;
import dev.realtime.server.GatewayContext;
import dev.realtime.server.Json;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.List;

/**
 * {@code POST /api/events/{source}} (API key): feeds one record to the route table as the HTTP
 * source {@code source}, exactly as if it had come from Kafka or Redis. Answers 202
 * {@code {"status":"queued","deliveries":n,"skipped":m}}; 404 for a source the table does not name,
 * 413 for a record above {@code INGEST_MAX_RECORD_BYTES}, 400 for one that is not JSON. Stateless.
 */
public final class EventRoutes {
    static final String PREFIX = "/api/events/";

    private final GatewayContext ctx;
    private final ApiRoutes api;

    public EventRoutes(GatewayContext ctx, ApiRoutes api) {
        this.ctx = ctx;
        this.api = api;
    }

    void ingest(ChannelHandlerContext chc, FullHttpRequest req, String path) {
        if (!api.authorized(chc, req)) {
            return;
        }
        EventIngest ingest = ctx.ingest();
        String source = path.substring(PREFIX.length());
        if (!ingest.table().httpSources().contains(source)) {
            ctx.metrics().ingestRejected.labels("http", "unknown_source").inc();
            HttpResponses.error(chc, req, HttpResponseStatus.NOT_FOUND, "no route for event source '" + source
                    + "'; known sources: " + ingest.table().httpSources().stream().sorted().toList());
            return;
        }
        JsonNode record;
        try {
            byte[] body = ByteBufUtil.getBytes(req.content());
            record = ingest.table().parseRecord(body);
        } catch (RecordException e) {
            ctx.metrics().ingestRejected.labels("http", e.reason().label()).inc();
            if (e.reason() == RecordException.Reason.TOO_LARGE) {
                HttpResponses.error(chc, req, HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, e.getMessage());
            } else {
                HttpResponses.badRequest(chc, req, List.of(e.getMessage()));
            }
            return;
        }
        RouteResult result = ingest.ingest(SourceKind.HTTP, source, record);
        HttpResponses.json(chc, req, HttpResponseStatus.ACCEPTED, Json.obj("status", "queued",
                "deliveries", result.deliveries().size(), "skipped", result.skipped(), "problems", result.reasons()));
    }
}
