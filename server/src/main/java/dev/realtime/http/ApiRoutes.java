package dev.realtime.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.realtime.protocol.ErrorInfo;
import dev.realtime.protocol.Payload;
import dev.realtime.protocol.ServerMessage;
import dev.realtime.room.RoomPolicy;
import dev.realtime.room.RoomStat;
import dev.realtime.server.GatewayContext;
import dev.realtime.server.Json;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The internal HTTP APIs, all behind the {@code internal-api-key} header (constant-time compare):
 * stats, seed 000's notify endpoint, and room/user/global broadcast. Server-side publishes skip the
 * membership check and may use reserved event names. Stateless.
 */
public final class ApiRoutes {
    static final String API_KEY_HEADER = "internal-api-key";
    static final int MAX_NOTIFY_USERS = 10_000;

    private final GatewayContext ctx;

    public ApiRoutes(GatewayContext ctx) {
        this.ctx = ctx;
    }

    /** Whether the request carries the API key; answers 401 when not. */
    boolean authorized(ChannelHandlerContext chc, FullHttpRequest req) {
        if (ctx.apiKey().matches(req.headers().get(API_KEY_HEADER))) {
            return true;
        }
        ctx.metrics().authFailures.labels("api_key").inc();
        HttpResponses.unauthorized(chc, req);
        return false;
    }

    void stats(ChannelHandlerContext chc, FullHttpRequest req) {
        if (!authorized(chc, req)) {
            return;
        }
        boolean keepAlive = io.netty.handler.codec.http.HttpUtil.isKeepAlive(req);
        if ("cluster".equals(new io.netty.handler.codec.http.QueryStringDecoder(req.uri()).parameters()
                .getOrDefault("scope", List.of("node")).get(0))) {
            clusterStats(chc, keepAlive ? req : null);
            return;
        }
        ctx.rooms().snapshot().whenComplete((rooms, error) -> chc.executor().execute(() -> {
            if (error != null) {
                HttpResponses.error(chc, null, HttpResponseStatus.INTERNAL_SERVER_ERROR, "stats unavailable");
                return;
            }
            HttpResponses.json(chc, keepAlive ? req : null, HttpResponseStatus.OK, statsBody(rooms));
        }));
    }

    private Map<String, Object> statsBody(List<RoomStat> rooms) {
        return dev.realtime.admin.NodeStats.body(ctx.config().nodeId(), ctx.connections(), rooms);
    }

    /**
     * {@code ?scope=cluster}: totals across the live nodes, from the shared presence store (asked on
     * the presence thread, answered on this connection's loop).
     */
    private void clusterStats(ChannelHandlerContext chc, FullHttpRequest req) {
        ctx.presence().nodes().thenCombine(ctx.presence().onlineUsers(), (nodes, users) -> {
            List<Map<String, Object>> perNode = new ArrayList<>();
            int total = 0;
            for (Map.Entry<String, Integer> e : new java.util.TreeMap<>(nodes).entrySet()) {
                perNode.add(Json.obj("node", e.getKey(), "connections", e.getValue()));
                total += e.getValue();
            }
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("scope", "cluster");
            body.put("node", ctx.config().nodeId());
            body.put("nodeCount", nodes.size());
            body.put("totalConnections", total);
            body.put("uniqueUsers", users.size());
            body.put("nodes", perNode);
            body.put("success", true);
            return body;
        }).whenComplete((body, error) -> chc.executor().execute(() -> {
            if (error != null) {
                HttpResponses.error(chc, null, HttpResponseStatus.SERVICE_UNAVAILABLE, "cluster stats unavailable: "
                        + "the presence store cannot be reached");
            } else {
                HttpResponses.json(chc, req, HttpResponseStatus.OK, body);
            }
        }));
    }

