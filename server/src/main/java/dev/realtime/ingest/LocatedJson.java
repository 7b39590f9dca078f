package dev.realtime.ingest;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A configuration file read into a Jackson tree while remembering where each value was written, by
 * path ({@code routes[3].targets[0].room}), so validation can name the line and column. Java-style
 * comments are allowed; duplicate keys are an error. Also used for other configuration files (the quiz
 * question bank), which pass their own exception type.
 */
public final class LocatedJson {
    private static final JsonFactory FACTORY = JsonFactory.builder()
            .enable(JsonReadFeature.ALLOW_JAVA_COMMENTS)
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(64).build())
            .build();

    public final JsonNode root;
    private final String origin;
    private final Map<String, JsonLocation> where;

    private LocatedJson(String origin, JsonNode root, Map<String, JsonLocation> where) {
        this.origin = origin;
        this.root = root;
        this.where = where;
    }

    /** Parses {@code text}; malformed JSON and duplicate keys throw with the file, line and column. */
    static LocatedJson parse(String text, String origin) {
        return parse(text, origin, RouteTableException::new);
    }

    /**
     * Parses {@code text}; malformed JSON and duplicate keys throw {@code invalid.apply(origin, problems)},
     * each problem naming the file, line and column.
     */
    public static LocatedJson parse(String text, String origin,
                                    java.util.function.BiFunction<String, List<String>, RuntimeException> invalid) {
        Map<String, JsonLocation> where = new HashMap<>();
        List<String> problems = new ArrayList<>();
        try (JsonParser p = FACTORY.createParser(text)) {
            JsonToken t = p.nextToken();
            if (t == null) {
                throw invalid.apply(origin, List.of(origin + " line 1, column 1: the file is empty"));
            }
            JsonNode root = read(p, "", where, problems, origin);
            if (p.nextToken() != null) {
                problems.add(at(origin, p.currentTokenLocation()) + "unexpected content after the top-level value");
            }
            if (!problems.isEmpty()) {
                throw invalid.apply(origin, problems);
            }
            return new LocatedJson(origin, root, where);
        } catch (JsonProcessingException e) {
            String msg = e.getOriginalMessage();
            int nl = msg.indexOf('\n');
            throw invalid.apply(origin, List.of(at(origin, e.getLocation()) + "invalid JSON: "
                    + (nl > 0 ? msg.substring(0, nl) : msg)));
        } catch (IOException e) {
            throw invalid.apply(origin, List.of(origin + ": cannot read: " + e.getMessage()));
        }
    }

    private static JsonNode read(JsonParser p, String path, Map<String, JsonLocation> where, List<String> problems,
            String origin) throws IOException {
        JsonNodeFactory f = JsonNodeFactory.instance;
        where.putIfAbsent(path, p.currentTokenLocation());
        switch (p.currentToken()) {
            case START_OBJECT: {
                ObjectNode obj = f.objectNode();
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String name = p.currentName();
                    String child = path.isEmpty() ? name : path + "." + name;
                    JsonLocation keyAt = p.currentTokenLocation();
                    if (obj.has(name)) {
                        problems.add(at(origin, keyAt) + child + ": duplicate key '" + name + "'");
                    }
                    where.put(child, keyAt);
                    p.nextToken();
                    obj.set(name, read(p, child, where, problems, origin));
                }
                return obj;
            }
            case START_ARRAY: {
                ArrayNode arr = f.arrayNode();
                int i = 0;
                while (p.nextToken() != JsonToken.END_ARRAY) {
                    arr.add(read(p, path + "[" + i + "]", where, problems, origin));
                    i++;
                }
                return arr;
            }
            case VALUE_STRING:
                return f.textNode(p.getText());
            case VALUE_NUMBER_INT:
                return p.getNumberType() == JsonParser.NumberType.BIG_INTEGER ? f.numberNode(p.getBigIntegerValue())
                        : f.numberNode(p.getLongValue());
            case VALUE_NUMBER_FLOAT:
                return f.numberNode(p.getDecimalValue());
            case VALUE_TRUE:
                return f.booleanNode(true);
            case VALUE_FALSE:
                return f.booleanNode(false);
            case VALUE_NULL:
                return f.nullNode();
            default:
                throw new IllegalStateException("unexpected token " + p.currentToken());
        }
    }

    /** The known key closest to {@code key} (at most 2 edits, case-insensitive) for "did you mean" hints, or null. */
    public static String nearest(String key, java.util.Set<String> known) {
        return RouteTableLoader.nearest(key, known);
    }

    /** {@code "<origin> line L, column C: <path>: "} for the value at {@code path} (or its nearest ancestor). */
    public String at(String path) {
        String p = path;
        JsonLocation loc = where.get(p);
        while (loc == null && !p.isEmpty()) {
            p = parent(p);
            loc = where.get(p);
        }
        return at(origin, loc) + (path.isEmpty() ? "" : path + ": ");
    }

    private static String parent(String path) {
        int dot = path.lastIndexOf('.');
        int bracket = path.lastIndexOf('[');
        int cut = Math.max(dot, bracket);
        return cut <= 0 ? "" : path.substring(0, cut);
    }

    private static String at(String origin, JsonLocation loc) {
        if (loc == null || loc.getLineNr() < 1) {
            return origin + ": ";
        }
        return origin + " line " + loc.getLineNr() + ", column " + loc.getColumnNr() + ": ";
    }
}
