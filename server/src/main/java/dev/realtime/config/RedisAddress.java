package dev.realtime.config;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;

/**
 * Where Redis is: {@code REDIS_URL} ({@code redis://[:password@]host[:port]}; in cluster mode a
 * comma-separated list of seed nodes, e.g. {@code redis://10.0.0.1:6379,10.0.0.2:6379}, entries
 * after the first may omit {@code redis://}) or {@code REDIS_HOST}/{@code REDIS_PORT}/{@code REDIS_PASSWORD}
 * (the seeds' names). Neither set: no Redis, the node runs alone in memory.
 *
 * @param host  the first node's host, or {@code null} without Redis
 * @param port  the first node's port
 * @param nodes every listed node as {@code host:port} (one entry in standalone mode)
 */
record RedisAddress(String host, int port, String password, List<String> nodes) {
    private static final RedisAddress NONE = new RedisAddress(null, 0, null, List.of());

    static RedisAddress from(EnvReader r) {
        String url = r.raw("REDIS_URL");
        String password = r.raw("REDIS_PASSWORD");
        if (url != null) {
            List<String> nodes = new ArrayList<>();
            for (String entry : url.split(",")) {
                entry = entry.trim();
                if (entry.isEmpty()) {
                    continue;
                }
                try {
                    URI u = URI.create(entry.contains("://") ? entry : "redis://" + entry);
                    if (!"redis".equals(u.getScheme()) || u.getHost() == null) {
                        r.problem("REDIS_URL must look like redis://host:6379 (rediss is not supported): '" + redacted(entry) + "'");
                        return NONE;
                    }
                    if (u.getPort() > 65535) {
                        r.problem("REDIS_URL has a port out of range (1-65535): '" + redacted(entry) + "'");
                        return NONE;
                    }
                    String info = u.getUserInfo();
                    if (info != null && !info.isEmpty() && nodes.isEmpty()) {
                        password = info.contains(":") ? info.substring(info.indexOf(':') + 1) : info;
                    }
                    nodes.add(u.getHost() + ":" + (u.getPort() > 0 ? u.getPort() : 6379));
                } catch (IllegalArgumentException e) {
                    r.problem("REDIS_URL is not a valid URL: '" + redacted(entry) + "'");
                    return NONE;
                }
            }
            if (nodes.isEmpty()) {
                return NONE;
            }
            String first = nodes.get(0);
            int colon = first.lastIndexOf(':');
            return new RedisAddress(first.substring(0, colon), Integer.parseInt(first.substring(colon + 1)),
                    password == null || password.isEmpty() ? null : password, List.copyOf(nodes));
        }
        String host = r.raw("REDIS_HOST");
        int port = r.integer("REDIS_PORT", 6379, 1, 65535);
        if (host == null) {
            return NONE;
        }
        return new RedisAddress(host, port, password, List.of(host + ":" + port));
    }

    /** {@code entry} with any user info (a password) replaced, for error messages. */
    static String redacted(String entry) {
        int at = entry.lastIndexOf('@');
        if (at < 0) {
            return entry;
        }
        int scheme = entry.indexOf("://");
        int start = scheme >= 0 && scheme < at ? scheme + 3 : 0;
        return entry.substring(0, start) + "***" + entry.substring(at);
    }
}
