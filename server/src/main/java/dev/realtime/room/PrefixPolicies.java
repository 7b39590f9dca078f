package dev.realtime.room;

import dev.realtime.config.GatewayConfig.SlowConsumerPolicy;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Per-room settings chosen by room name or prefix: the route table's {@code policies} section
 * (see docs/routes.md) over built-in defaults. A key is a room name ({@code lobby}), a prefix ending
 * in {@code *} ({@code video:*}) or {@code *} alone (every room); the most specific key that matches
 * and sets a value wins (an exact name before any prefix, then the longest prefix), so a file can
 * override a default for one room without repeating the rest.
 *
 * <p>Settings: {@code presenceEvents} (whether {@code room:user_joined}/{@code room:user_left} are
 * sent), {@code clientPublish} (whether clients may {@code publish} into the room, or only talk
 * through the server's emits) and {@code writeDelayMs} (how long the room's deliveries may wait so
 * that several reach a connection in one write, 0 to {@link LoopOutbox#MAX_WRITE_DELAY_MS}; 0 by
 * default). Built in: {@code video:*} has both off, because a video room holds a
 * whole audience; {@code chat:*} takes no client publishes, so every chat message goes through
 * {@code chat:message} (its server id, length limit, word filter and rate limit).
 *
 * <p>Delivery settings: {@code delivery} ({@link DeliveryMode}: {@code stream}, the default, keeps
 * every event in the history; {@code latest} only the newest of each event name; {@code volatile}
 * none) and {@code slowConsumer} (what a connection too slow to take the room's events gets:
 * {@code drop} or {@code disconnect}; default the node's {@code SLOW_CONSUMER_POLICY}; a volatile
 * room always drops). Immutable and thread-safe.
 */
public final class PrefixPolicies {

    /**
     * One key's settings; a {@code null} value leaves the setting to less specific keys.
     *
     * @param pattern room name, {@code prefix*} or {@code *}
     */
    public record Policy(String pattern, Boolean presenceEvents, Boolean clientPublish, DeliveryMode delivery,
                         SlowConsumerPolicy slowConsumer, Integer writeDelayMs) {
        /** A policy that leaves the delivery settings and the write delay to less specific keys. */
        public Policy(String pattern, Boolean presenceEvents, Boolean clientPublish) {
            this(pattern, presenceEvents, clientPublish, null, null, null);
        }

        /** A policy that leaves the write delay to less specific keys. */
        public Policy(String pattern, Boolean presenceEvents, Boolean clientPublish, DeliveryMode delivery,
                      SlowConsumerPolicy slowConsumer) {
            this(pattern, presenceEvents, clientPublish, delivery, slowConsumer, null);
        }

        boolean matches(String room) {
            int n = pattern.length() - 1;
            return n >= 0 && pattern.charAt(n) == '*' ? room.regionMatches(0, pattern, 0, n) : pattern.equals(room);
        }

        /** Exact names first, then longer prefixes. */
        int specificity() {
            return pattern.endsWith("*") ? pattern.length() - 1 : Integer.MAX_VALUE;
        }
    }

    /** Built-in defaults (a file's entry for the same key replaces it). */
    public static final List<Policy> DEFAULTS = List.of(new Policy("video:*", false, false),
            new Policy("chat:*", null, false));

    /** Only the built-in defaults. */
    public static final PrefixPolicies BUILT_IN = of(List.of());

    private final List<Policy> bySpecificity;

    private PrefixPolicies(List<Policy> bySpecificity) {
        this.bySpecificity = bySpecificity;
    }

    /** The built-in defaults with {@code configured} on top (a configured key replaces a default one). */
    public static PrefixPolicies of(List<Policy> configured) {
        Map<String, Policy> all = new LinkedHashMap<>();
        DEFAULTS.forEach(p -> all.put(p.pattern(), p));
        configured.forEach(p -> all.put(p.pattern(), p));
        List<Policy> sorted = new ArrayList<>(all.values());
        sorted.sort(Comparator.comparingInt(Policy::specificity).reversed());
        return new PrefixPolicies(List.copyOf(sorted));
    }

    /** Whether {@code room} sends {@code room:user_joined}/{@code room:user_left} (default: yes). */
    public boolean presenceEvents(String room) {
        for (Policy p : bySpecificity) {
            if (p.presenceEvents() != null && p.matches(room)) {
                return p.presenceEvents();
            }
        }
        return true;
    }

    /** Whether clients may {@code publish} into {@code room} (default: yes). */
    public boolean clientPublish(String room) {
        for (Policy p : bySpecificity) {
            if (p.clientPublish() != null && p.matches(room)) {
                return p.clientPublish();
            }
        }
        return true;
    }

    /**
     * How many milliseconds {@code room}'s deliveries may wait to be coalesced with others to the
     * same connection (default 0: written at the end of the event loop's tick).
     */
    public int writeDelayMs(String room) {
        for (Policy p : bySpecificity) {
            if (p.writeDelayMs() != null && p.matches(room)) {
                return p.writeDelayMs();
            }
        }
        return 0;
    }

    /** What {@code room} keeps of its events (default {@link DeliveryMode#STREAM}). */
    public DeliveryMode delivery(String room) {
        for (Policy p : bySpecificity) {
            if (p.delivery() != null && p.matches(room)) {
                return p.delivery();
            }
        }
        return DeliveryMode.STREAM;
    }

    /**
     * What a slow consumer of {@code room}'s deliveries gets: {@code DROP} in a volatile room, else
     * the most specific {@code slowConsumer} setting, else null (the node's {@code SLOW_CONSUMER_POLICY}).
     */
    public SlowConsumerPolicy slowConsumer(String room) {
        if (delivery(room) == DeliveryMode.VOLATILE) {
            return SlowConsumerPolicy.DROP;
        }
        for (Policy p : bySpecificity) {
            if (p.slowConsumer() != null && p.matches(room)) {
                return p.slowConsumer();
            }
        }
        return null;
    }

    /** Every key, most specific first (for logs and tests). */
    public List<Policy> policies() {
        return bySpecificity;
    }
}
