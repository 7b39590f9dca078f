package dev.realtime.http;

import dev.realtime.metrics.GatewayMetrics;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.concurrent.ScheduledFuture;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The HTTP phase of one connection (from accept until it closes or becomes a WebSocket), against
 * slow clients:
 * <ul>
 *   <li>it counts against {@link Limit}, the node's cap on connections in the HTTP phase
 *       ({@code HTTP_MAX_CONNECTIONS}); beyond it a new connection gets 503 and is closed;</li>
 *   <li>each request head must arrive whole within {@code HTTP_HEADER_TIMEOUT_MS} of its first byte
 *       (of the accept, for the first request), else 408 and close. The read timeout alone resets on
 *       every byte, so a client trickling a header byte every few seconds would never be closed.
 *       Idle keep-alive connections between requests are left to {@code HTTP_IDLE_TIMEOUT_MS}.</li>
 * </ul>
 * Two handlers share the state: {@link #bytes()} before the HTTP codec sees raw reads (a new request
 * starts), {@link #heads()} after it sees decoded heads and request ends. The WebSocket upgrade
 * removes both, which releases the count.
 *
 * <p>Threading: one instance per channel, confined to its event loop; {@link Limit} is node-wide and
 * thread-safe.
 */
public final class HttpPhase {
    public static final String BYTES_HANDLER = "http-phase";
    public static final String HEADS_HANDLER = "http-heads";

    /** The node-wide count of connections in the HTTP phase. Thread-safe. */
    public static final class Limit {
        private final int max;
        private final AtomicInteger count = new AtomicInteger();

        public Limit(int max) {
            this.max = max;
        }

        boolean tryAcquire() {
            if (count.incrementAndGet() > max) {
                count.decrementAndGet();
                return false;
            }
            return true;
        }

        void release() {
            count.decrementAndGet();
        }

        public int current() {
            return count.get();
        }
    }

    private enum State { HEAD, BODY, IDLE }

    private final Limit limit;
    private final long headTimeoutMs;
    private final GatewayMetrics metrics;
    private State state = State.HEAD;
    private ScheduledFuture<?> deadline;
    private boolean counted;

    public HttpPhase(Limit limit, long headTimeoutMs, GatewayMetrics metrics) {
        this.limit = limit;
        this.headTimeoutMs = headTimeoutMs;
        this.metrics = metrics;
    }

    /** Goes before the HTTP codec. */
    public ChannelHandler bytes() {
        return new ChannelInboundHandlerAdapter() {
            @Override
            public void channelActive(ChannelHandlerContext ctx) {
                if (!limit.tryAcquire()) {
                    metrics.httpRefused.labels("too_many_http_connections").inc();
                    refuse(ctx, "503 Service Unavailable", 503, "too many connections waiting for a request");
                    return;
                }
                counted = true;
                arm(ctx);
                ctx.fireChannelActive();
            }

            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                if (state == State.IDLE && msg instanceof ByteBuf b && b.isReadable()) {
                    state = State.HEAD; // the first byte of the next request on a keep-alive connection
                    arm(ctx);
                }
                ctx.fireChannelRead(msg);
            }

            @Override
            public void channelInactive(ChannelHandlerContext ctx) {
                leave();
                ctx.fireChannelInactive();
            }

            @Override
            public void handlerRemoved(ChannelHandlerContext ctx) {
                leave(); // upgraded to a WebSocket: no longer in the HTTP phase
            }
        };
    }

    /** Goes after the HTTP codec. */
    public ChannelHandler heads() {
        return new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                if (msg instanceof HttpRequest) {
                    state = State.BODY;
                    disarm();
                }
                if (msg instanceof LastHttpContent) {
                    state = State.IDLE;
                }
                ctx.fireChannelRead(msg);
            }
        };
    }

    private void arm(ChannelHandlerContext ctx) {
        disarm();
        deadline = ctx.executor().schedule(() -> {
            if (state == State.HEAD && ctx.channel().isActive()) {
                metrics.httpRefused.labels("head_timeout").inc();
                refuse(ctx, "408 Request Timeout", 408, "request head not received within " + headTimeoutMs + " ms");
            }
        }, headTimeoutMs, TimeUnit.MILLISECONDS);
    }

    private void disarm() {
        if (deadline != null) {
            deadline.cancel(false);
            deadline = null;
        }
    }

    private void leave() {
        disarm();
        if (counted) {
            counted = false;
            limit.release();
        }
    }

    /**
     * Writes a whole response as raw bytes (this handler sits before the HTTP codec, and no request
     * may have been decoded) and closes.
     */
    private static void refuse(ChannelHandlerContext ctx, String statusLine, int code, String message) {
        byte[] body = ("{\"statusCode\":" + code + ",\"message\":\"" + message + "\",\"error\":\""
                + statusLine.substring(4) + "\"}").getBytes(StandardCharsets.UTF_8);
        byte[] head = ("HTTP/1.1 " + statusLine + "\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: "
                + body.length + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        ctx.writeAndFlush(Unpooled.wrappedBuffer(head, body)).addListener(ChannelFutureListener.CLOSE);
    }
}
