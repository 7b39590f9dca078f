package dev.realtime.loadtest;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a run asks of the server, in its environment variables' terms, and what to change when the
 * server's defaults refused part of it. A default node allows 100 messages per second per connection
 * (`RATE_LIMIT_MAX_MESSAGES`): a fan-out whose publishers send more is rate limited (`rate_limited`,
 * then close 4429 for abuse) and loses most of its deliveries, which reads as a slow server unless the
 * harness says why. The settings are printed before the run, written into the report
 * ({@code serverSettingsNeeded}), and the errors the run met are turned into {@code hints}.
 *
 * <p>Immutable; computed once per run from the options.
 */
final class ServerSettings {
    /** A default node's per-connection message limit (per RATE_LIMIT_WINDOW_MS = 1000 ms). */
    static final int DEFAULT_RATE_LIMIT = 100;
    static final int DEFAULT_ROOMS_PER_CONNECTION = 1_000;
    static final int DEFAULT_MAX_CONNECTIONS = 100_000;

    private final Map<String, Object> needed = new LinkedHashMap<>();
    private final int rateLimit;

    private ServerSettings(Options o) {
        int nodes = o.urls().size();
        int perNode = (o.connections() + nodes - 1) / nodes;
        int roomsPerPublisher = 0;
        int messagesPerSecond = 0;
        if (o.scenario().equals("fanout")) {
            roomsPerPublisher = (o.rooms() + o.publishers() - 1) / o.publishers();
            // Each publisher sends rate/P per second, after joining its rooms in one burst; 50 % headroom
            // for the open-loop catch-up after a stall.
            messagesPerSecond = (int) Math.ceil(1.5 * o.rate() / o.publishers()) + roomsPerPublisher + 2;
        }
        this.rateLimit = Math.max(DEFAULT_RATE_LIMIT, messagesPerSecond);
        needed.put("RATE_LIMIT_MAX_MESSAGES", rateLimit + " (with RATE_LIMIT_WINDOW_MS=1000; default 100)");
        if (perNode > DEFAULT_MAX_CONNECTIONS) {
            needed.put("WS_MAX_CONNECTIONS", perNode + " (default 100000)");
        }
        if (roomsPerPublisher + 2 > DEFAULT_ROOMS_PER_CONNECTION) {
            needed.put("MAX_ROOMS_PER_CONNECTION", (roomsPerPublisher + 2) + " (default 1000)");
        }
        needed.put("MAX_CONNECTIONS_PER_IP", "0 (the default), or spread clients with --source-addresses");
    }

    static ServerSettings forRun(Options o) {
        return new ServerSettings(o);
    }

    /** The settings, for the report. */
    Map<String, Object> needed() {
        return needed;
    }

    /** Printed before the run, so a refused run is not a surprise. */
    String summary() {
        StringBuilder sb = new StringBuilder("server settings this run needs:");
        needed.forEach((k, v) -> sb.append("\n  ").append(k).append(" >= ").append(v));
        return sb.toString();
    }

    /** What to change on the server, from the errors a run met (empty when nothing points at a setting). */
    List<String> hints(Map<String, Long> errors) {
        List<String> out = new ArrayList<>();
        long limited = count(errors, "rate_limited") + count(errors, "reply_rate_limited") + count(errors, "closed_4429");
        if (limited > 0) {
            out.add("the server rate-limited the clients (" + limited + " rate_limited errors or 4429 closes): start it with "
                    + "RATE_LIMIT_MAX_MESSAGES=" + rateLimit + " or more (RATE_LIMIT_WINDOW_MS=1000); the default 100/s is"
                    + " for game clients, not publishers (docs/benchmarks.md)");
        }
        if (count(errors, "reply_too_many_rooms") > 0) {
            out.add("publishers were refused rooms: raise MAX_ROOMS_PER_CONNECTION, or use more --publishers");
        }
        if (count(errors, "reply_room_full") > 0) {
            out.add("rooms were full: start the server with MAX_ROOM_MEMBERS=0 (unlimited)");
        }
        if (count(errors, "http_503") > 0) {
            out.add("upgrades were refused with 503: raise WS_MAX_CONNECTIONS (or HTTP_MAX_CONNECTIONS), or the node was draining");
        }
        if (count(errors, "http_429") > 0) {
            out.add("upgrades were refused with 429: set MAX_CONNECTIONS_PER_IP=0 (or use --source-addresses)"
                    + " and RATE_LIMIT_MAX_CONNECTIONS=0");
        }
        return out;
    }

    private static long count(Map<String, Long> errors, String key) {
        Long n = errors.get(key);
        return n == null ? 0 : n;
    }
}
