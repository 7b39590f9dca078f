package dev.realtime.socketio;

import dev.realtime.protocol.CloseCodes;
import dev.realtime.protocol.ServerMessage;
import dev.realtime.room.DeliverySink;
import dev.realtime.room.LoopOutbox;
import dev.realtime.room.Subscriber;
import dev.realtime.session.Session;
import dev.realtime.session.SessionWire;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.concurrent.TimeUnit;

/**
 * One Engine.IO v4 session: its transport (WebSocket, or HTTP long-polling with the upgrade to
 * WebSocket), the server heartbeat (ping every {@code pingInterval}, close without pong within
 * {@code pingTimeout}), and the single outbound path every packet takes. It is the {@link SessionWire}
 * of its gateway {@link Session} and the {@link DeliverySink} of its room {@link Subscriber}: while
 * polling, frames wait in a bounded {@link PollingQueue} for the next GET; on WebSocket they are
 * written to the channel as they are.
 *
 * <p>Threading: owned by {@link #loop()} (the loop of the request that opened it). Requests and
 * frames arriving on other loops (an upgrade's WebSocket, a polling request on another keep-alive
 * connection) hop here with {@link #onLoop}.
 */
final class EngineSession implements SessionWire, DeliverySink {
    static final long UPGRADE_TIMEOUT_MS = 10_000;

    final String sid;
    private final SocketIoServer server;
    private final EventLoop loop;
    private final String handshakeToken;
    private final Session session;
    private final SioSocket socket;
    private final WriteTracker tracker;

    private Channel ws;
    private final PollingQueue queue = new PollingQueue();
    private EngineHttp poll;
    private long pollSinceNanos;
    private Channel probe;
    private long probeDeadlineNanos;
    private boolean upgrading;
    private long nextPingNanos;
    private long pongDeadlineNanos;
    private boolean pongDue;
    /** Written on the loop; volatile because {@link #isActive} is also read elsewhere as a hint. */
    private volatile boolean closed;
    /**
     * Closed while polling with no GET waiting: the packets it ended with (a CONNECT refusal, the
     * DISCONNECT, the close), kept for the client's next GET for {@link #LAST_WORDS_MS}; else null.
     */
    private byte[] lastWords; // a copy, not a pooled buffer: a loop that shuts down first drops it with nothing to release
    /** How long a polling session that closed keeps its last packets for the client's next GET. */
    static final long LAST_WORDS_MS = 10_000;

    EngineSession(SocketIoServer server, String sid, EventLoop loop, String ip, String handshakeToken) {
        this.server = server;
        this.sid = sid;
        this.loop = loop;
        this.handshakeToken = handshakeToken;
        // The socket's id (session.sid(): the Socket.IO socket.id, shown to other users, e.g. as seed
        // 000's opponentClientId) is not the Engine.IO session id, which is the transport's credential:
        // knowing it lets a client post packets into the session and take over its polling.
        this.session = new Session(server.ctx(), SocketIoServer.newId(), this, ip);
        this.socket = new SioSocket(this, server, session);
        this.tracker = server.recovery() != null ? new WriteTracker() : null;
        this.nextPingNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(server.ctx().config().pingIntervalMs());
    }

    Session session() {
        return session;
    }

    /** The token of the opening request (Authorization header or {@code ?token=}), for CONNECT. */
    String handshakeToken() {
        return handshakeToken;
    }

    ByteBufAllocator alloc() {
        return server.ctx().alloc();
    }

    void onLoop(Runnable task) {
        if (loop.inEventLoop()) {
            task.run();
        } else {
            try {
                loop.execute(task);
            } catch (java.util.concurrent.RejectedExecutionException e) {
                // the node is stopping
            }
        }
    }

    /** Whether the transport is (still) long-polling. */
    boolean polling() {
        return ws == null;
    }

    // ---- outbound ----

    /** Queues one packet (pre-framed) on the current transport without flushing; takes ownership. */
    void out(ByteBuf framed) {
        if (closed) {
            framed.release();
            return;
        }
        if (tracker != null) {
            tracker.written(framed);
        }
        if (ws != null) {
            ws.write(framed, ws.voidPromise());
        } else {
            queue.add(framed);
        }
    }

