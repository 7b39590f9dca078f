package dev.realtime.presence;

import dev.realtime.protocol.ServerMessage;
import dev.realtime.room.RoomPolicy;
import dev.realtime.server.Json;
import dev.realtime.signal.RoomSignals;

/**
 * {@code room:user_joined} / {@code room:user_left}: sent to a room when a user enters it through
 * their first connection anywhere in the cluster and leaves it with their last (several devices are
 * one user), as the {@link PresenceTracker} learns it from the presence store. Whether a room sends
 * them is the room policy's {@code presenceEvents} setting (by room prefix; off for {@code video:*}
 * by default), and no room sends them while it has more than {@code maxUsers} users, so an audience
 * of 100,000 does not cost 100,000 events per wave of arrivals.
 *
 * <p>Data: {@code {"room","userId","users","timestamp"}} ({@code users}: the room's distinct users
 * after the change). {@code room:user_joined} goes to everyone in the room but the user who joined;
 * the events are transient ({@link RoomSignals}): no history, no offset.
 *
 * <p>Threading: stateless; runs on the tracker thread and only enqueues.
 */
public final class PresenceEvents implements PresenceTracker.RoomListener {
    public static final String JOINED = "room:user_joined";
    public static final String LEFT = "room:user_left";

    private final RoomPolicy policy;
    private final int maxUsers;
    private final RoomSignals signals;

    /** @param maxUsers {@code PRESENCE_EVENTS_MAX_MEMBERS}: rooms with more users send no events */
    public PresenceEvents(RoomPolicy policy, int maxUsers, RoomSignals signals) {
        this.policy = policy;
        this.maxUsers = maxUsers;
        this.signals = signals;
    }

    @Override
    public void entered(String room, String userId, int users) {
        if (users <= maxUsers && policy.presenceEvents(room)) {
            signals.send(room, event(room, JOINED, userId, users), RoomSignals.Except.user(userId));
        }
    }

    @Override
    public void vacated(String room, String userId, int users) {
        // Judged by the size before the leave, so a room at the limit is quiet both ways.
        if (users + 1 <= maxUsers && policy.presenceEvents(room)) {
            signals.send(room, event(room, LEFT, userId, users), RoomSignals.Except.NONE);
        }
    }

    private static ServerMessage.Event event(String room, String name, String userId, int users) {
        return new ServerMessage.Event(room, name, Json.payload(Json.obj("room", room, "userId", userId,
                "users", users, "timestamp", System.currentTimeMillis())), null, null);
    }
}
