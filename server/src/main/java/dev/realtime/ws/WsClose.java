package dev.realtime.ws;

import io.netty.channel.Channel;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import java.util.concurrent.TimeUnit;

/**
 * The server's side of a WebSocket close without a reset. After its close frame the node
 * half-closes (FIN) and reads on, discarding, until the client closes too, or {@code timeoutMs}
 * passes. Closing the socket at once while the client is still sending (a flood answered 4429,
 * frames pipelined behind a bad {@code auth}) leaves unread input in it, the kernel answers with a
 * reset, and the reset discards what the client had not read yet: the queued frames and the close
 * frame with its code (the client sees 1006).
 */
public final class WsClose {
    /** How long a close may take: the close frame out and the client's own close back. */
    static final long TIMEOUT_MS = 2_000;

    private WsClose() {
    }

    /** Sends {@code code}/{@code reason}, then half-closes; the channel is closed after {@link #TIMEOUT_MS} at the latest. Its loop. */
    public static void send(Channel ch, int code, String reason) {
        ch.writeAndFlush(new CloseWebSocketFrame(code, reason)).addListener(f -> {
            if (f.isSuccess() && ch instanceof DuplexChannel duplex) {
                duplex.shutdownOutput();
            } else {
                ch.close();
            }
        });
        // A peer that stops reading never lets the close frame out, one that never closes keeps the
        // socket: neither for longer than this.
        ch.eventLoop().schedule(() -> {
            ch.close();
        }, TIMEOUT_MS, TimeUnit.MILLISECONDS);
    }
}
