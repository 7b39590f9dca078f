package dev.realtime.ws;

import io.netty.channel.Channel;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The server's side of a WebSocket close without a reset. After its close frame the node
 * half-closes (FIN) and reads on, discarding, until the client closes too, or {@link #TIMEOUT_MS}
 * passes. Closing the socket at once while the client is still sending (a flood answered 4429,
 * frames pipelined behind a bad {@code auth}) leaves unread input in it, the kernel answers with a
 * reset, and the reset discards what the client had not read yet: the queued frames and the close
 * frame with its code (the client sees 1006).
 *
 * <p>Two bounds, because the close frame queues behind what the connection was sent before it: a
 * client on a slow link (or a busy machine) may need seconds to read that, and is not cut off for it
 * ({@link #FLUSH_TIMEOUT_MS}, which also bounds a client that never reads); once the close frame is
 * out, the client's own close is expected within {@link #TIMEOUT_MS}.
 */
public final class WsClose {
    /** How long the client has to close after our close frame is out. */
    static final long TIMEOUT_MS = 2_000;
    /** How long the close frame may wait behind the queued output before the socket is closed anyway. */
    static final long FLUSH_TIMEOUT_MS = 10_000;

    private WsClose() {
    }

    /**
     * Sends {@code code}/{@code reason}, then half-closes; the channel is closed {@link #TIMEOUT_MS}
     * after the frame is out, or {@link #FLUSH_TIMEOUT_MS} after this call if it never gets out. Its loop.
     */
    public static void send(Channel ch, int code, String reason) {
        send(ch, code, reason, FLUSH_TIMEOUT_MS, TIMEOUT_MS);
    }

    static void send(Channel ch, int code, String reason, long flushTimeoutMs, long timeoutMs) {
        // A peer that stops reading never lets the close frame out: not for longer than this.
        ScheduledFuture<?> stuck = ch.eventLoop().schedule(() -> {
            ch.close();
        }, flushTimeoutMs, TimeUnit.MILLISECONDS);
        ch.writeAndFlush(new CloseWebSocketFrame(code, reason)).addListener(f -> {
            stuck.cancel(false);
            if (f.isSuccess() && ch instanceof DuplexChannel duplex) {
                duplex.shutdownOutput();
                // A peer that never closes keeps the socket: not for longer than this.
                ch.eventLoop().schedule(() -> {
                    ch.close();
                }, timeoutMs, TimeUnit.MILLISECONDS);
            } else {
                ch.close();
            }
        });
    }
}
