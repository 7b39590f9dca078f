package dev.realtime.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Set;

/**
 * One entry of the route file's {@code forward} section: client {@code emit} events, lifecycle
 * events, or server events that features produce (e.g. {@code match:completed}) that are also
 * produced to a Kafka topic, keyed so that order holds per key (Kafka keeps
 * order within a partition, and a key always maps to one partition). Immutable.
 *
 * <p>The record value is built by {@link #emitRecord} / {@link #lifecycleRecord} (documented in
 * docs/routes.md) and its key by {@link #key}.
 */
public final class ForwardRule {
    /** What the rule forwards. */
    public enum Kind {
        EMIT, LIFECYCLE,
        /** Server events a feature hands to {@link EventForwarding#forwardEvent} (never client emits). */
        EVENT
    }

    /** How the Kafka record key is chosen. */
    public enum KeyMode {
        /** The user id; anonymous connections use their session id. */
        USER,
        /** The session (connection) id. */
        SESSION,
        /** The room (join/leave only). */
        ROOM,
        /** No key: Kafka spreads records over partitions (no ordering). */
        NONE,
        /** A field of the emit's data, e.g. {@code {videoId}}; no key when the field is missing. */
        FIELD
    }

    private final String id;
    private final Kind kind;
    private final List<String> names;
    private final String topic;
    private final KeyMode keyMode;
    private final Template keyField;

    ForwardRule(String id, Kind kind, List<String> names, String topic, KeyMode keyMode, Template keyField) {
        this.id = id;
        this.kind = kind;
        this.names = List.copyOf(names);
        this.topic = topic;
        this.keyMode = keyMode;
        this.keyField = keyField;
    }

    public String id() {
        return id;
    }

    public Kind kind() {
        return kind;
    }

    /** Emit event names (an entry ending in {@code *} is a prefix) or lifecycle wire names. */
    public List<String> names() {
        return names;
    }

    public String topic() {
        return topic;
    }

    public KeyMode keyMode() {
        return keyMode;
    }

    /** Whether this rule forwards the emit event {@code event}. */
    public boolean matchesEmit(String event) {
        return kind == Kind.EMIT && matchesName(event);
    }

    /** Whether this rule forwards the server event {@code event}. */
    public boolean matchesEvent(String event) {
        return kind == Kind.EVENT && matchesName(event);
    }

    private boolean matchesName(String event) {
        for (String n : names) {
            if (n.endsWith("*") ? event.startsWith(n.substring(0, n.length() - 1)) : n.equals(event)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The Kafka record key for one event, or {@code null} for none.
     *
     * @param userId    the connection's user, null when anonymous
     * @param sessionId the connection's session id
     * @param room      the room (join/leave), else null
     * @param data      the emit's data (emit rules), else null
     */
    public String key(String userId, String sessionId, String room, JsonNode data) {
        switch (keyMode) {
            case USER:
                return userId != null ? userId : sessionId;
            case SESSION:
                return sessionId;
            case ROOM:
                return room;
            case FIELD:
                if (data == null) {
                    return null;
                }
                return keyField.expand(data, new Template.Vars(null, Template.Vars.NONE), null);
            default:
                return null;
        }
    }

    /**
     * The value forwarded for a client emit:
     * {@code {"type":"emit","event":..,"userId":..,"sessionId":..,"nodeId":..,"timestamp":"<ISO>","data":..}}
     * ({@code userId} is null for anonymous connections; {@code data} null when the emit had none).
     */
    public static ObjectNode emitRecord(String nodeId, String sessionId, String userId, String event, JsonNode data,
            long epochMillis) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("type", "emit");
        o.put("event", event);
        o.put("userId", userId);
        o.put("sessionId", sessionId);
        o.put("nodeId", nodeId);
        o.put("timestamp", PayloadSpec.iso(epochMillis));
        o.set("data", data == null ? JsonNodeFactory.instance.nullNode() : data);
        return o;
    }

    /**
     * The value forwarded for a server event:
     * {@code {"type":"event","event":..,"nodeId":..,"timestamp":"<ISO>","data":..}}.
     */
    public static ObjectNode eventRecord(String nodeId, String event, JsonNode data, long epochMillis) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("type", "event");
        o.put("event", event);
        o.put("nodeId", nodeId);
        o.put("timestamp", PayloadSpec.iso(epochMillis));
        o.set("data", data == null ? JsonNodeFactory.instance.nullNode() : data);
        return o;
    }

    /**
     * The value forwarded for a lifecycle event:
     * {@code {"type":"lifecycle","kind":"join","userId":..,"sessionId":..,"nodeId":..,"room":..,"timestamp":"<ISO>"}}
     * ({@code room} only for join and leave; {@code userId} null for anonymous connections).
     */
    public static ObjectNode lifecycleRecord(LifecycleKind kind, String nodeId, String sessionId, String userId,
            String room, long epochMillis) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("type", "lifecycle");
        o.put("kind", kind.wireName());
        o.put("userId", userId);
        o.put("sessionId", sessionId);
        o.put("nodeId", nodeId);
        if (kind.hasRoom()) {
            o.put("room", room);
        }
        o.put("timestamp", PayloadSpec.iso(epochMillis));
        return o;
    }

    /** The lifecycle kinds this rule forwards (empty for emit rules). */
    public Set<LifecycleKind> lifecycleKinds() {
        if (kind != Kind.LIFECYCLE) {
            return Set.of();
        }
        java.util.EnumSet<LifecycleKind> set = java.util.EnumSet.noneOf(LifecycleKind.class);
        for (String n : names) {
            set.add(LifecycleKind.fromWire(n));
        }
        return set;
    }

    @Override
    public String toString() {
        return id + ": " + kind.name().toLowerCase(java.util.Locale.ROOT) + " " + names + " -> kafka " + topic
                + " (key " + (keyMode == KeyMode.FIELD ? keyField.text() : keyMode.name().toLowerCase(java.util.Locale.ROOT))
                + ")";
    }
}
