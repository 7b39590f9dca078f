package dev.realtime.config;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Settings of the room features of the seeds (presence events, typing, video viewer counts, live
 * chat), read with the rest of {@link GatewayConfig} and documented in {@code docs/configuration.md}.
 *
 * @param presenceEventsMaxMembers {@code PRESENCE_EVENTS_MAX_MEMBERS}: rooms with more users send no
 *                                 {@code room:user_joined}/{@code room:user_left}
 * @param typingTimeoutMs          {@code ROOM_TYPING_TIMEOUT}: typing turns false without a refresh
 * @param typingMaxPerSecond       {@code ROOM_TYPING_MAX_PER_SECOND}: typing updates per connection
 * @param viewerCountIntervalMs    {@code VIEWER_COUNT_INTERVAL_MS}: at most one count event per room per interval
 * @param chatMaxLength            {@code CHAT_MAX_LENGTH}: characters in one chat message
 * @param chatBlockedWordsFile     {@code CHAT_BLOCKED_WORDS_FILE}: words that refuse a message, or null
 * @param chatRateLimitMax         {@code CHAT_RATE_LIMIT_MAX_MESSAGES}: chat messages per user per window
 * @param chatRateLimitWindowMs    {@code CHAT_RATE_LIMIT_WINDOW_MS}
 */
public record RoomFeatureConfig(
        int presenceEventsMaxMembers,
        long typingTimeoutMs,
        int typingMaxPerSecond,
        long viewerCountIntervalMs,
        int chatMaxLength,
        String chatBlockedWordsFile,
        int chatRateLimitMax,
        long chatRateLimitWindowMs) {

    /** The defaults (what an empty environment gives). */
    public static RoomFeatureConfig defaults() {
        return from(new EnvReader(java.util.Map.of()));
    }

    static RoomFeatureConfig from(EnvReader r) {
        String words = r.raw("CHAT_BLOCKED_WORDS_FILE");
        if (words != null && !Files.isReadable(Path.of(words))) {
            r.problem("CHAT_BLOCKED_WORDS_FILE='" + words + "' cannot be read");
        }
        return new RoomFeatureConfig(
                r.integer("PRESENCE_EVENTS_MAX_MEMBERS", 1_000, 0, 100_000_000),
                r.number("ROOM_TYPING_TIMEOUT", 3_000, 50, 3_600_000),
                r.integer("ROOM_TYPING_MAX_PER_SECOND", 10, 1, 10_000),
                r.number("VIEWER_COUNT_INTERVAL_MS", 1_000, 10, 3_600_000),
                r.integer("CHAT_MAX_LENGTH", 2_000, 1, 1_000_000),
                words,
                r.integer("CHAT_RATE_LIMIT_MAX_MESSAGES", 100, 1, 10_000_000),
                r.number("CHAT_RATE_LIMIT_WINDOW_MS", 60_000, 10, 86_400_000));
    }
}
