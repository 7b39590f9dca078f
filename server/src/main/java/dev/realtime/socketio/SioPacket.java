package dev.realtime.socketio;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Set;

/**
 * One Socket.IO v5 packet sent by a client, decoded from the text of an Engine.IO message:
 * {@code <type>[<attachments>-][<nsp>,][<ackId>][JSON]}. Binary attachments (for
 * {@link #BINARY_EVENT}/{@link #BINARY_ACK}) follow as separate Engine.IO messages and are put back
 * by {@link SioAttachments}.
 *
 * @param type        0 CONNECT .. 6 BINARY_ACK
 * @param nsp         the namespace, {@code "/"} when omitted
 * @param ackId       the ack id, or {@code null}
 * @param attachments how many binary attachments follow (binary types only)
 * @param payload     the JSON payload, or {@code null} when absent
 */
record SioPacket(int type, String nsp, Long ackId, int attachments, JsonNode payload) {
    static final int CONNECT = 0;
    static final int DISCONNECT = 1;
    static final int EVENT = 2;
    static final int ACK = 3;
    static final int CONNECT_ERROR = 4;
    static final int BINARY_EVENT = 5;
    static final int BINARY_ACK = 6;

    /** More attachments than this in one packet is refused (socket.io sets no limit; we do). */
    static final int MAX_ATTACHMENTS = 16;
    /** Event names a client may not use (socket.io's own, {@code isPayloadValid}). */
    static final Set<String> RESERVED = dev.realtime.room.RoomPolicy.SOCKET_IO_RESERVED_EVENTS;

    /** A packet that breaks the protocol: the connection is closed (socket.io does the same). */
    static final class Malformed extends Exception {
        Malformed(String message) {
            super(message, null, false, false);
        }
    }

    /** Parsers with a nesting limit: a hostile payload cannot exhaust the stack. Thread-safe. */
    static ObjectMapper mapper(int maxDepth) {
        return new ObjectMapper(JsonFactory.builder()
                .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(maxDepth)
                        .maxNumberLength(64).build())
                .build());
    }

    /** Decodes {@code text[from..]}, the Engine.IO message payload; throws {@link Malformed}. */
    static SioPacket decode(byte[] text, int from, ObjectMapper mapper) throws Malformed {
        int n = text.length;
        if (from >= n) {
            throw new Malformed("empty packet");
        }
        int type = text[from] - '0';
        if (type < CONNECT || type > BINARY_ACK) {
            throw new Malformed("unknown packet type");
        }
        int i = from + 1;
        int attachments = 0;
        if (type == BINARY_EVENT || type == BINARY_ACK) {
            int start = i;
            while (i < n && isDigit(text[i]) && i - start < 3) {
                attachments = attachments * 10 + (text[i++] - '0');
            }
            if (i == start || i >= n || text[i] != '-' || attachments > MAX_ATTACHMENTS) {
                throw new Malformed("bad attachment count");
            }
            i++;
        }
        String nsp = "/";
        if (i < n && text[i] == '/') {
            int start = i;
            while (i < n && text[i] != ',') {
                i++;
            }
            nsp = new String(text, start, i - start, StandardCharsets.UTF_8);
            if (i < n) {
                i++; // the comma
            }
        }
        Long ackId = null;
        if (i < n && isDigit(text[i])) {
            long id = 0;
            int start = i;
            while (i < n && isDigit(text[i])) {
                if (i - start >= 15) {
                    throw new Malformed("ack id too long");
                }
                id = id * 10 + (text[i++] - '0');
            }
            ackId = id;
        }
        JsonNode payload = null;
        if (i < n) {
            try {
                payload = mapper.readTree(text, i, n - i);
            } catch (IOException e) {
                throw new Malformed("malformed JSON payload");
            }
        }
        SioPacket p = new SioPacket(type, nsp, ackId, attachments, payload);
        p.validate();
        return p;
    }

    private void validate() throws Malformed {
        switch (type) {
            case CONNECT -> {
                if (payload != null && !payload.isObject()) {
                    throw new Malformed("CONNECT payload must be an object");
                }
            }
            case DISCONNECT -> {
                if (payload != null) {
                    throw new Malformed("DISCONNECT has no payload");
                }
            }
            case EVENT, BINARY_EVENT -> {
                if (payload == null || !payload.isArray() || payload.isEmpty()) {
                    throw new Malformed("EVENT payload must be a non-empty array");
                }
                JsonNode name = payload.get(0);
                if (!(name.isTextual() && !RESERVED.contains(name.asText()) || name.isIntegralNumber())) {
                    throw new Malformed("EVENT name must be a string that is not reserved");
                }
            }
            case ACK, BINARY_ACK -> {
                if (ackId == null || payload == null || !payload.isArray()) {
                    throw new Malformed("ACK needs an id and an array payload");
                }
            }
            default -> throw new Malformed("a client may not send CONNECT_ERROR");
        }
    }

    /** The event name of an EVENT (numbers are names too, as in socket.io). */
    String eventName() {
        return payload.get(0).asText();
    }

    private static boolean isDigit(byte b) {
        return b >= '0' && b <= '9';
    }
}
