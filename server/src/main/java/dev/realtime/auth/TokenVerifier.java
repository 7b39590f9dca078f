package dev.realtime.auth;

import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;
import com.auth0.jwt.exceptions.AlgorithmMismatchException;
import com.auth0.jwt.exceptions.IncorrectClaimException;
import com.auth0.jwt.exceptions.JWTDecodeException;
import com.auth0.jwt.exceptions.JWTVerificationException;
import com.auth0.jwt.exceptions.MissingClaimException;
import com.auth0.jwt.exceptions.SignatureVerificationException;
import com.auth0.jwt.exceptions.TokenExpiredException;
import com.auth0.jwt.interfaces.Claim;
import com.auth0.jwt.interfaces.DecodedJWT;
import com.auth0.jwt.interfaces.JWTVerifier;
import com.auth0.jwt.interfaces.Verification;
import dev.realtime.config.GatewayConfig;
import java.util.HashMap;
import java.util.Map;

/**
 * Verifies JWTs: HS256 with {@code JWT_SECRET}, and RS256/ES256 with {@code JWT_PUBLIC_KEY}.
 * Each verifier is pinned to one algorithm, so {@code alg:none} or an algorithm the server was not
 * configured for never passes. Immutable and thread-safe (java-jwt verifiers are).
 */
public final class TokenVerifier {
    /** Tokens longer than this are refused before parsing. */
    public static final int MAX_TOKEN_CHARS = 8192;

    private final Map<String, JWTVerifier> verifiersByAlg = new HashMap<>();
    private final boolean requireExp;

    public TokenVerifier(GatewayConfig config) {
        this.requireExp = config.jwtRequireExp();
        if (config.jwtSecret() != null) {
            // Hs256: java-jwt's HS256 with a Mac kept per thread (a handshake's largest cost otherwise)
            verifiersByAlg.put("HS256", build(new Hs256(config.jwtSecret().getBytes(java.nio.charset.StandardCharsets.UTF_8)), config));
        }
        if (config.jwtPublicKey() != null) {
            Algorithm alg = PublicKeys.algorithmFor(config.jwtPublicKey());
            verifiersByAlg.put(alg.getName(), build(alg, config));
        }
    }

    private static JWTVerifier build(Algorithm algorithm, GatewayConfig config) {
        // Leeway for clock skew on nbf/iat only: a token past its exp would be accepted and then closed
        // 4401 at the first expiry check (a reconnect loop for clients), so it is refused at once.
        Verification v = JWT.require(algorithm).acceptLeeway(config.jwtLeewaySeconds()).acceptExpiresAt(0);
        if (config.jwtIssuer() != null) {
            v = v.withIssuer(config.jwtIssuer());
        }
        if (config.jwtAudience() != null) {
            v = v.withAudience(config.jwtAudience());
        }
        return v.build();
    }

    /**
     * Verifies {@code token} and extracts the principal, or throws with a short reason. A leading
     * {@code Bearer } (the header's form, which clients also put in {@code auth} frames and
     * Socket.IO's {@code auth.token}) is ignored.
     */
    public Principal verify(String token) throws AuthException {
        if (token != null && token.regionMatches(true, 0, "Bearer ", 0, 7)) {
            token = token.substring(7).trim();
        }
        if (token == null || token.isBlank()) {
            throw new AuthException("missing", "no token");
        }
        if (token.length() > MAX_TOKEN_CHARS) {
            throw new AuthException("malformed", "token too long");
        }
        DecodedJWT decoded;
        try {
            decoded = JWT.decode(token);
        } catch (JWTDecodeException e) {
            throw new AuthException("malformed", "token is not a valid JWT");
        }
        JWTVerifier verifier = verifiersByAlg.get(decoded.getAlgorithm());
        if (verifier == null) {
            throw new AuthException("algorithm", "token algorithm not accepted");
        }
        DecodedJWT jwt;
        try {
            jwt = verifier.verify(decoded);
        } catch (TokenExpiredException e) {
            throw new AuthException("expired", "token expired");
        } catch (SignatureVerificationException | AlgorithmMismatchException e) {
            throw new AuthException("signature", "invalid token signature");
        } catch (IncorrectClaimException e) {
            String claim = e.getClaimName();
            if ("nbf".equals(claim) || "iat".equals(claim)) {
                throw new AuthException("not_yet_valid", "token not valid yet (" + claim + " is in the future)");
            }
            throw new AuthException("claims", "token " + ("iss".equals(claim) ? "issuer" : "aud".equals(claim)
                    ? "audience" : "claim " + claim) + " not accepted");
        } catch (MissingClaimException e) {
            throw new AuthException("claims", "token issuer or audience not accepted");
        } catch (JWTVerificationException e) {
            throw new AuthException("invalid", "invalid token");
        }
        if (requireExp && jwt.getExpiresAtAsInstant() == null) {
            throw new AuthException("claims", "token has no exp claim");
        }
        String userId = jwt.getSubject();
        if (userId == null || userId.isBlank()) {
            userId = claimText(jwt.getClaim("userId"));
        }
        if (userId == null || userId.isBlank()) {
            throw new AuthException("claims", "token has no sub or userId");
        }
        if (!Principal.validUserId(userId)) {
            throw new AuthException("claims", "token subject is not a valid user id");
        }
        long exp = jwt.getExpiresAtAsInstant() == null ? 0 : jwt.getExpiresAtAsInstant().toEpochMilli();
        return new Principal(userId, claimText(jwt.getClaim("role")), claimText(jwt.getClaim("email")), exp);
    }

    private static String claimText(Claim claim) {
        if (claim == null || claim.isMissing() || claim.isNull()) {
            return null;
        }
        String s = claim.asString();
        if (s != null) {
            return s;
        }
        Long n = claim.asLong();
        return n != null ? Long.toString(n) : null;
    }
}
