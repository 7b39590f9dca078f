package dev.realtime.session;

import dev.realtime.auth.Principal;
import dev.realtime.config.GatewayConfig;
import dev.realtime.protocol.CloseCodes;
import dev.realtime.protocol.ErrorCode;
import dev.realtime.protocol.ErrorInfo;
import dev.realtime.protocol.MessageCodec;
import dev.realtime.protocol.Payload;
import dev.realtime.protocol.ServerMessage;
import dev.realtime.room.RoomPolicy;
import dev.realtime.room.Subscriber;
import dev.realtime.server.GatewayContext;
import dev.realtime.server.Json;
import dev.realtime.ws.WsFrames;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The state of one WebSocket connection: identity, rooms, rate limit, heartbeat and token expiry.
 *
 * <p>Threading: owned by {@code channel.eventLoop()}. Every method must be called there; the only
 * object it shares with other threads is its immutable {@link Subscriber}.
 */
public final class Session {
    /** Longest one unanswered message holds back the answers to later ones. */
    static final long REPLY_ORDER_MAX_WAIT_MS = 10_000;
    private final GatewayContext ctx;
    private final String sid;
    /** The native WebSocket channel; {@code null} when another wire carries the session. */
    private final Channel channel;
    private final MessageCodec codec;
    private final SessionWire wire;
    private final String ip;
    /** Created by the first message (an idle connection never needs one). */
    private RateLimiter limiter;
    /** Answers to messages with an id, in the order the messages arrived; created by the first such message. */
    private ReplyOrder replies;
    private final Set<String> rooms = new RoomSet();
    /**
     * Joins in flight, by room, with a token per attempt: a leave cancels it, so the answer of a
     * join that was overtaken (join, leave, join again) cannot undo the newer state (loop-owned).
     */
    private java.util.Map<String, Object> joining; // created on the first client join (idle connections have none)
    /** Rooms reported to the {@code SessionListener} as joined and not yet left (loop-owned). */
    private Set<String> reportedRooms; // created on the first report
    /** Whether the listener was told {@code connected}; only then does it hear joins and the disconnect. */
    private boolean connectedReported;

    private Principal principal;
    private volatile Subscriber subscriber; // written once on the loop (activate); read as a hint by isOpen()
    /** The user id counted in the registry for this connection, released on close. */
    private String countedUser;
    private boolean anonymousCounted;
    private boolean closing;
    private boolean released;
    /** History reads for a replay to this connection ({@code join} with {@code since}) not answered yet. */
    private int replayReads;

    /**
     * Before authentication, when the auth deadline passes; after, when the outstanding ping was
     * sent (one field for both: an idle connection has one fewer long).
     */
    private long timerNanos;
    private long lastInboundNanos;
    private boolean pingOutstanding;
    private boolean expiryWarned;
    /** {@code connected} has gone out; events about the session (auth:expiring) wait for it. */
    private boolean connectedSent;
    /**
     * Holds messages that arrive after authentication until {@code connected} is out; created by the
     * first such message (most connections never need one).
     */
    private ConnectedGate connectedGate;
    /** Position in its loop's {@code ConnectionSweeper}; owned by the loop. */
    public int sweepIndex = -1;

    /** A native WebSocket connection speaking {@code codec} on {@code channel}. */
    public Session(GatewayContext ctx, String sid, Channel channel, MessageCodec codec, String ip) {
        this(ctx, sid, channel, codec, null, ip);
    }

    /** A connection carried by another transport's {@code wire} (e.g. Socket.IO). */
    public Session(GatewayContext ctx, String sid, SessionWire wire, String ip) {
        this(ctx, sid, null, null, wire, ip);
    }

    private Session(GatewayContext ctx, String sid, Channel channel, MessageCodec codec, SessionWire wire, String ip) {
        this.ctx = ctx;
        this.sid = sid;
        this.channel = channel;
        this.codec = codec;
        this.wire = wire != null ? wire : new WebSocketWire();
        this.ip = ip;
        long now = System.nanoTime();
        this.lastInboundNanos = now;
        this.timerNanos = now + TimeUnit.MILLISECONDS.toNanos(ctx.config().authTimeoutMs()); // the auth deadline
    }

