package dev.realtime.server;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * The external systems a node is configured to use (Redis bus, Redis ingest, Kafka consumer...),
 * each with a cheap health check that reads a flag its owner thread keeps current. A node without
 * any is alone and always healthy. {@code /health/ready} answers 503 "degraded" while any is down.
 *
 * <p>Immutable once built at startup; the checks are safe from any thread.
 */
public final class Dependencies {
    private final Map<String, BooleanSupplier> checks;
    private final Map<String, java.util.function.Supplier<Object>> details;

    private Dependencies(Map<String, BooleanSupplier> checks, Map<String, java.util.function.Supplier<Object>> details) {
        this.checks = checks;
        this.details = details;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Whether every dependency is up. */
    public boolean allUp() {
        for (BooleanSupplier c : checks.values()) {
            if (!c.getAsBoolean()) {
                return false;
            }
        }
        return true;
    }

    /** Each dependency's state, {@code "up"} or {@code "down"}, in registration order. */
    public Map<String, Object> states() {
        Map<String, Object> out = new LinkedHashMap<>();
        checks.forEach((name, c) -> out.put(name, c.getAsBoolean() ? "up" : "down"));
        return out;
    }

    /**
     * Extra state shown beside the checks in {@code /health} and {@code /health/ready}, e.g.
     * {@code "redis": {"mode":"cluster","cluster_state":"ok","primaries":3,"reachable_primaries":3}}.
     */
    public Map<String, Object> details() {
        Map<String, Object> out = new LinkedHashMap<>();
        details.forEach((name, d) -> out.put(name, d.get()));
        return out;
    }

    /** Collects checks during startup. Not thread-safe; used by the starting thread only. */
    public static final class Builder {
        private final Map<String, BooleanSupplier> checks = new LinkedHashMap<>();
        private final Map<String, java.util.function.Supplier<Object>> details = new LinkedHashMap<>();

        public Builder add(String name, BooleanSupplier check) {
            checks.put(name, check);
            return this;
        }

        /** Adds a section of details (read at request time, must be cheap and thread-safe). */
        public Builder detail(String name, java.util.function.Supplier<Object> value) {
            details.put(name, value);
            return this;
        }

        public Dependencies build() {
            return new Dependencies(java.util.Collections.unmodifiableMap(new LinkedHashMap<>(checks)),
                    java.util.Collections.unmodifiableMap(new LinkedHashMap<>(details)));
        }
    }
}
