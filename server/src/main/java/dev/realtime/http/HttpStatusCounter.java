package dev.realtime.http;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.prometheus.client.Counter;
import java.util.ArrayDeque;
import java.util.function.Predicate;

/**
 * Counts {@code realtime_http_requests_total{route,status}} with the status each answer really
 * had, whichever handler wrote it (the body gate, the router, a feature answering later, Socket.IO
 * polling): the route is named when a request head comes in, and HTTP/1.1 answers leave in request
 * order, so the oldest route waiting belongs to the next answer. Informational answers (100
 * Continue, 101) are not counted; the handler leaves the pipeline when a connection upgrades.
 *
 * <p>Threading: one per connection, used on its event loop only.
 */
public final class HttpStatusCounter extends ChannelDuplexHandler {
    public static final String NAME = "http-status";

    private final Counter requests;
    private final String wsPath;
    private final Predicate<String> socketIoPaths;
    private final ArrayDeque<String> waiting = new ArrayDeque<>(2);

    public HttpStatusCounter(Counter requests, String wsPath, Predicate<String> socketIoPaths) {
        this.requests = requests;
        this.wsPath = wsPath;
        this.socketIoPaths = socketIoPaths;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest req) {
            waiting.add(route(req));
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof HttpResponse res && res.status().code() >= 200) {
            String route = waiting.poll();
            requests.labels(route != null ? route : "none", Integer.toString(res.status().code())).inc();
        }
        ctx.write(msg, promise);
    }

    /** The {@code route} label of a request: its endpoint's metric name, {@code socketio}, {@code not_found} or {@code invalid}. */
    private String route(HttpRequest req) {
        if (!req.decoderResult().isSuccess()) {
            return "invalid";
        }
        String path = HttpEndpoint.decodedPath(new QueryStringDecoder(req.uri()));
        if (path == null) {
            return "invalid";
        }
        if (socketIoPaths.test(path)) {
            return "socketio";
        }
        HttpEndpoint endpoint = HttpEndpoint.match(path, wsPath);
        return endpoint == null ? "not_found" : endpoint.metricName();
    }
}
