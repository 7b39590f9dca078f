package dev.realtime.ingest;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.NullNode;
import dev.realtime.protocol.ErrorInfo;
import dev.realtime.room.RoomPolicy;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The route table: which Kafka topics, Redis channel patterns and HTTP sources become which events
 * for which rooms and users, and which client emits and lifecycle events are forwarded to Kafka.
 * The file format is documented in docs/routes.md; {@link #bundledDefault()} reproduces every seed.
 *
 * <p>Immutable and thread-safe: build it once at startup ({@link #load}, {@link #loadFile},
 * {@link #bundledDefault()}; a bad file throws {@link RouteTableException} naming file, line, column
 * and field) and share it between the Kafka consumer, the Redis subscriber and the HTTP routes.
 * {@link #route} is a pure function of the record (plus the clock for added timestamps).
 */
public final class RouteTable {
    public static final int DEFAULT_MAX_RECORD_BYTES = 1024 * 1024;
    /** Most users one {@code userIds} target fans out to (same cap as the notify endpoint). */
    public static final int MAX_FANOUT = 10_000;
    /** The classpath resource of the bundled default. */
    public static final String BUNDLED_RESOURCE = "/routes/default-routes.json";
    static final int MAX_FILE_BYTES = 4 * 1024 * 1024;

    private static final ObjectMapper RECORDS = new ObjectMapper(JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(64).build())
            .build()).enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    /** Routes sharing one Redis pattern, in file order. */
    private record PatternGroup(RedisGlob glob, List<Route> routes) {
    }

    private final String origin;
    private final int maxRecordBytes;
    private final List<Route> routes;
    private final Map<String, List<Route>> kafka;
    private final Map<String, List<Route>> http;
    private final List<PatternGroup> redis;
    private final List<ForwardRule> forwards;
    private final Map<LifecycleKind, List<ForwardRule>> lifecycle;
    private final JsonNode policies;
    private final RoutedNames routedNames;
    private final dev.realtime.room.PrefixPolicies roomPolicies;

    private RouteTable(String origin, int maxRecordBytes, RouteTableLoader.Parsed parsed) {
        this.origin = origin;
        this.maxRecordBytes = maxRecordBytes;
        this.routes = List.copyOf(parsed.routes());
        Map<String, List<Route>> k = new LinkedHashMap<>();
        Map<String, List<Route>> h = new LinkedHashMap<>();
        Map<String, List<Route>> r = new LinkedHashMap<>();
        for (Route route : routes) {
            for (String t : route.kafka()) {
                k.computeIfAbsent(t, x -> new ArrayList<>()).add(route);
            }
            for (String s : route.http()) {
                h.computeIfAbsent(s, x -> new ArrayList<>()).add(route);
            }
            for (String p : route.redis()) {
                r.computeIfAbsent(p, x -> new ArrayList<>()).add(route);
            }
        }
        this.kafka = freeze(k);
        this.http = freeze(h);
        List<PatternGroup> groups = new ArrayList<>();
        r.forEach((p, list) -> groups.add(new PatternGroup(RedisGlob.compile(p), List.copyOf(list))));
        this.redis = List.copyOf(groups);
        this.forwards = List.copyOf(parsed.forwards());
        Map<LifecycleKind, List<ForwardRule>> lc = new EnumMap<>(LifecycleKind.class);
        for (LifecycleKind kind : LifecycleKind.values()) {
            List<ForwardRule> list = new ArrayList<>();
            for (ForwardRule f : forwards) {
                if (f.lifecycleKinds().contains(kind)) {
                    list.add(f);
                }
            }
            lc.put(kind, List.copyOf(list));
        }
        this.lifecycle = Collections.unmodifiableMap(lc);
        this.policies = parsed.policies() == null ? null : parsed.policies().deepCopy();
        this.routedNames = new RoutedNames(routes);
        this.roomPolicies = dev.realtime.room.PrefixPolicies.of(parsed.roomPolicies());
    }

    private static Map<String, List<Route>> freeze(Map<String, List<Route>> m) {
        Map<String, List<Route>> out = new LinkedHashMap<>();
        m.forEach((key, list) -> out.put(key, List.copyOf(list)));
        return Collections.unmodifiableMap(out);
    }

    // ---------------------------------------------------------------- loading

    /** Parses a route file's text; {@code origin} names it in error messages (e.g. the file name). */
    public static RouteTable load(String json, String origin) {
        return load(json, origin, DEFAULT_MAX_RECORD_BYTES);
    }

    /** As {@link #load(String, String)} with the largest record that {@link #parseRecord} accepts. */
    public static RouteTable load(String json, String origin, int maxRecordBytes) {
        if (maxRecordBytes < 1) {
            throw new IllegalArgumentException("maxRecordBytes must be positive");
        }
        return new RouteTable(origin, maxRecordBytes, RouteTableLoader.parse(json, origin));
    }

    public static RouteTable loadFile(Path file) {
        return loadFile(file, DEFAULT_MAX_RECORD_BYTES);
    }

    /** Reads a route file (UTF-8); an unreadable or invalid file throws {@link RouteTableException}. */
    public static RouteTable loadFile(Path file, int maxRecordBytes) {
        String origin = file.toString();
        try {
            if (Files.size(file) > MAX_FILE_BYTES) {
                throw new RouteTableException(origin, List.of(origin + ": larger than " + MAX_FILE_BYTES + " bytes"));
            }
            return load(Files.readString(file, StandardCharsets.UTF_8), origin, maxRecordBytes);
        } catch (IOException e) {
            throw new RouteTableException(origin, List.of(origin + ": cannot read the route file: " + e));
        }
    }

    public static RouteTable bundledDefault() {
        return bundledDefault(DEFAULT_MAX_RECORD_BYTES);
    }

    /** The bundled {@code routes/default-routes.json}: every seed's topics and channels. */
    public static RouteTable bundledDefault(int maxRecordBytes) {
        return load(bundledDefaultText(), "default-routes.json", maxRecordBytes);
    }

    /** The text of the bundled default (to copy and edit). */
    public static String bundledDefaultText() {
        try (InputStream in = RouteTable.class.getResourceAsStream(BUNDLED_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("bundled resource " + BUNDLED_RESOURCE + " is missing");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code ROUTES_FILE} when set (not blank), else the bundled default. */
    public static RouteTable fromConfig(String routesFile, int maxRecordBytes) {
        return routesFile == null || routesFile.isBlank() ? bundledDefault(maxRecordBytes)
                : loadFile(Path.of(routesFile), maxRecordBytes);
    }

    // ---------------------------------------------------------------- what to subscribe to

    /** Where the table came from (file path or {@code default-routes.json}). */
    public String origin() {
        return origin;
    }

    /** Records (Kafka values, Redis messages, HTTP bodies) larger than this are refused. */
    public int maxRecordBytes() {
        return maxRecordBytes;
    }

    /** Every Kafka topic a route consumes, in file order (subscribe to exactly these). */
    public Set<String> kafkaTopics() {
        return kafka.keySet();
    }

    /** Every Redis channel pattern a route consumes, in file order (PSUBSCRIBE to exactly these). */
    public List<String> redisPatterns() {
        List<String> out = new ArrayList<>(redis.size());
        for (PatternGroup g : redis) {
            out.add(g.glob().pattern());
        }
        return out;
    }

    /** Every source name {@code POST /api/events/{source}} accepts. */
    public Set<String> httpSources() {
        return http.keySet();
    }

    /**
     * The event names routes deliver that are fixed text (not templates): the server produces them,
     * so clients may not publish them (a viewer must not fake {@code video:comment} for a room).
     */
    public Set<String> serverEventNames() {
        Set<String> names = new java.util.TreeSet<>();
        for (Route r : routes) {
            if (r.event().isLiteral()) {
                names.add(r.event().text());
            }
        }
        return java.util.Collections.unmodifiableSet(names);
    }

    /**
     * Whether a route whose event name is a template ({@code {$source}}, {@code {$1}}, a field) can
     * deliver {@code event} to {@code room}: clients may not publish such an event there, so a room's
     * members can trust that it came from the server (see {@code RoutedNames}).
     */
    public boolean deliversTemplated(String room, String event) {
        return routedNames.canDeliver(room, event);
    }

    /**
     * The Redis patterns that could match channels starting with {@code busPrefix} (the cluster
     * bus's channels when {@code REDIS_KEY_PREFIX} is not the default {@code rt:}, which the loader
     * already refuses): the node refuses to start with any.
     */
    public List<String> redisPatternsOverlapping(String busPrefix) {
        List<String> out = new ArrayList<>();
        for (PatternGroup g : redis) {
            String literal = g.glob().literalPrefix();
            if (busPrefix.startsWith(literal) || literal.startsWith(busPrefix)) {
                out.add(g.glob().pattern());
            }
        }
        return out;
    }

    /** Every Kafka topic a forward rule produces to. */
    public Set<String> forwardTopics() {
        Set<String> out = new LinkedHashSet<>();
        for (ForwardRule f : forwards) {
            out.add(f.topic());
        }
        return Collections.unmodifiableSet(out);
    }

    public int routeCount() {
        return routes.size();
    }

    /** The raw {@code policies} section (per-room-prefix delivery policies), or null when absent. */
    public JsonNode policies() {
        return policies == null ? null : policies.deepCopy();
    }

    /** The {@code policies} section, validated, over the built-in defaults (e.g. {@code video:*} without presence events). */
    public dev.realtime.room.PrefixPolicies roomPolicies() {
        return roomPolicies;
    }

    /** One line per route and forward rule, for the startup log. */
    public List<String> describe() {
        List<String> out = new ArrayList<>();
        for (Route r : routes) {
            out.add(r.describe());
        }
        for (ForwardRule f : forwards) {
            out.add(f.toString());
        }
        return out;
    }

    // ---------------------------------------------------------------- records

    /** Parses a record of at most {@link #maxRecordBytes()} bytes: any JSON value, nesting at most 64 deep. */
    public JsonNode parseRecord(byte[] bytes) throws RecordException {
        return parseRecord(bytes, 0, bytes == null ? 0 : bytes.length);
    }

    public JsonNode parseRecord(byte[] bytes, int offset, int length) throws RecordException {
        if (bytes == null || length == 0) {
            throw new RecordException(RecordException.Reason.MALFORMED, "empty record");
        }
        if (length > maxRecordBytes) {
            throw new RecordException(RecordException.Reason.TOO_LARGE,
                    "record of " + length + " bytes is larger than " + maxRecordBytes);
        }
        try {
            JsonNode node = RECORDS.readTree(bytes, offset, length);
            if (node == null || node.isMissingNode()) {
                throw new RecordException(RecordException.Reason.MALFORMED, "empty record");
            }
            return node;
        } catch (IOException e) {
            String msg = e instanceof com.fasterxml.jackson.core.JsonProcessingException jpe ? jpe.getOriginalMessage()
                    : e.getMessage();
            int nl = msg == null ? -1 : msg.indexOf('\n');
            throw new RecordException(RecordException.Reason.MALFORMED, "not JSON: " + (nl > 0 ? msg.substring(0, nl) : msg));
        }
    }

    // ---------------------------------------------------------------- routing

    /**
     * Routes one record. {@code name} is the Kafka topic, the Redis channel (the most specific
     * matching pattern applies) or the HTTP source name.
     */
    public RouteResult route(SourceKind kind, String name, JsonNode record) {
        return route(kind, name, record, System.currentTimeMillis());
    }

    /** As {@link #route(SourceKind, String, JsonNode)} with the time used for added timestamps. */
    public RouteResult route(SourceKind kind, String name, JsonNode record, long nowMillis) {
        if (name == null) {
            return RouteResult.unmatched();
        }
        switch (kind) {
            case KAFKA:
                return routeWith(kafka.get(name), name, Template.Vars.NONE, record, nowMillis);
            case HTTP:
                return routeWith(http.get(name), name, Template.Vars.NONE, record, nowMillis);
            default:
                PatternGroup g = best(name);
                if (g == null) {
                    return RouteResult.unmatched();
                }
                return routeWith(g.routes(), name, g.glob().match(name), record, nowMillis);
        }
    }

    /**
     * Whether a Redis {@code pmessage} delivered for {@code pattern} should be routed. Redis delivers
     * a message once per matching pattern; only the most specific one is routed, so a channel matching
     * both {@code user:*} and {@code user:*:*} is handled once, by {@code user:*:*}.
     */
    public boolean ownsRedisMessage(String pattern, String channel) {
        PatternGroup g = best(channel);
        return g != null && g.glob().pattern().equals(pattern);
    }

    /** Routes a Redis {@code pmessage}; unmatched when {@code pattern} is not the channel's most specific one. */
    public RouteResult routeRedis(String pattern, String channel, JsonNode record) {
        return routeRedis(pattern, channel, record, System.currentTimeMillis());
    }

    public RouteResult routeRedis(String pattern, String channel, JsonNode record, long nowMillis) {
        PatternGroup g = channel == null ? null : best(channel);
        if (g == null || !g.glob().pattern().equals(pattern)) {
            return RouteResult.unmatched();
        }
        return routeWith(g.routes(), channel, g.glob().match(channel), record, nowMillis);
    }

    /** The most specific pattern group matching the channel (then fewer stars, then file order). */
    private PatternGroup best(String channel) {
        PatternGroup best = null;
        for (PatternGroup g : redis) {
            if (!g.glob().matches(channel)) {
                continue;
            }
            if (best == null || g.glob().specificity() > best.glob().specificity()
                    || g.glob().specificity() == best.glob().specificity() && g.glob().stars() < best.glob().stars()) {
                best = g;
            }
        }
        return best;
    }

    private RouteResult routeWith(List<Route> routes, String source, String[] captures, JsonNode record,
            long nowMillis) {
        if (routes == null) {
            return RouteResult.unmatched();
        }
        if (record == null) {
            record = NullNode.instance;
        }
        Template.Vars vars = new Template.Vars(source, captures);
        List<Delivery> out = new ArrayList<>();
        Skips skips = new Skips();
        for (Route r : routes) {
            StringBuilder why = new StringBuilder();
            String event = r.event().expand(record, vars, why);
            if (event != null) {
                ErrorInfo bad = RoomPolicy.validateEventName(event);
                if (bad != null) {
                    why.append("event name '").append(abbrev(event)).append("' is invalid: ").append(bad.message());
                    event = null;
                }
            } else {
                why.insert(0, "event: ");
            }
            JsonNode data = event == null ? null : r.payload().build(record, vars, event, nowMillis, why);
            if (data == null) {
                skips.add(r.targets().size(), r.id() + ": " + why);
                continue;
            }
            Set<String> rooms = new HashSet<>();
            List<Target> targets = new ArrayList<>();
            for (int i = 0; i < r.targets().size(); i++) {
                TargetSpec spec = r.targets().get(i);
                targets.clear();
                StringBuilder twhy = new StringBuilder();
                if (!resolve(spec, record, vars, targets, twhy, skips, r.id() + " targets[" + i + "]")) {
                    if (!spec.optional()) {
                        skips.add(1, r.id() + " targets[" + i + "]: " + twhy);
                    }
                    continue;
                }
                for (Target t : targets) {
                    if (rooms.add(t.room())) {
                        out.add(new Delivery(t, event, data, r.inbox() && t instanceof Target.User, r.id()));
                    }
                }
            }
        }
        return new RouteResult(out, skips.count, skips.reasons, true);
    }

    /** Skipped deliveries and the first few reasons. */
    private static final class Skips {
        int count;
        final List<String> reasons = new ArrayList<>();

        void add(int n, String reason) {
            count += n;
            if (reasons.size() < RouteResult.MAX_REASONS) {
                reasons.add(reason);
            }
        }
    }

    /**
     * Resolves one target (falling back to {@code orElse}); false when nothing resolves (reason in
     * {@code why}). Invalid entries of a {@code userIds} array are skipped and counted individually.
     */
    private boolean resolve(TargetSpec spec, JsonNode record, Template.Vars vars, List<Target> into, StringBuilder why,
            Skips skips, String where) {
        why.setLength(0);
        boolean ok = resolveOne(spec, record, vars, into, why, skips, where);
        if (!ok && spec.orElse() != null) {
            return resolve(spec.orElse(), record, vars, into, why, skips, where);
        }
        return ok;
    }

    private boolean resolveOne(TargetSpec spec, JsonNode record, Template.Vars vars, List<Target> into,
            StringBuilder why, Skips skips, String where) {
        switch (spec.kind()) {
            case GLOBAL:
                into.add(Target.GLOBAL);
                return true;
            case ADMIN:
                into.add(Target.ADMIN);
                return true;
            case ROOM: {
                String room = spec.template().expand(record, vars, why);
                if (room == null) {
                    return false;
                }
                ErrorInfo bad = RoomPolicy.validateRoomName(room);
                if (bad != null) {
                    why.append("room '").append(abbrev(room)).append("' is invalid: ").append(bad.message());
                    return false;
                }
                into.add(new Target.Room(room));
                return true;
            }
            case USER: {
                String user = spec.template().expand(record, vars, why);
                if (user == null || !validUser(user, why)) {
                    return false;
                }
                into.add(new Target.User(user));
                return true;
            }
            default:
                return resolveUserIds(spec, record, into, why, skips, where);
        }
    }

    private boolean resolveUserIds(TargetSpec spec, JsonNode record, List<Target> into, StringBuilder why,
            Skips skips, String where) {
        Template.Ref ref = spec.template().soleRef();
        JsonNode v = Template.resolve(ref.path(), record);
        if (v != null && v.isArray()) {
            if (v.isEmpty()) {
                why.append("field '").append(ref.text()).append("' is an empty array");
                return false;
            }
            if (v.size() > MAX_FANOUT) {
                why.append("field '").append(ref.text()).append("' has ").append(v.size())
                        .append(" user ids, more than ").append(MAX_FANOUT);
                return false;
            }
            Set<String> seen = new HashSet<>();
            int before = into.size();
            for (int i = 0; i < v.size(); i++) {
                StringBuilder ewhy = new StringBuilder();
                String user = Template.scalarText(v.get(i), ref.text() + "[" + i + "]", ewhy);
                if (user == null || !validUser(user, ewhy)) {
                    skips.add(1, where + ": " + ewhy);
                } else if (seen.add(user)) {
                    into.add(new Target.User(user));
                }
            }
            if (into.size() == before) {
                why.append("no valid user id in '").append(ref.text()).append("'");
                return false;
            }
            return true;
        }
        String user = Template.scalarText(v, ref.text(), why);
        if (user == null || !validUser(user, why)) {
            return false;
        }
        into.add(new Target.User(user));
        return true;
    }

    private static boolean validUser(String user, StringBuilder why) {
        ErrorInfo bad = RoomPolicy.validateRoomName(RoomPolicy.userRoom(user));
        if (bad != null) {
            why.append("user id '").append(abbrev(user)).append("' is invalid: ").append(bad.message());
            return false;
        }
        return true;
    }

    private static String abbrev(String s) {
        return s.length() <= 60 ? s : s.substring(0, 57) + "...";
    }

    // ---------------------------------------------------------------- forwarding

    /** Every forward rule, in file order. */
    public List<ForwardRule> forwardRules() {
        return forwards;
    }

    /** The rules forwarding the client emit {@code event} (usually none: check is a short list scan). */
    public List<ForwardRule> forwardsForEmit(String event) {
        return forwardsWhere(f -> f.matchesEmit(event));
    }

    /** The rules forwarding the server event {@code event} (e.g. {@code match:completed}). */
    public List<ForwardRule> forwardsForEvent(String event) {
        return forwardsWhere(f -> f.matchesEvent(event));
    }

    private List<ForwardRule> forwardsWhere(java.util.function.Predicate<ForwardRule> matches) {
        List<ForwardRule> out = null;
        for (ForwardRule f : forwards) {
            if (matches.test(f)) {
                if (out == null) {
                    out = new ArrayList<>(2);
                }
                out.add(f);
            }
        }
        return out == null ? List.of() : List.copyOf(out);
    }

    public List<ForwardRule> forwardsForLifecycle(LifecycleKind kind) {
        return lifecycle.get(kind);
    }

    /** By wire name ({@code connect}, {@code disconnect}, {@code join}, {@code leave}); unknown: none. */
    public List<ForwardRule> forwardsForLifecycle(String kind) {
        LifecycleKind k = LifecycleKind.fromWire(kind);
        return k == null ? List.of() : lifecycle.get(k);
    }

    /** Whether any emit rule exists (lets the emit path skip the lookup entirely). */
    public boolean forwardsEmits() {
        for (ForwardRule f : forwards) {
            if (f.kind() == ForwardRule.Kind.EMIT) {
                return true;
            }
        }
        return false;
    }

    @Override
    public String toString() {
        return "RouteTable[" + origin + ": " + routes.size() + " routes, kafka " + kafka.keySet() + ", redis "
                + redisPatterns() + ", http " + http.keySet() + ", " + forwards.size() + " forward rules]";
    }
}
