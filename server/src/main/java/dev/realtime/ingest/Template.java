package dev.realtime.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * A string with {@code {field}} placeholders, parsed once when the table loads.
 *
 * <p>A placeholder is one of:
 * <ul>
 *   <li>a field path into the record: {@code {surveyId}}, nested {@code {metadata.projectId}}, array
 *       elements by index {@code {items.0.id}}. Segments are letters, digits, {@code _} and {@code -}.</li>
 *   <li>{@code {$source}}: the Kafka topic, Redis channel or HTTP source name the record came from.</li>
 *   <li>{@code {$1}}..{@code {$9}}: what the n-th {@code *} of the Redis channel pattern matched.</li>
 * </ul>
 * A field value must be a non-empty string, a number or a boolean; missing, {@code null}, empty,
 * objects and arrays make the expansion fail (the delivery is skipped and counted). Braces cannot
 * appear literally.
 */
final class Template {
    /** A placeholder. {@code path} for fields, {@code capture} > 0 for {@code $n}, neither for {@code $source}. */
    record Ref(String text, String[] path, int capture) {
        boolean isSource() {
            return path == null && capture == 0;
        }

        boolean isField() {
            return path != null;
        }
    }

    /** The values a record is expanded against besides its own fields. */
    record Vars(String source, String[] captures) {
        static final String[] NONE = new String[0];
    }

    private final String text;
    private final List<Object> parts; // String or Ref
    private final int maxCapture;

    private Template(String text, List<Object> parts) {
        this.text = text;
        this.parts = List.copyOf(parts);
        int max = 0;
        for (Object p : parts) {
            if (p instanceof Ref r && r.capture() > max) {
                max = r.capture();
            }
        }
        this.maxCapture = max;
    }

