package dev.realtime.client;

import com.fasterxml.jackson.databind.JsonNode;
import dev.realtime.protocol.ClientMessage;
import dev.realtime.protocol.ErrorCode;
import dev.realtime.protocol.ServerMessage;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a session going across reconnects and token expiry: remembers stream positions from events,
 * rejoins the application's rooms (with {@code since}) when a new connection says {@code connected},
 * reports each {@link RejoinResult}, and answers {@code auth:expiring} with a fresh token from the
 * supplier.
 *
 * <p>Confined to the client's event loop, like the {@link RoomTracker} it updates. Counts belong to
 * one connection and are reset when a new one starts rejoining.
 */
final class SessionRecovery {
    private static final Logger log = LoggerFactory.getLogger(SessionRecovery.class);
    static final String AUTH_EXPIRING = "auth:expiring";
    static final String ROOM_LEFT = "room:left";

    private final ClientCore core;
    private final RoomTracker rooms;
    private Connection rejoining;
    private RejoinPacer<Map.Entry<String, ClientMessage.Since>> pacer;
    private int rejoinsLeft;
    /** A refreshed token obtained before {@code connected} arrived on {@code deferredFor}; sent once it does. */
    private Connection deferredFor;
    private String deferredToken;

    SessionRecovery(ClientCore core, RoomTracker rooms) {
        this.core = core;
        this.rooms = rooms;
    }

    /** Every event: remember its position; start a token refresh on {@code auth:expiring}. */
    void onEvent(Connection conn, ServerMessage.Event e) {
        rooms.observe(e);
        if (e.room() == null && AUTH_EXPIRING.equals(e.event())) {
            refreshToken(conn);
        } else if (e.room() == null && ROOM_LEFT.equals(e.event()) && e.data() != null && e.data().isJson()) {
            // The server took the connection out of a room (a refreshed token no longer grants it):
            // do not rejoin it after a reconnect.
            String room = core.mapper.toNode(e.data()).path("room").asText(null);
            if (room != null) {
                rooms.forget(room);
            }
        }
    }

    /** The connection is live: rejoin every tracked room, then tell the core it is connected. */
    void rejoinAll(Connection conn, Collection<String> autoRooms) {
        if (deferredFor == conn) {
            sendAuth(conn, deferredToken);
        }
        deferredFor = null;
        deferredToken = null;
        Map<String, ClientMessage.Since> targets = rooms.rejoinTargets(autoRooms);
        if (pacer != null) {
            pacer.stop(); // the previous connection's rejoins, if any are left
        }
        rejoining = conn;
        rejoinsLeft = targets.size();
        if (targets.isEmpty()) {
            pacer = null;
            core.becomeConnected(conn);
            return;
        }
        List<Map.Entry<String, ClientMessage.Since>> inOrder = new ArrayList<>(targets.size());
        targets.forEach((room, since) -> inOrder.add(new AbstractMap.SimpleImmutableEntry<>(room, since)));
        pacer = new RejoinPacer<>(inOrder, core.config.rejoinRate(), t -> rejoin(conn, t),
                (task, ms) -> core.loop.schedule(task, ms, TimeUnit.MILLISECONDS), System::nanoTime);
        pacer.pump();
    }

    private void rejoin(Connection conn, Map.Entry<String, ClientMessage.Since> target) {
        String room = target.getKey();
        ClientMessage.Since since = target.getValue();
        CompletableFuture<JsonNode> f = new CompletableFuture<>();
        core.requests.send("rejoin " + room, id -> new ClientMessage.Join(id, room, since), core.mapper::toNode, f);
        f.whenComplete((data, err) -> rejoined(conn, target, data, err));
    }

    private void rejoined(Connection conn, Map.Entry<String, ClientMessage.Since> target, JsonNode data, Throwable err) {
        String room = target.getKey();
        ClientMessage.Since since = target.getValue();
        RealtimeException error = null;
        RejoinPacer<Map.Entry<String, ClientMessage.Since>> mine = conn == rejoining ? pacer : null;
        if (err != null) {
            error = RealtimeException.unwrap(err);
            if (error == null) {
                error = new RealtimeException(RealtimeException.DISCONNECTED, err.toString(), null, err);
            }
            if (error.errorCode() == ErrorCode.RATE_LIMITED && mine != null) {
                // Not a refusal: the room is rejoined once the server takes messages again.
                log.debug("rejoining room {} later: {}", room, error.toString());
                mine.rateLimited(target, error.retryAfterMs() != null ? error.retryAfterMs() : 1000);
                return;
            }
            if (error.errorCode() != null) {
                // The server said no (e.g. forbidden now): stop trying this room.
                rooms.forget(room);
            } else if (mine != null) {
                mine.stop(); // the connection is gone: the next one rejoins what is left
            }
            log.warn("could not rejoin room {}: {}", room, error.toString());
        } else if (mine != null) {
            mine.accepted();
        }
        JsonNode recovered = data == null ? null : data.get("recovered");
        Boolean flag = recovered != null && recovered.isBoolean() ? recovered.booleanValue() : null;
        core.listeners.rejoin(new RejoinResult(room, since, error == null, flag, data, error));
        if (conn == rejoining && --rejoinsLeft == 0) {
            rejoining = null;
            core.becomeConnected(conn);
        }
    }

    private void refreshToken(Connection conn) {
        if (!core.config.tokens().refreshable()) {
            log.info("the token expires soon and no token supplier is configured; the server will close with 4401");
            return;
        }
        core.config.tokens().next().whenComplete((token, err) -> core.submit(() -> sendToken(conn, token, err)));
    }

    private void sendToken(Connection conn, String token, Throwable err) {
        if (conn.ended) {
            return; // that connection is gone; the next one authenticates with a fresh token anyway
        }
        if (err != null) {
            RealtimeException e = RealtimeException.unwrap(err);
            log.warn("token refresh failed: {}", e != null ? e.getMessage() : err.toString());
            core.listeners.error(e != null ? e : new RealtimeException(RealtimeException.TOKEN_FAILED, err.toString()));
            return;
        }
        if (core.liveConnection() != conn) {
            // The server may warn before its connected message; send the token once that arrives.
            deferredFor = conn;
            deferredToken = token;
            return;
        }
        sendAuth(conn, token);
    }

    private void sendAuth(Connection conn, String token) {
        CompletableFuture<JsonNode> f = new CompletableFuture<>();
        core.requests.send("auth", id -> new ClientMessage.Auth(id, token), core.mapper::toNode, f);
        f.whenComplete((data, e) -> {
            if (e == null) {
                log.debug("token refreshed");
                return;
            }
            RealtimeException ex = RealtimeException.unwrap(e);
            log.warn("the server refused the refreshed token: {}", ex != null ? ex.toString() : e.toString());
            if (ex != null) {
                core.listeners.error(ex);
            }
        });
    }
}
