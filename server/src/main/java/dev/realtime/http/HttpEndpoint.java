package dev.realtime.http;

import io.netty.handler.codec.http.HttpMethod;

/**
 * Every HTTP route the node serves, with what it needs: its method, whether it needs the
 * {@code internal-api-key} header, and whether it takes a request body. {@link HttpRouter} dispatches
 * on it (a switch the compiler holds exhaustive), {@link HttpBodyGate} uses it to refuse a body before
 * reading it, and the OpenAPI document is tested against it. Immutable.
 */
public enum HttpEndpoint {
    ROOT("GET", "/", "root", false, false),
    HEALTH("GET", "/health", "health", false, false),
    LIVE("GET", "/health/live", "live", false, false),
    READY("GET", "/health/ready", "ready", false, false),
    METRICS("GET", "/metrics", "metrics", false, false),
    OPENAPI("GET", "/api/openapi.json", "openapi", false, false),
    STATS("GET", "/api/stats", "stats", true, false),
    NOTIFY("POST", "/api/realtime/internal/notify", "notify", true, true),
    BROADCAST_ROOM("POST", "/api/broadcast/room", "broadcast", true, true),
    BROADCAST_USER("POST", "/api/broadcast/user", "broadcast", true, true),
    BROADCAST_GLOBAL("POST", "/api/broadcast/global", "broadcast", true, true),
    /** Seed 003's own routes: its HTTP event sources {@code survey-response} and {@code location} under their old names. */
    BROADCAST_SURVEY_RESPONSE("POST", "/api/broadcast/survey-response", "events", true, true),
    BROADCAST_LOCATION("POST", "/api/broadcast/location", "events", true, true),
    /** {@code POST /api/events/{source}}: matched by prefix. */
    EVENTS("POST", EventRoutes.PREFIX + "{source}", "events", true, true),
    /** The WebSocket upgrade; its path is {@code WS_PATH}. */
    WEBSOCKET("GET", "/ws", "ws", false, false);

    private final HttpMethod method;
    private final String path;
    private final String metricName;
    private final boolean apiKey;
    private final boolean body;

    HttpEndpoint(String method, String path, String metricName, boolean apiKey, boolean body) {
        this.method = HttpMethod.valueOf(method);
        this.path = path;
        this.metricName = metricName;
        this.apiKey = apiKey;
        this.body = body;
    }

    /**
     * The decoded path of a request's {@code uri}, or null when it cannot be decoded (a bad
     * percent-escape such as {@code /health%zz}): the caller answers 400, as for any malformed request.
     */
    public static String decodedPath(io.netty.handler.codec.http.QueryStringDecoder uri) {
        try {
            return uri.path();
        } catch (IllegalArgumentException malformed) {
            return null;
        }
    }

    /** The endpoint serving {@code path}, or null (404). {@code wsPath} is the configured {@code WS_PATH}. */
    public static HttpEndpoint match(String path, String wsPath) {
        if (path.equals(wsPath)) {
            return WEBSOCKET;
        }
        if (path.startsWith(EventRoutes.PREFIX) && path.length() > EventRoutes.PREFIX.length()) {
            return EVENTS;
        }
        for (HttpEndpoint e : values()) {
            if (e != EVENTS && e != WEBSOCKET && e.path.equals(path)) {
                return e;
            }
        }
        return null;
    }

    /** The {@code Allow} header of a 405 here. */
    public String allowHeader() {
        return method.equals(HttpMethod.GET) && this != WEBSOCKET ? "GET, HEAD" : method.name();
    }

    /** Whether {@code m} may be used here (HEAD wherever GET is, except for the WebSocket upgrade). */
    public boolean allows(HttpMethod m) {
        return method.equals(m) || method.equals(HttpMethod.GET) && m.equals(HttpMethod.HEAD) && this != WEBSOCKET;
    }

    public HttpMethod method() {
        return method;
    }

    /** The path, OpenAPI style ({@code /api/events/{source}}; the WebSocket path is its default). */
    public String path() {
        return path;
    }

    /** The {@code route} label of {@code realtime_http_requests_total}. */
    public String metricName() {
        return metricName;
    }

    /** Whether the {@code internal-api-key} header is required. */
    public boolean needsApiKey() {
        return apiKey;
    }

    /** Whether the route reads a request body. */
    public boolean takesBody() {
        return body;
    }
}