    /** Parses {@code text}; the exception message says what is wrong (for the loader's problem list). */
    static Template parse(String text) {
        List<Object> parts = new ArrayList<>();
        StringBuilder literal = new StringBuilder();
        int i = 0;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (c == '}') {
                throw new IllegalArgumentException("unmatched '}' at position " + i + " in template '" + text + "'");
            }
            if (c != '{') {
                literal.append(c);
                i++;
                continue;
            }
            int close = text.indexOf('}', i + 1);
            int nextOpen = text.indexOf('{', i + 1);
            if (close < 0 || nextOpen >= 0 && nextOpen < close) {
                String tail = text.substring(i, close < 0 ? text.length() : nextOpen);
                throw new IllegalArgumentException("unclosed '{' in template '" + text + "': unknown template field syntax '"
                        + tail + "' (write {field} or {a.b})");
            }
            if (literal.length() > 0) {
                parts.add(literal.toString());
                literal.setLength(0);
            }
            parts.add(ref(text, text.substring(i + 1, close)));
            i = close + 1;
        }
        if (literal.length() > 0) {
            parts.add(literal.toString());
        }
        return new Template(text, parts);
    }

    private static Ref ref(String template, String inner) {
        if (inner.isEmpty()) {
            throw new IllegalArgumentException("empty placeholder '{}' in template '" + template + "'");
        }
        if (inner.equals("$source")) {
            return new Ref(inner, null, 0);
        }
        if (inner.startsWith("$")) {
            if (inner.length() == 2 && inner.charAt(1) >= '1' && inner.charAt(1) <= '9') {
                return new Ref(inner, null, inner.charAt(1) - '0');
            }
            throw new IllegalArgumentException("unknown placeholder '{" + inner + "}' in template '" + template
                    + "' (known: {$source}, {$1}..{$9}, or a field path)");
        }
        String[] path = inner.split("\\.", -1);
        for (String seg : path) {
            if (seg.isEmpty()) {
                throw new IllegalArgumentException("empty segment in field path '{" + inner + "}' in template '" + template + "'");
            }
            for (int k = 0; k < seg.length(); k++) {
                char ch = seg.charAt(k);
                if (!(Character.isLetterOrDigit(ch) || ch == '_' || ch == '-')) {
                    throw new IllegalArgumentException("unknown template field syntax '{" + inner + "}' in template '"
                            + template + "': '" + ch + "' is not allowed in a field name (letters, digits, _ and -; "
                            + "nested fields with '.')");
                }
            }
        }
        return new Ref(inner, path, 0);
    }

    String text() {
        return text;
    }

    boolean isLiteral() {
        return parts.isEmpty() || parts.size() == 1 && parts.get(0) instanceof String;
    }

    /** The single placeholder when the template is exactly one {@code {..}} and nothing else; else null. */
    Ref soleRef() {
        return parts.size() == 1 && parts.get(0) instanceof Ref r ? r : null;
    }

    /** The largest {@code $n} used (0 if none). */
    int maxCapture() {
        return maxCapture;
    }

    /**
     * A Java regex matching every string this template can expand to: literal text as itself,
     * {@code {$source}} as {@code sourceRegex}, any other placeholder as any non-empty text (a
     * superset where a value's shape is unknown).
     */
    String regex(String sourceRegex) {
        StringBuilder out = new StringBuilder();
        for (Object p : parts) {
            if (p instanceof String s) {
                out.append(java.util.regex.Pattern.quote(s));
            } else if (((Ref) p).isSource()) {
                out.append("(?:").append(sourceRegex).append(')');
            } else {
                out.append(".+");
            }
        }
        return out.toString();
    }

    /**
     * The expanded string, or {@code null} when a placeholder has no usable value; then {@code why}
     * (when not null) receives the reason.
     */
    String expand(JsonNode record, Vars vars, StringBuilder why) {
        if (parts.size() == 1 && parts.get(0) instanceof String s) {
            return s;
        }
        StringBuilder out = new StringBuilder(text.length() + 16);
        for (Object p : parts) {
            if (p instanceof String s) {
                out.append(s);
                continue;
            }
            Ref r = (Ref) p;
            String value = scalar(r, record, vars, why);
            if (value == null) {
                return null;
            }
            out.append(value);
        }
        return out.toString();
    }

    /** The text of one placeholder, or null (reason in {@code why}). */
    static String scalar(Ref r, JsonNode record, Vars vars, StringBuilder why) {
        if (r.isSource()) {
            return vars.source();
        }
        if (!r.isField()) {
            String[] caps = vars.captures();
            if (r.capture() > caps.length || caps[r.capture() - 1].isEmpty()) {
                reason(why, "pattern capture {" + r.text() + "} is empty");
                return null;
            }
            return caps[r.capture() - 1];
        }
        JsonNode v = resolve(r.path(), record);
        return scalarText(v, r.text(), why);
    }

    /** The text of a scalar JSON value, or null (reason in {@code why}) for missing, null, empty, object, array. */
    static String scalarText(JsonNode v, String name, StringBuilder why) {
        if (v == null || v.isMissingNode()) {
            reason(why, "field '" + name + "' is missing");
            return null;
        }
        if (v.isNull()) {
            reason(why, "field '" + name + "' is null");
            return null;
        }
        if (v.isTextual()) {
            String s = v.textValue();
            if (s.isEmpty()) {
                reason(why, "field '" + name + "' is empty");
                return null;
            }
            return s;
        }
        if (v.isIntegralNumber()) {
            return v.bigIntegerValue().toString();
        }
        if (v.isNumber()) {
            return v.decimalValue().stripTrailingZeros().toPlainString();
        }
        if (v.isBoolean()) {
            return v.asText();
        }
        reason(why, "field '" + name + "' is " + (v.isArray() ? "an array" : v.isObject() ? "an object" : "not a scalar")
                + ", not a string or number");
        return null;
    }

    /** The node at {@code path}, or null. Numeric segments index arrays. */
    static JsonNode resolve(String[] path, JsonNode record) {
        JsonNode cur = record;
        for (String seg : path) {
            if (cur == null) {
                return null;
            }
            if (cur.isObject()) {
                cur = cur.get(seg);
            } else if (cur.isArray() && isIndex(seg)) {
                cur = cur.get(Integer.parseInt(seg));
            } else {
                return null;
            }
        }
        return cur;
    }

    private static boolean isIndex(String seg) {
        if (seg.length() > 6) {
            return false;
        }
        for (int i = 0; i < seg.length(); i++) {
            if (seg.charAt(i) < '0' || seg.charAt(i) > '9') {
                return false;
            }
        }
        return true;
    }

    private static void reason(StringBuilder why, String text) {
        if (why != null) {
            why.append(text);
        }
    }

    @Override
    public String toString() {
        return text;
    }
}
