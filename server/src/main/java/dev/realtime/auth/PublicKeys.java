package dev.realtime.auth;

import com.auth0.jwt.algorithms.Algorithm;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;

/** Turns {@code JWT_PUBLIC_KEY} (PEM text, or a path to a PEM file) into an RS256 or ES256 algorithm. */
final class PublicKeys {
    private PublicKeys() {
    }

    static Algorithm algorithmFor(String pemOrPath) {
        String pem = pemOrPath.contains("-----BEGIN") ? pemOrPath : read(pemOrPath);
        String body = pem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
        byte[] der = Base64.getDecoder().decode(body);
        PublicKey key = parse(der);
        if (key instanceof RSAPublicKey rsa) {
            return Algorithm.RSA256(rsa, null);
        }
        if (key instanceof ECPublicKey ec) {
            return Algorithm.ECDSA256(ec, null);
        }
        throw new IllegalArgumentException("JWT_PUBLIC_KEY must be an RSA or EC public key");
    }

    private static PublicKey parse(byte[] der) {
        for (String type : new String[] {"RSA", "EC"}) {
            try {
                return KeyFactory.getInstance(type).generatePublic(new X509EncodedKeySpec(der));
            } catch (Exception ignored) {
                // try the next key type
            }
        }
        throw new IllegalArgumentException("JWT_PUBLIC_KEY is not an X.509 (BEGIN PUBLIC KEY) RSA or EC key");
    }

    private static String read(String path) {
        try {
            return Files.readString(Path.of(path));
        } catch (IOException e) {
            throw new IllegalArgumentException("JWT_PUBLIC_KEY: cannot read " + path + ": " + e.getMessage());
        }
    }
}