    /**
     * While the connection is authenticated but {@code connected} is not out yet (its auto-joins are
     * on their way), queues {@code work} to run right after {@code connected} and returns true, so no
     * answer can precede {@code connected}. Otherwise returns false: run it now.
     */
    boolean deferUntilConnected(Runnable work) {
        if (principal == null || connectedSent || closing) {
            return false;
        }
        if (connectedGate == null) {
            connectedGate = new ConnectedGate(channel);
        }
        return connectedGate.defer(work);
    }

    public String sid() {
        return sid;
    }

    /** The native WebSocket channel; {@code null} for a session on another wire. */
    public Channel channel() {
        return channel;
    }

    /**
     * Whether the connection is still open. Safe from any thread, as a hint (it may close right
     * after): services on their own threads skip work for connections that are gone.
     */
    public boolean isOpen() {
        if (channel != null) {
            return channel.isActive();
        }
        Subscriber s = subscriber;
        return s != null && s.isActive();
    }

    /** The event loop that owns this session. */
    public io.netty.channel.EventLoop loop() {
        return wire.loop();
    }

    public GatewayContext context() {
        return ctx;
    }

    /** The verified identity, or {@code null} before authentication. */
    public Principal principal() {
        return principal;
    }

    public boolean authenticated() {
        return principal != null;
    }

    public Subscriber subscriber() {
        return subscriber;
    }

    /** Rooms joined or being joined. Live view; loop-owned. */
    public Set<String> rooms() {
        return rooms;
    }

    public boolean closing() {
        return closing;
    }

    RateLimiter limiter() {
        if (limiter == null) {
            limiter = new RateLimiter(ctx.config().rateLimitMaxMessages(), ctx.config().rateLimitWindowMs(),
                    ctx.config().rateLimitStrikes(), System.nanoTime());
        }
        return limiter;
    }

    /** Any inbound frame proves the peer is alive. */
    public void touch() {
        lastInboundNanos = System.nanoTime();
        pingOutstanding = false;
    }

    /**
     * Sends one message to this connection and flushes. A connection above its high-water mark gets
     * the slow-consumer treatment here too, so a client that sends requests but never reads the
     * replies cannot grow server memory.
     */
    public void send(ServerMessage message) {
        if (!wire.isActive()) {
            return;
        }
        if (subscriber != null && subscriber.holding() && codec != null) {
            // A replay is draining: this goes out after it, in order (a join's reply after its events).
            if (subscriber.holdLive(WsFrames.encode(codec, message, ctx.alloc()))) {
                ctx.metrics().messagesOut(message.op()).inc();
            } else {
                slowConsumer();
            }
            return;
        }
        if (!writableOrSlow()) {
            return;
        }
        ctx.metrics().messagesOut(message.op()).inc();
        wire.send(message);
    }

    /**
     * Whether something may be written now. A connection above its high-water mark is a slow
     * consumer: the write is dropped and counted, and under {@code SLOW_CONSUMER_POLICY=disconnect}
     * the connection is closed. Every reply path (messages, pongs) asks this first.
     */
    public boolean writableOrSlow() {
        if (wire.isWritable()) {
            return true;
        }
        slowConsumer();
        return false;
    }

    private void slowConsumer() {
        ctx.metrics().droppedDeliveries.labels("slow_consumer").inc();
        if (ctx.config().slowConsumerPolicy() == GatewayConfig.SlowConsumerPolicy.DISCONNECT && wire.isActive()) {
            ctx.metrics().slowConsumerDisconnects.inc();
            wire.abort();
        }
    }

