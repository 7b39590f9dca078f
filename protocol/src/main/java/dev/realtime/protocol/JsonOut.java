package dev.realtime.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import java.util.Base64;

/**
 * Minimal JSON writer for the message envelope. The envelope shape is fixed and small, so writing
 * it by hand is both simpler and faster than a generator; {@code data} is copied through as the
 * raw UTF-8 bytes it arrived as.
 */
final class JsonOut {
    private static final byte[] HEX = "0123456789abcdef".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private final ByteBuf out;
    private boolean first = true;

    JsonOut(ByteBuf out) {
        this.out = out;
        out.writeByte('{');
    }

    JsonOut str(String name, String value) {
        if (value != null) {
            name(name);
            quoted(out, value);
        }
        return this;
    }

    JsonOut num(String name, Long value) {
        if (value != null) {
            name(name);
            ByteBufUtil.writeAscii(out, Long.toString(value));
        }
        return this;
    }

    JsonOut bool(String name, boolean value) {
        name(name);
        ByteBufUtil.writeAscii(out, value ? "true" : "false");
        return this;
    }

    JsonOut strings(String name, java.util.List<String> values) {
        name(name);
        out.writeByte('[');
        for (int i = 0; i < values.size(); i++) {
            if (i > 0) {
                out.writeByte(',');
            }
            quoted(out, values.get(i));
        }
        out.writeByte(']');
        return this;
    }

    /** Writes {@code data}; binary payloads become a base64 string plus {@code "binary":true}. */
    JsonOut payload(String name, Payload payload) {
        if (payload != null) {
            name(name);
            if (payload.isJson()) {
                out.writeBytes(payload.bytes());
            } else {
                out.writeByte('"');
                out.writeBytes(Base64.getEncoder().encode(payload.bytes()));
                out.writeByte('"');
                bool("binary", true);
            }
        }
        return this;
    }

    JsonOut error(String name, ErrorInfo error) {
        if (error != null) {
            name(name);
            JsonOut inner = new JsonOut(out);
            inner.str("code", error.code()).str("message", error.message()).num("retryAfterMs", error.retryAfterMs());
            inner.end();
        }
        return this;
    }

    JsonOut since(String name, ClientMessage.Since since) {
        if (since != null) {
            name(name);
            JsonOut inner = new JsonOut(out);
            inner.str("epoch", since.epoch()).num("offset", since.offset());
            inner.end();
        }
        return this;
    }

    void end() {
        out.writeByte('}');
    }

    private void name(String name) {
        if (!first) {
            out.writeByte(',');
        }
        first = false;
        out.writeByte('"');
        ByteBufUtil.writeAscii(out, name);
        out.writeByte('"');
        out.writeByte(':');
    }

    /** Writes a JSON string literal, escaping quotes, backslashes and control characters. */
    static void quoted(ByteBuf out, String s) {
        out.writeByte('"');
        int start = 0;
        int len = s.length();
        for (int i = 0; i < len; i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == '"' || c == '\\') {
                if (i > start) {
                    ByteBufUtil.writeUtf8(out, s, start, i);
                }
                out.writeByte('\\');
                switch (c) {
                    case '"' -> out.writeByte('"');
                    case '\\' -> out.writeByte('\\');
                    case '\n' -> out.writeByte('n');
                    case '\r' -> out.writeByte('r');
                    case '\t' -> out.writeByte('t');
                    default -> {
                        out.writeByte('u').writeByte('0').writeByte('0');
                        out.writeByte(HEX[c >> 4]).writeByte(HEX[c & 0xF]);
                    }
                }
                start = i + 1;
            }
        }
        if (start < len) {
            ByteBufUtil.writeUtf8(out, s, start, len);
        }
        out.writeByte('"');
    }
}