    @Override
    public void flush() {
        if (closed) {
            return;
        }
        if (ws != null) {
            ws.flush();
        } else if (poll != null && !queue.isEmpty()) {
            EngineHttp p = poll;
            poll = null;
            p.payload(queue.drain(alloc()));
        }
    }

    // ---- DeliverySink (room fan-out) ----

    @Override
    public boolean isActive() {
        return !closed;
    }

    @Override
    public boolean isWritable() {
        if (ws == null) {
            return queue.bytes() < server.ctx().config().writeBufferHighBytes();
        }
        dev.realtime.ws.FrameWriter w = writer();
        return w != null ? w.isWritable() : ws.isWritable();
    }

    @Override
    public void write(ByteBuf frame) {
        out(frame);
    }

    /** A room's shared frame: copied into the WebSocket's pending write when the socket is on this loop. */
    @Override
    public void writeShared(ByteBuf frame) {
        dev.realtime.ws.FrameWriter w = closed ? null : writer();
        if (w == null) {
            DeliverySink.super.writeShared(frame);
            return;
        }
        if (tracker != null) {
            tracker.written(frame);
        }
        w.writeShared(frame);
    }

    /** The WebSocket's frame writer when the socket is on this session's loop (else null: cross-thread writes). */
    private dev.realtime.ws.FrameWriter writer() {
        Channel c = ws;
        if (c == null || !c.eventLoop().inEventLoop()) {
            return null;
        }
        if (writerOf != c) {
            writerOf = c;
            wsWriter = dev.realtime.ws.FrameWriter.of(c);
        }
        return wsWriter;
    }

    /** The frame writer of {@link #writerOf} (cached: looked up once per WebSocket). Loop-owned. */
    private dev.realtime.ws.FrameWriter wsWriter;
    private Channel writerOf;

    @Override
    public void abort() {
        closeNow("slow consumer");
    }

    // ---- SessionWire ----

    @Override
    public EventLoop loop() {
        return loop;
    }

    @Override
    public void send(ServerMessage message) {
        socket.send(message);
    }

    @Override
    public void close(int code, String reason) {
        if (closed) {
            return;
        }
        if (code != CloseCodes.GOING_AWAY) {
            socket.serverDisconnect(); // not a reconnect case: "io server disconnect"
        }
        if (ws != null) {
            flush();
            Channel ch = ws;
            dev.realtime.ws.WsClose.send(ch, code, reason);
            terminate(reason);
        } else {
            out(SioFrames.engine(alloc(), "1"));
            flush();
            terminate(reason);
        }
    }

    @Override
    public Subscriber subscriber(String sid, String userId, LoopOutbox outbox) {
        return new Subscriber(sid, userId, this, server.encoding(), outbox);
    }

    @Override
    public boolean heartbeat(long now) {
        if (closed) {
            return true;
        }
        if (pongDue && now - pongDeadlineNanos >= 0) {
            closeNow("ping timeout");
            return true;
        }
        if (now - nextPingNanos >= 0) {
            long interval = TimeUnit.MILLISECONDS.toNanos(server.ctx().config().pingIntervalMs());
            nextPingNanos = now + interval;
            if (!pongDue) {
                pongDue = true;
                pongDeadlineNanos = now + TimeUnit.MILLISECONDS.toNanos(server.ctx().config().pingTimeoutMs());
            }
            out(SioFrames.engine(alloc(), "2"));
            flush();
        }
        if (probe != null && now - probeDeadlineNanos >= 0) {
            probe.close();
            probe = null;
            upgrading = false;
        }
        if (poll != null && (upgrading || now - pollSinceNanos >= server.maxPollHoldNanos())) {
            // a fast polling cycle during an upgrade; otherwise an answer before idle timers hit
            EngineHttp p = poll;
            poll = null;
            p.text("6");
        }
        return true;
    }

    // ---- transports ----

