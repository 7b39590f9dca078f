package dev.realtime.config;

/**
 * Settings of the quiz matchmaking and matches (package {@code dev.realtime.game}), read with the
 * rest of {@link GatewayConfig}. Immutable. Names and defaults are in {@code docs/configuration.md}.
 *
 * @param matchmakingIntervalMs {@code MATCHMAKING_INTERVAL_MS}: the periodic sweep (pairs leftovers,
 *                              drops stale queue entries, ends overdue matches)
 * @param matchTimeoutMs        {@code MATCH_TIMEOUT_MS}: a match ends this long after it started
 * @param reconnectGraceMs      {@code MATCH_RECONNECT_GRACE_MS}: how long a player whose devices all
 *                              disconnected may come back before forfeiting
 * @param matchStateTtlMs       {@code MATCH_STATE_TTL_MS}: how long a finished match's state is kept
 * @param questionsFile         {@code QUESTIONS_FILE}: a question bank replacing the bundled one, or null
 * @param questionsPerMatch     {@code QUIZ_QUESTIONS_PER_MATCH}
 */
public record GameConfig(long matchmakingIntervalMs, long matchTimeoutMs, long reconnectGraceMs,
                         long matchStateTtlMs, String questionsFile, int questionsPerMatch) {

    static GameConfig read(EnvReader r) {
        return new GameConfig(
                r.number("MATCHMAKING_INTERVAL_MS", 5_000, 50, 3_600_000),
                r.number("MATCH_TIMEOUT_MS", 120_000, 100, 86_400_000),
                r.number("MATCH_RECONNECT_GRACE_MS", 30_000, 100, 3_600_000),
                r.number("MATCH_STATE_TTL_MS", 600_000, 1_000, 30L * 86_400_000),
                r.raw("QUESTIONS_FILE"),
                r.integer("QUIZ_QUESTIONS_PER_MATCH", 5, 1, 50));
    }
}
