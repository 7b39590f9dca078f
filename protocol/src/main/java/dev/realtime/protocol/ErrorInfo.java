package dev.realtime.protocol;

/**
 * The {@code error} object of a failed {@code reply} or an {@code error} message.
 *
 * @param code stable wire code (see {@link ErrorCode})
 * @param message human-readable explanation; never contains secrets
 * @param retryAfterMs for {@code rate_limited}: when the client may send again, else {@code null}
 */
public record ErrorInfo(String code, String message, Long retryAfterMs) {

    public ErrorInfo {
        if (code == null || message == null) {
            throw new IllegalArgumentException("code and message are required");
        }
    }

    public static ErrorInfo of(ErrorCode code, String message) {
        return new ErrorInfo(code.code(), message, null);
    }

    public static ErrorInfo rateLimited(String message, long retryAfterMs) {
        return new ErrorInfo(ErrorCode.RATE_LIMITED.code(), message, retryAfterMs);
    }
}
