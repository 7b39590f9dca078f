package dev.realtime.store;

/**
 * Hash tags for Redis keys. Redis Cluster hashes only the part of a key between the first
 * {@code '{'} and the next {@code '}'}, so every key a script or transaction touches together
 * carries the same tag: {@code rt:hist:{lobby}:meta} and {@code rt:hist:{lobby}:log} live in one
 * slot. Names are free-form (a user id may contain braces), so {@link #tag} escapes {@code '}'}
 * (and {@code '%'}, to stay injective): the tag always ends where the name does. The key prefix
 * must not contain braces (checked at startup in cluster mode). The same layout is used on a
 * single Redis, where tags change nothing.
 *
 * <p>Stateless.
 */
public final class RedisKeys {
    private RedisKeys() {
    }

    /** {@code {name}} with {@code %} and {@code }} escaped; an empty name gets the tag {@code {%}}. */
    public static String tag(String name) {
        if (name.isEmpty()) {
            return "{%}";
        }
        StringBuilder b = null;
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == '%' || c == '}') {
                if (b == null) {
                    b = new StringBuilder(name.length() + 8).append('{').append(name, 0, i);
                }
                b.append(c == '%' ? "%25" : "%7D");
            } else if (b != null) {
                b.append(c);
            }
        }
        return b == null ? "{" + name + "}" : b.append('}').toString();
    }
}
