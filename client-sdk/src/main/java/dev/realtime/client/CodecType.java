package dev.realtime.client;

import dev.realtime.protocol.BinaryCodec;
import dev.realtime.protocol.JsonCodec;
import dev.realtime.protocol.MessageCodec;

/** The wire format the client asks for with {@code Sec-WebSocket-Protocol}. Immutable. */
public enum CodecType {
    /** {@code rt.json.v1}: JSON text frames (the default). Raw {@code byte[]} data travels as base64. */
    JSON(JsonCodec.SUBPROTOCOL),
    /** {@code rt.binary.v1}: the compact binary layout; raw {@code byte[]} data travels as it is. */
    BINARY(BinaryCodec.SUBPROTOCOL);

    private final String subprotocol;

    CodecType(String subprotocol) {
        this.subprotocol = subprotocol;
    }

    /** The subprotocol name, e.g. {@code rt.json.v1}. */
    public String subprotocol() {
        return subprotocol;
    }

    /** A new codec instance (codecs are immutable and thread-safe). */
    MessageCodec newCodec() {
        return this == JSON ? new JsonCodec() : new BinaryCodec();
    }
}
