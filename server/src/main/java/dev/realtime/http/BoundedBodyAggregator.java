package dev.realtime.http;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;

/**
 * {@link HttpObjectAggregator} with a hard body limit that answers an oversize request with a
 * 413 JSON body (same shape as every other error) and closes the connection, instead of the
 * default plain-text answer. One instance per channel.
 */
public final class BoundedBodyAggregator extends HttpObjectAggregator {
    private final int maxBytes;

    public BoundedBodyAggregator(int maxBytes) {
        super(maxBytes, true); // an expectation refused (413 before the body) closes the connection
        this.maxBytes = maxBytes;
    }

    @Override
    protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
        ctx.writeAndFlush(tooLarge()).addListener(ChannelFutureListener.CLOSE);
    }

    /**
     * A request with {@code Expect: 100-continue} (curl sends it for bodies over 1 KB) whose declared
     * length is over the limit is refused before its body is sent: with the same JSON 413, not
     * Netty's empty one. The body that may follow is ignored and the connection closed after it.
     */
    @Override
    protected Object newContinueResponse(HttpMessage start, int maxContentLength, io.netty.channel.ChannelPipeline pipeline) {
        Object answer = super.newContinueResponse(start, maxContentLength, pipeline);
        if (answer instanceof FullHttpResponse r && r.status().equals(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE)) {
            r.release();
            return tooLarge();
        }
        return answer;
    }

    private FullHttpResponse tooLarge() {
        byte[] body = ("{\"statusCode\":413,\"message\":\"request body larger than " + maxBytes
                + " bytes\",\"error\":\"Payload Too Large\"}").getBytes(StandardCharsets.UTF_8);
        FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, Unpooled.wrappedBuffer(body));
        res.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json; charset=utf-8");
        res.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
        res.headers().set(HttpHeaderNames.CONNECTION, "close");
        return res;
    }
}
