package dev.realtime.room;

import io.netty.channel.Channel;

/**
 * The delivery endpoint of one connection, as rooms see it. Its identity is the membership key.
 *
 * <p>Threading: the final fields are safe to read from any thread (shards read them); the mutable
 * fields are owned by the channel's event loop and touched only by {@link LoopOutbox} there.
 */
public final class Subscriber {
    private final String sid;
    private final String userId;
    private final Channel channel;
    private final boolean binary;
    private final LoopOutbox outbox;

    // owned by channel.eventLoop()
    boolean flushPending;
    boolean slowClosed;

    public Subscriber(String sid, String userId, Channel channel, boolean binary, LoopOutbox outbox) {
        this.sid = sid;
        this.userId = userId;
        this.channel = channel;
        this.binary = binary;
        this.outbox = outbox;
    }

    public String sid() {
        return sid;
    }

    /** The user id at connect time; {@code null} for anonymous connections. */
    public String userId() {
        return userId;
    }

    public Channel channel() {
        return channel;
    }

    /** Whether this connection speaks the binary codec (else JSON). */
    public boolean binary() {
        return binary;
    }

    public LoopOutbox outbox() {
        return outbox;
    }

    @Override
    public String toString() {
        return "Subscriber[" + sid + "]";
    }
}
