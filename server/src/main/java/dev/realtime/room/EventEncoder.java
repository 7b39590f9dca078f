package dev.realtime.room;

import dev.realtime.protocol.ServerMessage;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * One wire encoding of fan-out events. A room encodes each event once per encoding its members use
 * and shares the buffer ({@code retainedDuplicate} per member), so an encoder must produce bytes that
 * do not depend on the member: a complete, unmasked WebSocket frame (or frames) ready to write.
 * Index 0 is the native JSON codec and 1 the native binary one (see {@link Subscriber}); others are
 * registered with {@link RoomService}'s constructor.
 *
 * <p>Implementations are immutable and called on room shard threads.
 */
@FunctionalInterface
public interface EventEncoder {

    /** Encodes {@code event}; the caller owns the returned buffer. */
    ByteBuf encode(ServerMessage.Event event, ByteBufAllocator alloc);
}
