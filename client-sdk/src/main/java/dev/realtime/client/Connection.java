package dev.realtime.client;

import io.netty.channel.Channel;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * One connection attempt and, if it succeeds, the live connection: its channel, how far it got,
 * and why it ended. A new instance per attempt, so callbacks from an old channel are recognised and
 * ignored by identity.
 *
 * <p>Confined to the client's event loop (the channel is registered on that same loop, so its
 * handlers and listeners write these fields there too).
 */
final class Connection {
    /** Abnormal closure: the connection was lost without a close frame (RFC 6455). */
    static final int ABNORMAL = 1006;
    /** A close frame without a status code (RFC 6455). */
    static final int NO_STATUS = 1005;

    Channel channel;
    /** The WebSocket handshake completed. */
    boolean open;
    /** The server's {@code connected} message arrived. */
    boolean live;
    /** A close frame has been sent (by us first, or as the echo of the server's). */
    boolean closeSent;
    /** The end of this connection has been processed. */
    boolean ended;
    /** The close code of the close handshake (server's, or ours if we started it); 0 = none. */
    int closeCode;
    String closeReason = "";
    /** Why the attempt failed before or outside a close handshake (HTTP 401, connect refused...). */
    RealtimeException failure;
    /** The connect timeout (until {@code connected}), or the close-handshake timeout. */
    ScheduledFuture<?> timer;

    /** Records {@code error} (the first one wins) and drops the connection. */
    void fail(RealtimeException error) {
        if (failure == null) {
            failure = error;
        }
        if (channel != null) {
            channel.close();
        }
    }

    /**
     * Starts the close handshake with {@code code} if the WebSocket is open, and drops the connection
     * if the server has not answered within {@code timeoutMillis}; otherwise just drops it.
     */
    void close(int code, String reason, long timeoutMillis) {
        if (channel == null) {
            return;
        }
        if (open && !closeSent && channel.isActive()) {
            closeSent = true;
            closeCode = code;
            closeReason = reason;
            channel.writeAndFlush(new CloseWebSocketFrame(code, reason));
            Channel ch = channel;
            cancelTimer();
            timer = ch.eventLoop().schedule(() -> {
                ch.close();
            }, timeoutMillis, TimeUnit.MILLISECONDS);
        } else {
            channel.close();
        }
    }

    /**
     * The server said {@code connected}: stop the connect timer and start watching for a silent
     * connection. After {@code idleMillis} without any inbound frame the handler sends a WebSocket
     * ping; if another such period passes without anything, the connection is dropped (and retried):
     * this catches half-open TCP connections that would otherwise look alive forever.
     */
    void markLive(long serverPingIntervalMs) {
        live = true;
        cancelTimer();
        long interval = Math.max(1000, serverPingIntervalMs);
        long idleMillis = interval + Math.max(1000, interval / 5);
        if (channel.pipeline().get(WsClientHandler.NAME) != null) {
            channel.pipeline().addBefore(WsClientHandler.NAME, "rt-idle",
                    new IdleStateHandler(idleMillis, 0, 0, TimeUnit.MILLISECONDS));
        }
    }

    void cancelTimer() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    /** The close code to report: the handshake's, else 1006 if the WebSocket was open, else 0. */
    int reportedCloseCode() {
        return closeCode != 0 ? closeCode : open ? ABNORMAL : 0;
    }
}
