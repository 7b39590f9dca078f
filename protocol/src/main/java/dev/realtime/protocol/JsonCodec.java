package dev.realtime.protocol;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;

/**
 * The {@code rt.json.v1} codec: one JSON object per text frame, or a JSON array of objects (a batch).
 *
 * <p>Decoding streams through the frame with Jackson's parser (no tree model) under hard limits on
 * nesting depth and batch length, and keeps {@code data} as the raw bytes it arrived as so that
 * fan-out never re-serialises it. Immutable and thread-safe.
 */
public final class JsonCodec implements MessageCodec {
    public static final String SUBPROTOCOL = "rt.json.v1";

    /** Re-reads already validated string values (base64 of binary payloads); no depth to guard. */
    private static final JsonFactory PLAIN = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxStringLength(Integer.MAX_VALUE / 4).build())
            .build();

    private final JsonFactory factory;
    private final int maxBatch;

    /**
     * @param maxDepth maximum nesting depth of a frame (envelope included); deeper input is refused
     * @param maxBatch maximum number of messages in one array frame
     */
    public JsonCodec(int maxDepth, int maxBatch) {
        this.factory = JsonValue.limitedFactory(maxDepth);
        this.maxBatch = maxBatch;
    }

    /** A codec with the default limits (depth 32, batch 100). */
    public JsonCodec() {
        this(32, 100);
    }

    @Override
    public String subprotocol() {
        return SUBPROTOCOL;
    }

    @Override
    public boolean binaryFrames() {
        return false;
    }

    @Override
    public List<ClientMessage> decodeClient(ByteBuf frame) {
        byte[] bytes = ByteBufUtil.getBytes(frame);
        // The messages decoded so far and the id of the one being read: when the frame turns out
        // malformed or beyond a limit part-way, those still run and that one is answered by id
        // (as in the binary codec, the rest of the frame is dropped).
        List<ClientMessage> out = new ArrayList<>(1);
        IdSeen seen = new IdSeen();
        boolean complete = false;
        try (JsonParser p = factory.createParser(bytes)) {
            JsonToken first = p.nextToken();
            if (first == JsonToken.START_OBJECT) {
                out.add(readClient(p, bytes, seen));
                seen.id = null;
            } else if (first == JsonToken.START_ARRAY) {
                JsonToken t;
                while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
                    if (out.size() >= maxBatch) {
                        return List.of(invalid(null, ErrorCode.TOO_LARGE, "batch holds more than " + maxBatch + " messages"));
                    }
                    if (t == JsonToken.START_OBJECT) {
                        out.add(readClient(p, bytes, seen));
                        seen.id = null;
                    } else {
                        p.skipChildren();
                        out.add(invalid(null, ErrorCode.INVALID_MESSAGE, "batch elements must be objects"));
                    }
                }
                if (out.isEmpty()) {
                    return List.of(invalid(null, ErrorCode.INVALID_MESSAGE, "empty batch"));
                }
            } else {
                return List.of(invalid(null, ErrorCode.INVALID_MESSAGE, "a frame must be a JSON object or array"));
            }
            complete = true;
            if (p.nextToken() != null) {
                return List.of(invalid(null, ErrorCode.INVALID_MESSAGE, "trailing data after the message"));
            }
            return out;
        } catch (StreamConstraintsException e) {
            return partly(out, seen, "message nested too deeply or with too long a number");
        } catch (IOException | RuntimeException e) {
            // Garbage after a complete frame refuses the frame as a whole, like trailing data.
            return complete ? List.of(invalid(null, ErrorCode.INVALID_MESSAGE, "trailing data after the message"))
                    : partly(out, seen, "malformed JSON");
        }
    }

    /** The id of the message being read, once it has been read. */
    private static final class IdSeen {
        Long id;
    }

    private static List<ClientMessage> partly(List<ClientMessage> decoded, IdSeen seen, String problem) {
        decoded.add(invalid(seen.id, ErrorCode.INVALID_MESSAGE,
                decoded.isEmpty() ? problem : problem + " (the rest of the batch was not read)"));
        return decoded;
    }

    private static ClientMessage.Invalid invalid(Long id, ErrorCode code, String message) {
        return new ClientMessage.Invalid(id, ErrorInfo.of(code, message));
    }

    /** Reads one object whose START_OBJECT is the current token; leaves the parser on its END_OBJECT. */
    private static ClientMessage readClient(JsonParser p, byte[] src, IdSeen seen) throws IOException {
        String op = null;
        Long id = null;
        String token = null;
        String room = null;
        String event = null;
        Payload data = null;
        ClientMessage.Since since = null;
        boolean binary = false;
        String problem = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken v = p.nextToken();
            switch (name) {
                case "op" -> op = text(p, v);
                case "id" -> {
                    if (v == JsonToken.VALUE_NUMBER_INT && p.getNumberType() != JsonParser.NumberType.BIG_INTEGER
                            && p.getLongValue() >= 0) {
                        id = p.getLongValue();
                        seen.id = id;
                    } else if (v != JsonToken.VALUE_NULL) {
                        p.skipChildren();
                        problem = "id must be a non-negative integer";
                    }
                }
                case "token" -> token = text(p, v);
                case "room" -> room = text(p, v);
                case "event" -> event = text(p, v);
                case "data" -> data = rawValue(p, v, src);
                case "binary" -> {
                    if (v == JsonToken.VALUE_TRUE) {
                        binary = true;
                    } else if (v != JsonToken.VALUE_FALSE && v != JsonToken.VALUE_NULL) {
                        p.skipChildren();
                        problem = "binary must be a boolean";
                    }
                }
                case "since" -> {
                    if (v == JsonToken.START_OBJECT) {
                        since = readSince(p);
                        if (since == null) {
                            problem = "since needs a string epoch and a non-negative integer offset";
                        }
                    } else if (v != JsonToken.VALUE_NULL) {
                        p.skipChildren();
                        problem = "since must be an object";
                    }
                }
                default -> p.skipChildren();
            }
        }
        if (problem != null) {
            return invalid(id, ErrorCode.INVALID_MESSAGE, problem);
        }
        if (op == null) {
            return invalid(id, ErrorCode.INVALID_MESSAGE, "missing string field 'op'");
        }
        if (binary && data != null) {
            data = binaryPayload(data);
            if (data == null) {
                return invalid(id, ErrorCode.INVALID_MESSAGE, "binary data must be a base64 string");
            }
        }
        return switch (op) {
            case "auth" -> token == null ? missing(id, "token") : new ClientMessage.Auth(id, token);
            case "join" -> room == null ? missing(id, "room") : new ClientMessage.Join(id, room, since);
            case "leave" -> room == null ? missing(id, "room") : new ClientMessage.Leave(id, room);
            case "publish" -> room == null ? missing(id, "room")
                    : event == null ? missing(id, "event") : new ClientMessage.Publish(id, room, event, data);
            case "emit" -> event == null ? missing(id, "event") : new ClientMessage.Emit(id, event, data);
            case "ping" -> new ClientMessage.Ping(id);
            default -> invalid(id, ErrorCode.UNKNOWN_OP, "unknown op '" + truncate(op) + "'");
        };
    }

    private static ClientMessage.Invalid missing(Long id, String field) {
        return invalid(id, ErrorCode.INVALID_MESSAGE, "missing string field '" + field + "'");
    }

    private static String truncate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "...";
    }

    private static String text(JsonParser p, JsonToken v) throws IOException {
        if (v == JsonToken.VALUE_STRING) {
            return p.getText();
        }
        p.skipChildren();
        return null;
    }

    private static ClientMessage.Since readSince(JsonParser p) throws IOException {
        String epoch = null;
        Long offset = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken v = p.nextToken();
            if ("epoch".equals(name) && v == JsonToken.VALUE_STRING) {
                epoch = p.getText();
            } else if ("offset".equals(name) && v == JsonToken.VALUE_NUMBER_INT
                    && p.getNumberType() != JsonParser.NumberType.BIG_INTEGER && p.getLongValue() >= 0) {
                offset = p.getLongValue();
            } else {
                p.skipChildren();
            }
        }
        return epoch == null || offset == null ? null : new ClientMessage.Since(epoch, offset);
    }

    /** Captures the current value's exact source bytes; JSON null means "no data". */
    private static Payload rawValue(JsonParser p, JsonToken v, byte[] src) throws IOException {
        if (v == JsonToken.VALUE_NULL) {
            return null;
        }
        long start = p.currentTokenLocation().getByteOffset();
        if (v == JsonToken.START_OBJECT || v == JsonToken.START_ARRAY) {
            p.skipChildren();
        } else {
            p.finishToken();
        }
        long end = p.currentLocation().getByteOffset();
        return Payload.json(Arrays.copyOfRange(src, (int) start, (int) end));
    }

    /**
     * Turns the raw JSON string literal of a {@code "binary":true} payload into its bytes, or returns
     * {@code null} when it is not a string holding valid base64.
     */
    static Payload binaryPayload(Payload json) {
        byte[] b = json.bytes();
        if (b.length < 2 || b[0] != '"') {
            return null;
        }
        try (JsonParser p = PLAIN.createParser(b)) {
            if (p.nextToken() != JsonToken.VALUE_STRING) {
                return null;
            }
            return Payload.binary(Base64.getDecoder().decode(p.getText()));
        } catch (IOException | IllegalArgumentException e) {
            return null;
        }
    }

    @Override
    public void encodeServer(ServerMessage message, ByteBuf out) {
        JsonOut w = new JsonOut(out).str("op", message.op());
        if (message instanceof ServerMessage.Event e) {
            w.str("room", e.room()).str("event", e.event())
                    .payload("data", e.data()).num("offset", e.offset()).str("epoch", e.epoch());
        } else if (message instanceof ServerMessage.Reply r) {
            w.num("id", r.id()).bool("ok", r.ok()).payload("data", r.data()).error("error", r.error());
        } else if (message instanceof ServerMessage.Connected c) {
            w.str("sid", c.sid()).str("userId", c.userId())
                    .bool("anonymous", c.anonymous()).strings("rooms", c.rooms())
                    .num("serverTime", c.serverTime()).num("pingIntervalMs", c.pingIntervalMs());
        } else if (message instanceof ServerMessage.Error e) {
            w.error("error", e.error());
        } else if (message instanceof ServerMessage.Pong p) {
            w.num("id", p.id());
        }
        w.end();
    }

    @Override
    public void encodeClient(ClientMessage message, ByteBuf out) {
        JsonOut w = new JsonOut(out).str("op", message.op()).num("id", message.id());
        if (message instanceof ClientMessage.Auth a) {
            w.str("token", a.token());
        } else if (message instanceof ClientMessage.Join j) {
            w.str("room", j.room()).since("since", j.since());
        } else if (message instanceof ClientMessage.Leave l) {
            w.str("room", l.room());
        } else if (message instanceof ClientMessage.Publish pb) {
            w.str("room", pb.room()).str("event", pb.event()).payload("data", pb.data());
        } else if (message instanceof ClientMessage.Emit e) {
            w.str("event", e.event()).payload("data", e.data());
        } else if (message instanceof ClientMessage.Invalid) {
            throw new IllegalArgumentException("Invalid is not sendable");
        }
        w.end();
    }

    @Override
    public List<ServerMessage> decodeServer(ByteBuf frame) {
        byte[] bytes = ByteBufUtil.getBytes(frame);
        try (JsonParser p = factory.createParser(bytes)) {
            JsonToken first = p.nextToken();
            List<ServerMessage> out;
            if (first == JsonToken.START_OBJECT) {
                out = List.of(JsonServerReader.read(p, bytes));
            } else if (first == JsonToken.START_ARRAY) {
                out = new ArrayList<>();
                JsonToken t;
                while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
                    if (t != JsonToken.START_OBJECT) {
                        throw new ProtocolException(ErrorCode.INVALID_MESSAGE, "batch elements must be objects");
                    }
                    out.add(JsonServerReader.read(p, bytes));
                }
            } else {
                throw new ProtocolException(ErrorCode.INVALID_MESSAGE, "a frame must be a JSON object or array");
            }
            if (p.nextToken() != null) {
                throw new ProtocolException(ErrorCode.INVALID_MESSAGE, "trailing data after the message");
            }
            return out;
        } catch (ProtocolException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            // Anything else a hostile or buggy server can provoke is reported the documented way.
            throw new ProtocolException(ErrorCode.INVALID_MESSAGE, "malformed server message: " + e.getMessage());
        }
    }

    /** Shared with {@link JsonServerReader}. */
    static Payload raw(JsonParser p, JsonToken v, byte[] src) throws IOException {
        return rawValue(p, v, src);
    }
}
