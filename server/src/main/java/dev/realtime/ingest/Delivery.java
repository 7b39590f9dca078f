package dev.realtime.ingest;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One event to publish, produced by {@link RouteTable#route}.
 *
 * @param target who receives it ({@link Target#room()} is the room to publish to)
 * @param event  the event name (already validated like any event name)
 * @param data   the payload (never Java {@code null}; usually an object, but whatever JSON value the route
 *               selected). Treat it as immutable: the deliveries of one route for one record share one instance
 *               (serialise it once, e.g. keyed by identity) and it may be the record itself.
 * @param inbox  {@code true} when the route asks for the notification inbox and the target is a user:
 *               deliver through the per-user inbox (id, kept while offline, acked) instead of a plain
 *               publish
 * @param route  the id of the route that produced it (for logs and low-cardinality metric labels)
 */
public record Delivery(Target target, String event, JsonNode data, boolean inbox, String route) {
    /** Shorthand for {@code target().room()}. */
    public String room() {
        return target.room();
    }
}
