package dev.realtime.presence;

import dev.realtime.session.Session;
import dev.realtime.session.SessionListener;
import java.util.Set;

/**
 * Tells the {@link PresenceTracker} about authenticated connections and the rooms they join.
 * Anonymous connections are not users and are not tracked.
 *
 * <p>Threading: stateless; runs on event loops and only enqueues to the tracker.
 */
public final class PresenceListener implements SessionListener {
    private final PresenceTracker tracker;
    private final int clusterUserLimit;

    public PresenceListener(PresenceTracker tracker) {
        this(tracker, 0);
    }

    /**
     * @param clusterUserLimit {@code RATE_LIMIT_MAX_CONNECTIONS} checked across the cluster after each
     *                         connect (0: not checked, e.g. a node alone, whose own count is exact)
     */
    public PresenceListener(PresenceTracker tracker, int clusterUserLimit) {
        this.tracker = tracker;
        this.clusterUserLimit = clusterUserLimit;
    }

    @Override
    public void connected(Session s) {
        if (!s.principal().anonymous()) {
            tracker.connected(s.principal().userId(), s.sid(), clusterUserLimit, () -> s.loop().execute(() -> {
                s.fail(null, dev.realtime.protocol.ErrorCode.TOO_MANY_CONNECTIONS,
                        "this user already has the maximum number of connections (on all nodes)");
                s.close(dev.realtime.protocol.CloseCodes.TOO_MANY_REQUESTS, "too many connections");
            }));
        }
    }

    @Override
    public void joined(Session s, String room) {
        if (!s.principal().anonymous()) {
            tracker.joined(room, s.principal().userId());
        }
    }

    @Override
    public void left(Session s, String room) {
        if (!s.principal().anonymous()) {
            tracker.left(room, s.principal().userId());
        }
    }

    @Override
    public void disconnected(Session s, Set<String> rooms) {
        if (s.principal().anonymous()) {
            return;
        }
        String userId = s.principal().userId();
        for (String room : rooms) {
            tracker.left(room, userId);
        }
        tracker.disconnected(userId, s.sid());
    }
}
