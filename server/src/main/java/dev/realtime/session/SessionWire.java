package dev.realtime.session;

import dev.realtime.protocol.ServerMessage;
import dev.realtime.room.LoopOutbox;
import dev.realtime.room.Subscriber;
import io.netty.channel.EventLoop;

/**
 * The transport under a {@link Session}: how its messages reach the client and how it closes. The
 * native endpoint's is the WebSocket channel with the negotiated codec ({@link Session}'s channel
 * constructor); the Socket.IO endpoint supplies one that speaks Engine.IO over WebSocket or HTTP
 * long-polling. Whatever the wire, the session's rules (auth, limits, rooms, emits) are the same.
 *
 * <p>Threading: every method is called on {@link #loop()}, the session's event loop.
 */
public interface SessionWire {

    /** The event loop that owns the session. */
    EventLoop loop();

    /** Whether the connection is open. */
    boolean isActive();

    /** Whether the connection is below its outbound high-water mark. */
    boolean isWritable();

    /** Encodes {@code message} for this transport, writes it and flushes. */
    void send(ServerMessage message);

    /**
     * Closes the connection the protocol's way ({@code code} from {@code CloseCodes}); the wire must
     * end with {@link Session#onClosed()} being called once.
     */
    void close(int code, String reason);

    /** Drops the connection at once (a slow consumer under the disconnect policy). */
    void abort();

    /** The subscriber rooms deliver to; called once, when the session activates. */
    Subscriber subscriber(String sid, String userId, LoopOutbox outbox);

    /**
     * Called by the loop's sweeper a few times a second. A wire with a heartbeat of its own runs it
     * here and returns true; false leaves the native WebSocket ping/pong heartbeat to the session.
     */
    default boolean heartbeat(long nowNanos) {
        return false;
    }
}
