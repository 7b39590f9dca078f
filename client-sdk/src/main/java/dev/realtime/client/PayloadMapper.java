package dev.realtime.client;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.BinaryNode;
import com.fasterxml.jackson.databind.node.NullNode;
import dev.realtime.protocol.Payload;
import java.io.IOException;

/**
 * Converts between application objects and protocol {@link Payload}s with the configured Jackson
 * {@link ObjectMapper}. Stateless apart from the mapper, which Jackson documents as thread-safe once
 * configured, so one instance is used from any thread.
 */
final class PayloadMapper {
    private final ObjectMapper mapper;

    PayloadMapper(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    /**
     * The payload for a {@code data} argument: null (or JSON null) means "no data", a {@code byte[]} is a
     * raw binary payload, a {@link Payload} is sent as it is, anything else is serialised with Jackson.
     */
    Payload encode(Object data) {
        if (data == null || data instanceof NullNode) {
            return null;
        }
        if (data instanceof Payload) {
            return (Payload) data;
        }
        if (data instanceof byte[]) {
            return Payload.binary(((byte[]) data).clone());
        }
        try {
            byte[] json = mapper.writeValueAsBytes(data);
            return json.length == 4 && "null".equals(new String(json, java.nio.charset.StandardCharsets.US_ASCII))
                    ? null : Payload.json(json);
        } catch (JsonProcessingException | RuntimeException e) {
            throw new RealtimeException(RealtimeException.INVALID_DATA,
                    "cannot serialise " + data.getClass().getName() + " to JSON: " + e.getMessage(), null, e);
        }
    }

    /** A tree for a payload: {@code NullNode} for none, {@code BinaryNode} for raw bytes. Never null. */
    JsonNode toNode(Payload payload) {
        if (payload == null) {
            return NullNode.getInstance();
        }
        if (!payload.isJson()) {
            return BinaryNode.valueOf(payload.bytes());
        }
        try {
            return mapper.readTree(payload.bytes());
        } catch (IOException e) {
            throw decodeFailed(JsonNode.class, e);
        }
    }

    /**
     * A payload mapped to {@code type}: {@link JsonNode} gets {@link #toNode} (never null); otherwise null
     * for no data, {@code byte[]} receives raw bytes (or a base64 JSON string), {@link Payload} is passed
     * through, and anything else goes through Jackson.
     */
    <T> T convert(Payload payload, Class<T> type) {
        if (type == JsonNode.class) {
            return type.cast(toNode(payload));
        }
        if (payload == null) {
            return null;
        }
        if (type == Payload.class) {
            return type.cast(payload);
        }
        if (!payload.isJson()) {
            if (type == byte[].class || type == Object.class) {
                return type.cast(payload.bytes());
            }
            throw new RealtimeException(RealtimeException.DECODE_FAILED,
                    "raw binary data cannot be mapped to " + type.getName() + " (ask for byte[] or Payload)");
        }
        try {
            return mapper.readValue(payload.bytes(), type);
        } catch (IOException | RuntimeException e) {
            throw decodeFailed(type, e);
        }
    }

    private static RealtimeException decodeFailed(Class<?> type, Exception e) {
        return new RealtimeException(RealtimeException.DECODE_FAILED,
                "cannot map data to " + type.getName() + ": " + e.getMessage(), null, e);
    }
}
