package dev.realtime.client;

import dev.realtime.protocol.CloseCodes;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Classifies why a connection or attempt ended, and whether and when to retry. Stateless.
 */
final class Failures {
    private Failures() {
    }

    /**
     * The error for an HTTP status refusing the upgrade: 401 is {@code unauthorized}, 403
     * {@code forbidden}, 429 {@code too_many_connections}, 5xx {@code unavailable} (the server's codes);
     * any other status is {@code handshake_failed}. The body is the server's JSON explanation, which
     * never contains the token.
     */
    static RealtimeException forStatus(int status, String body) {
        String detail = "HTTP " + status + (body.isBlank() ? "" : " " + body.strip());
        if (status == 401) {
            return new RealtimeException(RealtimeException.UNAUTHORIZED, "the server refused the token: " + detail);
        }
        if (status == 403) {
            return new RealtimeException("forbidden", "upgrade refused: " + detail);
        }
        if (status == 429) {
            return new RealtimeException("too_many_connections", "upgrade refused: " + detail);
        }
        if (status >= 500) {
            return new RealtimeException("unavailable", "upgrade refused: " + detail);
        }
        return new RealtimeException(RealtimeException.HANDSHAKE_FAILED, "upgrade refused: " + detail);
    }

    /**
     * Why {@code conn} ended: the failure recorded on it, else {@code unauthorized} for close 4401,
     * else {@code disconnected}.
     */
    static RealtimeException of(Connection conn, int closeCode, String how) {
        if (conn.failure != null) {
            return conn.failure;
        }
        if (closeCode == CloseCodes.UNAUTHORIZED) {
            return new RealtimeException(RealtimeException.UNAUTHORIZED, "closed by the server: " + how);
        }
        return new RealtimeException(RealtimeException.DISCONNECTED, "connection closed (" + how + ")");
    }

    /**
     * Whether a failure with this code can succeed on a later attempt: {@code unauthorized} only with
     * a token supplier (a static token stays bad), never {@code forbidden} or {@code handshake_failed}.
     */
    static boolean retryable(String code, boolean freshTokens) {
        if (RealtimeException.UNAUTHORIZED.equals(code)) {
            return freshTokens;
        }
        return !"forbidden".equals(code) && !RealtimeException.HANDSHAKE_FAILED.equals(code);
    }

    /** The delay before retry {@code attempt}: the policy's, but at least its maximum when told to back off (4429, 429). */
    static long delayMillis(ReconnectPolicy policy, int attempt, int closeCode, RealtimeException error) {
        long delay = policy.delayMillis(attempt, ThreadLocalRandom.current().nextDouble());
        if (closeCode == CloseCodes.TOO_MANY_REQUESTS || "too_many_connections".equals(error.code())) {
            delay = Math.max(delay, policy.maxDelay().toMillis());
        }
        return delay;
    }
}
