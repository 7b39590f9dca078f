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

    private Dependencies(Map<String, BooleanSupplier> checks) {
        this.checks = checks;
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

    /** Collects checks during startup. Not thread-safe; used by the starting thread only. */
    public static final class Builder {
        private final Map<String, BooleanSupplier> checks = new LinkedHashMap<>();

        public Builder add(String name, BooleanSupplier check) {
            checks.put(name, check);
            return this;
        }

        public Dependencies build() {
            return new Dependencies(java.util.Collections.unmodifiableMap(new LinkedHashMap<>(checks)));
        }
    }
}
