package dev.realtime.client;

import dev.realtime.protocol.ErrorCode;
import dev.realtime.protocol.ErrorInfo;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * A failed operation or connection, with a stable machine-readable {@link #code()}. Codes are either
 * the server's error codes (see {@link ErrorCode}: {@code not_in_room}, {@code forbidden},
 * {@code rate_limited}, ...) or one of the client-side codes defined here. Immutable.
 */
public final class RealtimeException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** No reply within the request timeout, or no {@code connected} within the connect timeout. */
    public static final String TIMEOUT = "timeout";
    /** The connection closed while the request was waiting for its reply. */
    public static final String DISCONNECTED = "disconnected";
    /** A request was made while the client was not connected (requests are never queued). */
    public static final String NOT_CONNECTED = "not_connected";
    /** The client was closed with {@code close()}. */
    public static final String CLOSED = "closed";
    /** The server refused the token: HTTP 401 on the upgrade, or close code 4401. Same as the server code. */
    public static final String UNAUTHORIZED = ErrorCode.UNAUTHORIZED.code();
    /** The TCP (or TLS) connection could not be established. */
    public static final String CONNECT_FAILED = "connect_failed";
    /** The server answered the upgrade with an unexpected HTTP status or an invalid handshake. */
    public static final String HANDSHAKE_FAILED = "handshake_failed";
    /** The token supplier threw or returned null/blank. */
    public static final String TOKEN_FAILED = "token_failed";
    /** The {@code data} argument could not be serialised to JSON. */
    public static final String INVALID_DATA = "invalid_data";
    /** A reply or event payload could not be mapped to the requested type. */
    public static final String DECODE_FAILED = "decode_failed";

    private final String code;
    private final Long retryAfterMs;

    public RealtimeException(String code, String message) {
        this(code, message, null, null);
    }

    public RealtimeException(String code, String message, Long retryAfterMs, Throwable cause) {
        super(message, cause);
        this.code = code;
        this.retryAfterMs = retryAfterMs;
    }

    /** The exception for a server {@code error} object (failed reply or {@code error} message). */
    public static RealtimeException fromServer(ErrorInfo error) {
        return new RealtimeException(error.code(), error.message(), error.retryAfterMs(), null);
    }

    /** The stable code, e.g. {@code not_in_room} or {@code timeout}. */
    public String code() {
        return code;
    }

    /** For {@code rate_limited}: milliseconds until the client may send again; otherwise null. */
    public Long retryAfterMs() {
        return retryAfterMs;
    }

    /** The server error code as an enum, or null for client-side codes and codes newer than this SDK. */
    public ErrorCode errorCode() {
        return ErrorCode.fromCode(code);
    }

    /**
     * Finds the {@code RealtimeException} behind {@code t}, looking through {@link CompletionException}
     * and {@link ExecutionException} wrappers; null if there is none.
     */
    public static RealtimeException unwrap(Throwable t) {
        Throwable cur = t;
        for (int depth = 0; cur != null && depth < 8; depth++) {
            if (cur instanceof RealtimeException) {
                return (RealtimeException) cur;
            }
            cur = cur.getCause();
        }
        return null;
    }

    @Override
    public String toString() {
        return "RealtimeException[" + code + "]: " + getMessage()
                + (retryAfterMs != null ? " (retry after " + retryAfterMs + " ms)" : "");
    }
}