    /**
     * Sends {@code messages} (a recovery's missed events, the unread notifications) in order,
     * respecting backpressure without dropping any: they are queued and written as fast as the
     * client reads ({@link #drainHeld} on writability), and whatever this connection is sent
     * meanwhile (the join's reply, live events) queues behind them. What a replay holds is bounded
     * by whoever read it ({@code HISTORY_READ_MAX_BYTES}, {@code NOTIFY_REPLAY_MAX_BYTES}); what
     * queues behind it by {@code WS_WRITE_BUFFER_HIGH}, past which the slow-consumer policy applies.
     */
    public void replay(List<? extends ServerMessage> messages) {
        if (messages.isEmpty() || !wire.isActive() || subscriber == null) {
            return;
        }
        if (codec == null) {
            // Another transport (Socket.IO) queues and bounds what it sends on its own wire.
            messages.forEach(this::send);
            return;
        }
        subscriber.hold(ctx.config().writeBufferHighBytes());
        for (ServerMessage m : messages) {
            ctx.metrics().messagesOut(m.op()).inc();
            subscriber.addReplay(WsFrames.encode(codec, m, ctx.alloc()));
        }
        subscriber.drainHeld();
    }

    /**
     * Holds everything this connection is sent (room events, replies) until {@link #replayAwaited}
     * brings the replay it must follow: the unread notifications, read from the inbox on connect
     * while live ones may already arrive through the user room. Loop only.
     */
    public void awaitReplay() {
        if (subscriber != null && !closing) {
            subscriber.awaitReplay(ctx.config().writeBufferHighBytes());
        }
    }

    /** Whether {@link #awaitReplay} still holds this connection's output. Loop only. */
    public boolean awaitingReplay() {
        return subscriber != null && subscriber.awaitingReplay();
    }

    /**
     * Ends {@link #awaitReplay}: {@code events} go out first, encoded as a room would send them, then
     * what was held, minus held live events that are byte for byte one of them (a notification
     * stored while it was read arrives once). Without a hold (given up) they queue like {@link
     * #replay}. Returns how many held repeats were dropped. Loop only.
     */
    public int replayAwaited(List<ServerMessage.Event> events) {
        if (subscriber == null || closing) {
            return 0; // closed: the hold was released with the connection
        }
        List<io.netty.buffer.ByteBuf> frames = new ArrayList<>(events.size());
        for (ServerMessage.Event e : events) {
            ctx.metrics().messagesOut(e.op()).inc();
            frames.add(ctx.rooms().encode(subscriber.encoding(), e));
        }
        int repeats = subscriber.placeReplay(frames, ctx.config().writeBufferHighBytes());
        // Another transport (Socket.IO) does not report writability back here: what is held is
        // bounded already (NOTIFY_REPLAY_MAX_BYTES, WS_WRITE_BUFFER_HIGH), so it all goes now.
        subscriber.drainHeld(codec == null);
        return repeats;
    }

    /** The channel turned writable: continue a held replay. */
    void drainHeld() {
        if (subscriber != null) {
            subscriber.drainHeld();
        }
    }

    /** At most this many replay reads per connection at once ({@link #replayRefusal}). */
    static final int MAX_REPLAY_READS = 4;
    /** When a refused replay may be asked again. */
    static final long REPLAY_RETRY_MS = 500;

    /**
     * Why a replay ({@code join} with {@code since}) cannot start now, or null: the connection already
     * waits for {@link #MAX_REPLAY_READS} history reads, or holds a replay of {@code HISTORY_READ_MAX_BYTES}
     * or more that it has not read yet. Each replay is bounded, their number was not: a client that
     * asks again and again without reading made the node queue replays until it ran out of memory.
     * {@code rate_limited} with {@code retryAfterMs}: ask again once the earlier replays went out (the
     * Java SDK's rejoin does). Loop only.
     */
    ErrorInfo replayRefusal() {
        Subscriber s = subscriber;
        if (replayReads >= MAX_REPLAY_READS || s != null && s.heldBytes() >= ctx.config().historyReadMaxBytes()) {
            ctx.metrics().rateLimited.inc();
            return ErrorInfo.rateLimited("a replay to this connection is still being sent; join with since again later",
                    REPLAY_RETRY_MS);
        }
        return null;
    }

