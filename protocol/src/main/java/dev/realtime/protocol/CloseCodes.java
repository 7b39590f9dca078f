package dev.realtime.protocol;

/** WebSocket close codes the server uses. Part of the public contract. */
public final class CloseCodes {
    /** Normal closure requested by either side. */
    public static final int NORMAL = 1000;
    /** The server is shutting down (graceful drain). */
    public static final int GOING_AWAY = 1001;
    /** WebSocket protocol violation (bad frame). */
    public static final int PROTOCOL_ERROR = 1002;
    /** A text frame was not valid UTF-8. */
    public static final int INVALID_PAYLOAD = 1007;
    /** Policy violation: origin refused, idle/heartbeat timeout, slow consumer. */
    public static final int POLICY_VIOLATION = 1008;
    /** A frame or message exceeded {@code WS_MAX_MESSAGE_BYTES}. */
    public static final int MESSAGE_TOO_BIG = 1009;
    /** Unexpected server error. */
    public static final int INTERNAL_ERROR = 1011;
    /** Not authenticated: bad/missing token, auth timeout, or token expired. */
    public static final int UNAUTHORIZED = 4401;
    /** Abuse: sustained rate-limit violation, or too many connections for this user. */
    public static final int TOO_MANY_REQUESTS = 4429;

    private CloseCodes() {
    }
}
