package dev.realtime.auth;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;
import com.auth0.jwt.exceptions.SignatureVerificationException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Our HS256 agrees with java-jwt's: same signatures, same verdicts, also across threads. */
class Hs256Test {
    private static final String SECRET = "a-secret-of-reasonable-length-0123456789";

    @Test
    void agreesWithJavaJwt() throws Exception {
        Hs256 ours = new Hs256(SECRET.getBytes(StandardCharsets.UTF_8));
        Algorithm theirs = Algorithm.HMAC256(SECRET);
        byte[] h = "eyJhbGciOiJIUzI1NiJ9".getBytes(StandardCharsets.UTF_8);
        byte[] p = "eyJzdWIiOiJ1MSJ9".getBytes(StandardCharsets.UTF_8);
        assertArrayEquals(theirs.sign(h, p), ours.sign(h, p));
        String token = JWT.create().withSubject("u1").sign(theirs);
        assertDoesNotThrow(() -> ours.verify(JWT.decode(token)));
        Thread t = new Thread(() -> assertDoesNotThrow(() -> ours.verify(JWT.decode(token))));
        t.start();
        t.join();
        String forged = JWT.create().withSubject("u1").sign(Algorithm.HMAC256("another-secret-0123456789-abcdef"));
        assertThrows(SignatureVerificationException.class, () -> ours.verify(JWT.decode(forged)));
        String tampered = token.substring(0, token.lastIndexOf('.') + 1) + "AAAAAAAA";
        assertThrows(SignatureVerificationException.class, () -> ours.verify(JWT.decode(tampered)));
    }
}
