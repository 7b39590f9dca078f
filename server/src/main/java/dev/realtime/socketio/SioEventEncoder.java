package dev.realtime.socketio;

import dev.realtime.protocol.ServerMessage;
import dev.realtime.room.EventEncoder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * Room events for Socket.IO members: {@code 42["event",data]} in a WebSocket text frame (or a
 * BINARY_EVENT for raw bytes), with the recovery offset appended as the last argument when
 * connection-state recovery is on and the event has a position in its room's history. Nothing in it
 * depends on the member, so a room encodes each event once for all its Socket.IO members (WebSocket
 * and long-polling alike). Immutable; runs on shard threads.
 */
public final class SioEventEncoder implements EventEncoder {
    private final boolean offsets;

    /** @param offsets whether stored events carry the recovery offset (recovery on) */
    public SioEventEncoder(boolean offsets) {
        this.offsets = offsets;
    }

    @Override
    public ByteBuf encode(ServerMessage.Event e, ByteBufAllocator alloc) {
        String offset = offsets && e.offset() != null && e.room() != null
                ? RecoveryOffset.format(e.room(), e.epoch(), e.offset()) : null;
        return SioFrames.event(alloc, e.event(), e.data(), offset);
    }
}
