package dev.realtime.client;

/**
 * Where a {@link RealtimeClient} is in its connection lifecycle. Immutable.
 *
 * <pre>
 *   CLOSED --connect()--&gt; CONNECTING --connected--&gt; CONNECTED
 *                              |                        |
 *                              | failure                | connection lost
 *                              v                        v
 *                         RECONNECTING &lt;-----------------+   (retries per ReconnectPolicy)
 *                              |
 *                              +--connected and rooms rejoined--&gt; CONNECTED
 *   any state --close() / policy exhausted / fatal error--&gt; CLOSED
 * </pre>
 */
public enum ConnectionState {
    /** The first connection attempt after {@link RealtimeClient#connect()} is in progress. */
    CONNECTING,
    /** The server's {@code connected} message arrived (and, after a reconnect, the rooms were rejoined). */
    CONNECTED,
    /** The connection was lost or an attempt failed; another attempt is scheduled. */
    RECONNECTING,
    /** Not connected and not trying: before {@code connect()}, after {@code close()}, or after giving up. */
    CLOSED
}