    /** A replay read started ({@code true}) or was answered ({@code false}). Loop only. */
    void replayRead(boolean started) {
        replayReads += started ? 1 : -1;
    }

    /** Answers {@code id} with success; nothing when the message had no id. */
    public void reply(Long id, Payload data) {
        if (id != null) {
            answer(id, ServerMessage.Reply.ok(id, data));
        }
    }

    /** Answers {@code id} with an error, or sends an {@code error} message when there is no id. */
    public void fail(Long id, ErrorInfo error) {
        ctx.metrics().errorsSent.labels(error.code()).inc();
        if (id != null) {
            answer(id, ServerMessage.Reply.error(id, error));
        } else {
            send(new ServerMessage.Error(error));
        }
    }

    /**
     * A message with {@code id} arrived: its answer ({@link #answer}) will go out after the answers
     * to every earlier message of this connection.
     */
    void expectAnswer(long id) {
        if (replies == null) {
            replies = new ReplyOrder(this::send, TimeUnit.MILLISECONDS.toNanos(REPLY_ORDER_MAX_WAIT_MS));
        }
        replies.expect(id, System.nanoTime());
    }

    /** Message {@code id} is answered when ready, without holding back the answers to later messages. */
    void detachAnswer(long id) {
        if (replies != null) {
            replies.detach(id);
        }
    }

    /** Sends the answer to message {@code id} ({@code reply}, or {@code pong}) in arrival order. */
    void answer(long id, ServerMessage message) {
        if (replies != null) {
            replies.answer(id, message);
        } else {
            send(message); // nothing is waiting: no order to keep
        }
    }

    public void fail(Long id, ErrorCode code, String message) {
        fail(id, ErrorInfo.of(code, message));
    }

    /** Sends a close frame with {@code code} and closes the connection once it is written. */
    public void close(int code, String reason) {
        if (closing) {
            return;
        }
        if (awaitingReplay()) {
            // What waited for the notification replay (e.g. the error saying why we close) goes out
            // before the close frame instead of being dropped with the connection.
            replayAwaited(List.of());
        }
        closing = true;
        ctx.metrics().closes.labels(Integer.toString(code)).inc();
        wire.close(code, reason);
    }

    /**
     * Counts {@code userId} against the per-user connection limit for this connection (released on
     * close). Returns false, counting nothing, when the user is at the limit.
     */
    public boolean reserveUser(String userId) {
        if (countedUser != null) {
            return countedUser.equals(userId);
        }
        if (!ctx.connections().acquireUser(userId)) {
            return false;
        }
        countedUser = userId;
        return true;
    }

    /**
     * Makes the connection authenticated (or anonymous with {@link Principal#ANONYMOUS}): counts the
     * user, auto-joins {@code user:{id}} and {@code global}, then sends {@code connected} and answers
     * {@code authId}.
     */
    public void activate(Principal who, Long authId) {
        if (!who.anonymous() && !reserveUser(who.userId())) {
            fail(null, ErrorCode.TOO_MANY_CONNECTIONS, "this user already has the maximum number of connections");
            if (authId != null) {
                fail(authId, ErrorCode.TOO_MANY_CONNECTIONS, "this user already has the maximum number of connections");
            }
            close(CloseCodes.TOO_MANY_REQUESTS, "too many connections");
            return;
        }
        principal = who;
        if (who.anonymous()) {
            anonymousCounted = true;
            ctx.connections().anonymousJoined();
        }
        subscriber = wire.subscriber(sid, who.userId(), ctx.outboxes().get(wire.loop()));
        List<String> autoRooms = who.anonymous() ? List.of(RoomPolicy.GLOBAL)
                : List.of(RoomPolicy.userRoom(who.userId()), RoomPolicy.GLOBAL);
        rooms.addAll(autoRooms);
        List<String> joined = new ArrayList<>(autoRooms);
        int[] pending = {autoRooms.size()};
        for (String room : autoRooms) {
            ctx.rooms().join(subscriber, room, error -> {
                if (error != null) {
                    rooms.remove(room);
                    joined.remove(room);
                }
                if (--pending[0] == 0) {
                    // Only the auto-joined rooms: joins the client sent meantime get their own replies.
                    send(new ServerMessage.Connected(sid, who.userId(), who.anonymous(), joined,
                            System.currentTimeMillis(), ctx.config().pingIntervalMs()));
                    connectedSent = true;
                    if (authId != null) { // an auth frame's answer; built only then (JSON through databind)
                        reply(authId, userPayload(who));
                    }
                    if (!closing) { // closed meanwhile: onClosed already reported (no connected after disconnected)
                        connectedReported = true;
                        ctx.sessionListener().connected(this);
                    }
                    if (connectedGate != null) {
                        connectedGate.open(); // what the client sent meanwhile, now that connected is out
                    }
                }
            });
        }
    }

