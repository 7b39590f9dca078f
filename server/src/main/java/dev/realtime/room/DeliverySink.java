package dev.realtime.room;

import io.netty.buffer.ByteBuf;

/**
 * Where a {@link Subscriber}'s fan-out frames go. The native endpoint writes them to its WebSocket
 * channel ({@link Subscriber}'s channel constructor); another transport (the Socket.IO endpoint's
 * long-polling, whose frames wait for the client's next request) supplies its own.
 *
 * <p>Threading: every method is called on the subscriber's event loop ({@link LoopOutbox#loop()}).
 */
public interface DeliverySink {

    /** Whether the connection still takes frames. */
    boolean isActive();

    /** Whether the connection is below its outbound high-water mark (else: the slow-consumer rule). */
    boolean isWritable();

    /** Queues one pre-encoded frame (a retained duplicate the sink now owns), without flushing. */
    void write(ByteBuf frame);

    /**
     * Queues one pre-encoded frame that other connections share, without flushing and without
     * taking ownership: the sink copies the bytes or takes its own reference. The native sink copies
     * small frames into the connection's pending write (no allocation per delivery, one write per
     * tick); the default takes a retained duplicate.
     */
    default void writeShared(ByteBuf frame) {
        write(frame.retainedDuplicate());
    }

    /** Sends what {@link #write} queued. */
    void flush();

    /** Drops the connection at once (slow consumer under {@code SLOW_CONSUMER_POLICY=disconnect}). */
    void abort();
}
