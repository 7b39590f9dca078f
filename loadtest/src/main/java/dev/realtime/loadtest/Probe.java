package dev.realtime.loadtest;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The measurement payload every published message carries:
 * {@code {"t":<intended send nanoTime>,"r":<room index>,"s":<room sequence>,"x":"<padding>"}}.
 * {@code System.nanoTime()} is CLOCK_MONOTONIC, so it compares across processes on one host.
 */
final class Probe {
    /** Parsed fields, reused per connection (loop-confined). */
    long t;
    int r;
    long s;

    private Probe() {
    }

    static Probe create() {
        return new Probe();
    }

    /** The payload, padded with 'x' to about {@code payloadBytes} in total. */
    static byte[] encode(long intendedNanos, int room, long seq, int payloadBytes) {
        String head = "{\"t\":" + intendedNanos + ",\"r\":" + room + ",\"s\":" + seq + ",\"x\":\"";
        int pad = Math.max(0, payloadBytes - head.length() - 2);
        byte[] out = new byte[head.length() + pad + 2];
        byte[] h = head.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(h, 0, out, 0, h.length);
        Arrays.fill(out, h.length, h.length + pad, (byte) 'x');
        out[out.length - 2] = '"';
        out[out.length - 1] = '}';
        return out;
    }

    /**
     * The probe as chat text, {@code P<t>:<r>:<s>:xxxx} (padded to about {@code chars}), for events
     * whose data the server builds itself around the client's text (seed 004's {@code chat:message}).
     */
    static String chatText(long intendedNanos, int room, long seq, int chars) {
        String head = "P" + intendedNanos + ":" + room + ":" + seq + ":";
        return head + "x".repeat(Math.max(0, chars - head.length()));
    }

    private static final String CHAT_FIELD = "\"message\":\"P";

    /** Reads t, r, s from the {@code "message":"P..."} field of {@code data}; false if there is none. */
    boolean parseChat(ByteBuf data) {
        int end = data.writerIndex();
        int at = -1;
        for (int i = data.readerIndex(); i + CHAT_FIELD.length() <= end; i++) {
            if (expect(data, i, end, CHAT_FIELD) >= 0) {
                at = i + CHAT_FIELD.length();
                break;
            }
        }
        if (at < 0) {
            return false;
        }
        int i = number(data, at, end);
        t = value;
        i = expect(data, i, end, ":");
        if (i < 0) {
            return false;
        }
        i = number(data, i, end);
        r = (int) value;
        i = expect(data, i, end, ":");
        if (i < 0) {
            return false;
        }
        number(data, i, end);
        s = value;
        return true;
    }

    /** Reads t, r, s from the start of {@code data}; false if it is not a probe payload. */
    boolean parse(ByteBuf data) {
        return parse(data, data.readerIndex(), data.writerIndex());
    }

    /**
     * Reads t, r, s from bytes {@code [from, end)} of {@code data}; false if they are not a probe
     * payload. Allocates nothing (the harness's receive path).
     */
    boolean parse(ByteBuf data, int from, int end) {
        int i = expect(data, from, end, "{\"t\":");
        if (i < 0) {
            return false;
        }
        i = number(data, i, end);
        t = value;
        i = expect(data, i, end, ",\"r\":");
        if (i < 0) {
            return false;
        }
        i = number(data, i, end);
        r = (int) value;
        i = expect(data, i, end, ",\"s\":");
        if (i < 0) {
            return false;
        }
        number(data, i, end);
        s = value;
        return true;
    }

    private static int expect(ByteBuf b, int i, int end, String literal) {
        if (i < 0 || i + literal.length() > end) {
            return -1;
        }
        for (int k = 0; k < literal.length(); k++) {
            if (b.getByte(i + k) != literal.charAt(k)) {
                return -1;
            }
        }
        return i + literal.length();
    }

    /** The last number {@link #number} read. */
    private long value;

    private int number(ByteBuf b, int i, int end) {
        boolean neg = i < end && b.getByte(i) == '-';
        if (neg) {
            i++;
        }
        long n = 0;
        while (i < end) {
            byte c = b.getByte(i);
            if (c < '0' || c > '9') {
                break;
            }
            n = n * 10 + (c - '0');
            i++;
        }
        value = neg ? -n : n;
        return i;
    }
}
