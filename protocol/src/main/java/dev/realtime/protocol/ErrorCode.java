package dev.realtime.protocol;

/**
 * The stable list of error codes carried in {@code reply.error.code} and {@code error.error.code}.
 * Codes are part of the public contract: never rename one, only add.
 */
public enum ErrorCode {
    /** No valid token, or a token that failed verification. */
    UNAUTHORIZED("unauthorized"),
    /** Authenticated, but not allowed to do this (other user's room, admin room, reserved event). */
    FORBIDDEN("forbidden"),
    /** The frame or one message in it could not be parsed, or a required field is missing/mistyped. */
    INVALID_MESSAGE("invalid_message"),
    /** The {@code op} is not one the server knows. */
    UNKNOWN_OP("unknown_op"),
    /** The room name is empty, too long, or contains whitespace/control characters. */
    INVALID_ROOM("invalid_room"),
    /** Publishing to a room the connection has not joined. */
    NOT_IN_ROOM("not_in_room"),
    /** The room reached {@code MAX_ROOM_MEMBERS}. */
    ROOM_FULL("room_full"),
    /** The connection joined too many rooms. */
    TOO_MANY_ROOMS("too_many_rooms"),
    /** Too many messages in the rate-limit window; see {@code retryAfterMs}. */
    RATE_LIMITED("rate_limited"),
    /** A message or payload exceeds a size limit. */
    TOO_LARGE("too_large"),
    /** An {@code emit} for an event no server-side handler is registered for. */
    UNKNOWN_EVENT("unknown_event"),
    /** The event name is empty, too long or malformed. */
    INVALID_EVENT("invalid_event"),
    /** The user already holds the maximum number of connections. */
    TOO_MANY_CONNECTIONS("too_many_connections"),
    /** The server is shutting down and no longer accepts this operation. */
    UNAVAILABLE("unavailable"),
    /** An unexpected server-side failure; details are in the server log, never in the frame. */
    INTERNAL_ERROR("internal_error"),
    /** A chat message contains a word of the server's blocked-word list ({@code CHAT_BLOCKED_WORDS_FILE}). */
    CONTENT_BLOCKED("content_blocked"),

    // Quiz matchmaking and matches (docs/protocol.md, "Quiz matchmaking and matches").
    /** {@code matchmaking:join}/{@code leave}: {@code gameType} missing, not a string, or not a game this server runs. */
    INVALID_GAME_TYPE("invalid_game_type"),
    /** {@code matchmaking:join} while the user plays a match that is not over yet. */
    ALREADY_IN_MATCH("already_in_match"),
    /** {@code match:submitAnswer} without a running match for the user. */
    NO_MATCH("no_match"),
    /** {@code match:submitAnswer} after the match completed (finished, timed out or forfeited). */
    MATCH_COMPLETE("match_complete"),
    /** {@code match:submitAnswer} by a player who already answered every question (wait for the opponent). */
    ALL_ANSWERED("all_answered"),
    /** {@code match:submitAnswer} data is not {@code {answer, timer}} with a string answer and a timer in ms >= 0. */
    INVALID_ANSWER("invalid_answer");

    private final String code;

    ErrorCode(String code) {
        this.code = code;
    }

    /** The wire form, e.g. {@code not_in_room}. */
    public String code() {
        return code;
    }

    /** Looks up a wire code; unknown codes (from a newer server) map to {@code null}. */
    public static ErrorCode fromCode(String code) {
        for (ErrorCode c : values()) {
            if (c.code.equals(code)) {
                return c;
            }
        }
        return null;
    }
}
