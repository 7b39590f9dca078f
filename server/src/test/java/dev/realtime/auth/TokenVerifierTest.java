package dev.realtime.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;
import dev.realtime.config.GatewayConfig;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPrivateKey;
import java.security.interfaces.RSAPublicKey;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TokenVerifierTest {
    private static final String SECRET = "unit-test-secret-0123456789";

    private static TokenVerifier verifier(Map<String, String> extra) {
        Map<String, String> env = new HashMap<>(Map.of("JWT_SECRET", SECRET));
        env.putAll(extra);
        return new TokenVerifier(GatewayConfig.fromEnv(env));
    }

    private static String reason(TokenVerifier v, String token) {
        return assertThrows(AuthException.class, () -> v.verify(token)).reason();
    }

    private static Instant inAnHour() {
        return Instant.now().plusSeconds(3600);
    }

    @Test
    void acceptsHs256AndKeepsClaims() throws Exception {
        String t = JWT.create().withSubject("u1").withClaim("role", "admin").withClaim("email", "u1@example.com")
                .withExpiresAt(inAnHour()).sign(Algorithm.HMAC256(SECRET));
        Principal p = verifier(Map.of()).verify(t);
        assertEquals("u1", p.userId());
        assertEquals("admin", p.role());
        assertEquals("u1@example.com", p.email());
        assertEquals(inAnHour().getEpochSecond(), p.expiresAtMillis() / 1000, 2);
    }

    @Test
    void numericUserIdClaimIsAccepted() throws Exception {
        String t = JWT.create().withClaim("userId", 42).withExpiresAt(inAnHour()).sign(Algorithm.HMAC256(SECRET));
        assertEquals("42", verifier(Map.of()).verify(t).userId());
    }

    @Test
    void aTokenWithoutExpIsAcceptedUnlessRequired() throws Exception {
        String t = JWT.create().withSubject("seed-user").sign(Algorithm.HMAC256(SECRET));
        Principal p = verifier(Map.of()).verify(t);
        assertEquals("seed-user", p.userId());
        assertEquals(0, p.expiresAtMillis(), "no expiry to enforce");
        assertEquals("claims", reason(verifier(Map.of("JWT_REQUIRE_EXP", "true")), t));
    }

    @Test
    void refusals() {
        TokenVerifier v = verifier(Map.of("JWT_LEEWAY_SECONDS", "0"));
        assertEquals("missing", reason(v, ""));
        assertEquals("malformed", reason(v, "a.b"));
        assertEquals("malformed", reason(v, "x".repeat(9000)));
        assertEquals("expired", reason(v, JWT.create().withSubject("u").withExpiresAt(Instant.now().minusSeconds(5))
                .sign(Algorithm.HMAC256(SECRET))));
        assertEquals("signature", reason(v, JWT.create().withSubject("u").withExpiresAt(inAnHour())
                .sign(Algorithm.HMAC256("some-other-secret-entirely"))));
        assertEquals("algorithm", reason(v, JWT.create().withSubject("u").withExpiresAt(inAnHour()).sign(Algorithm.none())));
        assertEquals("algorithm", reason(v, JWT.create().withSubject("u").withExpiresAt(inAnHour())
                .sign(Algorithm.HMAC512(SECRET))));
        assertEquals("claims", reason(v, JWT.create().withExpiresAt(inAnHour()).sign(Algorithm.HMAC256(SECRET))));
        assertEquals("claims", reason(v, JWT.create().withSubject("has space").withExpiresAt(inAnHour())
                .sign(Algorithm.HMAC256(SECRET))));
    }

    @Test
    void issuerAndAudience() throws Exception {
        TokenVerifier v = verifier(Map.of("JWT_ISSUER", "auth.example", "JWT_AUDIENCE", "realtime"));
        String good = JWT.create().withSubject("u").withIssuer("auth.example").withAudience("realtime")
                .withExpiresAt(inAnHour()).sign(Algorithm.HMAC256(SECRET));
        assertEquals("u", v.verify(good).userId());
        assertEquals("claims", reason(v, JWT.create().withSubject("u").withIssuer("evil").withAudience("realtime")
                .withExpiresAt(inAnHour()).sign(Algorithm.HMAC256(SECRET))));
        assertEquals("claims", reason(v, JWT.create().withSubject("u").withIssuer("auth.example")
                .withExpiresAt(inAnHour()).sign(Algorithm.HMAC256(SECRET))));
    }

    /** The leeway covers nbf/iat skew, not exp: an expired token would only connect to be closed 4401 at once. */
    @Test
    void aTokenPastItsExpIsRefusedEvenWithinTheLeeway() {
        TokenVerifier v = verifier(Map.of("JWT_LEEWAY_SECONDS", "30"));
        String justExpired = JWT.create().withSubject("u").withExpiresAt(java.time.Instant.now().minusSeconds(2))
                .sign(Algorithm.HMAC256(SECRET));
        assertEquals("expired", reason(v, justExpired));
        String skewed = JWT.create().withSubject("u").withExpiresAt(inAnHour())
                .withNotBefore(java.time.Instant.now().plusSeconds(10)).sign(Algorithm.HMAC256(SECRET));
        assertEquals("u", org.junit.jupiter.api.Assertions.assertDoesNotThrow(() -> v.verify(skewed)).userId(),
                "nbf 10 s ahead is within 30 s of leeway");
    }

    /** A token used too early says so (it was reported as "issuer or audience not accepted"). */
    @Test
    void aTokenNotValidYetSaysWhy() throws Exception {
        TokenVerifier v = verifier(Map.of());
        java.time.Instant later = java.time.Instant.now().plusSeconds(600);
        for (String claim : new String[] {"nbf", "iat"}) {
            com.auth0.jwt.JWTCreator.Builder b = JWT.create().withSubject("u").withExpiresAt(inAnHour());
            b = claim.equals("nbf") ? b.withNotBefore(later) : b.withIssuedAt(later);
            String token = b.sign(Algorithm.HMAC256(SECRET));
            assertEquals("not_yet_valid", reason(v, token), claim);
            AuthException e = assertThrows(AuthException.class, () -> v.verify(token));
            org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains(claim + " is in the future"), e.getMessage());
        }
    }

    @Test
    void rs256AndEs256WithPublicKeyPem() throws Exception {
        KeyPairGenerator rsaGen = KeyPairGenerator.getInstance("RSA");
        rsaGen.initialize(2048);
        KeyPair rsa = rsaGen.generateKeyPair();
        TokenVerifier rv = new TokenVerifier(GatewayConfig.fromEnv(Map.of("JWT_PUBLIC_KEY", pem(rsa))));
        String rt = JWT.create().withSubject("rsa-user").withExpiresAt(inAnHour())
                .sign(Algorithm.RSA256((RSAPublicKey) rsa.getPublic(), (RSAPrivateKey) rsa.getPrivate()));
        assertEquals("rsa-user", rv.verify(rt).userId());
        assertEquals("algorithm", reason(rv, JWT.create().withSubject("u").withExpiresAt(inAnHour())
                .sign(Algorithm.HMAC256("whatever-secret-here"))));

        KeyPairGenerator ecGen = KeyPairGenerator.getInstance("EC");
        ecGen.initialize(256);
        KeyPair ec = ecGen.generateKeyPair();
        TokenVerifier ev = new TokenVerifier(GatewayConfig.fromEnv(Map.of("JWT_PUBLIC_KEY", pem(ec))));
        String et = JWT.create().withSubject("ec-user").withExpiresAt(inAnHour())
                .sign(Algorithm.ECDSA256((ECPublicKey) ec.getPublic(), (ECPrivateKey) ec.getPrivate()));
        assertEquals("ec-user", ev.verify(et).userId());
    }

    private static String pem(KeyPair kp) {
        return "-----BEGIN PUBLIC KEY-----\n" + Base64.getMimeEncoder().encodeToString(kp.getPublic().getEncoded())
                + "\n-----END PUBLIC KEY-----\n";
    }

    @Test
    void apiKeyCheck() {
        ApiKeyCheck check = new ApiKeyCheck("k-123");
        assertEquals(true, check.matches("k-123"));
        assertEquals(false, check.matches("k-124"));
        assertEquals(false, check.matches(null));
        assertEquals(false, new ApiKeyCheck(null).matches("anything"));
    }
}
