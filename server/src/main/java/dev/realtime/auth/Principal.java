package dev.realtime.auth;

/**
 * Who a connection is, taken only from a verified token (never from a message payload).
 *
 * @param userId the token's {@code sub}, else its {@code userId} claim; {@code null} when anonymous
 * @param role the {@code role} claim, may be null
 * @param email the {@code email} claim, may be null
 * @param expiresAtMillis the token's {@code exp} in epoch millis, or 0 when it has none
 */
public record Principal(String userId, String role, String email, long expiresAtMillis) {

    /** The identity of an anonymous connection. */
    public static final Principal ANONYMOUS = new Principal(null, null, null, 0);

    public boolean anonymous() {
        return userId == null;
    }

    public boolean isAdmin() {
        return "admin".equals(role);
    }

    /** Most characters of a user id. */
    public static final int MAX_USER_ID = 128;

    /**
     * Whether {@code id} can be a user's id: 1-{@value #MAX_USER_ID} characters, none of them a
     * space or a control character (a token with another subject is refused, so such a user never
     * connects).
     */
    public static boolean validUserId(String id) {
        return id != null && !id.isEmpty() && id.length() <= MAX_USER_ID && id.chars().allMatch(c -> c > 0x20 && c != 0x7f);
    }
}
