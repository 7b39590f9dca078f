package dev.realtime.history;

import dev.realtime.protocol.JsonValue;
import dev.realtime.protocol.Payload;

/**
 * Makes payloads read back from the history store safe for JSON clients, who receive JSON data byte
 * for byte. Nodes check every client's JSON data on the way in, but a history kept in Redis may hold
 * events appended before that check existed (a binary client's "JSON" that was not): such data is
 * served as raw bytes instead (base64 with {@code "binary":true} to JSON clients, unchanged to
 * binary clients), so it can neither forge envelope keys nor break a connection, and nothing is lost.
 *
 * <p>Stateless and thread-safe.
 */
final class StoredPayloads {
    /** Only the structure and UTF-8 matter here; client-side limits were applied when it was published. */
    private static final JsonValue CHECK = new JsonValue(1000);

    private StoredPayloads() {
    }

    static Payload safe(Payload data) {
        if (data == null || !data.isJson() || CHECK.isValid(data.bytes())) {
            return data;
        }
        return Payload.binary(data.bytes());
    }
}
