package dev.realtime.loadtest;

import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;
import java.time.Instant;

/** HS256 tokens for simulated users, signed with the server's secret. */
final class Tokens {
    private Tokens() {
    }

    static String sign(String secret, String userId) {
        return sign(Algorithm.HMAC256(secret), userId);
    }

    static String sign(Algorithm hs256, String userId) {
        return JWT.create().withSubject(userId).withExpiresAt(Instant.now().plusSeconds(24 * 3600)).sign(hs256);
    }
}
