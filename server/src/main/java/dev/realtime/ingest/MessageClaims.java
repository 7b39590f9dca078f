package dev.realtime.ingest;

import dev.realtime.store.KeyValueStore;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;

/**
 * Picks one node for a Redis message that every node received: the first to store the message's
 * digest in the shared key/value store wins. Identical messages on one channel within
 * {@link #WINDOW} count as one (documented in docs/routes.md). When the store cannot answer, every
 * node claims (a duplicate notification beats a lost one).
 *
 * <p>Threading: stateless; blocks on the store, so it runs on the Redis ingest thread only.
 */
public final class MessageClaims {
    static final Duration WINDOW = Duration.ofSeconds(30);
    private static final byte[] MARK = {1};

    private final KeyValueStore store;

    public MessageClaims(KeyValueStore store) {
        this.store = store;
    }

    /** Whether this node should handle the message's inbox deliveries. */
    public boolean claim(String channel, byte[] raw) {
        try {
            return store.setIfAbsent("ingest:claim:" + digest(channel, raw), MARK, WINDOW);
        } catch (RuntimeException e) {
            return true;
        }
    }

    static String digest(String channel, byte[] raw) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(channel.getBytes(StandardCharsets.UTF_8));
            sha.update((byte) 0);
            sha.update(raw);
            return HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is always present", e);
        }
    }
}
