package dev.realtime.room;

import io.netty.buffer.ByteBuf;
import io.prometheus.client.Histogram;

/**
 * One published event for the members of one room on one event loop. Holds one reference to each
 * pre-encoded frame (one per encoding in use, indexed by {@link Subscriber#encoding()}) and releases
 * it after writing or on discard.
 */
final class Delivery implements OutboxTask {
    private final ByteBuf[] frames;
    private final Subscriber[] targets;
    private final long acceptedNanos;
    private final Histogram latency;
    /** The room's slow-consumer code ({@link LoopOutbox#SLOW_NODE}, {@code SLOW_DROP}, {@code SLOW_DISCONNECT}). */
    private final byte slowPolicy;

    /** A delivery with the native frames only (JSON and/or binary). */
    Delivery(ByteBuf json, ByteBuf binary, Subscriber[] targets, long acceptedNanos, Histogram latency) {
        this(new ByteBuf[] {json, binary}, targets, acceptedNanos, latency);
    }

    Delivery(ByteBuf[] frames, Subscriber[] targets, long acceptedNanos, Histogram latency) {
        this(frames, targets, acceptedNanos, latency, LoopOutbox.SLOW_NODE);
    }

    Delivery(ByteBuf[] frames, Subscriber[] targets, long acceptedNanos, Histogram latency, byte slowPolicy) {
        this.frames = frames;
        this.targets = targets;
        this.acceptedNanos = acceptedNanos;
        this.latency = latency;
        this.slowPolicy = slowPolicy;
    }

    @Override
    public void run(LoopOutbox outbox) {
        try {
            for (Subscriber s : targets) {
                outbox.write(s, frames[s.encoding()], slowPolicy);
            }
            latency.observe((System.nanoTime() - acceptedNanos) / 1e9);
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
