package dev.realtime.client;

/**
 * One transition of the connection state, passed to {@link RealtimeClient#onStateChange} listeners.
 * Immutable.
 *
 * @param state the new state
 * @param previous the state before
 * @param attempt for {@code RECONNECTING}: the number of the retry that is scheduled (1, 2, ...);
 *                for {@code CONNECTED}: how many retries it took (0 = first try); else the retries
 *                made before giving up
 * @param closeCode the WebSocket close code that ended the last connection (e.g. 1001 server shutdown,
 *                  4401 unauthorized, 4429 too many requests, 1009 too big; 1006 = lost without a close
 *                  frame), or 0 when no WebSocket was open (connect or handshake failure) or not applicable
 * @param closeReason the close frame's reason text, or an empty string
 * @param error why the last connection or attempt ended (e.g. code {@code unauthorized},
 *              {@code connect_failed}, {@code disconnected}), or null
 * @param retryDelayMs for {@code RECONNECTING}: milliseconds until the next attempt; else 0
 */
public record StateChange(ConnectionState state, ConnectionState previous, int attempt, int closeCode,
                          String closeReason, RealtimeException error, long retryDelayMs) {

    public StateChange {
        closeReason = closeReason == null ? "" : closeReason;
    }
}
