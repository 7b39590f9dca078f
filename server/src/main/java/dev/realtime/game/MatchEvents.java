package dev.realtime.game;

import dev.realtime.ingest.EventForwarding;
import dev.realtime.room.RoomPolicy;
import dev.realtime.room.RoomService;
import dev.realtime.server.Json;
import dev.realtime.session.ServerMembership;
import dev.realtime.session.Session;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What players see of a match. {@code match:stateUpdate} and {@code match:completed} are published to
 * both players' {@code user:{id}} rooms: every device of each player, on whatever node, gets them
 * through the same path as notifications, with no wait for a match-room subscription. {@code match:found}
 * goes to each of a player's connections on this node, which are then joined to the match room.
 * The result also goes to Kafka through the route table's {@code event} forward rules.
 *
 * <p>Threading: stateless; safe from any thread (publishes are shard tasks, session work hops to
 * each session's loop).
 */
final class MatchEvents {
    private static final Logger log = LoggerFactory.getLogger(MatchEvents.class);

    private final RoomService rooms;
    private final EventForwarding forwarding;

    /** @param forwarding null when nothing is forwarded to Kafka */
    MatchEvents(RoomService rooms, EventForwarding forwarding) {
        this.rooms = rooms;
        this.forwarding = forwarding;
    }

    /** Both players' devices get the current state. */
    void stateUpdate(Match m) {
        var event = MatchCodec.event(MatchCodec.STATE_UPDATE, m.stateUpdate());
        rooms.publish(null, RoomPolicy.userRoom(m.playerA().userId()), event, "game", null);
        rooms.publish(null, RoomPolicy.userRoom(m.playerB().userId()), event, "game", null);
    }

    /** The final state and the result to both players, and the result to Kafka (once: only the completing node calls this). */
    void completed(Match m) {
        stateUpdate(m);
        var result = MatchCodec.event(MatchCodec.COMPLETED, m.result());
        rooms.publish(null, RoomPolicy.userRoom(m.playerA().userId()), result, "game", null);
        rooms.publish(null, RoomPolicy.userRoom(m.playerB().userId()), result, "game", null);
        if (forwarding != null) {
            forwarding.forwardEvent(MatchCodec.COMPLETED, Json.MAPPER.valueToTree(m.result()));
        }
    }

    /**
     * On {@code s}'s loop: {@code match:found} for {@code userId}, then the join of the match room,
     * then (a resume) the current state.
     */
    void found(Session s, String userId, Match m, boolean withState) {
        s.loop().execute(() -> {
            if (s.closing()) {
                return;
            }
            s.send(MatchCodec.event(MatchCodec.FOUND, m.foundFor(userId)));
            ServerMembership.join(s, m.matchId(), error -> {
                if (error != null) {
                    log.debug("match room {} not joined for {}: {}", m.matchId(), s.sid(), error.message());
                }
            });
            if (withState) {
                s.send(MatchCodec.event(MatchCodec.STATE_UPDATE, m.stateUpdate()));
            }
        });
    }
}
