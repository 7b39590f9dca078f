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

    EnvReader(Map<String, String> env) {
        this.env = env;
    }

    List<String> problems() {
        return problems;
    }

    void problem(String message) {
        problems.add(message);
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
                problems.add(name + "='" + v + "' must be between " + min + " and " + max);
                return def;
            }
            return n;
        } catch (NumberFormatException e) {
            problems.add(name + "='" + v + "' is not an integer");
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
                problems.add(name + "='" + v + "' must be true or false");
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
            problems.add(name + "='" + v + "' must be one of " + Arrays.toString(type.getEnumConstants()).toLowerCase(Locale.ROOT));
            return def;
        }
    }
}
