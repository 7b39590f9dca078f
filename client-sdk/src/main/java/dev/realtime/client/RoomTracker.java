package dev.realtime.client;

import dev.realtime.protocol.ClientMessage;
import dev.realtime.protocol.ServerMessage;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The rooms the application joined (not the automatic {@code user:{id}} and {@code global}), in join
 * order, each with the last stream position ({@code epoch}/{@code offset}) seen in its events. This is
 * what the client rejoins after a reconnect, passing the position as {@code since} so the server can
 * replay what was missed.
 *
 * <p>Confined to the client's event loop.
 */
final class RoomTracker {
    /** Room to last position; the value is null until an event with a position arrives. */
    private final Map<String, ClientMessage.Since> rooms = new LinkedHashMap<>();

    /** Records a successful application join; automatic rooms are not tracked. */
    void joined(String room, Collection<String> autoRooms) {
        if (!autoRooms.contains(room)) {
            rooms.putIfAbsent(room, null);
        }
    }

    /** Forgets a room (left by the application, or refused on rejoin). */
    void forget(String room) {
        rooms.remove(room);
    }

    /** Remembers the position of an event in a tracked room, when the event carries one. */
    void observe(ServerMessage.Event e) {
        if (e.room() != null && e.offset() != null && e.epoch() != null && rooms.containsKey(e.room())) {
            rooms.put(e.room(), new ClientMessage.Since(e.epoch(), e.offset()));
        }
    }

    /** What to rejoin now: tracked rooms minus those the server already joined automatically. */
    Map<String, ClientMessage.Since> rejoinTargets(Collection<String> autoRooms) {
        Map<String, ClientMessage.Since> out = new LinkedHashMap<>(rooms);
        out.keySet().removeAll(autoRooms);
        return out;
    }
}
