package dev.realtime.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code rt.binary.v1} codec. A binary frame holds one or more messages back to back (a batch);
 * each message is {@code op:u8 flags:u8} followed by the op's fields. Strings are
 * {@code varint length + UTF-8}; integers are unsigned LEB128 varints; {@code serverTime} is a
 * big-endian i64; {@code data} is {@code kind:u8 (1=JSON, 2=raw bytes) + varint length + bytes}.
 * The full byte-by-byte layout and hex vectors are in {@code docs/protocol.md}.
 *
 * <p>Immutable and thread-safe.
 */
public final class BinaryCodec implements MessageCodec {
    public static final String SUBPROTOCOL = "rt.binary.v1";

    // client -> server
    static final int OP_AUTH = 0x01;
    static final int OP_JOIN = 0x02;
    static final int OP_LEAVE = 0x03;
    static final int OP_PUBLISH = 0x04;
    static final int OP_EMIT = 0x05;
    static final int OP_PING = 0x06;
    // server -> client
    static final int OP_CONNECTED = 0x81;
    static final int OP_EVENT = 0x82;
    static final int OP_REPLY = 0x83;
    static final int OP_ERROR = 0x84;
    static final int OP_PONG = 0x85;

    static final int F_ID = 0x01;
    static final int F_SINCE = 0x02;
    static final int F_ANONYMOUS = 0x01;
    static final int F_USER_ID = 0x02;
    static final int F_ROOM = 0x01;
    static final int F_POSITION = 0x02;
    static final int F_OK = 0x01;
    static final int F_DATA = 0x02;
    static final int F_ERROR = 0x04;
    static final int F_RETRY = 0x01;
    static final int F_DATA_PRESENT = 0x04;

    static final int DATA_JSON = 1;
    static final int DATA_BYTES = 2;

    private final int maxBatch;
    /** Kind-1 data must be one JSON value within the JSON path's limits (the envelope's level excluded). */
    private final JsonValue jsonData;

    /**
     * @param maxDepth the JSON path's nesting limit ({@code JSON_MAX_DEPTH}, envelope included): JSON
     *                 data (kind 1) may nest one level less, exactly what a JSON client could send
     * @param maxBatch maximum number of messages in one frame
     */
    public BinaryCodec(int maxDepth, int maxBatch) {
        if (maxDepth < 2) {
            throw new IllegalArgumentException("maxDepth must be at least 2");
        }
        this.maxBatch = maxBatch;
        this.jsonData = new JsonValue(maxDepth - 1);
    }

    public BinaryCodec(int maxBatch) {
        this(32, maxBatch);
    }

    public BinaryCodec() {
        this(32, 100);
    }

    @Override
    public String subprotocol() {
        return SUBPROTOCOL;
    }

    @Override
    public boolean binaryFrames() {
        return true;
    }

    @Override
    public List<ClientMessage> decodeClient(ByteBuf frame) {
        ByteBuf in = frame.duplicate();
        if (!in.isReadable()) {
            return List.of(invalid(null, "empty frame"));
        }
        List<ClientMessage> out = new ArrayList<>(1);
        while (in.isReadable()) {
            if (out.size() >= maxBatch) {
                return List.of(new ClientMessage.Invalid(null,
                        ErrorInfo.of(ErrorCode.TOO_LARGE, "batch holds more than " + maxBatch + " messages")));
            }
            Long id = null;
            try {
                int op = u8(in);
                int flags = u8(in);
                // Only a known op's flags say whether an id follows; once read, the id is kept so a
                // message that is bad further on is still answered with a reply for that id.
                if (op >= OP_AUTH && op <= OP_PING && (flags & F_ID) != 0) {
                    id = varint(in);
                }
                out.add(readClient(in, op, flags, id));
            } catch (ProtocolException e) {
                // The rest of the frame cannot be framed reliably: report once and stop.
                out.add(new ClientMessage.Invalid(id, ErrorInfo.of(e.code(), e.getMessage())));
                return out;
            }
        }
        return out;
    }

    private static ClientMessage.Invalid invalid(Long id, String message) {
        return new ClientMessage.Invalid(id, ErrorInfo.of(ErrorCode.INVALID_MESSAGE, message));
    }

    private ClientMessage readClient(ByteBuf in, int op, int flags, Long id) {
        switch (op) {
            case OP_AUTH:
                return new ClientMessage.Auth(id, string(in));
            case OP_JOIN: {
                String room = string(in);
                ClientMessage.Since since = null;
                if ((flags & F_SINCE) != 0) {
                    String epoch = string(in);
                    since = new ClientMessage.Since(epoch, varint(in));
                }
                return new ClientMessage.Join(id, room, since);
            }
            case OP_LEAVE:
                return new ClientMessage.Leave(id, string(in));
            case OP_PUBLISH: {
                String room = string(in);
                String event = string(in);
                Payload data = data(in, flags);
                String bad = checkJson(data);
                return bad != null ? invalid(id, bad) : new ClientMessage.Publish(id, room, event, jsonNullIsAbsent(data));
            }
            case OP_EMIT: {
                String event = string(in);
                Payload data = data(in, flags);
                String bad = checkJson(data);
                return bad != null ? invalid(id, bad) : new ClientMessage.Emit(id, event, jsonNullIsAbsent(data));
            }
            case OP_PING:
                return new ClientMessage.Ping(id);
            default:
                throw new ProtocolException(ErrorCode.UNKNOWN_OP, "unknown op 0x" + Integer.toHexString(op));
        }
    }

