package dev.realtime.client;

import dev.realtime.protocol.CloseCodes;
import dev.realtime.protocol.ServerMessage;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client's state machine: connection attempts, reconnects with backoff, the {@code connected}
 * handshake, rejoining rooms, token refresh, requests and their replies, and closing.
 *
 * <p>Threading: every mutable field is confined to {@link #loop}, one event loop that also runs all
 * of the client's channels. Entry points called from other threads ({@link #connect()},
 * {@link #closeAsync()}, and {@link Requests}' entry points) only submit a task to the loop. The few values other
 * threads may read ({@link #state()}, {@link #info()}, {@link #malformedFrames()}) are published
 * through volatile/atomic fields written only by the loop.
 */
final class ClientCore implements ConnectionEvents {
    private static final Logger log = LoggerFactory.getLogger(RealtimeClient.class);
    /**
     * How long a connection must last before the reconnect backoff (and {@code maxAttempts}) starts
     * from zero again: a server that accepts and then drops the connection at once (a message over
     * {@code maxMessageBytes} in the replay, a crash loop) is retried with growing delays, not every
     * {@code initialDelay} forever.
     */
    static final long STABLE_NANOS = TimeUnit.SECONDS.toNanos(10);

    final ClientConfig config;
    final EventLoop loop;
    final PayloadMapper mapper;
    final Listeners listeners = new Listeners();
    private final EventLoopGroup ownedGroup;
    private final Connector connector;
    private final PendingRequests pending;
    final Requests requests;
    private final SessionRecovery recovery;
    private final AtomicLong malformed = new AtomicLong();
    private volatile ConnectionState publishedState = ConnectionState.CLOSED;
    private volatile ConnectedInfo publishedInfo;

    // Loop-confined from here on.
    private ConnectionState state = ConnectionState.CLOSED;
    private Connection current;
    private ConnectedInfo info;
    private CompletableFuture<ConnectedInfo> connectFuture;
    private CompletableFuture<Void> closeFuture;
    private int attempt;
    private long connectedAt; // nanoTime of the last CONNECTED; 0 when none since the last attempt
    private ScheduledFuture<?> retryTimer;

    ClientCore(ClientConfig config) {
        this.config = config;
        this.ownedGroup = config.group() != null ? null
                : new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("rt-client", true), NioIoHandler.newFactory());
        this.loop = (config.group() != null ? config.group() : ownedGroup).next();
        this.mapper = new PayloadMapper(config.mapper());
        this.connector = new Connector(config, loop, malformed);
        this.pending = new PendingRequests(loop, config.requestTimeout().toMillis());
        RoomTracker rooms = new RoomTracker();
        this.requests = new Requests(this, pending, rooms, config.codec().newCodec());
        this.recovery = new SessionRecovery(this, rooms);
    }

    ConnectionState state() {
        return publishedState;
    }

    ConnectedInfo info() {
        return publishedInfo;
    }

    long malformedFrames() {
        return malformed.get();
    }

    /** Runs {@code task} on the loop later; false if the loop no longer accepts tasks. */
    boolean submit(Runnable task) {
        try {
            loop.execute(task);
            return true;
        } catch (RejectedExecutionException e) {
            return false;
        }
    }

    CompletableFuture<ConnectedInfo> connect() {
        CompletableFuture<ConnectedInfo> f = new CompletableFuture<>();
        if (!submit(() -> startConnect(f))) {
            f.completeExceptionally(Futures.closedError());
        }
        return f;
    }

    private void startConnect(CompletableFuture<ConnectedInfo> f) {
        if (closeFuture != null) {
            f.completeExceptionally(Futures.closedError());
            return;
        }
        if (state == ConnectionState.CONNECTED) {
            f.complete(info);
            return;
        }
        if (connectFuture == null) {
            connectFuture = new CompletableFuture<>();
        }
        Futures.relay(connectFuture, f);
        if (state == ConnectionState.CLOSED) {
            attempt = 0;
            setState(ConnectionState.CONNECTING, 0, 0, "", null, 0);
            startAttempt();
        }
    }

    private void startAttempt() {
        retryTimer = null;
        Connection conn = new Connection();
        current = conn;
        config.tokens().next().whenComplete((token, err) -> submit(() -> open(conn, token, err)));
    }

    private void open(Connection conn, String token, Throwable tokenError) {
        if (current != conn) {
            return; // closed meanwhile
        }
        if (tokenError != null) {
            RealtimeException e = RealtimeException.unwrap(tokenError);
            conn.failure = e != null ? e : new RealtimeException(RealtimeException.TOKEN_FAILED, tokenError.toString());
            ended(conn);
            return;
        }
        connector.open(conn, token, this);
    }

    @Override
    public void closed(Connection conn) {
        ended(conn);
    }

    @Override
    public void opened(Connection conn) {
        log.debug("WebSocket open to {} ({})", config.address(), config.codec().subprotocol());
    }

    @Override
    public void message(Connection conn, ServerMessage m) {
        if (conn != current) {
            return;
        }
        if (m instanceof ServerMessage.Event) {
            ServerMessage.Event e = (ServerMessage.Event) m;
            recovery.onEvent(conn, e);
            listeners.event(e);
        } else if (m instanceof ServerMessage.Reply) {
            pending.reply((ServerMessage.Reply) m);
        } else if (m instanceof ServerMessage.Connected) {
            info = ConnectedInfo.of((ServerMessage.Connected) m);
            publishedInfo = info;
            if (!conn.live) {
                conn.markLive(info.pingIntervalMs());
                recovery.rejoinAll(conn, info.rooms());
            }
        } else if (m instanceof ServerMessage.Pong) {
            pending.pong((ServerMessage.Pong) m);
        } else if (m instanceof ServerMessage.Error) {
            RealtimeException e = RealtimeException.fromServer(((ServerMessage.Error) m).error());
            log.debug("server error: {}", e.toString());
            listeners.error(e);
        }
    }

    /** Called by {@link SessionRecovery} once the rooms are rejoined (at once if there are none). */
    void becomeConnected(Connection conn) {
        if (conn != current) {
            return;
        }
        int tries = attempt;
        connectedAt = System.nanoTime(); // the retry count starts again once this connection proves stable
        log.info("connected to {} as {} (sid {})", config.address(), info.anonymous() ? "anonymous" : info.userId(),
                info.sid());
        setState(ConnectionState.CONNECTED, tries, 0, "", null, 0);
        completeConnect(info, null);
    }

    private void completeConnect(ConnectedInfo value, RealtimeException error) {
        CompletableFuture<ConnectedInfo> waiting = connectFuture;
        connectFuture = null;
        if (waiting != null && error != null) {
            waiting.completeExceptionally(error);
        } else if (waiting != null) {
            waiting.complete(value);
        }
    }

    /** The end of a connection or attempt, whatever the cause: decides between retrying and giving up. */
    private void ended(Connection conn) {
        if (conn.ended) {
            return;
        }
        conn.ended = true;
        conn.cancelTimer();
        if (conn != current) {
            return;
        }
        current = null;
        int code = conn.reportedCloseCode();
        String reason = conn.closeReason;
        String how = code != 0 ? "close " + code + (reason.isEmpty() ? "" : " " + reason) : "no WebSocket";
        pending.failAll(() -> new RealtimeException(RealtimeException.DISCONNECTED, "connection closed (" + how + ")"));
        if (closeFuture != null) {
            finishClose(conn);
            return;
        }
        RealtimeException error = Failures.of(conn, code, how);
        if (connectedAt != 0 && System.nanoTime() - connectedAt >= STABLE_NANOS) {
            attempt = 0; // a connection that lasted: back off from the start again
        }
        connectedAt = 0;
        if (!Failures.retryable(error.code(), config.tokens().refreshable()) || !config.reconnect().allows(attempt + 1)) {
            int tries = attempt;
            attempt = 0;
            log.warn("not reconnecting to {}: {}", config.address(), error.toString());
            setState(ConnectionState.CLOSED, tries, code, reason, error, 0);
            completeConnect(null, error);
            return;
        }
        attempt++;
        long delay = Failures.delayMillis(config.reconnect(), attempt, code, error);
        log.info("connection to {} ended ({}); retry {} in {} ms", config.address(), error.toString(), attempt, delay);
        retryTimer = loop.schedule(this::startAttempt, delay, TimeUnit.MILLISECONDS);
        setState(ConnectionState.RECONNECTING, attempt, code, reason, error, delay);
    }

    private void setState(ConnectionState next, int tries, int code, String reason, RealtimeException error,
                          long delay) {
        ConnectionState previous = state;
        state = next;
        publishedState = next;
        listeners.state(new StateChange(next, previous, tries, code, reason, error, delay));
    }

    /** On the loop: the connection requests may use now, or null (not connected yet, or closing). */
    Connection liveConnection() {
        return closeFuture == null && current != null && current.live ? current : null;
    }

    /** On the loop: why there is no live connection, for error messages. */
    RealtimeException notLiveError(String what) {
        return closeFuture != null ? Futures.closedError()
                : new RealtimeException(RealtimeException.NOT_CONNECTED, what + ": not connected (" + state + ")");
    }

    /** On the loop: the rooms the server joined automatically on the current or last connection. */
    List<String> autoRooms() {
        return info != null ? info.rooms() : List.of();
    }

    CompletableFuture<Void> closeAsync() {
        CompletableFuture<Void> f = new CompletableFuture<>();
        if (!submit(() -> beginClose(f))) {
            f.complete(null); // the loop is gone: nothing left to close
        }
        return f;
    }

    private void beginClose(CompletableFuture<Void> f) {
        if (closeFuture != null) {
            Futures.relay(closeFuture, f);
            return;
        }
        closeFuture = new CompletableFuture<>();
        Futures.relay(closeFuture, f);
        if (retryTimer != null) {
            retryTimer.cancel(false);
            retryTimer = null;
        }
        completeConnect(null, Futures.closedError());
        Connection conn = current;
        if (conn != null && conn.channel != null) {
            conn.close(CloseCodes.NORMAL, "client closed", config.closeTimeout().toMillis()); // ended() finishes
        } else {
            current = null;
            finishClose(null);
        }
    }

    private void finishClose(Connection conn) {
        int code = conn != null && conn.closeCode != 0 ? conn.closeCode : CloseCodes.NORMAL;
        String reason = conn != null && !conn.closeReason.isEmpty() ? conn.closeReason : "client closed";
        if (state != ConnectionState.CLOSED || conn != null) {
            setState(ConnectionState.CLOSED, 0, code, reason, null, 0);
        }
        CompletableFuture<Void> done = closeFuture;
        if (ownedGroup != null) {
            ownedGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).addListener(x -> done.complete(null));
        } else {
            done.complete(null);
        }
    }
}
