package dev.realtime.game;

import dev.realtime.protocol.ServerMessage;
import dev.realtime.server.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * The wire and store forms of the quiz: a {@link Match} as stored (JSON, answers included: it never
 * leaves the server and Redis), and the events clients get. Stateless.
 */
final class MatchCodec {
    static final String FOUND = "match:found";
    static final String STATE_UPDATE = "match:stateUpdate";
    static final String COMPLETED = "match:completed";

    private MatchCodec() {
    }

    static byte[] encode(Match m) {
        return Json.bytes(m);
    }

    static Match decode(byte[] stored) {
        try {
            return Json.MAPPER.readValue(stored, Match.class);
        } catch (IOException e) {
            throw new UncheckedIOException("unreadable match state", e);
        }
    }

    /** An event for a user's devices (no {@code room} field, like notifications). */
    static ServerMessage.Event event(String name, Map<String, Object> data) {
        return new ServerMessage.Event(null, name, Json.payload(data), null, null);
    }
}
