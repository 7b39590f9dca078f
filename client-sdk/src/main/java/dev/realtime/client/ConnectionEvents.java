package dev.realtime.client;

import dev.realtime.protocol.ServerMessage;

/**
 * What the channel handler reports to the client core. Every call happens on the client's event loop.
 */
interface ConnectionEvents {
    /** The WebSocket handshake completed; the {@code connected} message is next. */
    void opened(Connection conn);

    /** One decoded server message. */
    void message(Connection conn, ServerMessage message);

    /** The channel closed or the attempt failed ({@code conn} says why). Called once per connection. */
    void closed(Connection conn);
}
