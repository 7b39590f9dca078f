package dev.realtime.cluster;

/**
 * How {@link RedisBus} wraps each message on the wire: {@code u8 magic (0xB5), i64 run, i64 seq,
 * payload}. {@code run} is random per bus instance (a node's life) and {@code seq} grows by one per
 * publish of that instance, so a publisher that sends a message again after a failure (it cannot know
 * whether Redis delivered it) lets receivers drop the copy ({@link SeqFilter}). The payload is the
 * caller's bytes (a {@link BusEnvelope}), untouched.
 *
 * <p>Stateless.
 */
final class BusFrame {
    static final byte MAGIC = (byte) 0xB5;
    static final int HEADER = 17;

    private BusFrame() {
    }

    static byte[] wrap(long run, long seq, byte[] payload) {
        byte[] out = new byte[HEADER + payload.length];
        out[0] = MAGIC;
        putLong(out, 1, run);
        putLong(out, 9, seq);
        System.arraycopy(payload, 0, out, HEADER, payload.length);
        return out;
    }

    /** Whether {@code frame} carries the bus header (else it is a bare payload, e.g. from an older node). */
    static boolean framed(byte[] frame) {
        return frame.length >= HEADER && frame[0] == MAGIC;
    }

    static long run(byte[] frame) {
        return getLong(frame, 1);
    }

    static long seq(byte[] frame) {
        return getLong(frame, 9);
    }

    static byte[] payload(byte[] frame) {
        byte[] out = new byte[frame.length - HEADER];
        System.arraycopy(frame, HEADER, out, 0, out.length);
        return out;
    }

    private static void putLong(byte[] b, int at, long v) {
        for (int i = 7; i >= 0; i--) {
            b[at + i] = (byte) v;
            v >>>= 8;
        }
    }

    private static long getLong(byte[] b, int at) {
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (b[at + i] & 0xff);
        }
        return v;
    }
}
