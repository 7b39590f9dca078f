package dev.realtime.ingest;

import java.util.Locale;

/** Connection and room lifecycle events that forward rules can send to Kafka. */
public enum LifecycleKind {
    /** A connection became active (authenticated or anonymous), after {@code connected} was sent. */
    CONNECT,
    /** A connection closed. */
    DISCONNECT,
    /** A connection joined a room (client join or server-side join). */
    JOIN,
    /** A connection left a room (explicitly or by closing). */
    LEAVE;

    /** The name used in the route file and in forwarded records: {@code connect}, {@code join}, ... */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Whether events of this kind concern one room. */
    public boolean hasRoom() {
        return this == JOIN || this == LEAVE;
    }

    /** The kind for a wire name, or null. */
    public static LifecycleKind fromWire(String name) {
        for (LifecycleKind k : values()) {
            if (k.wireName().equals(name)) {
                return k;
            }
        }
        return null;
    }
}
