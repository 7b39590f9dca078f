package dev.realtime.client;

import dev.realtime.protocol.ServerMessage;
import java.util.List;

/**
 * The fields of the server's {@code connected} message for the current (or last) connection.
 * Immutable.
 *
 * @param sid this connection's session id (new on every reconnect)
 * @param userId the token's user, or null for anonymous connections
 * @param anonymous whether the connection is anonymous
 * @param rooms the rooms the server joined automatically ({@code user:{id}} and {@code global})
 * @param serverTime the server clock at connect time, epoch milliseconds
 * @param pingIntervalMs the server's WebSocket ping interval
 */
public record ConnectedInfo(String sid, String userId, boolean anonymous, List<String> rooms,
                            long serverTime, long pingIntervalMs) {

    public ConnectedInfo {
        rooms = List.copyOf(rooms);
    }

    static ConnectedInfo of(ServerMessage.Connected c) {
        return new ConnectedInfo(c.sid(), c.userId(), c.anonymous(), c.rooms(), c.serverTime(), c.pingIntervalMs());
    }
}
