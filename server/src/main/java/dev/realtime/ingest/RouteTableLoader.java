package dev.realtime.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import dev.realtime.protocol.ErrorInfo;
import dev.realtime.room.RoomPolicy;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads and validates a route file. Collects every problem (not just the first), each naming the
 * file, line, column and path of the offending value, then throws one {@link RouteTableException}.
 */
final class RouteTableLoader {
    static final int MAX_TARGETS = 32;
    static final int MAX_PATTERN_CHARS = 200;
    static final int MAX_NAME_CHARS = 100;
    /** The cluster bus's channels ({@code rt:room:*}, {@code rt:node:*}) must never reach the route table. */
    static final String BUS_CHANNEL_PREFIX = "rt:";

    private static final Set<String> TOP_KEYS = Set.of("version", "description", "routes", "forward", "policies");
    private static final Set<String> ROUTE_KEYS = Set.of("id", "description", "kafka", "redis", "http", "event",
            "targets", "payload", "rename", "omit", "addType", "addTimestamp", "inbox");
    private static final Set<String> TARGET_KINDS = Set.of("room", "user", "userIds", "global", "admin");
    private static final Set<String> TARGET_KEYS = Set.of("room", "user", "userIds", "global", "admin", "optional",
            "orElse", "description");
    private static final Set<String> FORWARD_KEYS = Set.of("id", "description", "emit", "lifecycle", "event", "topic", "key");
    private static final Pattern KAFKA_TOPIC = Pattern.compile("[A-Za-z0-9._-]{1,249}");
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._:-]{1," + MAX_NAME_CHARS + "}");
    private static final Pattern HTTP_SOURCE = Pattern.compile("[A-Za-z0-9._-]{1," + MAX_NAME_CHARS + "}");

    /** The validated contents of a file. */
    record Parsed(List<Route> routes, List<ForwardRule> forwards, JsonNode policies,
                  List<dev.realtime.room.PrefixPolicies.Policy> roomPolicies) {
    }

    private final LocatedJson doc;
    private final List<String> problems = new ArrayList<>();

    private RouteTableLoader(LocatedJson doc) {
        this.doc = doc;
    }

    static Parsed parse(String json, String origin) {
        LocatedJson doc = LocatedJson.parse(json, origin);
        RouteTableLoader l = new RouteTableLoader(doc);
        Parsed parsed = l.top(doc.root);
        if (!l.problems.isEmpty()) {
            throw new RouteTableException(origin, l.problems);
        }
        return parsed;
    }

    private void problem(String path, String message) {
        problems.add(doc.at(path) + message);
    }

    // ---------------------------------------------------------------- top level

    private Parsed top(JsonNode root) {
        if (!root.isObject()) {
            problem("", "the file must hold a JSON object like {\"routes\":[...],\"forward\":[...]}");
            return new Parsed(List.of(), List.of(), null, List.of());
        }
        unknownKeys(root, "", TOP_KEYS);
        JsonNode version = root.get("version");
        if (version != null && !(version.isIntegralNumber() && version.asInt() == 1)) {
            problem("version", "unsupported version " + version + " (this server reads version 1)");
        }
        optionalText(root, "", "description");
        List<Route> routes = new ArrayList<>();
        JsonNode rs = root.get("routes");
        if (rs != null && !rs.isArray()) {
            problem("routes", "must be an array of route objects");
        } else if (rs != null) {
            Set<String> ids = new HashSet<>();
            for (int i = 0; i < rs.size(); i++) {
                Route r = route(rs.get(i), "routes[" + i + "]", ids);
                if (r != null) {
                    routes.add(r);
                }
            }
        }
        List<ForwardRule> forwards = new ArrayList<>();
        JsonNode fs = root.get("forward");
        if (fs != null && !fs.isArray()) {
            problem("forward", "must be an array of forward rules");
        } else if (fs != null) {
            Set<String> ids = new HashSet<>();
            for (int i = 0; i < fs.size(); i++) {
                ForwardRule f = forward(fs.get(i), "forward[" + i + "]", ids);
                if (f != null) {
                    forwards.add(f);
                }
            }
        }
        JsonNode policies = root.get("policies");
        return new Parsed(routes, forwards, policies, roomPolicies(policies));
    }

    // ---------------------------------------------------------------- policies

    private static final Set<String> POLICY_KEYS = Set.of("presenceEvents", "clientPublish", "delivery", "slowConsumer",
            "writeDelayMs", "description");

    /** {@code {"video:*": {"presenceEvents": false}, "lobby": {...}}}: settings by room name or prefix. */
    private List<dev.realtime.room.PrefixPolicies.Policy> roomPolicies(JsonNode policies) {
        List<dev.realtime.room.PrefixPolicies.Policy> out = new ArrayList<>();
        if (policies == null) {
            return out;
        }
        if (!policies.isObject()) {
            problem("policies", "must be an object of room name or prefix -> settings, e.g. "
                    + "{\"video:*\":{\"presenceEvents\":false}}");
            return out;
        }
        for (Iterator<String> it = policies.fieldNames(); it.hasNext(); ) {
            String pattern = it.next();
            String path = "policies." + pattern;
            String name = pattern.endsWith("*") ? pattern.substring(0, pattern.length() - 1) : pattern;
            if (!name.isEmpty() && RoomPolicy.validateRoomName(name) != null || name.indexOf('*') >= 0) {
                problem(path, "must be a room name, a prefix ending in '*' (\"video:*\") or '*' alone");
                continue;
            }
            JsonNode settings = policies.get(pattern);
            if (!settings.isObject()) {
                problem(path, "must be an object such as {\"presenceEvents\":false}");
                continue;
            }
            int before = problems.size();
            unknownKeys(settings, path, POLICY_KEYS);
            optionalText(settings, path, "description");
            Boolean presence = settings.has("presenceEvents") ? bool(settings, path, "presenceEvents", true) : null;
            Boolean publish = settings.has("clientPublish") ? bool(settings, path, "clientPublish", true) : null;
            String delivery = choice(settings, path, "delivery", List.of("stream", "latest", "volatile"));
            String slow = choice(settings, path, "slowConsumer", List.of("drop", "disconnect"));
            if ("volatile".equals(delivery) && "disconnect".equals(slow)) {
                problem(path + ".slowConsumer", "a volatile room drops a slow consumer's deliveries and never "
                        + "disconnects it: remove \"slowConsumer\" or make it \"drop\"");
            }
            Integer delay = settings.has("writeDelayMs") ? writeDelay(settings, path) : null;
            if (problems.size() == before) {
                out.add(new dev.realtime.room.PrefixPolicies.Policy(pattern, presence, publish,
                        delivery == null ? null : dev.realtime.room.DeliveryMode.fromWire(delivery),
                        slow == null ? null : dev.realtime.config.GatewayConfig.SlowConsumerPolicy.valueOf(
                                slow.toUpperCase(java.util.Locale.ROOT)), delay));
            }
        }
        return out;
    }

    // ---------------------------------------------------------------- routes

    private Route route(JsonNode node, String path, Set<String> ids) {
        if (!node.isObject()) {
            problem(path, "a route must be an object like {\"kafka\":\"order.created\",\"event\":\"order:created\","
                    + "\"targets\":[{\"user\":\"{buyerId}\"}]}");
            return null;
        }
        int before = problems.size();
        unknownKeys(node, path, ROUTE_KEYS);
        optionalText(node, path, "description");
        String id = id(node, path, ids);

        List<String> kafka = names(node, path, "kafka", this::kafkaTopic);
        List<String> redis = names(node, path, "redis", this::redisPattern);
        List<String> http = names(node, path, "http", this::httpSource);
        if (!node.has("kafka") && !node.has("redis") && !node.has("http")) {
            problem(path, "a route needs a source: \"kafka\" (topic), \"redis\" (channel pattern) or \"http\" "
                    + "(name for POST /api/events/{source})");
        }
        // $1..$n refer to the stars of the Redis pattern(s); only possible when every source is Redis.
        int captures = 0;
        if (kafka.isEmpty() && http.isEmpty() && !redis.isEmpty()) {
            captures = Integer.MAX_VALUE;
            for (String p : redis) {
                captures = Math.min(captures, RedisGlob.compile(p).stars());
            }
        }
        Scope scope = new Scope(captures, !kafka.isEmpty() || !http.isEmpty());

        Template event = null;
        JsonNode ev = node.get("event");
        if (ev == null || !ev.isTextual()) {
            problem(ev == null ? path : path + ".event", "\"event\" is required: the event name clients receive, "
                    + "e.g. \"order:created\" or \"{$source}\"");
        } else {
            event = template(ev.asText(), path + ".event", scope);
            if (event != null && event.isLiteral()) {
                ErrorInfo bad = RoomPolicy.validateEventName(event.text());
                if (bad != null) {
                    problem(path + ".event", bad.message());
                }
            }
        }

        List<TargetSpec> targets = new ArrayList<>();
        JsonNode ts = node.get("targets");
        if (ts == null || !ts.isArray() || ts.isEmpty()) {
            problem(ts == null ? path : path + ".targets", "\"targets\" must be a non-empty array, e.g. "
                    + "[{\"room\":\"survey:{surveyId}\"}, {\"user\":\"{userId}\"}, {\"userIds\":\"{userIds}\"}, "
                    + "\"global\", \"admin\"]");
        } else if (ts.size() > MAX_TARGETS) {
            problem(path + ".targets", "at most " + MAX_TARGETS + " targets per route");
        } else {
            for (int i = 0; i < ts.size(); i++) {
                TargetSpec t = target(ts.get(i), path + ".targets[" + i + "]", scope, true);
                if (t != null) {
                    targets.add(t);
                }
            }
        }

        PayloadSpec payload = payload(node, path, scope);
        boolean inbox = bool(node, path, "inbox", false);
        if (inbox && !targets.isEmpty() && targets.stream().noneMatch(TargetSpec::canReachUsers)) {
            problem(path + ".inbox", "the inbox holds per-user notifications, but this route has no user or userIds target");
        }
        if (problems.size() > before || event == null || payload == null) {
            return null;
        }
        return new Route(id, kafka, redis, http, event, targets, payload, inbox);
    }

    /** What placeholders a route's templates may use. */
    private record Scope(int captures, boolean hasNonRedisSource) {
    }

    private String id(JsonNode node, String path, Set<String> ids) {
        JsonNode id = node.get("id");
        if (id == null) {
            return path;
        }
        if (!id.isTextual() || !NAME.matcher(id.asText()).matches()) {
            problem(path + ".id", "must be 1.." + MAX_NAME_CHARS + " letters, digits, '.', '_', ':' or '-'");
            return path;
        }
        if (!ids.add(id.asText())) {
            problem(path + ".id", "duplicate id '" + id.asText() + "'");
        }
        return id.asText();
    }

    private interface NameCheck {
        /** null if fine, else the problem. */
        String check(String name);
    }

    /** A string or an array of strings, each checked. */
    private List<String> names(JsonNode node, String path, String key, NameCheck check) {
        JsonNode v = node.get(key);
        if (v == null) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        if (v.isTextual()) {
            String bad = check.check(v.asText());
            if (bad != null) {
                problem(path + "." + key, bad);
            } else {
                out.add(v.asText());
            }
        } else if (v.isArray() && !v.isEmpty()) {
            for (int i = 0; i < v.size(); i++) {
                JsonNode e = v.get(i);
                String bad = e.isTextual() ? check.check(e.asText()) : "must be a string";
                if (bad != null) {
                    problem(path + "." + key + "[" + i + "]", bad);
                } else if (out.contains(e.asText())) {
                    problem(path + "." + key + "[" + i + "]", "'" + e.asText() + "' is listed twice");
                } else {
                    out.add(e.asText());
                }
            }
        } else {
            problem(path + "." + key, "must be a string or a non-empty array of strings");
        }
        return out;
    }

    private String kafkaTopic(String t) {
        if (!KAFKA_TOPIC.matcher(t).matches() || t.equals(".") || t.equals("..")) {
            return "'" + t + "' is not a valid Kafka topic (1..249 of letters, digits, '.', '_', '-'; "
                    + "Kafka sources are exact topic names, not patterns)";
        }
        return null;
    }

    private String redisPattern(String p) {
        if (p.isEmpty() || p.length() > MAX_PATTERN_CHARS) {
            return "a Redis channel pattern must be 1.." + MAX_PATTERN_CHARS + " characters";
        }
        for (int i = 0; i < p.length(); i++) {
            char c = p.charAt(i);
            if (Character.isWhitespace(c) || Character.isISOControl(c)) {
                return "Redis channel pattern '" + p + "' contains whitespace or control characters";
            }
        }
        RedisGlob glob;
        try {
            glob = RedisGlob.compile(p);
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
        String prefix = glob.literalPrefix();
        if (BUS_CHANNEL_PREFIX.startsWith(prefix) || prefix.startsWith(BUS_CHANNEL_PREFIX)) {
            return "Redis channel pattern '" + p + "' could match the cluster bus channels ('" + BUS_CHANNEL_PREFIX
                    + "...'); start it with a fixed prefix such as 'booking:*'";
        }
        return null;
    }

    private String httpSource(String s) {
        if (!HTTP_SOURCE.matcher(s).matches()) {
            return "'" + s + "' is not a valid HTTP source name (1.." + MAX_NAME_CHARS
                    + " letters, digits, '.', '_', '-'; used as POST /api/events/{source})";
        }
        return null;
    }

    private Template template(String text, String path, Scope scope) {
        Template t;
        try {
            t = Template.parse(text);
        } catch (IllegalArgumentException e) {
            problem(path, e.getMessage());
            return null;
        }
        if (t.maxCapture() > 0) {
            if (scope.hasNonRedisSource()) {
                problem(path, "{$" + t.maxCapture() + "} needs a Redis pattern source; this route also has "
                        + "Kafka or HTTP sources, which have no pattern captures");
                return null;
            }
            if (t.maxCapture() > scope.captures()) {
                problem(path, "{$" + t.maxCapture() + "} refers to '*' number " + t.maxCapture()
                        + " but the route's Redis pattern has " + (scope.captures() == 0 ? "none" : "only "
                        + scope.captures()));
                return null;
            }
        }
        return t;
    }

    private TargetSpec target(JsonNode node, String path, Scope scope, boolean topLevel) {
        if (node.isTextual()) {
            switch (node.asText()) {
                case "global":
                    return new TargetSpec(TargetSpec.Kind.GLOBAL, null, false, null);
                case "admin":
                    return new TargetSpec(TargetSpec.Kind.ADMIN, null, false, null);
                default:
                    problem(path, "unknown target '" + node.asText() + "': write \"global\", \"admin\" or an object "
                            + "like {\"room\":\"survey:{surveyId}\"}, {\"user\":\"{userId}\"}, {\"userIds\":\"{userIds}\"}");
                    return null;
            }
        }
        if (!node.isObject()) {
            problem(path, "a target must be an object like {\"room\":\"survey:{surveyId}\"} or the string "
                    + "\"global\" or \"admin\"");
            return null;
        }
        int before = problems.size();
        unknownKeys(node, path, TARGET_KEYS);
        List<String> kinds = new ArrayList<>();
        for (String k : TARGET_KINDS) {
            if (node.has(k)) {
                kinds.add(k);
            }
        }
        if (kinds.size() != 1) {
            problem(path, kinds.isEmpty()
                    ? "a target needs one of \"room\", \"user\", \"userIds\", \"global\", \"admin\""
                    : "a target has exactly one of \"room\", \"user\", \"userIds\", \"global\", \"admin\"; found " + kinds);
            return null;
        }
        String kind = kinds.get(0);
        String kpath = path + "." + kind;
        JsonNode v = node.get(kind);
        TargetSpec.Kind k;
        Template t = null;
        switch (kind) {
            case "room":
                k = TargetSpec.Kind.ROOM;
                if (!v.isTextual()) {
                    problem(kpath, "must be a room name or template like \"survey:{surveyId}\"");
                    return null;
                }
                t = template(v.asText(), kpath, scope);
                if (t != null && t.isLiteral()) {
                    ErrorInfo bad = RoomPolicy.validateRoomName(t.text());
                    if (bad != null) {
                        problem(kpath, bad.message());
                    }
                }
                break;
            case "user":
                k = TargetSpec.Kind.USER;
                if (!v.isTextual() || v.asText().isEmpty()) {
                    problem(kpath, "must be the field holding the user id, e.g. \"{buyerId}\" or \"buyerId\"");
                    return null;
                }
                t = template(fieldOrTemplate(v.asText()), kpath, scope);
                if (t != null && t.isLiteral()) {
                    problem(kpath, "must refer to a record field such as \"{userId}\"; to address a fixed user use "
                            + "{\"room\":\"user:<id>\"}");
                    t = null;
                }
                break;
            case "userIds":
                k = TargetSpec.Kind.USER_IDS;
                if (!v.isTextual() || v.asText().isEmpty()) {
                    problem(kpath, "must be the field holding an array of user ids, e.g. \"{userIds}\"");
                    return null;
                }
                t = template(fieldOrTemplate(v.asText()), kpath, scope);
                if (t != null && (t.soleRef() == null || !t.soleRef().isField())) {
                    problem(kpath, "must be exactly one record field such as \"{userIds}\" (an array of ids, or one id)");
                    t = null;
                }
                break;
            case "global":
            case "admin":
                k = kind.equals("global") ? TargetSpec.Kind.GLOBAL : TargetSpec.Kind.ADMIN;
                if (!v.isBoolean() || !v.asBoolean()) {
                    problem(kpath, "must be true (or write the target as the string \"" + kind + "\")");
                }
                break;
            default:
                throw new IllegalStateException(kind);
        }
        boolean optional = bool(node, path, "optional", false);
        if (optional && !topLevel) {
            problem(path + ".optional", "\"optional\" belongs on the top-level target, not inside \"orElse\"");
        }
        if (optional && node.has("orElse")) {
            problem(path + ".optional", "a target with \"orElse\" always falls back; \"optional\" would never apply");
        }
        TargetSpec orElse = null;
        if (node.has("orElse")) {
            if (k == TargetSpec.Kind.GLOBAL || k == TargetSpec.Kind.ADMIN) {
                problem(path + ".orElse", kind + " always resolves; \"orElse\" would never apply");
            } else {
                orElse = target(node.get("orElse"), path + ".orElse", scope, false);
            }
        }
        optionalText(node, path, "description");
        if (problems.size() > before) {
            return null;
        }
        return new TargetSpec(k, t, optional, orElse);
    }

    /** {@code "buyerId"} means the field {@code {buyerId}}; anything with braces is a template. */
    private static String fieldOrTemplate(String s) {
        return s.indexOf('{') >= 0 || s.indexOf('}') >= 0 ? s : "{" + s + "}";
    }

    private PayloadSpec payload(JsonNode node, String path, Scope scope) {
        int before = problems.size();
        String[] field = null;
        String fieldText = "record";
        JsonNode p = node.get("payload");
        if (p != null) {
            if (!p.isTextual() || p.asText().isEmpty()) {
                problem(path + ".payload", "must be \"record\" (the whole record) or \"field:<path>\" such as "
                        + "\"field:message\"");
            } else if (!p.asText().equals("record")) {
                fieldText = p.asText().startsWith("field:") ? p.asText().substring("field:".length()) : p.asText();
                try {
                    Template.Ref ref = Template.parse("{" + fieldText + "}").soleRef();
                    if (ref == null || !ref.isField()) {
                        throw new IllegalArgumentException("'" + fieldText + "' is not a field path");
                    }
                    field = ref.path();
                } catch (IllegalArgumentException e) {
                    problem(path + ".payload", "must be \"record\" or \"field:<path>\": " + e.getMessage());
                }
            }
        }
        Map<String, String> rename = new LinkedHashMap<>();
        JsonNode rn = node.get("rename");
        if (rn != null) {
            if (!rn.isObject()) {
                problem(path + ".rename", "must be an object of \"from\":\"to\" field names, e.g. {\"type\":\"updateType\"}");
            } else {
                for (Iterator<String> it = rn.fieldNames(); it.hasNext(); ) {
                    String from = it.next();
                    JsonNode to = rn.get(from);
                    if (from.isEmpty() || !to.isTextual() || to.asText().isEmpty()) {
                        problem(path + ".rename." + from, "must map a field name to a non-empty new name");
                    } else {
                        rename.put(from, to.asText());
                    }
                }
            }
        }
        List<String> omit = new ArrayList<>();
        JsonNode om = node.get("omit");
        if (om != null) {
            if (!om.isArray()) {
                problem(path + ".omit", "must be an array of field names");
            } else {
                for (int i = 0; i < om.size(); i++) {
                    if (!om.get(i).isTextual() || om.get(i).asText().isEmpty()) {
                        problem(path + ".omit[" + i + "]", "must be a field name");
                    } else {
                        omit.add(om.get(i).asText());
                    }
                }
            }
        }
        Template addType = null;
        boolean typeIsEvent = false;
        JsonNode at = node.get("addType");
        if (at != null) {
            if (at.isBoolean()) {
                typeIsEvent = at.asBoolean();
            } else if (at.isTextual() && !at.asText().isEmpty()) {
                addType = template(at.asText(), path + ".addType", scope);
            } else {
                problem(path + ".addType", "must be true (type = the event name) or a string such as \"order.created\"");
            }
        }
        PayloadSpec.Timestamp ts = PayloadSpec.Timestamp.NONE;
        JsonNode tn = node.get("addTimestamp");
        if (tn != null) {
            if (tn.isBoolean()) {
                ts = tn.asBoolean() ? PayloadSpec.Timestamp.ISO : PayloadSpec.Timestamp.NONE;
            } else if (tn.isTextual() && tn.asText().equals("iso")) {
                ts = PayloadSpec.Timestamp.ISO;
            } else if (tn.isTextual() && tn.asText().equals("millis")) {
                ts = PayloadSpec.Timestamp.MILLIS;
            } else {
                problem(path + ".addTimestamp", "must be true, false, \"iso\" (ISO-8601 UTC) or \"millis\" (epoch ms)");
            }
        }
        if (problems.size() > before) {
            return null;
        }
        return new PayloadSpec(field, fieldText, Map.copyOf(rename), List.copyOf(omit), addType, typeIsEvent, ts);
    }

    // ---------------------------------------------------------------- forward

    private ForwardRule forward(JsonNode node, String path, Set<String> ids) {
        if (!node.isObject()) {
            problem(path, "a forward rule must be an object like {\"emit\":\"chat:message\",\"topic\":\"chat.messages\","
                    + "\"key\":\"user\"}");
            return null;
        }
        int before = problems.size();
        unknownKeys(node, path, FORWARD_KEYS);
        optionalText(node, path, "description");
        String id = id(node, path, ids);
        boolean emit = node.has("emit");
        boolean lifecycle = node.has("lifecycle");
        boolean event = node.has("event");
        if ((emit ? 1 : 0) + (lifecycle ? 1 : 0) + (event ? 1 : 0) != 1) {
            problem(path, "a forward rule has exactly one of \"emit\" (client event names), \"lifecycle\" "
                    + "(connect, disconnect, join, leave) or \"event\" (server events such as match:completed)");
            return null;
        }
        List<String> names;
        if (emit || event) {
            names = names(node, path, emit ? "emit" : "event", n -> {
                String plain = n.endsWith("*") ? n.substring(0, n.length() - 1) : n;
                if (plain.isEmpty()) {
                    return "'*' alone would forward every emit; name the events (a trailing '*' matches a prefix)";
                }
                ErrorInfo bad = RoomPolicy.validateEventName(plain);
                return bad == null ? null : bad.message();
            });
        } else {
            names = names(node, path, "lifecycle", n -> LifecycleKind.fromWire(n) != null ? null
                    : "unknown lifecycle event '" + n + "' (connect, disconnect, join, leave)");
        }
        String topic = null;
        JsonNode tp = node.get("topic");
        if (tp == null || !tp.isTextual()) {
            problem(tp == null ? path : path + ".topic", "\"topic\" is required: the Kafka topic to produce to");
        } else {
            String bad = kafkaTopic(tp.asText());
            if (bad != null) {
                problem(path + ".topic", bad);
            } else {
                topic = tp.asText();
            }
        }
        // Server events have no user or session: keyed by a data field, or not at all.
        ForwardRule.KeyMode mode = event ? ForwardRule.KeyMode.NONE : ForwardRule.KeyMode.USER;
        Template keyField = null;
        JsonNode kn = node.get("key");
        if (kn != null) {
            String k = kn.isTextual() ? kn.asText() : "";
            switch (k) {
                case "user":
                case "session":
                    if (event) {
                        problem(path + ".key", "server events have no user or session; key by a data field such as "
                                + "\"{matchId}\", or \"none\"");
                    }
                    mode = k.equals("user") ? ForwardRule.KeyMode.USER : ForwardRule.KeyMode.SESSION;
                    break;
                case "none":
                    mode = ForwardRule.KeyMode.NONE;
                    break;
                case "room":
                    mode = ForwardRule.KeyMode.ROOM;
                    if (emit || event) {
                        problem(path + ".key", (emit ? "emits" : "server events") + " have no room; key by a data field "
                                + "such as \"{room}\" or \"{videoId}\"" + (emit ? ", or by \"user\"" : ""));
                    } else {
                        for (String n : names) {
                            if (!LifecycleKind.fromWire(n).hasRoom()) {
                                problem(path + ".key", "key \"room\" needs every lifecycle event to have a room, but '"
                                        + n + "' has none (only join and leave do)");
                                break;
                            }
                        }
                    }
                    break;
                default:
                    if (k.startsWith("{") && (emit || event)) {
                        keyField = template(k, path + ".key", new Scope(0, true));
                        if (keyField != null && (keyField.soleRef() == null || !keyField.soleRef().isField())) {
                            problem(path + ".key", "must be exactly one data field such as \"{videoId}\"");
                        }
                        mode = ForwardRule.KeyMode.FIELD;
                    } else {
                        problem(path + ".key", "must be \"user\", \"session\", \"room\" (join/leave), \"none\""
                                + (emit || event ? " or a data field such as \"{videoId}\"" : ""));
                    }
                    break;
            }
        }
        if (problems.size() > before || topic == null) {
            return null;
        }
        ForwardRule.Kind kind = emit ? ForwardRule.Kind.EMIT : event ? ForwardRule.Kind.EVENT : ForwardRule.Kind.LIFECYCLE;
        return new ForwardRule(id, kind, names, topic, mode, keyField);
    }

    // ---------------------------------------------------------------- helpers

    private void unknownKeys(JsonNode obj, String path, Set<String> known) {
        for (Iterator<String> it = obj.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!known.contains(k)) {
                String near = nearest(k, known);
                problem(path.isEmpty() ? k : path + "." + k, "unknown key '" + k + "'"
                        + (near != null ? " (did you mean '" + near + "'?)" : " (known: " + String.join(", ",
                        new java.util.TreeSet<>(known)) + ")"));
            }
        }
    }

    private void optionalText(JsonNode obj, String path, String key) {
        JsonNode v = obj.get(key);
        if (v != null && !v.isTextual()) {
            problem(path.isEmpty() ? key : path + "." + key, "must be a string");
        }
    }

    /** {@code writeDelayMs}: whole milliseconds from 0 to {@code LoopOutbox.MAX_WRITE_DELAY_MS}. */
    private Integer writeDelay(JsonNode settings, String path) {
        JsonNode v = settings.get("writeDelayMs");
        int max = dev.realtime.room.LoopOutbox.MAX_WRITE_DELAY_MS;
        if (!v.isIntegralNumber() || v.asLong() < 0 || v.asLong() > max) {
            problem(path + ".writeDelayMs", "must be a whole number of milliseconds from 0 to " + max);
            return null;
        }
        return v.asInt();
    }

    private boolean bool(JsonNode obj, String path, String key, boolean dflt) {
        JsonNode v = obj.get(key);
        if (v == null) {
            return dflt;
        }
        if (!v.isBoolean()) {
            problem(path + "." + key, "must be true or false");
            return dflt;
        }
        return v.asBoolean();
    }

    /**
     * The value of {@code key} if it is one of {@code allowed} (null when absent); anything else is a
     * problem naming the allowed values, with a "did you mean" for a near miss.
     */
    private String choice(JsonNode obj, String path, String key, List<String> allowed) {
        JsonNode v = obj.get(key);
        if (v == null) {
            return null;
        }
        if (v.isTextual() && allowed.contains(v.asText())) {
            return v.asText();
        }
        StringBuilder names = new StringBuilder();
        for (int i = 0; i < allowed.size(); i++) {
            names.append(i == 0 ? "" : i == allowed.size() - 1 ? " or " : ", ").append('"').append(allowed.get(i)).append('"');
        }
        String near = v.isTextual() ? nearest(v.asText(), new java.util.LinkedHashSet<>(allowed)) : null;
        problem(path + "." + key, "must be " + names + (near != null ? " (did you mean \"" + near + "\"?)" : "")
                + ", not " + v);
        return null;
    }

    /** The known key within edit distance 2 (case-insensitive), if any. */
    static String nearest(String key, Set<String> known) {
        String best = null;
        int bestD = 3;
        for (String k : known) {
            int d = distance(key.toLowerCase(java.util.Locale.ROOT), k.toLowerCase(java.util.Locale.ROOT));
            if (d < bestD) {
                bestD = d;
                best = k;
            }
        }
        return best;
    }

    /** Optimal string alignment distance: edits, with a swap of two neighbours counting as one. */
    private static int distance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }
}