    /** Seed 000: {@code {"userIds":[..],"payload":{..}}} -> 202 {@code {"status":"queued"}}. */
    void notify(ChannelHandlerContext chc, FullHttpRequest req) {
        JsonNode body = authorizedBody(chc, req);
        if (body == null) {
            return;
        }
        List<String> problems = new ArrayList<>();
        JsonNode userIds = body.get("userIds");
        if (userIds == null || userIds.isNull() || userIds.isArray() && userIds.isEmpty()) {
            problems.add("userIds should not be empty");
        } else if (!userIds.isArray()) {
            problems.add("userIds must be an array");
        } else {
            if (userIds.size() > MAX_NOTIFY_USERS) {
                problems.add("userIds must contain no more than " + MAX_NOTIFY_USERS + " elements");
            }
            for (JsonNode id : userIds) {
                if (!id.isTextual() || id.asText().isBlank()) {
                    problems.add("each value in userIds must be a non-empty string");
                    break;
                }
                if (!dev.realtime.auth.Principal.validUserId(id.asText())) {
                    problems.add("each value in userIds must be a user id: at most " + dev.realtime.auth.Principal.MAX_USER_ID
                            + " characters without spaces or control characters");
                    break;
                }
            }
        }
        JsonNode payload = body.get("payload");
        if (payload == null || !payload.isObject()) {
            problems.add("payload must be an object");
        }
        if (!problems.isEmpty()) {
            HttpResponses.badRequest(chc, req, problems);
            return;
        }
        // What the request makes the node hold and store: the payload once per user. Refused whole
        // beyond the cap (a 10,000-user request with a 1 MiB payload would be 10 GB of inbox).
        // A user named twice gets one notification (a set of recipients, not a list of sends).
        java.util.LinkedHashSet<String> users = new java.util.LinkedHashSet<>(userIds.size() * 2);
        userIds.forEach(id -> users.add(id.asText()));
        long payloadBytes = Json.bytes(payload).length;
        long fanoutBytes = payloadBytes * users.size();
        if (fanoutBytes > ctx.config().notifyMaxFanoutBytes()) {
            ctx.metrics().notifications.labels("fanout_too_large").inc();
            HttpResponses.error(chc, req, HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "userIds x payload bytes ("
                    + users.size() + " x " + payloadBytes + " = " + fanoutBytes + ") exceeds NOTIFY_MAX_FANOUT_BYTES ("
                    + ctx.config().notifyMaxFanoutBytes() + "): send fewer users per request or a smaller payload");
            return;
        }
        // Each user's copy goes through their inbox (id, kept while offline, acked by notifications:read);
        // one queued task for the request, the payload serialised once.
        ctx.notifications().notifyUsers(List.copyOf(users), "notification:new", payload);
        HttpResponses.json(chc, req, HttpResponseStatus.ACCEPTED, Map.of("status", "queued"));
    }

    void broadcastRoom(ChannelHandlerContext chc, FullHttpRequest req) {
        broadcast(chc, req, "room");
    }

    void broadcastUser(ChannelHandlerContext chc, FullHttpRequest req) {
        broadcast(chc, req, "userId");
    }

    void broadcastGlobal(ChannelHandlerContext chc, FullHttpRequest req) {
        broadcast(chc, req, null);
    }

    /** {@code {room|userId, event, data}}: validates, publishes, answers 202. */
    private void broadcast(ChannelHandlerContext chc, FullHttpRequest req, String targetField) {
        JsonNode body = authorizedBody(chc, req);
        if (body == null) {
            return;
        }
        List<String> problems = new ArrayList<>();
        String target = null;
        if (targetField != null) {
            JsonNode t = body.get(targetField);
            if (t == null || !t.isTextual() || t.asText().isEmpty()) {
                problems.add(targetField + " must be a non-empty string");
            } else {
                target = t.asText();
                ErrorInfo bad = RoomPolicy.validateRoomName(targetField.equals("room") ? target : RoomPolicy.userRoom(target));
                if (bad != null) {
                    problems.add(targetField + ": " + bad.message());
                }
            }
        }
        JsonNode event = body.get("event");
        if (event == null || !event.isTextual()) {
            problems.add("event must be a non-empty string");
        } else if (RoomPolicy.validateEventName(event.asText()) != null) {
            problems.add("event: " + RoomPolicy.validateEventName(event.asText()).message());
        }
        if (!problems.isEmpty()) {
            HttpResponses.badRequest(chc, req, problems);
            return;
        }
        JsonNode dataNode = body.get("data");
        Payload data = dataNode == null || dataNode.isNull() ? null : Json.payload(dataNode);
        String room = targetField == null ? RoomPolicy.GLOBAL
                : targetField.equals("room") ? target : RoomPolicy.userRoom(target);
        // global events carry no room, however they were addressed (SPEC: events to everyone)
        publish(room, "room".equals(targetField) && !RoomPolicy.GLOBAL.equals(room), event.asText(), data);
        HttpResponses.json(chc, req, HttpResponseStatus.ACCEPTED, Json.obj("status", "queued", "success", true));
    }

    /** Room events carry their room; user and global events do not (SPEC). */
    private void publish(String room, boolean showRoom, String event, Payload data) {
        ctx.rooms().publish(null, room, new ServerMessage.Event(showRoom ? room : null, event, data, null, null),
                "http", null);
    }

    /** The JSON object body of an authorized request, or null after answering 401 or 400. */
    private JsonNode authorizedBody(ChannelHandlerContext chc, FullHttpRequest req) {
        return authorized(chc, req) ? body(chc, req) : null;
    }

    /** The JSON object body, or null after answering 400. */
    private static JsonNode body(ChannelHandlerContext chc, FullHttpRequest req) {
        try {
            JsonNode node = Json.BODY.readTree((java.io.InputStream) new io.netty.buffer.ByteBufInputStream(req.content().duplicate()));
            if (node != null && node.isObject()) {
                return node;
            }
            HttpResponses.badRequest(chc, req, List.of("body must be a JSON object"));
        } catch (com.fasterxml.jackson.core.exc.StreamConstraintsException e) {
            HttpResponses.badRequest(chc, req, List.of("body is nested more than 64 levels deep"));
        } catch (Exception e) {
            HttpResponses.badRequest(chc, req, List.of("body is not valid JSON"));
        }
        return null;
    }
}
