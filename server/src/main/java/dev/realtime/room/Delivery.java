package dev.realtime.room;

import io.netty.buffer.ByteBuf;
import io.prometheus.client.Histogram;

/**
 * One published event for the members of one room on one event loop. Holds one reference to each
 * pre-encoded frame (JSON and/or binary) and releases it after writing or on discard.
 */
final class Delivery implements OutboxTask {
    private final ByteBuf json;
    private final ByteBuf binary;
    private final Subscriber[] targets;
    private final long acceptedNanos;
    private final Histogram latency;

    Delivery(ByteBuf json, ByteBuf binary, Subscriber[] targets, long acceptedNanos, Histogram latency) {
        this.json = json;
        this.binary = binary;
        this.targets = targets;
        this.acceptedNanos = acceptedNanos;
        this.latency = latency;
    }

    @Override
    public void run(LoopOutbox outbox) {
        try {
            for (Subscriber s : targets) {
                outbox.write(s, s.binary() ? binary : json);
            }
            latency.observe((System.nanoTime() - acceptedNanos) / 1e9);
        } finally {
            discard();
        }
    }

    @Override
    public long bytes() {
        return (json == null ? 0 : json.readableBytes()) + (binary == null ? 0 : binary.readableBytes());
    }

    /** How many connections this delivery was for (what a refusal drops). */
    int targets() {
        return targets.length;
    }

    @Override
    public void discard() {
        if (json != null) {
            json.release();
        }
        if (binary != null) {
            binary.release();
        }
    }
}
