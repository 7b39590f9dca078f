package dev.realtime.ingest;

import java.util.List;

/**
 * What one record turned into.
 *
 * @param deliveries every delivery, in route-file order, then target order, then {@code userIds} order
 * @param skipped    deliveries that could not be made because a template field, the event name or the
 *                   payload field was missing, null, not a scalar or produced an invalid name; the other
 *                   deliveries of the record still happen. Count it (metric) — it means a producer and
 *                   the table disagree.
 * @param reasons    why, one line per skip (at most {@link #MAX_REASONS}; for logs)
 * @param matched    whether any route has this source at all (false: unknown HTTP source / Kafka topic /
 *                   Redis channel, or a Redis pattern that a more specific pattern shadows)
 */
public record RouteResult(List<Delivery> deliveries, int skipped, List<String> reasons, boolean matched) {
    public static final int MAX_REASONS = 16;
    private static final RouteResult UNMATCHED = new RouteResult(List.of(), 0, List.of(), false);

    public RouteResult {
        deliveries = List.copyOf(deliveries);
        reasons = List.copyOf(reasons);
    }

    public static RouteResult unmatched() {
        return UNMATCHED;
    }
}