    static Payload userPayload(Principal who) {
        java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("userId", who.userId());
        m.put("anonymous", who.anonymous());
        if (who.expiresAtMillis() > 0) {
            m.put("exp", who.expiresAtMillis() / 1000);
        }
        return Json.payload(m);
    }

    /** Upgrades an anonymous connection to a user after a later {@code auth}. */
    boolean upgradeFromAnonymous(Principal who) {
        if (!reserveUser(who.userId())) {
            return false;
        }
        if (anonymousCounted) {
            anonymousCounted = false;
            ctx.connections().anonymousLeft();
        }
        principal = who;
        expiryWarned = false;
        if (subscriber != null) {
            subscriber.identify(who.userId()); // before the joins below are reported: not told of itself
        }
        // Now, in the same loop task as the identity change: a close right after this (before the
        // user room's join completes) must already see the rooms reported under the user, or its
        // leaves would be unbalanced. Rooms joined while anonymous are the user's now.
        connectedReported = true;
        ctx.sessionListener().connected(this);
        for (String joined : reportedRooms == null ? List.<String>of() : List.copyOf(reportedRooms)) {
            ctx.sessionListener().joined(this, joined);
        }
        String own = RoomPolicy.userRoom(who.userId());
        rooms.add(own);
        ctx.rooms().join(subscriber, own, error -> {
            if (error != null) {
                rooms.remove(own);
            }
        });
        return true;
    }

    /** A fresh token for the same user: extends the session. */
    void refresh(Principal who) {
        principal = who;
        expiryWarned = false;
    }

    /** Periodic check from the loop's sweeper: auth timeout, token expiry, heartbeat. */
    public void sweep(long nowNanos, long nowMillis) {
        if (closing || !wire.isActive()) {
            return;
        }
        boolean ownHeartbeat = wire.heartbeat(nowNanos);
        if (closing || !wire.isActive()) {
            return;
        }
        if (replies != null) {
            replies.expire(nowNanos);
        }
        if (principal == null) {
            if (nowNanos - timerNanos >= 0) { // the auth deadline
                ctx.metrics().authFailures.labels("timeout").inc();
                fail(null, ErrorCode.UNAUTHORIZED, "no auth message within " + ctx.config().authTimeoutMs() + " ms");
                close(CloseCodes.UNAUTHORIZED, "auth timeout");
            }
            return;
        }
        long exp = principal.expiresAtMillis();
        if (exp > 0) {
            if (nowMillis >= exp) {
                fail(null, ErrorCode.UNAUTHORIZED, "token expired");
                close(CloseCodes.UNAUTHORIZED, "token expired");
                return;
            }
            if (!expiryWarned && connectedSent && nowMillis >= exp - ctx.config().authExpiryWarningMs()) {
                expiryWarned = true;
                send(new ServerMessage.Event(null, "auth:expiring", Payload.json(
                        "{\"exp\":" + exp / 1000 + ",\"expiresInMs\":" + (exp - nowMillis) + "}"), null, null));
            }
        }
        if (ownHeartbeat || closing) {
            return;
        }
        long interval = TimeUnit.MILLISECONDS.toNanos(ctx.config().pingIntervalMs());
        long timeout = TimeUnit.MILLISECONDS.toNanos(ctx.config().pingTimeoutMs());
        if (pingOutstanding) {
            if (nowNanos - timerNanos >= timeout) { // since the ping went
                close(CloseCodes.POLICY_VIOLATION, "ping timeout");
            }
        } else if (nowNanos - lastInboundNanos >= interval) {
            pingOutstanding = true;
            timerNanos = nowNanos; // when the ping went
            channel.writeAndFlush(new PingWebSocketFrame(), channel.voidPromise());
        }
    }

