package dev.realtime.auth;

/**
 * A token was refused. {@link #reason()} is a short, low-cardinality label (used as a metric label
 * and in the client-facing message); the token itself never appears in it.
 */
public final class AuthException extends Exception {
    private final String reason;

    public AuthException(String reason, String message) {
        super(message, null, false, false);
        this.reason = reason;
    }

    public String reason() {
        return reason;
    }
}
