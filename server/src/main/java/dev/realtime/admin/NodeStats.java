package dev.realtime.admin;

import dev.realtime.room.RoomService;
import dev.realtime.room.RoomStat;
import dev.realtime.server.Json;
import dev.realtime.session.ConnectionRegistry;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The one builder of a node's statistics: the body of {@code GET /api/stats} and the data of the
 * {@code stats} event ({@code request:stats}), so the two can never drift apart.
 *
 * <pre>
 * {"node","totalConnections","authenticatedConnections","anonymousConnections","uniqueUsers","totalRooms",
 *  "roomStats":[{"name","connections"}],"userConnections":[{"userId","connectionCount"}],
 *  "success":true}
 * </pre>
 * Each figure once, flat (seed 001's dashboard shape; SPEC's field names).
 *
 * <p>Threading: stateless; {@link #collect} gathers the rooms from every shard and completes on a shard thread.
 */
public final class NodeStats {
    private final String nodeId;
    private final ConnectionRegistry connections;
    private final RoomService rooms;

    public NodeStats(String nodeId, ConnectionRegistry connections, RoomService rooms) {
        this.nodeId = nodeId;
        this.connections = connections;
        this.rooms = rooms;
    }

    /** The statistics now. */
    public CompletableFuture<Map<String, Object>> collect() {
        return rooms.snapshot().thenApply(this::body);
    }

    /** The statistics from a room snapshot already taken. */
    public Map<String, Object> body(List<RoomStat> roomList) {
        return body(nodeId, connections, roomList);
    }

    /** The statistics of {@code nodeId} from its registry and a room snapshot. */
    public static Map<String, Object> body(String nodeId, ConnectionRegistry connections, List<RoomStat> roomList) {
        List<Map<String, Object>> roomStats = new ArrayList<>();
        roomList.stream().sorted(Comparator.comparing(RoomStat::connections).reversed().thenComparing(RoomStat::name))
                .forEach(r -> roomStats.add(Json.obj("name", r.name(), "connections", r.connections())));
        List<Map<String, Object>> users = new ArrayList<>();
        connections.userConnections().stream().sorted(Map.Entry.comparingByKey())
                .forEach(e -> users.add(Json.obj("userId", e.getKey(), "connectionCount", e.getValue())));
        Map<String, Object> stats = new LinkedHashMap<>();
        stats.put("node", nodeId);
        stats.put("totalConnections", connections.total());
        stats.put("authenticatedConnections", connections.authenticatedCount());
        stats.put("anonymousConnections", connections.anonymousCount());
        stats.put("uniqueUsers", connections.uniqueUsers());
        stats.put("totalRooms", roomList.size());
        stats.put("roomStats", roomStats);
        stats.put("userConnections", users);
        stats.put("success", true);
        return stats;
    }
}
