package dev.realtime.loadtest;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshakeException;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * One simulated client: waits for the session, joins its rooms, then times every probe event it
 * receives and detects duplicates per room (events of one room arrive in order, so a sequence
 * number not above the last one seen is a duplicate).
 *
 * <p>Frames arrive from the {@link RawWebSocket} in front of it as bytes ({@link #frame}); the path
 * of a probe event allocates nothing, so the harness does not pause under load.
 *
 * <p>Threading: all fields are confined to the channel's event loop, except {@link #ready}.
 * Scenarios with other behaviour (the quiz's players) extend it.
 */
class LoadConnection extends SimpleChannelInboundHandler<WebSocketFrame>
        implements ProtocolAdapter.InboundSink, RawWebSocket.Sink {
    final int index;
    /** Index of the node (in {@code --url}'s list) this connection goes to. */
    final int node;
    final CompletableFuture<LoadConnection> ready = new CompletableFuture<>();
    private final List<String> rooms;
    private final int homeRoom;
    private final ProtocolAdapter adapter;
    private final Stats stats;
    private final Run run;
    private final long startNanos;
    private final Probe probe = Probe.create();
    private long homeLastSeq = -1;
    /** Last sequence seen per room index, for a connection in several rooms (publishers); lazily sized. */
    private long[] otherLastSeq;
    private int pendingJoins;
    private Channel channel;

    /** Shared run-wide facts a connection needs. */
    interface Run {
        /** Deliveries of messages intended before this time are warm-up (not timed). */
        long measureFromNanos();

        /** The node whose member publishes to {@code room} (latency is split same node / cross node). */
        default int publisherNode(int room) {
            return 0;
        }

        /** When {@code --kill-pid} was killed ({@code System.nanoTime()}), 0 before (or never). */
        default long killedAtNanos() {
            return 0;
        }

        /** A cross-node delivery in {@code room} at {@code nanos}, after the kill. */
        default void crossNodeAfterKill(int room, long nanos) {
        }

        /**
         * Probes intended before this time are an earlier run's (notifications it left unread, replayed
         * by the inbox on connect): not counted. {@link Long#MIN_VALUE}: none.
         */
        default long notBeforeNanos() {
            return Long.MIN_VALUE;
        }

        /** Whether a delivery carrying a {@code notificationId} is acked ({@code notifications:read}), as a seed client does. */
        default boolean ackNotifications() {
            return false;
        }
    }

    /** How a connection asks to be in one of its rooms (a {@code join}, or an emit such as {@code video:join}). */
    @FunctionalInterface
    interface JoinRequest {
        WebSocketFrame frame(io.netty.buffer.ByteBufAllocator alloc, String room, long id);
    }

    private final JoinRequest joins;

    LoadConnection(int index, int node, List<String> rooms, int homeRoom, ProtocolAdapter adapter, Stats stats,
                   Run run) {
        this(index, node, rooms, homeRoom, adapter, stats, run, adapter::join);
    }

    LoadConnection(int index, int node, List<String> rooms, int homeRoom, ProtocolAdapter adapter, Stats stats,
                   Run run, JoinRequest joins) {
        this.joins = joins;
        this.index = index;
        this.node = node;
        this.rooms = rooms;
        this.homeRoom = homeRoom;
        this.adapter = adapter;
        this.stats = stats;
        this.run = run;
        this.startNanos = System.nanoTime();
    }

    Channel channel() {
        return channel;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        channel = ctx.channel();
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, WebSocketFrame frame) {
        if (frame instanceof CloseWebSocketFrame close) {
            stats.error("closed_" + close.statusCode());
            ctx.close();
            return;
        }
        adapter.read(frame, this);
    }

    @Override
    public void frame(ByteBuf buf, int from, int to, boolean binary) {
        adapter.read(buf, from, to, binary, this);
    }

    @Override
    public void closed(int status) {
        stats.error("closed_" + status);
        channel.close();
    }

    @Override
    public void connected() {
        stats.connected.increment();
        stats.recordHandshakeNanos(System.nanoTime() - startNanos);
        pendingJoins = rooms.size();
        if (pendingJoins == 0) {
            markReady();
            return;
        }
        for (int i = 0; i < rooms.size(); i++) {
            channel.write(joins.frame(channel.alloc(), rooms.get(i), i + 1));
        }
        channel.flush();
    }

    @Override
    public void reply(long id, boolean ok, String errorCode) {
        if (!ok) {
            stats.error("reply_" + errorCode);
            fail("join refused: " + errorCode);
            return;
        }
        if (--pendingJoins == 0) {
            markReady();
        }
    }

    private void markReady() {
        stats.ready.increment();
        ready.complete(this);
    }

    @Override
    public void send(io.netty.handler.codec.http.websocketx.WebSocketFrame frame) {
        channel.writeAndFlush(frame, channel.voidPromise());
    }

    @Override
    public void error(String code) {
        stats.error(code);
    }

    @Override
    public void event(ByteBuf data) {
        event(data, data.readerIndex(), data.writerIndex());
    }

    @Override
    public void event(ByteBuf buf, int from, int to) {
        if (!probe.parse(buf, from, to) && !probe.parseChat(buf.slice(from, to - from))) {
            if (isCountEvent(buf, from, to)) {
                stats.countEvents.increment();
            }
            return; // not ours (e.g. a server notice)
        }
        long notBefore = run.notBeforeNanos();
        if (notBefore != Long.MIN_VALUE && probe.t - notBefore < 0) {
            return; // an earlier run's, replayed from the inbox
        }
        if (run.ackNotifications()) {
            ack(buf, from, to);
        }
        long now = System.nanoTime();
        stats.delivered.increment();
        if (isDuplicate(probe.r, probe.s)) {
            stats.duplicates.increment();
            return;
        }
        boolean cross = run.publisherNode(probe.r) != node;
        if (probe.t - run.measureFromNanos() >= 0) {
            stats.measuredDelivered.increment();
            stats.recordLatencyNanos(now - probe.t, cross);
        }
        long killed = run.killedAtNanos();
        if (cross && killed != 0 && now - killed > 0) {
            run.crossNodeAfterKill(probe.r, now);
        }
    }

    private static final byte[] NOTIFICATION_ID = "\"notificationId\":\"".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    /** Sends {@code notifications:read} for the {@code notificationId} in {@code [from, to)}, if there is one. */
    private void ack(ByteBuf buf, int from, int to) {
        int at = NativeProtocol.indexOf(buf, from, to, NOTIFICATION_ID);
        if (at < 0 || channel == null) {
            return;
        }
        int start = at + NOTIFICATION_ID.length;
        int end = start;
        while (end < to && buf.getByte(end) != '"') {
            end++;
        }
        byte[] data = ("{\"notificationId\":\"" + buf.toString(start, end - start, java.nio.charset.StandardCharsets.US_ASCII)
                + "\"}").getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        channel.writeAndFlush(adapter.emit(channel.alloc(), "notifications:read", data, null), channel.voidPromise());
    }

    /** {@code {"videoId":..,"count":n}}: a {@code video:viewers} or {@code chat:user-count} event. */
    private static boolean isCountEvent(ByteBuf buf, int from, int to) {
        return to - from < 200 && NativeProtocol.indexOf(buf, from, to, COUNT_BYTES) >= 0;
    }

    private static final byte[] COUNT_BYTES = "\"count\":".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    private boolean isDuplicate(int room, long seq) {
        if (room == homeRoom) {
            if (seq <= homeLastSeq) {
                return true;
            }
            homeLastSeq = seq;
            return false;
        }
        if (room < 0) {
            return false;
        }
        if (otherLastSeq == null || room >= otherLastSeq.length) {
            int n = Math.max(room + 1, otherLastSeq == null ? 16 : otherLastSeq.length * 2);
            long[] grown = new long[n];
            java.util.Arrays.fill(grown, -1);
            if (otherLastSeq != null) {
                System.arraycopy(otherLastSeq, 0, grown, 0, otherLastSeq.length);
            }
            otherLastSeq = grown;
        }
        if (seq <= otherLastSeq[room]) {
            return true;
        }
        otherLastSeq[room] = seq;
        return false;
    }

    void fail(String reason) {
        if (ready.completeExceptionally(new IllegalStateException(reason))) {
            stats.failed.increment();
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt == WebSocketClientProtocolHandler.ClientHandshakeStateEvent.HANDSHAKE_TIMEOUT) {
            stats.error("handshake_timeout");
            fail("handshake timeout");
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        String reason = cause instanceof WebSocketClientHandshakeException h && h.response() != null
                ? "http_" + h.response().status().code() : cause.getClass().getSimpleName();
        stats.error(reason);
        fail(reason);
        ctx.close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (!ready.isDone()) {
            stats.error("closed_before_ready");
            fail("closed before ready");
        }
    }
}
