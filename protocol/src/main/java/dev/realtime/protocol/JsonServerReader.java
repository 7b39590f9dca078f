package dev.realtime.protocol;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads one server message object (client side of {@link JsonCodec}). Lenient about scalar types,
 * but an object or array where a scalar belongs is skipped whole so the parser never loses its place.
 */
final class JsonServerReader {
    private JsonServerReader() {
    }

    static ServerMessage read(JsonParser p, byte[] src) throws IOException {
        String op = null;
        String sid = null;
        String userId = null;
        boolean anonymous = false;
        List<String> rooms = List.of();
        long serverTime = 0;
        long pingIntervalMs = 0;
        String room = null;
        String event = null;
        Payload data = null;
        boolean binary = false;
        Long offset = null;
        String epoch = null;
        Long id = null;
        boolean ok = false;
        ErrorInfo error = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken v = p.nextToken();
            switch (name) {
                case "op" -> op = str(p, v);
                case "sid" -> sid = str(p, v);
                case "userId" -> userId = str(p, v);
                case "anonymous" -> anonymous = bool(p, v);
                case "rooms" -> rooms = strings(p, v);
                case "serverTime" -> serverTime = orZero(lng(p, v));
                case "pingIntervalMs" -> pingIntervalMs = orZero(lng(p, v));
                case "room" -> room = str(p, v);
                case "event" -> event = str(p, v);
                case "data" -> data = JsonCodec.raw(p, v, src);
                case "binary" -> binary = bool(p, v);
                case "offset" -> offset = lng(p, v);
                case "epoch" -> epoch = str(p, v);
                case "id" -> id = lng(p, v);
                case "ok" -> ok = bool(p, v);
                case "error" -> error = readError(p, v);
                default -> p.skipChildren();
            }
        }
        if (binary && data != null) {
            data = JsonCodec.binaryPayload(data);
            if (data == null) {
                throw new ProtocolException(ErrorCode.INVALID_MESSAGE, "binary data must be a base64 string");
            }
        }
        if (op == null) {
            throw new ProtocolException(ErrorCode.INVALID_MESSAGE, "missing op");
        }
        return switch (op) {
            case "connected" -> new ServerMessage.Connected(sid, userId, anonymous, rooms, serverTime, pingIntervalMs);
            case "event" -> new ServerMessage.Event(room, event, data, offset, epoch);
            case "reply" -> new ServerMessage.Reply(id == null ? -1 : id, ok, data, error);
            case "error" -> {
                if (error == null) {
                    throw new ProtocolException(ErrorCode.INVALID_MESSAGE, "error message without an error object");
                }
                yield new ServerMessage.Error(error);
            }
            case "pong" -> new ServerMessage.Pong(id);
            default -> throw new ProtocolException(ErrorCode.UNKNOWN_OP, "unknown op " + op);
        };
    }

    private static String str(JsonParser p, JsonToken v) throws IOException {
        if (v.isScalarValue()) {
            return p.getValueAsString();
        }
        p.skipChildren();
        return null;
    }

    private static Long lng(JsonParser p, JsonToken v) throws IOException {
        if (v == JsonToken.VALUE_NUMBER_INT) {
            return p.getLongValue();
        }
        if (v.isScalarValue()) {
            return v == JsonToken.VALUE_NULL ? null : p.getValueAsLong();
        }
        p.skipChildren();
        return null;
    }

    private static boolean bool(JsonParser p, JsonToken v) throws IOException {
        if (v.isScalarValue()) {
            return p.getValueAsBoolean();
        }
        p.skipChildren();
        return false;
    }

    private static long orZero(Long v) {
        return v == null ? 0 : v;
    }

    private static List<String> strings(JsonParser p, JsonToken v) throws IOException {
        if (v != JsonToken.START_ARRAY) {
            p.skipChildren();
            return List.of();
        }
        List<String> out = new ArrayList<>();
        JsonToken t;
        while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
            if (t != JsonToken.VALUE_STRING) {
                throw new ProtocolException(ErrorCode.INVALID_MESSAGE, "rooms must be an array of strings");
            }
            out.add(p.getText());
        }
        return out;
    }

    private static ErrorInfo readError(JsonParser p, JsonToken v) throws IOException {
        if (v != JsonToken.START_OBJECT) {
            p.skipChildren();
            return null;
        }
        String code = null;
        String message = null;
        Long retry = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken t = p.nextToken();
            switch (name) {
                case "code" -> code = str(p, t);
                case "message" -> message = str(p, t);
                case "retryAfterMs" -> retry = lng(p, t);
                default -> p.skipChildren();
            }
        }
        return code == null ? null : new ErrorInfo(code, message == null ? "" : message, retry);
    }
}
