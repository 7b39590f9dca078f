package dev.realtime.session;

import dev.realtime.protocol.CloseCodes;
import dev.realtime.protocol.ErrorInfo;

/**
 * The per-connection message rate, applied to everything a client sends: protocol messages
 * ({@code SessionHandler}) and WebSocket control frames ({@code ws.WsReader}), before and
 * after authentication. Over the limit the message is dropped (one {@code rate_limited} error per
 * window, and a failed reply for a message with an id); sustained abuse closes with 4429.
 *
 * <p>Threading: stateless; call on the session's event loop.
 */
public final class RateGate {
    private RateGate() {
    }

    /** Counts one inbound message of {@code session}; false when it must be dropped. */
    public static boolean admit(Session session, Long id) {
        RateLimiter limiter = session.limiter();
        long retryAfter = limiter.acquire(System.nanoTime());
        if (retryAfter == 0) {
            return true;
        }
        session.context().metrics().rateLimited.inc();
        if (limiter.abusive()) {
            if (!session.closing()) {
                session.context().metrics().abuseDisconnects.inc();
                session.close(CloseCodes.TOO_MANY_REQUESTS, "rate limit exceeded");
            }
            return false;
        }
        ErrorInfo error = ErrorInfo.rateLimited("too many messages", retryAfter);
        if (limiter.shouldWarn()) {
            session.fail(null, error);
        }
        if (id != null) {
            session.fail(id, error);
        }
        return false;
    }
}
