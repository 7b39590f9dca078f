package dev.realtime.config;

import java.net.URI;

/**
 * Where Redis is: {@code REDIS_URL} ({@code redis://[:password@]host[:port]}) or
 * {@code REDIS_HOST}/{@code REDIS_PORT}/{@code REDIS_PASSWORD} (the seeds' names). Neither set:
 * no Redis, the node runs alone in memory.
 */
record RedisAddress(String host, int port, String password) {

    static RedisAddress from(EnvReader r) {
        String url = r.raw("REDIS_URL");
        String password = r.raw("REDIS_PASSWORD");
        if (url != null) {
            try {
                URI u = URI.create(url);
                if (!"redis".equals(u.getScheme()) || u.getHost() == null) {
                    r.problem("REDIS_URL must look like redis://host:6379 (rediss is not supported)");
                    return new RedisAddress(null, 0, null);
                }
                String info = u.getUserInfo();
                if (info != null && !info.isEmpty()) {
                    password = info.contains(":") ? info.substring(info.indexOf(':') + 1) : info;
                }
                return new RedisAddress(u.getHost(), u.getPort() > 0 ? u.getPort() : 6379,
                        password == null || password.isEmpty() ? null : password);
            } catch (IllegalArgumentException e) {
                r.problem("REDIS_URL is not a valid URL");
                return new RedisAddress(null, 0, null);
            }
        }
        String host = r.raw("REDIS_HOST");
        int port = r.integer("REDIS_PORT", 6379, 1, 65535);
        return new RedisAddress(host, host == null ? 0 : port, host == null ? null : password);
    }
}
