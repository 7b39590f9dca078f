package dev.realtime.protocol;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The {@code data} of a message, kept as the bytes it arrived as so the server can forward it
 * without re-serialising: either UTF-8 JSON text (any JSON value) or raw binary bytes (only the
 * binary codec carries these natively; the JSON codec renders them as base64).
 *
 * <p>Immutable by contract: callers must not modify {@link #bytes()} after construction.
 */
public record Payload(Kind kind, byte[] bytes) {

    /** What the bytes are. */
    public enum Kind { JSON, BINARY }

    public Payload {
        if (kind == null || bytes == null) {
            throw new IllegalArgumentException("kind and bytes are required");
        }
    }

    /** A JSON payload; {@code json} must be one valid JSON value. */
    public static Payload json(String json) {
        return new Payload(Kind.JSON, json.getBytes(StandardCharsets.UTF_8));
    }

    /** A JSON payload from UTF-8 bytes that already hold one valid JSON value. */
    public static Payload json(byte[] utf8Json) {
        return new Payload(Kind.JSON, utf8Json);
    }

    /** A raw binary payload. */
    public static Payload binary(byte[] bytes) {
        return new Payload(Kind.BINARY, bytes);
    }

    public boolean isJson() {
        return kind == Kind.JSON;
    }

    /** The JSON text; only meaningful for {@link Kind#JSON}. */
    public String jsonText() {
        return new String(bytes, StandardCharsets.UTF_8);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Payload p && p.kind == kind && Arrays.equals(p.bytes, bytes);
    }

    @Override
    public int hashCode() {
        return kind.hashCode() * 31 + Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return kind == Kind.JSON ? jsonText() : "binary[" + bytes.length + "]";
    }
}