    /** Starts a join of {@code room}; returns its token. */
    Object beginJoin(String room) {
        Object attempt = new Object();
        if (joining == null) {
            joining = new java.util.HashMap<>(4);
        }
        joining.put(room, attempt);
        return attempt;
    }

    /** Ends the join {@code attempt}; false when a leave (or a newer join) overtook it. */
    boolean endJoin(String room, Object attempt) {
        return joining != null && joining.remove(room, attempt);
    }

    /** A leave: whatever join of {@code room} is in flight is stale from now on. */
    void cancelJoin(String room) {
        if (joining != null) {
            joining.remove(room);
        }
    }

    /**
     * Records that listeners were told {@code room} was joined (so a leave or the disconnect reports
     * it once, and never a room whose join had not completed).
     */
    boolean reportJoined(String room) {
        if (!connectedReported) {
            return false;
        }
        if (reportedRooms == null) {
            reportedRooms = new LinkedHashSet<>(4);
        }
        return reportedRooms.add(room);
    }

    /** Whether listeners knew of {@code room}; forgets it. */
    boolean reportLeft(String room) {
        return reportedRooms != null && reportedRooms.remove(room);
    }

    /** Releases everything this connection holds; called once when the channel closes. */
    public void onClosed() {
        if (released) {
            return;
        }
        released = true;
        closing = true;
        if (sweepIndex >= 0) {
            ctx.sweepers().get(loop()).remove(this);
        }
        ctx.connections().release(ip);
        if (countedUser != null) {
            ctx.connections().releaseUser(countedUser);
        }
        if (anonymousCounted) {
            ctx.connections().anonymousLeft();
        }
        if (subscriber != null) {
            ctx.rooms().leaveAll(subscriber, rooms);
            int dropped = subscriber.releaseHeld();
            if (dropped > 0) {
                ctx.metrics().droppedDeliveries.labels("closed").inc(dropped);
            }
        }
        if (connectedReported) {
            ctx.sessionListener().disconnected(this, reportedRooms == null ? Set.of() : Set.copyOf(reportedRooms));
        }
        reportedRooms = null;
        rooms.clear();
        replies = null;
    }

    /** The native wire: frames of the negotiated codec on the WebSocket channel. */
    private final class WebSocketWire implements SessionWire {
        @Override
        public io.netty.channel.EventLoop loop() {
            return channel.eventLoop();
        }

        @Override
        public boolean isActive() {
            return channel.isActive();
        }

        @Override
        public boolean isWritable() {
            return channel.isWritable();
        }

        @Override
        public void send(ServerMessage message) {
            channel.writeAndFlush(WsFrames.encode(codec, message, ctx.alloc()), channel.voidPromise());
        }

        @Override
        public void close(int code, String reason) {
            if (channel.isActive()) {
                dev.realtime.ws.WsClose.send(channel, code, reason);
            } else {
                channel.close();
            }
        }

        @Override
        public void abort() {
            channel.close();
        }

        @Override
        public Subscriber subscriber(String sid, String userId, dev.realtime.room.LoopOutbox outbox) {
            return new Subscriber(sid, userId, channel, codec.binaryFrames(), outbox);
        }
    }
}
