package dev.realtime.room;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.realtime.auth.Principal;
import java.util.List;
import org.junit.jupiter.api.Test;

class RoomPolicyTest {
    private final RoomPolicy policy = new RoomPolicy(List.of("lobby", "public:*"));
    private final Principal alice = new Principal("alice", null, null, 0);
    private final Principal admin = new Principal("root", "admin", null, 0);

    @Test
    void roomNames() {
        assertNull(RoomPolicy.validateRoomName("game-lobby-1"));
        assertNull(RoomPolicy.validateRoomName("survey:123"));
        assertNull(RoomPolicy.validateRoomName("ünïcødé-房间"));
        for (String bad : new String[] {"", " ", "a b", "a\tb", "a\nb", "a\u0000b", "a\u00a0b", "x".repeat(201)}) {
            assertEquals("invalid_room", RoomPolicy.validateRoomName(bad).code(), bad);
        }
    }

    @Test
    void joins() {
        assertNull(policy.checkJoin(alice, "user:alice"));
        assertEquals("forbidden", policy.checkJoin(alice, "user:bob").code());
        assertEquals("forbidden", policy.checkJoin(alice, "admin").code());
        assertNull(policy.checkJoin(admin, "admin:orders"));
        assertEquals("forbidden", policy.checkJoin(admin, "match:1").code());
        assertNull(policy.checkJoin(Principal.ANONYMOUS, "global"));
        assertNull(policy.checkJoin(Principal.ANONYMOUS, "lobby"));
        assertNull(policy.checkJoin(Principal.ANONYMOUS, "public:anything"));
        assertEquals("forbidden", policy.checkJoin(Principal.ANONYMOUS, "lobby2").code());
        assertEquals("forbidden", policy.checkLeave(alice, "user:alice").code());
        assertEquals("forbidden", policy.checkLeave(alice, "global").code(), "every connection is in global");
        assertEquals("forbidden", policy.checkLeave(Principal.ANONYMOUS, "global").code());
        assertNull(policy.checkLeave(alice, "lobby"));
    }

    @Test
    void aGuardDecidesTheRoomsOfItsPrefix() {
        RoomGuard onlyAlice = (who, room) -> who.userId().equals("alice") ? null
                : dev.realtime.protocol.ErrorInfo.of(dev.realtime.protocol.ErrorCode.FORBIDDEN, "players only");
        RoomPolicy guarded = policy.withGuard("match:", onlyAlice);
        assertNull(guarded.checkJoin(alice, "match:1"));
        assertEquals("players only", guarded.checkJoin(admin, "match:1").message());
        assertEquals("forbidden", guarded.checkJoin(Principal.ANONYMOUS, "match:1").code(), "anonymous rules first");
        assertNull(guarded.checkJoin(admin, "lobby"), "other rooms are unaffected");
        assertEquals("forbidden", policy.checkJoin(alice, "match:1").code(), "the original policy is unchanged");
        org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class, () -> guarded.withGuard("match:", onlyAlice));
    }

    @Test
    void reservedEvents() {
        for (String e : new String[] {"system:x", "admin:y", "match:found", "notification:new", "notifications:read", "auth:expiring", "room:user_joined"}) {
            assertTrue(RoomPolicy.isReservedEvent(e), e);
            assertEquals("forbidden", policy.checkPublish(alice, "chat", e).code());
        }
        for (String e : RoomPolicy.SOCKET_IO_RESERVED_EVENTS) {
            assertEquals("invalid_event", RoomPolicy.validateEventName(e).code(), e);
        }
        assertNull(RoomPolicy.validateEventName("connected"), "only the exact names");
        assertFalse(RoomPolicy.isReservedEvent("chat:message"));
        assertNull(policy.checkPublish(alice, "chat", "chat:message"));
        assertEquals("forbidden", policy.checkPublish(alice, "global", "chat:message").code());
    }
}