    /**
     * JSON data (kind 1) is embedded byte for byte in JSON clients' frames, so it must be exactly one
     * valid JSON value, like {@code data} in a JSON frame; the message is refused otherwise (its
     * framing is intact, so the rest of the batch still runs).
     */
    private String checkJson(Payload data) {
        return data == null || !data.isJson() ? null : jsonData.problem(data.bytes());
    }

    /** As in a JSON frame, JSON {@code null} data means no data. */
    private static Payload jsonNullIsAbsent(Payload data) {
        byte[] b = data == null || !data.isJson() ? null : data.bytes();
        return b != null && b.length <= 16 && new String(b, StandardCharsets.US_ASCII).trim().equals("null") ? null : data;
    }

    @Override
    public void encodeClient(ClientMessage message, ByteBuf out) {
        int flags = message.id() != null ? F_ID : 0;
        if (message instanceof ClientMessage.Auth a) {
            header(out, OP_AUTH, flags, message.id());
            string(out, a.token());
        } else if (message instanceof ClientMessage.Join j) {
            header(out, OP_JOIN, flags | (j.since() != null ? F_SINCE : 0), message.id());
            string(out, j.room());
            if (j.since() != null) {
                string(out, j.since().epoch());
                varint(out, j.since().offset());
            }
        } else if (message instanceof ClientMessage.Leave l) {
            header(out, OP_LEAVE, flags, message.id());
            string(out, l.room());
        } else if (message instanceof ClientMessage.Publish p) {
            header(out, OP_PUBLISH, flags | (p.data() != null ? F_DATA_PRESENT : 0), message.id());
            string(out, p.room());
            string(out, p.event());
            data(out, p.data());
        } else if (message instanceof ClientMessage.Emit e) {
            header(out, OP_EMIT, flags | (e.data() != null ? F_DATA_PRESENT : 0), message.id());
            string(out, e.event());
            data(out, e.data());
        } else if (message instanceof ClientMessage.Ping) {
            header(out, OP_PING, flags, message.id());
        } else {
            throw new IllegalArgumentException("Invalid is not sendable");
        }
    }

    @Override
    public void encodeServer(ServerMessage message, ByteBuf out) {
        if (message instanceof ServerMessage.Event e) {
            int flags = (e.room() != null ? F_ROOM : 0) | (e.offset() != null && e.epoch() != null ? F_POSITION : 0)
                    | (e.data() != null ? F_DATA_PRESENT : 0);
            out.writeByte(OP_EVENT).writeByte(flags);
            if (e.room() != null) {
                string(out, e.room());
            }
            string(out, e.event());
            data(out, e.data());
            if ((flags & F_POSITION) != 0) {
                varint(out, e.offset());
                string(out, e.epoch());
            }
        } else if (message instanceof ServerMessage.Reply r) {
            int flags = (r.ok() ? F_OK : 0) | (r.data() != null ? F_DATA : 0) | (r.error() != null ? F_ERROR : 0);
            out.writeByte(OP_REPLY).writeByte(flags);
            varint(out, r.id());
            if (r.data() != null) {
                data(out, r.data());
            }
            if (r.error() != null) {
                error(out, r.error());
            }
        } else if (message instanceof ServerMessage.Connected c) {
            out.writeByte(OP_CONNECTED).writeByte((c.anonymous() ? F_ANONYMOUS : 0) | (c.userId() != null ? F_USER_ID : 0));
            string(out, c.sid());
            if (c.userId() != null) {
                string(out, c.userId());
            }
            varint(out, c.rooms().size());
            for (String room : c.rooms()) {
                string(out, room);
            }
            out.writeLong(c.serverTime());
            varint(out, c.pingIntervalMs());
        } else if (message instanceof ServerMessage.Error e) {
            out.writeByte(OP_ERROR).writeByte(0);
            error(out, e.error());
        } else if (message instanceof ServerMessage.Pong p) {
            header(out, OP_PONG, p.id() != null ? F_ID : 0, p.id());
        }
    }

    @Override
    public List<ServerMessage> decodeServer(ByteBuf frame) {
        ByteBuf in = frame.duplicate();
        List<ServerMessage> out = new ArrayList<>(1);
        while (in.isReadable()) {
            out.add(readServer(in));
        }
        return out;
    }

