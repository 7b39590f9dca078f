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
    /** For request bodies: one JSON value and nothing after it ({@code {..} x} is refused, not half read). */
    public static final com.fasterxml.jackson.databind.ObjectReader BODY = MAPPER.reader()
            .with(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    /** JavaScript's {@code toISOString()}: UTC, always three fraction digits ({@code 2024-01-01T00:00:00.000Z}). */
    private static final java.time.format.DateTimeFormatter ISO_MILLIS =
            java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(java.time.ZoneOffset.UTC);

    private Json() {
    }

    /**
     * {@code epochMillis} as the seeds' Node services wrote times ({@code new Date().toISOString()}):
     * {@code Instant.toString()} would print nanoseconds, or no fraction at all on a whole second.
     */
    public static String isoMillis(long epochMillis) {
        return ISO_MILLIS.format(java.time.Instant.ofEpochMilli(epochMillis));
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