    /** A WebSocket-only session: the channel is the transport from the start. */
    void startWebSocket(Channel ch) {
        ws = ch;
        ch.closeFuture().addListener(f -> onLoop(() -> terminate("transport close")));
        ch.writeAndFlush(SioFrames.engine(alloc(), SioFrames.open(sid, false,
                server.ctx().config().pingIntervalMs(), server.ctx().config().pingTimeoutMs(), server.maxPayload())));
    }

    /** A polling GET; answered now if packets wait, else held until some do. */
    void onPoll(EngineHttp http) {
        if (closed) {
            byte[] last = lastWords;
            if (last != null) { // the client learns why (44 too_many_connections, 41, then 1), not "unknown"
                lastWords = null;
                server.sessions().remove(sid, this);
                http.payload(io.netty.buffer.Unpooled.wrappedBuffer(last));
                return;
            }
            http.error(HttpResponseStatus.BAD_REQUEST, 1, "Session ID unknown");
            return;
        }
        if (ws != null) {
            http.error(HttpResponseStatus.BAD_REQUEST, 3, "Bad request");
            return;
        }
        if (poll != null) {
            // engine.io: "overlap from client"
            http.error(HttpResponseStatus.BAD_REQUEST, 3, "Bad request");
            closeNow("overlapping polls");
            return;
        }
        poll = http;
        pollSinceNanos = System.nanoTime();
        http.ctx().channel().closeFuture().addListener(f -> onLoop(() -> {
            if (poll == http) {
                poll = null;
            }
        }));
        flush();
    }

    /** A polling POST: Engine.IO packets separated by {@code \x1e}. */
    void onPost(EngineHttp http, byte[] body) {
        if (closed) {
            http.error(HttpResponseStatus.BAD_REQUEST, 1, "Session ID unknown");
            return;
        }
        if (ws != null) {
            http.error(HttpResponseStatus.BAD_REQUEST, 3, "Bad request");
            return;
        }
        if (body.length > server.maxPayload()) {
            http.error(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, 3, "Bad request");
            closeNow("payload too large");
            return;
        }
        try {
            int start = 0;
            for (int i = 0; i <= body.length; i++) {
                if (i == body.length || body[i] == PollingQueue.SEPARATOR) {
                    if (i == start) {
                        throw new SioPacket.Malformed("empty packet");
                    }
                    byte[] packet = java.util.Arrays.copyOfRange(body, start, i);
                    if (packet[0] == 'b') {
                        onBinaryPacket(base64(packet));
                    } else {
                        onTextPacket(packet, false);
                    }
                    start = i + 1;
                    if (closed) {
                        break;
                    }
                }
            }
        } catch (SioPacket.Malformed e) {
            http.error(HttpResponseStatus.BAD_REQUEST, 3, "Bad request");
            closeNow("malformed packet: " + e.getMessage());
            return;
        }
        http.send(HttpResponseStatus.OK, io.netty.buffer.Unpooled.copiedBuffer("ok", StandardCharsets.UTF_8),
                "text/html", http.keepAlive());
    }

    private static byte[] base64(byte[] packet) throws SioPacket.Malformed {
        try {
            return Base64.getDecoder().decode(java.nio.ByteBuffer.wrap(packet, 1, packet.length - 1)).array();
        } catch (IllegalArgumentException e) {
            throw new SioPacket.Malformed("bad base64");
        }
    }

    /** An upgrade's WebSocket, before the probe: it becomes the transport once the client sends {@code 5}. */
    void offerProbe(Channel ch) {
        if (closed || ws != null || probe != null) {
            ch.close();
            return;
        }
        probe = ch;
        probeDeadlineNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(UPGRADE_TIMEOUT_MS);
        ch.closeFuture().addListener(f -> onLoop(() -> {
            if (probe == ch) {
                probe = null;
                upgrading = false;
            } else if (ws == ch) {
                terminate("transport close");
            }
        }));
    }

