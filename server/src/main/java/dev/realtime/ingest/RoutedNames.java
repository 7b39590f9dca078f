package dev.realtime.ingest;

import dev.realtime.room.RoomPolicy;
import java.util.ArrayList;
import java.util.List;
import java.util.StringJoiner;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which (room, event name) pairs the route table can deliver, so that clients cannot publish an
 * event into a room that the server could have sent there: a viewer in {@code event:42} must not fake
 * {@code ticket:availability_updated}, which route {@code seed002-ticket} produces from the Redis
 * channel name ({@code {$source}} of {@code ticket:*}).
 *
 * <p>Each route whose event name is a template contributes one rule: the set of names its template
 * can expand to ({@code {$source}} is the route's topics, HTTP sources and Redis patterns; any other
 * placeholder is any text) times the rooms its targets can address (room templates the same way, a
 * user target {@code user:...}, {@code userIds} any {@code user:} room, {@code global}, {@code admin},
 * fallbacks included). Routes with a fixed event name are not here: those names are refused in every
 * room ({@link RouteTable#serverEventNames()}).
 *
 * <p>Immutable and thread-safe; {@link #canDeliver} runs on event loops for each client publish,
 * with {@link Matcher}s kept per thread (a new one per rule and publish was the largest allocation
 * of a publish).
 */
final class RoutedNames {
    /** One templated route: the event names it can produce, and the rooms it can deliver them to. */
    private record Rule(Pattern events, Pattern rooms) {
    }

    private final List<Rule> rules;
    /** Per thread: each rule's event and room matchers, reset for each check. */
    private final ThreadLocal<Matcher[]> matchers = ThreadLocal.withInitial(this::newMatchers);

    RoutedNames(List<Route> routes) {
        List<Rule> out = new ArrayList<>();
        for (Route r : routes) {
            if (r.event().isLiteral()) {
                continue;
            }
            String source = sourceRegex(r);
            StringJoiner rooms = new StringJoiner("|");
            for (TargetSpec t : r.targets()) {
                for (TargetSpec s = t; s != null; s = s.orElse()) {
                    rooms.add(roomRegex(s, source));
                }
            }
            String eventRegex = r.event().regex(source);
            out.add(new Rule(Pattern.compile(eventRegex, Pattern.DOTALL), Pattern.compile(rooms.toString(), Pattern.DOTALL)));
        }
        this.rules = List.copyOf(out);
    }

    /** Whether some route can deliver {@code event} to {@code room}. */
    boolean canDeliver(String room, String event) {
        if (rules.isEmpty()) {
            return false;
        }
        Matcher[] m = matchers.get();
        for (int i = 0, n = rules.size(); i < n; i++) {
            if (m[2 * i].reset(event).matches() && m[2 * i + 1].reset(room).matches()) {
                return true;
            }
        }
        return false;
    }

    private Matcher[] newMatchers() {
        Matcher[] m = new Matcher[2 * rules.size()];
        for (int i = 0; i < rules.size(); i++) {
            m[2 * i] = rules.get(i).events().matcher("");
            m[2 * i + 1] = rules.get(i).rooms().matcher("");
        }
        return m;
    }

    /** What {@code {$source}} can be for this route: its topics, HTTP sources and Redis patterns. */
    private static String sourceRegex(Route r) {
        StringJoiner out = new StringJoiner("|");
        for (String topic : r.kafka()) {
            out.add(Pattern.quote(topic));
        }
        for (String http : r.http()) {
            out.add(Pattern.quote(http));
        }
        for (String pattern : r.redis()) {
            out.add(RedisGlob.compile(pattern).regex());
        }
        return out.length() == 0 ? "(?!)" : out.toString();
    }

    private static String roomRegex(TargetSpec t, String source) {
        return switch (t.kind()) {
            case ROOM -> "(?:" + t.template().regex(source) + ")";
            case USER -> Pattern.quote(RoomPolicy.USER_PREFIX) + "(?:" + t.template().regex(source) + ")";
            case USER_IDS -> Pattern.quote(RoomPolicy.USER_PREFIX) + ".+";
            case GLOBAL -> Pattern.quote(RoomPolicy.GLOBAL);
            case ADMIN -> Pattern.quote("admin");
        };
    }
}
