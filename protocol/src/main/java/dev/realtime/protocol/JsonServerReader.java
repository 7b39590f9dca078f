package dev.realtime.protocol;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/** Reads one server message object (client side of {@link JsonCodec}). */
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
                case "op" -> op = p.getValueAsString();
                case "sid" -> sid = p.getValueAsString();
                case "userId" -> userId = p.getValueAsString();
                case "anonymous" -> anonymous = p.getValueAsBoolean();
                case "rooms" -> rooms = strings(p, v);
                case "serverTime" -> serverTime = p.getValueAsLong();
                case "pingIntervalMs" -> pingIntervalMs = p.getValueAsLong();
                case "room" -> room = p.getValueAsString();
                case "event" -> event = p.getValueAsString();
                case "data" -> data = JsonCodec.raw(p, v, src);
                case "binary" -> binary = p.getValueAsBoolean();
                case "offset" -> offset = v == JsonToken.VALUE_NULL ? null : p.getValueAsLong();
                case "epoch" -> epoch = p.getValueAsString();
                case "id" -> id = v == JsonToken.VALUE_NULL ? null : p.getValueAsLong();
                case "ok" -> ok = p.getValueAsBoolean();
                case "error" -> error = readError(p, v);
                default -> p.skipChildren();
            }
        }
        if (binary && data != null) {
            String b64 = data.jsonText();
            data = Payload.binary(Base64.getDecoder().decode(b64.substring(1, b64.length() - 1)));
        }
        if (op == null) {
            throw new ProtocolException(ErrorCode.INVALID_MESSAGE, "missing op");
        }
        return switch (op) {
            case "connected" -> new ServerMessage.Connected(sid, userId, anonymous, rooms, serverTime, pingIntervalMs);
            case "event" -> new ServerMessage.Event(room, event, data, offset, epoch);
            case "reply" -> new ServerMessage.Reply(id == null ? -1 : id, ok, data, error);
            case "error" -> new ServerMessage.Error(error);
            case "pong" -> new ServerMessage.Pong(id);
            default -> throw new ProtocolException(ErrorCode.UNKNOWN_OP, "unknown op " + op);
        };
    }

    private static List<String> strings(JsonParser p, JsonToken v) throws IOException {
        if (v != JsonToken.START_ARRAY) {
            p.skipChildren();
            return List.of();
        }
        List<String> out = new ArrayList<>();
        while (p.nextToken() != JsonToken.END_ARRAY) {
            out.add(p.getValueAsString());
        }
        return out;
    }

    private static ErrorInfo readError(JsonParser p, JsonToken v) throws IOException {
        if (v != JsonToken.START_OBJECT) {
            p.skipChildren();
            return null;
        }
        String code = null;
        String message = "";
        Long retry = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            p.nextToken();
            switch (name) {
                case "code" -> code = p.getValueAsString();
                case "message" -> message = p.getValueAsString();
                case "retryAfterMs" -> retry = p.getValueAsLong();
                default -> p.skipChildren();
            }
        }
        return code == null ? null : new ErrorInfo(code, message, retry);
    }
}
