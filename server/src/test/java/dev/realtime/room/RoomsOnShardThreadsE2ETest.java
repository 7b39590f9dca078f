package dev.realtime.room;

import java.util.Map;

/**
 * The rooms end-to-end tests with rooms on threads of their own ({@code ROOM_SHARDS=2}) instead of
 * on the I/O event loops (the default, {@code ROOM_SHARDS=0}): both placements keep every rule.
 */
class RoomsOnShardThreadsE2ETest extends RoomsE2ETest {
    @Override
    Map<String, String> env() {
        return Map.of("MAX_ROOM_MEMBERS", "5", "ROOM_SHARDS", "2");
    }
}
