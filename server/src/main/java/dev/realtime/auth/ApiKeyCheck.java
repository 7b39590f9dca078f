package dev.realtime.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/** Constant-time check of the {@code internal-api-key} header. Immutable. */
public final class ApiKeyCheck {
    private final byte[] expected;

    /** @param apiKey the configured key, or {@code null} to refuse every request */
    public ApiKeyCheck(String apiKey) {
        this.expected = apiKey == null ? null : apiKey.getBytes(StandardCharsets.UTF_8);
    }

    public boolean matches(String presented) {
        if (expected == null || presented == null) {
            return false;
        }
        return MessageDigest.isEqual(expected, presented.getBytes(StandardCharsets.UTF_8));
    }
}
