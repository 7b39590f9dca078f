package dev.realtime.socketio;

import java.util.Map;

/**
 * THE mapping from the seeds' Socket.IO event vocabulary to gateway operations (documented as one
 * table in {@code docs/protocol.md}, "Socket.IO endpoint"). An event with no row here goes to the
 * {@code emit} handler of the same name in the {@code EmitRegistry} (matchmaking, match, video,
 * chat, notifications, admin...), so every feature registered there works over Socket.IO as is.
 * Immutable.
 */
final class EventMapping {

    /** What an event does. */
    enum Op {
        /** {@code join} of the room in the argument (a string, or an object with {@code room}). */
        JOIN,
        /** {@code leave} of the room in the argument. */
        LEAVE,
        /** {@code publish} of {@code {room, event, payload}} (seed 000's {@code broadcastToRoom}). */
        BROADCAST,
        /** The {@code get_rooms} emit. */
        GET_ROOMS,
        /** The application-level {@code ping}. */
        PING,
        /** {@code auth} with a fresh token: the argument, or its {@code token} field. */
        AUTH,
        /** An {@code emit} of {@link Rule#target}. */
        EMIT
    }

    /**
     * One row: the operation, the emit it targets ({@link Op#EMIT}), and the event sent back to the
     * client on success (with the reply data, or {@code {room, timestamp}} for joins and leaves),
     * besides the ack when the client asked for one. {@code null}: the ack only.
     */
    record Rule(Op op, String target, String successEvent) {
    }

    private static final Map<String, Rule> RULES = Map.ofEntries(
            // seed 000
            Map.entry("joinRoom", new Rule(Op.JOIN, null, null)),
            Map.entry("leaveRoom", new Rule(Op.LEAVE, null, null)),
            Map.entry("broadcastToRoom", new Rule(Op.BROADCAST, null, null)),
            // seed 003
            Map.entry("join_room", new Rule(Op.JOIN, null, "room_joined")),
            Map.entry("leave_room", new Rule(Op.LEAVE, null, "room_left")),
            Map.entry("get_rooms", new Rule(Op.GET_ROOMS, null, "rooms")),
            Map.entry("ping", new Rule(Op.PING, null, "pong")),
            // seed 002
            Map.entry("room:join", new Rule(Op.JOIN, null, "room:joined")),
            Map.entry("room:leave", new Rule(Op.LEAVE, null, "room:left")),
            Map.entry("room:message", new Rule(Op.EMIT, SeedEmits.ROOM_MESSAGE, null)),
            Map.entry("user:typing", new Rule(Op.EMIT, "typing", null)),
            Map.entry("auth:token_refresh", new Rule(Op.AUTH, null, null)),
            Map.entry("auth:login", new Rule(Op.AUTH, null, null)), // a token for an anonymous (or the same) user
            // The client telling of its own connection's life: the transport says it already; acked.
            Map.entry("socket:connect", new Rule(Op.PING, null, null)),
            Map.entry("socket:disconnect", new Rule(Op.PING, null, null)),
            Map.entry("socket:reconnect", new Rule(Op.PING, null, null)),
            // seed 001
            Map.entry("subscribe:orders", new Rule(Op.EMIT, SeedEmits.SUBSCRIBE_ORDERS, null)));

    private EventMapping() {
    }

    /** The rule for {@code event}: its row, or an emit of the same name. */
    static Rule rule(String event) {
        Rule r = RULES.get(event);
        return r != null ? r : new Rule(Op.EMIT, event, null);
    }
}
