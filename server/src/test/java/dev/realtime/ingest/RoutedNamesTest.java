package dev.realtime.ingest;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Every (room, event) a templated route can deliver is reserved; what no route can produce is not. */
class RoutedNamesTest {

    @Test
    void theBundledTicketRouteReservesItsChannelNamesInEventRooms() {
        RouteTable t = RouteTable.bundledDefault();
        // seed002-ticket: redis ticket:* -> event {$source} -> room event:{eventId} (else global)
        assertTrue(t.deliversTemplated("event:42", "ticket:availability_updated"));
        assertTrue(t.deliversTemplated("event:42", "ticket:"));
        assertFalse(t.deliversTemplated("event:42", "chat:message"), "ordinary events stay open");
        assertFalse(t.deliversTemplated("lobby", "ticket:availability_updated"), "no route sends it to lobby");
        // seed002-booking / user / user-channel: user-targeted, so reserved in user rooms only
        assertTrue(t.deliversTemplated("user:alice", "booking:confirmed"));
        assertTrue(t.deliversTemplated("user:alice", "anything"), "{$2} of user:*:* can be any name");
        assertFalse(t.deliversTemplated("game-lobby-1", "booking:confirmed"));
    }

    @Test
    void sourcesTargetsAndFallbacksOfACustomTable() {
        RouteTable t = RouteTableRoutingTest.table("""
                [{"kafka": ["scores.live", "scores.final"], "http": ["manual"], "event": "score:{$source}",
                  "targets": [{"room": "match-{matchId}", "orElse": {"user": "{ownerId}"}}]},
                 {"redis": "feed:[ab]x:*", "event": "{$source}", "targets": [{"room": "lobby-{$1}"}, "admin"]},
                 {"kafka": "fixed", "event": "fixed:name", "targets": [{"room": "match-{matchId}"}]}]""");
        assertTrue(t.deliversTemplated("match-7", "score:scores.live"));
        assertTrue(t.deliversTemplated("match-7", "score:manual"));
        assertFalse(t.deliversTemplated("match-7", "score:scores-live"), "the dot is literal, not any character");
        assertFalse(t.deliversTemplated("match-7", "score:other"), "only the route's own sources");
        assertTrue(t.deliversTemplated("user:bob", "score:scores.final"), "the fallback target counts too");
        assertFalse(t.deliversTemplated("matchx7", "score:manual"));
        assertTrue(t.deliversTemplated("lobby-1", "feed:ax:1"));
        assertTrue(t.deliversTemplated("admin", "feed:bx:anything"));
        assertFalse(t.deliversTemplated("lobby-1", "feed:cx:1"), "outside the character class");
        assertFalse(t.deliversTemplated("match-7", "fixed:name"), "fixed names are reserved everywhere by serverEventNames");
        assertTrue(t.serverEventNames().contains("fixed:name"));
    }
}
