package dev.realtime.config;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Typed, validating reads of environment variables. Collects every problem instead of stopping at
 * the first so that one startup attempt reports them all. Single-threaded, used once at startup.
 */
final class EnvReader {
    private final Map<String, String> env;
    private final List<String> problems = new ArrayList<>();
    /** Our name -> the seed name its value was read from, for messages about that value. */
    private final Map<String, String> aliasUsed = new java.util.HashMap<>();

    /**
     * The seed services' names for our variables (their READMEs' .env files), read when ours is
     * unset, so a seed's environment works as it is. Ours wins when both are set.
     */
    static final Map<String, List<String>> SEED_ALIASES = Map.of(
            "PORT", List.of("REALTIME_PORT"),
            "WS_ALLOWED_ORIGINS", List.of("ALLOWED_ORIGINS", "WS_CORS_ORIGIN", "CORS_ORIGIN"),
            "KAFKA_BROKERS", List.of("KAFKA_BROKER"),
            "KAFKA_CONSUMER_GROUP", List.of("KAFKA_GROUP_ID"),
            "RATE_LIMIT_WINDOW_MS", List.of("RATE_LIMIT_WINDOW"),
            "WS_PING_INTERVAL", List.of("HEARTBEAT_INTERVAL"));

    EnvReader(Map<String, String> env) {
        this.env = withSeedAliases(env);
    }

    private Map<String, String> withSeedAliases(Map<String, String> env) {
        Map<String, String> out = null;
        for (Map.Entry<String, List<String>> a : SEED_ALIASES.entrySet()) {
            String ours = env.get(a.getKey());
            if (ours != null && !ours.isBlank()) {
                continue;
            }
            for (String alias : a.getValue()) {
                String v = env.get(alias);
                if (v != null && !v.isBlank()) {
                    if (out == null) {
                        out = new java.util.HashMap<>(env);
                    }
                    out.put(a.getKey(), v);
                    aliasUsed.put(a.getKey(), alias);
                    break;
                }
            }
        }
        return out == null ? env : out;
    }

    List<String> problems() {
        return problems;
    }

    void problem(String message) {
        problems.add(message);
    }

    /** How a problem names variable {@code name}: the seed name it was read from, when it was. */
    String label(String name) {
        String alias = aliasUsed.get(name);
        return alias == null ? name : alias + " (read as " + name + ")";
    }

    /** The trimmed value, or {@code null} when unset or blank. */
    String raw(String name) {
        String v = env.get(name);
        if (v == null) {
            return null;
        }
        v = v.trim();
        return v.isEmpty() ? null : v;
    }

    String string(String name, String def) {
        String v = raw(name);
        return v == null ? def : v;
    }

    long number(String name, long def, long min, long max) {
        String v = raw(name);
        if (v == null) {
            return def;
        }
        try {
            long n = Long.parseLong(v.replace("_", ""));
            if (n < min || n > max) {
                problems.add(label(name) + "='" + v + "' must be between " + min + " and " + max);
                return def;
            }
            return n;
        } catch (NumberFormatException e) {
            problems.add(label(name) + "='" + v + "' is not an integer");
            return def;
        }
    }

    int integer(String name, int def, int min, int max) {
        return (int) number(name, def, min, max);
    }

    boolean bool(String name, boolean def) {
        String v = raw(name);
        if (v == null) {
            return def;
        }
        switch (v.toLowerCase(Locale.ROOT)) {
            case "true", "1", "yes", "on":
                return true;
            case "false", "0", "no", "off":
                return false;
            default:
                problems.add(label(name) + "='" + v + "' must be true or false");
                return def;
        }
    }

    List<String> list(String name) {
        String v = raw(name);
        if (v == null) {
            return List.of();
        }
        return Arrays.stream(v.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }

    <E extends Enum<E>> E choice(String name, Class<E> type, E def) {
        String v = raw(name);
        if (v == null) {
            return def;
        }
        try {
            return Enum.valueOf(type, v.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            problems.add(label(name) + "='" + v + "' must be one of " + Arrays.toString(type.getEnumConstants()).toLowerCase(Locale.ROOT));
            return def;
        }
    }
}
