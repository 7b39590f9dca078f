package dev.realtime.emit;

import com.fasterxml.jackson.databind.JsonNode;
import dev.realtime.protocol.ErrorCode;
import dev.realtime.protocol.ErrorInfo;
import dev.realtime.room.RoomPolicy;
import dev.realtime.server.Json;
import java.io.IOException;

/**
 * Typed reads of an emit's {@code data} object for handlers, each failing with a specific error
 * ({@link Invalid}, carrying {@code invalid_message} and which field is wrong) instead of a silent
 * default. Immutable; parse once per emit on the connection's loop.
 */
public final class EmitData {
    /** Longest id a client may send (a video id, a message id...). */
    public static final int MAX_ID_CHARS = 128;

    /** Why the data was refused; handlers answer it with {@link EmitContext#fail(ErrorInfo)}. */
    public static final class Invalid extends RuntimeException {
        private final transient ErrorInfo error;

        public Invalid(ErrorCode code, String message) {
            super(message, null, false, false);
            this.error = ErrorInfo.of(code, message);
        }

        public ErrorInfo error() {
            return error;
        }
    }

    private final JsonNode node;

    private EmitData(JsonNode node) {
        this.node = node;
    }

    /** The emit's data, which must be a JSON object; {@code shape} shows what is expected. */
    public static EmitData of(EmitContext ctx, String shape) {
        if (ctx.data() == null || !ctx.data().isJson()) {
            throw new Invalid(ErrorCode.INVALID_MESSAGE, "data must be an object like " + shape);
        }
        JsonNode node;
        try {
            node = Json.MAPPER.readTree(ctx.data().bytes());
        } catch (IOException e) {
            throw new Invalid(ErrorCode.INVALID_MESSAGE, "data must be an object like " + shape);
        }
        if (node == null || !node.isObject()) {
            throw new Invalid(ErrorCode.INVALID_MESSAGE, "data must be an object like " + shape);
        }
        return new EmitData(node);
    }

    /** Data that may be absent: an empty object when the emit carried none. */
    public static EmitData optional(EmitContext ctx, String shape) {
        return ctx.data() == null ? new EmitData(Json.MAPPER.createObjectNode()) : of(ctx, shape);
    }

    public boolean has(String field) {
        JsonNode v = node.get(field);
        return v != null && !v.isNull();
    }

    public JsonNode get(String field) {
        return node.get(field);
    }

    /**
     * An identifier: a non-empty string (or an integer, as seed clients send both) of at most
     * {@link #MAX_ID_CHARS} characters without whitespace or control characters.
     */
    public String id(String field) {
        JsonNode v = node.get(field);
        String s = v == null ? null : v.isTextual() ? v.asText() : v.isIntegralNumber() ? v.asText() : null;
        if (s == null || s.isEmpty() || s.length() > MAX_ID_CHARS || !RoomPolicy.plain(s)) {
            throw new Invalid(ErrorCode.INVALID_MESSAGE, "data." + field + " must be a string of 1.." + MAX_ID_CHARS
                    + " characters without spaces");
        }
        return s;
    }

    /** A required string (any content, possibly empty). */
    public String text(String field) {
        JsonNode v = node.get(field);
        if (v == null || !v.isTextual()) {
            throw new Invalid(ErrorCode.INVALID_MESSAGE, "data." + field + " must be a string");
        }
        return v.asText();
    }

    /** A required boolean. */
    public boolean bool(String field) {
        JsonNode v = node.get(field);
        if (v == null || !v.isBoolean()) {
            throw new Invalid(ErrorCode.INVALID_MESSAGE, "data." + field + " must be true or false");
        }
        return v.asBoolean();
    }

    /** A required finite number at least {@code min}. */
    public double number(String field, double min) {
        JsonNode v = node.get(field);
        if (v == null || !v.isNumber() || !Double.isFinite(v.asDouble()) || v.asDouble() < min) {
            throw new Invalid(ErrorCode.INVALID_MESSAGE, "data." + field + " must be a number >= " + (long) min);
        }
        return v.asDouble();
    }
}
