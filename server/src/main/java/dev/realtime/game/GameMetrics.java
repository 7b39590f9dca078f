package dev.realtime.game;

import dev.realtime.metrics.GatewayMetrics;
import io.prometheus.client.Counter;
import io.prometheus.client.Gauge;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The quiz's Prometheus metrics, registered in the node's registry ({@code realtime_matchmaking_*},
 * {@code realtime_match*}). Labels come from fixed sets (game types, outcomes, reasons).
 * Thread-safe (simpleclient collectors, atomics).
 */
final class GameMetrics {
    final Gauge queueSize;
    final Counter joins;
    final Counter staleDropped;
    final Counter started;
    final Counter completed;
    final Counter answers;
    final Counter conflicts;
    final AtomicInteger watched = new AtomicInteger();
    final Counter.Child matchStoreErrors;
    final Counter.Child queueStoreErrors;

    GameMetrics(GatewayMetrics metrics) {
        var registry = metrics.registry();
        queueSize = Gauge.build("realtime_matchmaking_queue_size",
                "Players waiting for an opponent, cluster-wide, as last seen by this node (per game type)")
                .labelNames("game_type").register(registry);
        joins = Counter.build("realtime_matchmaking_joins_total",
                "matchmaking:join requests by outcome (queued, already_queued, in_match, refused)")
                .labelNames("outcome").register(registry);
        staleDropped = Counter.build("realtime_matchmaking_stale_dropped_total",
                "Queue entries of players with no connection left, dropped by the sweep or on disconnect")
                .register(registry);
        started = Counter.build("realtime_matches_started_total", "Matches this node paired").register(registry);
        completed = Counter.build("realtime_matches_completed_total",
                "Matches this node completed, by reason (finished, timeout, forfeit, abandoned)")
                .labelNames("reason").register(registry);
        answers = Counter.build("realtime_match_answers_total",
                "match:submitAnswer by result (correct, wrong, refused)").labelNames("result").register(registry);
        conflicts = Counter.build("realtime_match_conflicts_total",
                "Match state writes retried because another node changed the match first").register(registry);
        metrics.gauge("realtime_matches_watched",
                "Running matches this node follows (it holds a player's connection or paired them)", watched::get);
        matchStoreErrors = metrics.storeErrors.labels("match");
        queueStoreErrors = metrics.storeErrors.labels("matchmaking");
    }
}
