package dev.realtime.emit;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Server-side {@code emit} handlers by event name. Filled at startup by features; read by every
 * connection afterwards. Thread-safe.
 */
public final class EmitRegistry {
    private final Map<String, EmitHandler> handlers = new ConcurrentHashMap<>();

    /** Registers {@code handler} for {@code event}; a second registration for one name is a bug. */
    public EmitRegistry register(String event, EmitHandler handler) {
        if (handlers.putIfAbsent(event, handler) != null) {
            throw new IllegalStateException("emit handler already registered for '" + event + "'");
        }
        return this;
    }

    /** The handler for {@code event}, or {@code null}. */
    public EmitHandler find(String event) {
        return handlers.get(event);
    }
}