    private static ServerMessage readServer(ByteBuf in) {
        int op = u8(in);
        int flags = u8(in);
        switch (op) {
            case OP_EVENT: {
                String room = (flags & F_ROOM) != 0 ? string(in) : null;
                String event = string(in);
                Payload data = data(in, flags);
                Long offset = null;
                String epoch = null;
                if ((flags & F_POSITION) != 0) {
                    offset = varint(in);
                    epoch = string(in);
                }
                return new ServerMessage.Event(room, event, data, offset, epoch);
            }
            case OP_REPLY: {
                long id = varint(in);
                Payload data = (flags & F_DATA) != 0 ? readData(in) : null;
                ErrorInfo error = (flags & F_ERROR) != 0 ? readError(in) : null;
                return new ServerMessage.Reply(id, (flags & F_OK) != 0, data, error);
            }
            case OP_CONNECTED: {
                String sid = string(in);
                String userId = (flags & F_USER_ID) != 0 ? string(in) : null;
                long n = varint(in);
                if (n > in.readableBytes()) {
                    throw new ProtocolException(ErrorCode.INVALID_MESSAGE, "room count exceeds frame");
                }
                List<String> rooms = new ArrayList<>((int) n);
                for (long i = 0; i < n; i++) {
                    rooms.add(string(in));
                }
                need(in, 8);
                long serverTime = in.readLong();
                return new ServerMessage.Connected(sid, userId, (flags & F_ANONYMOUS) != 0, rooms, serverTime, varint(in));
            }
            case OP_ERROR:
                return new ServerMessage.Error(readError(in));
            case OP_PONG:
                return new ServerMessage.Pong((flags & F_ID) != 0 ? varint(in) : null);
            default:
                throw new ProtocolException(ErrorCode.UNKNOWN_OP, "unknown op 0x" + Integer.toHexString(op));
        }
    }

    private static void header(ByteBuf out, int op, int flags, Long id) {
        out.writeByte(op).writeByte(flags);
        if (id != null) {
            varint(out, id);
        }
    }

    private static void error(ByteBuf out, ErrorInfo e) {
        out.writeByte(e.retryAfterMs() != null ? F_RETRY : 0);
        string(out, e.code());
        string(out, e.message());
        if (e.retryAfterMs() != null) {
            varint(out, e.retryAfterMs());
        }
    }

    private static ErrorInfo readError(ByteBuf in) {
        int flags = u8(in);
        String code = string(in);
        String message = string(in);
        Long retry = (flags & F_RETRY) != 0 ? varint(in) : null;
        return new ErrorInfo(code, message, retry);
    }

    /** Writes {@code kind + length + bytes}; callers signal absence with a flag instead. */
    private static void data(ByteBuf out, Payload data) {
        if (data == null) {
            return;
        }
        out.writeByte(data.isJson() ? DATA_JSON : DATA_BYTES);
        varint(out, data.bytes().length);
        out.writeBytes(data.bytes());
    }

    private static Payload data(ByteBuf in, int flags) {
        return (flags & F_DATA_PRESENT) != 0 ? readData(in) : null;
    }

    private static Payload readData(ByteBuf in) {
        int kind = u8(in);
        byte[] bytes = bytes(in);
        if (kind == DATA_JSON) {
            return Payload.json(bytes);
        }
        if (kind == DATA_BYTES) {
            return Payload.binary(bytes);
        }
        throw new ProtocolException(ErrorCode.INVALID_MESSAGE, "unknown data kind " + kind);
    }

    static void string(ByteBuf out, String s) {
        int len = ByteBufUtil.utf8Bytes(s);
        varint(out, len);
        ByteBufUtil.reserveAndWriteUtf8(out, s, len);
    }

    static String string(ByteBuf in) {
        long len = varint(in);
        need(in, len);
        String s = in.toString(in.readerIndex(), (int) len, StandardCharsets.UTF_8);
        in.skipBytes((int) len);
        return s;
    }

    private static byte[] bytes(ByteBuf in) {
        long len = varint(in);
        need(in, len);
        byte[] b = new byte[(int) len];
        in.readBytes(b);
        return b;
    }

    static void varint(ByteBuf out, long v) {
        if (v < 0) {
            throw new IllegalArgumentException("varints are unsigned: " + v);
        }
        while ((v & ~0x7FL) != 0) {
            out.writeByte((int) ((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        out.writeByte((int) v);
    }

    static long varint(ByteBuf in) {
        long result = 0;
        for (int shift = 0; shift < 63; shift += 7) {
            need(in, 1);
            byte b = in.readByte();
            result |= (long) (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                return result;
            }
        }
        throw new ProtocolException(ErrorCode.INVALID_MESSAGE, "varint longer than 9 bytes");
    }

    private static int u8(ByteBuf in) {
        need(in, 1);
        return in.readUnsignedByte();
    }

    private static void need(ByteBuf in, long n) {
        if (n > in.readableBytes()) {
            throw new ProtocolException(ErrorCode.INVALID_MESSAGE, "truncated message");
        }
    }
}
