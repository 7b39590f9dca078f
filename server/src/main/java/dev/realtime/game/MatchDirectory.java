package dev.realtime.game;

import dev.realtime.auth.Principal;
import dev.realtime.protocol.ErrorCode;
import dev.realtime.protocol.ErrorInfo;
import dev.realtime.room.RoomGuard;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The matches this node knows because it holds (or held) one of their players' connections: which two
 * users play each, and each local user's latest match. It is the {@link RoomGuard} of
 * {@code match:*}: a join of a match room is allowed for its two players only, and answered from
 * memory on the event loop. A node learns a match before it tells the player about it (the
 * {@code match:found} signal, or a resume on connect), so a client's join after {@code match:found}
 * always finds it. Entries are kept until the match's state would have expired anyway.
 *
 * <p>Threading: thread-safe (concurrent maps of immutable entries); written by bus, matchmaking and
 * lane threads, read by event loops.
 */
final class MatchDirectory implements RoomGuard {
    private record Entry(String userA, String userB, long keepUntil) {
    }

    private final Map<String, Entry> matches = new ConcurrentHashMap<>();
    private final Map<String, String> latestOfUser = new ConcurrentHashMap<>();

    /** Remembers {@code m} until {@code keepUntil} (epoch ms); it becomes its players' latest match. */
    void put(Match m, long keepUntil) {
        matches.put(m.matchId(), new Entry(m.playerA().userId(), m.playerB().userId(), keepUntil));
        latestOfUser.put(m.playerA().userId(), m.matchId());
        latestOfUser.put(m.playerB().userId(), m.matchId());
    }

    /** The latest match this node saw {@code userId} in, or null. */
    String matchOf(String userId) {
        return latestOfUser.get(userId);
    }

    @Override
    public ErrorInfo checkJoin(Principal who, String room) {
        Entry e = matches.get(room);
        if (e != null && (e.userA.equals(who.userId()) || e.userB.equals(who.userId()))) {
            return null;
        }
        return ErrorInfo.of(ErrorCode.FORBIDDEN, "only the two players of a match may join its room");
    }

    /** Forgets entries past their time. */
    void prune(long now) {
        matches.entrySet().removeIf(e -> e.getValue().keepUntil <= now);
        latestOfUser.entrySet().removeIf(e -> !matches.containsKey(e.getValue()));
    }
}