    /** A text frame from WebSocket channel {@code ch} (the transport or the probe). */
    void onWsText(Channel ch, byte[] text) {
        if (closed) {
            return;
        }
        if (ch == probe) {
            probeFrame(ch, text);
            return;
        }
        if (ch != ws) {
            return;
        }
        try {
            if (text.length > 0 && text[0] == 'b') {
                onBinaryPacket(base64(text)); // a forceBase64 client's attachment, as over polling
            } else {
                onTextPacket(text, true);
            }
        } catch (SioPacket.Malformed e) {
            closeMalformed(e);
        }
    }

    /** A binary frame from the transport WebSocket: an attachment. */
    void onWsBinary(Channel ch, byte[] data) {
        if (closed || ch != ws) {
            return;
        }
        try {
            onBinaryPacket(data);
        } catch (SioPacket.Malformed e) {
            closeMalformed(e);
        }
    }

    private void probeFrame(Channel ch, byte[] text) {
        String s = new String(text, StandardCharsets.UTF_8);
        if (s.equals("2probe")) {
            upgrading = true;
            ch.writeAndFlush(SioFrames.engine(alloc(), "3probe"));
            if (poll != null) {
                EngineHttp p = poll;
                poll = null;
                p.text("6"); // let the client finish its polling cycle
            }
        } else if (s.equals("5")) {
            probe = null;
            upgrading = false;
            ws = ch;
            if (poll != null) {
                EngineHttp p = poll;
                poll = null;
                p.text("6");
            }
            queue.drainFrames(f -> ch.write(f, ch.voidPromise()));
            ch.flush();
        } else {
            probe = null;
            upgrading = false;
            ch.close();
        }
    }

    private void onTextPacket(byte[] p, boolean overWs) throws SioPacket.Malformed {
        if (p.length == 0) {
            throw new SioPacket.Malformed("empty packet");
        }
        switch (p[0]) {
            case '1' -> closeNow("transport close");
            case '2' -> {
                out(SioFrames.engine(alloc(), "3" + new String(p, 1, p.length - 1, StandardCharsets.UTF_8)));
                flush();
            }
            case '3' -> pongDue = false;
            case '4' -> socket.onText(p, 1);
            case '6' -> {
                // noop
            }
            default -> throw new SioPacket.Malformed("unexpected Engine.IO packet type");
        }
    }

    private void onBinaryPacket(byte[] data) throws SioPacket.Malformed {
        socket.onBinary(data);
    }

    private void closeMalformed(SioPacket.Malformed e) {
        server.ctx().metrics().closes.labels(Integer.toString(CloseCodes.PROTOCOL_ERROR)).inc();
        if (ws != null) {
            ws.writeAndFlush(new CloseWebSocketFrame(CloseCodes.PROTOCOL_ERROR, "malformed packet"))
                    .addListener(ChannelFutureListener.CLOSE);
        }
        terminate("malformed packet: " + e.getMessage());
    }

    /** Closes the transport without a DISCONNECT (the client may reconnect and recover). */
    void closeNow(String reason) {
        if (closed) {
            return;
        }
        if (ws != null) {
            ws.close();
        } else if (poll != null) {
            EngineHttp p = poll;
            poll = null;
            p.text("1");
        }
        terminate(reason);
    }

    /** Ends the session once: registry, sweeper, recovery record, rooms and counts. */
    private void terminate(String reason) {
        if (closed) {
            return;
        }
        socket.closed(tracker);
        closed = true;
        server.ctx().sweepers().get(loop).remove(session);
        if (ws == null && poll == null && !queue.isEmpty()) {
            // Polling, no GET waiting: what the session ended with waits for the next one, briefly.
            ByteBuf drained = queue.drain(alloc());
            try {
                lastWords = io.netty.buffer.ByteBufUtil.getBytes(drained);
            } finally {
                drained.release();
            }
            loop.schedule(() -> {
                lastWords = null;
                server.sessions().remove(sid, this);
            }, LAST_WORDS_MS, java.util.concurrent.TimeUnit.MILLISECONDS);
        } else {
            server.sessions().remove(sid, this);
        }
        queue.clear();
        if (poll != null) {
            poll.text("1");
            poll = null;
        }
        if (probe != null) {
            probe.close();
            probe = null;
        }
        session.onClosed(); // the transport itself was closed by whoever called this

    }
}
