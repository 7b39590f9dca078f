package dev.realtime.room;

import io.netty.buffer.ByteBuf;

/**
 * One published event for the members of one room on one event loop. Holds one reference to each
 * pre-encoded frame (one per encoding in use, indexed by {@link Subscriber#encoding()}) and releases
 * it after writing or on discard. Only for members on another loop than the room's: members on
 * the room's own loop are written at once ({@link LoopOutbox#deliverNow}).
 */
final class Delivery implements OutboxTask {
    private final ByteBuf[] frames;
    private final Subscriber[] targets;
    private final long acceptedNanos;
    /** The room's write delay ({@code writeDelayMs} of its policy), 0 for none. */
    private final int delayMs;
    /** The room's slow-consumer code ({@link LoopOutbox#SLOW_NODE}, {@code SLOW_DROP}, {@code SLOW_DISCONNECT}). */
    private final byte slowPolicy;

    /** A delivery with the native frames only (JSON and/or binary), no write delay. */
    Delivery(ByteBuf json, ByteBuf binary, Subscriber[] targets, long acceptedNanos) {
        this(new ByteBuf[] {json, binary}, targets, acceptedNanos, 0);
    }

    Delivery(ByteBuf[] frames, Subscriber[] targets, long acceptedNanos, int delayMs) {
        this(frames, targets, acceptedNanos, delayMs, LoopOutbox.SLOW_NODE);
    }

    /**
     * @param delayMs    the room's write delay, 0 for none
     * @param slowPolicy the room's slow-consumer code ({@link LoopOutbox#slowCode})
     */
    Delivery(ByteBuf[] frames, Subscriber[] targets, long acceptedNanos, int delayMs, byte slowPolicy) {
        this.frames = frames;
        this.targets = targets;
        this.acceptedNanos = acceptedNanos;
        this.delayMs = delayMs;
        this.slowPolicy = slowPolicy;
    }

    @Override
    public void run(LoopOutbox outbox) {
        try {
            outbox.writeAll(targets, frames, acceptedNanos, delayMs, slowPolicy);
        } finally {
            discard();
        }
    }

    @Override
    public long bytes() {
        long sum = 0;
        for (ByteBuf f : frames) {
            if (f != null) {
                sum += f.readableBytes();
            }
        }
        return sum;
    }

    /** How many connections this delivery was for (what a refusal drops). */
    int targets() {
        return targets.length;
    }

    @Override
    public void discard() {
        for (ByteBuf f : frames) {
            if (f != null) {
                f.release();
            }
        }
    }
}
