package dev.realtime.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;

/**
 * How a route turns a record into the event payload: the whole record or one field of it, then (for
 * object payloads only) {@code rename}, {@code omit}, an added {@code type} (first, never replacing
 * one that is there) and an added {@code timestamp} (last, never replacing one that is there).
 * The record is never modified; when nothing changes the record (or field) itself is the payload.
 */
record PayloadSpec(String[] field, String fieldText, Map<String, String> rename, List<String> omit,
        Template addType, boolean typeIsEvent, Timestamp timestamp) {

    /** The format of an added {@code timestamp}. */
    enum Timestamp { NONE, ISO, MILLIS }

    static final DateTimeFormatter ISO = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'")
            .withZone(ZoneOffset.UTC);

    static final PayloadSpec RECORD = new PayloadSpec(null, "record", Map.of(), List.of(), null, false, Timestamp.NONE);

    /** {@code 2024-01-01T00:00:00.000Z}, the format JavaScript's {@code toISOString()} produces. */
    static String iso(long epochMillis) {
        return ISO.format(Instant.ofEpochMilli(epochMillis));
    }

    private boolean reshapes() {
        return !rename.isEmpty() || !omit.isEmpty() || addType != null || typeIsEvent || timestamp != Timestamp.NONE;
    }

    /** The payload, or null when the selected field is missing or null (reason in {@code why}). */
    JsonNode build(JsonNode record, Template.Vars vars, String event, long nowMillis, StringBuilder why) {
        JsonNode data = record;
        if (field != null) {
            data = Template.resolve(field, record);
            if (data == null || data.isMissingNode() || data.isNull()) {
                why.append("payload field '").append(fieldText).append("' is ").append(data == null || data.isMissingNode()
                        ? "missing" : "null");
                return null;
            }
        }
        if (!data.isObject() || !reshapes()) {
            return data;
        }
        String type = null;
        if (typeIsEvent) {
            type = event;
        } else if (addType != null) {
            type = addType.expand(record, vars, why);
            if (type == null) {
                why.insert(0, "addType: ");
                return null;
            }
        }
        ObjectNode body = JsonNodeFactory.instance.objectNode();
        for (Map.Entry<String, JsonNode> e : data.properties()) {
            String name = e.getKey();
            if (omit.contains(name)) {
                continue;
            }
            String to = rename.get(name);
            if (to != null) {
                body.set(to, e.getValue());
            } else if (!(rename.containsValue(name) && renamedSourcePresent(data, name))) {
                body.set(name, e.getValue());
            }
        }
        ObjectNode out = body;
        if (type != null && !body.has("type")) {
            out = JsonNodeFactory.instance.objectNode();
            out.put("type", type);
            out.setAll(body);
        }
        if (timestamp != Timestamp.NONE && !out.has("timestamp")) {
            if (timestamp == Timestamp.ISO) {
                out.put("timestamp", iso(nowMillis));
            } else {
                out.put("timestamp", nowMillis);
            }
        }
        return out;
    }

    /** Whether a field renamed onto {@code target} exists (then the renamed value wins over the original). */
    private boolean renamedSourcePresent(JsonNode data, String target) {
        for (Map.Entry<String, String> r : rename.entrySet()) {
            if (r.getValue().equals(target) && data.has(r.getKey())) {
                return true;
            }
        }
        return false;
    }

    /** For docs and logs. */
    String describe() {
        StringBuilder sb = new StringBuilder(field == null ? "record" : "field " + fieldText);
        if (!rename.isEmpty()) {
            sb.append(", rename ").append(rename);
        }
        if (!omit.isEmpty()) {
            sb.append(", omit ").append(omit);
        }
        if (typeIsEvent) {
            sb.append(", type=<event>");
        } else if (addType != null) {
            sb.append(", type=").append(addType.text());
        }
        if (timestamp != Timestamp.NONE) {
            sb.append(", timestamp ").append(timestamp.name().toLowerCase(java.util.Locale.ROOT));
        }
        return sb.toString();
    }
}
