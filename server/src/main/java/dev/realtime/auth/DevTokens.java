package dev.realtime.auth;

import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;
import java.time.Duration;
import java.time.Instant;

/** Signs HS256 tokens for dev mode and tests. Not used to accept anything. */
public final class DevTokens {
    private DevTokens() {
    }

    /** A token for {@code userId} with the given role (may be null), valid for {@code ttl}. */
    public static String sign(String secret, String userId, String role, Duration ttl) {
        var builder = JWT.create().withSubject(userId).withIssuedAt(Instant.now())
                .withExpiresAt(Instant.now().plus(ttl));
        if (role != null) {
            builder.withClaim("role", role);
        }
        return builder.sign(Algorithm.HMAC256(secret));
    }
}
