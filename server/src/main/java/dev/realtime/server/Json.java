package dev.realtime.server;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.realtime.protocol.Payload;

/**
 * Jackson for the cold paths (HTTP bodies, small replies). The mapper is configured once here and
 * never mutated, so sharing it is safe. The hot path (fan-out) never goes through it.
 */
public final class Json {
    /** Nesting is capped so a hostile body cannot exhaust the stack. */
    public static final ObjectMapper MAPPER = new ObjectMapper(JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(64).build())
            .build());

    private Json() {
    }

    public static byte[] bytes(Object value) {
        try {
            return MAPPER.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not serialisable: " + e.getOriginalMessage(), e);
        }
    }

    /** An insertion-ordered JSON object from alternating keys and values (stable field order on the wire). */
    public static java.util.Map<String, Object> obj(Object... keysAndValues) {
        java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            m.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return m;
    }

    /** {@code value} as a JSON payload. */
    public static Payload payload(Object value) {
        return Payload.json(bytes(value));
    }
}
