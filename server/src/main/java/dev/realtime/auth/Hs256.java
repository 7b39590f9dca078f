package dev.realtime.auth;

import com.auth0.jwt.algorithms.Algorithm;
import com.auth0.jwt.exceptions.SignatureGenerationException;
import com.auth0.jwt.exceptions.SignatureVerificationException;
import com.auth0.jwt.interfaces.DecodedJWT;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * HS256 for java-jwt's verifier, with one initialised {@link Mac} per thread instead of a
 * {@code Mac.getInstance} and key set-up per token (java-jwt's own HMAC algorithm does that on
 * every verify, the largest part of a handshake's token check). Same name ({@code HS256}), same
 * result, constant-time comparison; java-jwt still decodes the token and checks every claim.
 *
 * <p>Threading: immutable apart from the per-thread {@code Mac}s (a {@link ThreadLocal} owned by this
 * instance, so several nodes in one JVM keep theirs apart).
 */
final class Hs256 extends Algorithm {
    private final SecretKeySpec key;
    private final ThreadLocal<Mac> macs;

    Hs256(byte[] secret) {
        super("HS256", "HmacSHA256");
        if (secret == null || secret.length == 0) {
            throw new IllegalArgumentException("the HS256 secret must not be empty");
        }
        this.key = new SecretKeySpec(secret.clone(), "HmacSHA256");
        this.macs = ThreadLocal.withInitial(this::newMac);
        newMac(); // fail at start-up, not on the first token, if the JVM has no HmacSHA256
    }

    private Mac newMac() {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            return mac;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is unavailable", e);
        }
    }

    @Override
    public void verify(DecodedJWT jwt) throws SignatureVerificationException {
        byte[] expected;
        byte[] got;
        try {
            got = Base64.getUrlDecoder().decode(jwt.getSignature());
            expected = sign(jwt.getHeader().getBytes(StandardCharsets.UTF_8), jwt.getPayload().getBytes(StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            throw new SignatureVerificationException(this, e);
        }
        if (!MessageDigest.isEqual(expected, got)) {
            throw new SignatureVerificationException(this);
        }
    }

    @Override
    public byte[] sign(byte[] headerBytes, byte[] payloadBytes) {
        Mac mac = macs.get();
        mac.update(headerBytes);
        mac.update((byte) '.');
        mac.update(payloadBytes);
        return mac.doFinal();
    }

    @Override
    public byte[] sign(byte[] contentBytes) throws SignatureGenerationException {
        return macs.get().doFinal(contentBytes);
    }
}
