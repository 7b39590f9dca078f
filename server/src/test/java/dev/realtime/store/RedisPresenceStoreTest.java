package dev.realtime.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import redis.clients.jedis.UnifiedJedis;

/** The presence contract against a real Redis server; expiry runs on Redis's clock (1.5 s timeout). */
class RedisPresenceStoreTest extends PresenceStoreContract {
    @RegisterExtension
    static final RedisStoreExtension REDIS = new RedisStoreExtension();

    @Override
    PresenceStore node() {
        return new RedisPresenceStore(REDIS.fixture().node(), REDIS.fixture().prefix, Duration.ofMillis(3000)); // real time: a busy machine must not expire a live node mid-test
    }

    @Override
    void advance(Duration d) {
        // real time: the contract polls until Redis expires the alive key
    }

    @Test
    void forgettingTheLastNodeLeavesNoKeysBehind() {
        PresenceStore a = node();
        a.heartbeat("n1");
        a.online("n1", "u1", "s1");
        a.joined("lobby", "u1", "n1");
        Set<String> keys = REDIS.fixture().keys();
        assertTrue(keys.contains(REDIS.fixture().prefix + "presence:nodes"), keys.toString());
        assertTrue(keys.contains(REDIS.fixture().prefix + "presence:room:{lobby}"), keys.toString());
        assertTrue(keys.contains(REDIS.fixture().prefix + "presence:users:{lobby}"), keys.toString());
        assertTrue(keys.contains(REDIS.fixture().prefix + "presence:user:{u1}"), keys.toString());
        assertTrue(keys.stream().anyMatch(k -> k.matches(Pattern.quote(REDIS.fixture().prefix)
                + "presence:\\{n1@[0-9a-f]{8}\\}:sessions")), keys.toString());
        a.forgetNode("n1");
        assertEquals(Set.of(), REDIS.fixture().keys());
    }

    /**
     * A node paused past its timeout writes under the life another node swept (it has not heartbeated
     * yet, so it does not know): the swept life's tombstone refuses those writes, which move to a
     * new life instead of leaving index entries no record covers (they would never be swept, and
     * would count the user in the room for ever).
     */
    @Test
    void lateWritesUnderASweptLifeMoveToANewLifeAndLeaveNothingBehind() {
        PresenceStore a = node();
        PresenceStore b = node();
        String prefix = REDIS.fixture().prefix;
        a.heartbeat("n1");
        b.heartbeat("n2");
        a.online("n1", "u1", "s1");
        a.joined("lobby", "u1", "n1");
        String first = sweepOnlyLifeOf(a, b, List.of("lobby u1 0"));
        assertEquals(new PresenceStore.Occupancy(true, 1), a.joined("lobby", "u2", "n1"), "late, but a first join");
        assertEquals(Set.of(prefix + "presence:{" + first + "}:gone"), keysOf(first),
                "nothing written under the swept life but its tombstone");
        assertFalse(a.heartbeat("n1"), "the new life was never live: re-announce");
        assertEquals(Set.of("u2"), b.members("lobby"));

        String second = sweepOnlyLifeOf(a, b, List.of("lobby u2 0"));
        a.online("n1", "u3", "s3");
        assertEquals(Set.of(prefix + "presence:{" + second + "}:gone"), keysOf(second));
        assertFalse(a.heartbeat("n1"));
        assertEquals(1, b.connectionCount("u3"));

        UnifiedJedis redis = REDIS.fixture().node();
        for (String key : List.of("presence:room:{lobby}", "presence:user:{u2}", "presence:user:{u3}")) {
            for (String member : redis.smembers(prefix + key)) {
                assertFalse(member.startsWith(first + " ") || member.startsWith(second + " "), key + ": " + member);
            }
        }
        a.forgetNode("n1");
        b.forgetNode("n2");
        assertEquals(Set.of(prefix + "presence:{" + first + "}:gone", prefix + "presence:{" + second + "}:gone"),
                REDIS.fixture().keys(), "only the tombstones (they expire)");
    }

    /** Waits until {@code b} sweeps n1's only life ({@code a} stops heartbeating); returns that life. */
    private String sweepOnlyLifeOf(PresenceStore a, PresenceStore b, List<String> expectVacated) {
        Matcher m = Pattern.compile(Pattern.quote(REDIS.fixture().prefix) + "presence:\\{(n1@[0-9a-f]{8})\\}:(sessions|joined)")
                .matcher(String.join("\n", REDIS.fixture().keys()));
        assertTrue(m.find(), REDIS.fixture().keys().toString());
        String life = m.group(1);
        List<String> vacated = new ArrayList<>();
        Poll.until("n1's life is swept", Duration.ofSeconds(15), () -> {
            b.heartbeat("n2");
            return b.sweep((room, user, users) -> vacated.add(room + " " + user + " " + users)) == 1;
        });
        assertEquals(expectVacated, vacated);
        return life;
    }

    private Set<String> keysOf(String life) {
        Set<String> out = new HashSet<>();
        for (String k : REDIS.fixture().keys()) {
            if (k.contains("{" + life + "}")) {
                out.add(k);
            }
        }
        return out;
    }
}
