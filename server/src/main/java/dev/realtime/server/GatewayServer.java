package dev.realtime.server;

import dev.realtime.admin.NodeStats;
import dev.realtime.auth.ApiKeyCheck;
import dev.realtime.auth.TokenVerifier;
import dev.realtime.cluster.Backends;
import dev.realtime.cluster.Bus;
import dev.realtime.cluster.BusBridge;
import dev.realtime.cluster.PeerChannel;
import dev.realtime.cluster.NodeSignals;
import dev.realtime.config.GatewayConfig;
import dev.realtime.emit.EmitRegistry;
import dev.realtime.game.QuizGame;
import dev.realtime.history.HistoryEmit;
import dev.realtime.history.StoreJournal;
import dev.realtime.http.ApiRoutes;
import dev.realtime.http.BoundedBodyAggregator;
import dev.realtime.http.HttpBodyGate;
import dev.realtime.http.EventRoutes;
import dev.realtime.http.HealthRoutes;
import dev.realtime.http.HttpPhase;
import dev.realtime.http.HttpStatusCounter;
import dev.realtime.http.HttpRouter;
import dev.realtime.ingest.RouteTable;
import dev.realtime.ingest.RouteTableException;
import dev.realtime.metrics.GatewayMetrics;
import dev.realtime.notify.ChannelSubscriptions;
import dev.realtime.notify.NotificationService;
import dev.realtime.presence.PresenceEmit;
import dev.realtime.protocol.BinaryCodec;
import dev.realtime.protocol.CloseCodes;
import dev.realtime.protocol.JsonCodec;
import dev.realtime.room.LoopOutbox;
import dev.realtime.room.RoomBridge;
import dev.realtime.room.RoomJournal;
import dev.realtime.room.RoomPolicy;
import dev.realtime.room.RoomService;
import dev.realtime.session.ConnectionRegistry;
import dev.realtime.session.SessionListener;
import dev.realtime.socketio.SocketIoEndpoint;
import dev.realtime.socketio.SocketIoServer;
import dev.realtime.store.Stores;
import dev.realtime.ws.ConnectionSweeper;
import dev.realtime.ws.WebSocketUpgrade;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.timeout.ReadTimeoutHandler;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.io.File;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One gateway node: builds the shared services, binds the port, and shuts down gracefully.
 * {@link #emits()} may be filled before {@link #start()}. Several instances can run in one JVM
 * (no static state), which is how multi-node tests work.
 *
 * <p>Threading: {@code start} and {@code shutdown} are called by the owner thread; everything else
 * runs on the event loops and shard threads it creates.
 */
public final class GatewayServer {
    private static final Logger log = LoggerFactory.getLogger(GatewayServer.class);

    private final GatewayConfig config;
    private final GatewayMetrics metrics = new GatewayMetrics();
    private final EmitRegistry emits = new EmitRegistry();
    private final AtomicBoolean draining = new AtomicBoolean();
    private final AtomicBoolean stopped = new AtomicBoolean();
    private final ChannelGroup channels = new DefaultChannelGroup("all", GlobalEventExecutor.INSTANCE);
    private Transport transport;
    private EventLoopGroup workers;
    private GatewayContext context;
    private Channel serverChannel;
    private NodeServices services;
    private RoomFeatures features;
    private StoreJournal journal;
    private Stores stores;
    private RoomService rooms;
    private QuizGame game;
    private SocketIoServer socketIo;

    private final Backends backends;

    public GatewayServer(GatewayConfig config) {
        this(config, null);
    }

    /** A node with the given backends ({@code null}: chosen from the configuration). */
    public GatewayServer(GatewayConfig config, Backends backends) {
        this.config = config;
        this.backends = backends != null ? backends : Backends.fromConfig(config, metrics);
        BuiltinEmits.register(emits);
    }

    public EmitRegistry emits() {
        return emits;
    }

    public GatewayMetrics metrics() {
        return metrics;
    }

    public GatewayContext context() {
        return context;
    }

    public GatewayConfig config() {
        return config;
    }

    /** The bound port (useful with {@code PORT=0}). */
    public int port() {
        return ((InetSocketAddress) serverChannel.localAddress()).getPort();
    }

    public String transportName() {
        return transport.name();
    }

    public GatewayServer start() throws InterruptedException {
        // First, before any thread exists: a bad route file or TLS key stops the start with nothing to clean up.
        RouteTable routes;
        SslContext ssl;
        try {
            routes = loadRoutes();
            ssl = sslContext();
        } catch (RuntimeException e) {
            if (backends.bus() != null) {
                backends.bus().close(); // never started; releases its executor
            }
            if (backends.stores() != null) {
                backends.stores().close();
            }
            throw e;
        }
        try {
            startNode(routes, ssl);
        } catch (Exception e) { // also the BindException Netty rethrows unchecked (e.g. the port is taken)
            abortStart(); // stop every thread this start created
            throw e;
        }
        log.info("{} {} listening on {}:{} ({} transport, {} io threads, rooms {})", config.serviceName(),
                config.nodeId(), config.host(), port(), transport.name(), config.ioThreads(),
                config.roomShards() == 0 ? "on the io threads" : "on " + config.roomShards() + " shard threads");
        return this;
    }

    /** Creates the threads and services, then binds. On any failure the caller undoes it with {@link #abortStart}. */
    private void startNode(RouteTable routes, SslContext ssl) throws InterruptedException {
        transport = Transport.choose(config.transport());
        workers = transport.group("rt-io", config.ioThreads());
        Map<EventLoop, LoopOutbox> outboxes = new HashMap<>();
        Map<EventLoop, ConnectionSweeper> sweepers = new HashMap<>();
        for (EventExecutor e : workers) {
            EventLoop loop = (EventLoop) e;
            outboxes.put(loop, new LoopOutbox(loop, metrics, config.slowConsumerPolicy(), config.outboxMaxBytes()));
            sweepers.put(loop, new ConnectionSweeper(loop));
        }
        JsonCodec json = new JsonCodec(config.maxJsonDepth(), config.maxBatchMessages());
        BinaryCodec binary = new BinaryCodec(config.maxJsonDepth(), config.maxBatchMessages());
        ByteBufAllocator alloc = ByteBufAllocator.DEFAULT;
        ConnectionRegistry registry = new ConnectionRegistry(config.maxConnections(), config.maxConnectionsPerIp(),
                config.maxConnectionsPerUser());
        Bus bus = backends.bus();
        BusBridge busBridge = bus == null ? null : new BusBridge(bus, config.nodeId(), metrics);
        stores = backends.storesOrInMemory(config);
        // A blocking (Redis) history store gets lanes so shards never wait on the network.
        journal = config.roomHistorySize() == 0 ? null
                : new StoreJournal(stores.history(), metrics, stores.shared() ? 4 : 0, config.nodeId(),
                        config.historyReadMaxBytes(), config.historyLaneMaxBytes(), config.busOutageBufferBytes(),
                        routes.roomPolicies());
        socketIo = config.socketIoEnabled() ? new SocketIoServer(config.socketIoRecoveryMs() > 0) : null;
        // ROOM_SHARDS=0 (the default): rooms live on the I/O loops, hashed over them (issue 12: one hop per publish).
        List<EventExecutor> roomLoops = new java.util.ArrayList<>();
        if (config.roomShards() == 0) {
            workers.forEach(roomLoops::add);
        }
        rooms = new RoomService(roomLoops, config.roomShards(), config.maxRoomMembers(), json, binary, alloc, metrics,
                busBridge == null ? RoomBridge.LOCAL : busBridge, journal == null ? RoomJournal.NONE : journal,
                config.shardQueueMaxBytes(), socketIo == null ? List.of() : List.of(socketIo.encoder()),
                routes.roomPolicies());
        metrics.queueBytes("outbox", () -> outboxes.values().stream().mapToLong(o -> o.budget().used()).sum());
        Dependencies.Builder deps = Dependencies.builder();
        if (busBridge != null) {
            busBridge.start(rooms);
            metrics.gauge("realtime_bus_up", "1 while the cluster bus reaches its backend", () -> bus.healthy() ? 1 : 0);
            deps.add(bus.name(), bus::healthy);
            if (bus instanceof dev.realtime.cluster.RedisBus redisBus) {
                deps.detail("redis", redisBus::details);
            }
        }
        services = new NodeServices(config, stores, routes, rooms, metrics);
        services.addChecks(deps, metrics);
        emits.register(NotificationService.READ_EMIT, services.notifications::read);
        ChannelSubscriptions.register(emits);
        emits.register(PresenceEmit.EVENT, new PresenceEmit(services.presence)::handle);
        emits.register(HistoryEmit.EVENT, new HistoryEmit(rooms, Math.max(1, config.roomHistorySize()))::handle);
        NodeSignals signals = new NodeSignals(busBridge == null ? PeerChannel.NONE : busBridge);
        game = QuizGame.install(new QuizGame.Wiring(config, stores, rooms, signals, services.presence,
                services.forwarding, metrics), emits);
        RoomPolicy policy = new RoomPolicy(config.publicRooms(), routes.serverEventNames(), routes::deliversTemplated,
                routes.roomPolicies()).withGuard(QuizGame.ROOM_PREFIX, game.roomGuard());
        features = new RoomFeatures(config, rooms, policy, busBridge == null ? PeerChannel.NONE : busBridge,
                services.presence, new NodeStats(config.nodeId(), registry, rooms), emits, metrics);
        context = new GatewayContext(config, metrics, new TokenVerifier(config), new ApiKeyCheck(config.internalApiKey()),
                rooms, policy, registry, emits, json, binary, alloc,
                Map.copyOf(outboxes), Map.copyOf(sweepers), draining, System.currentTimeMillis(), Version.get(), bus,
                services.presence, services.notifications, services.ingest, services.forwarding,
                SessionListener.of(List.of(services.sessionListener, features.listener(), game.sessionListener())),
                deps.build());
        services.start();
        SocketIoEndpoint socketIoEndpoint = null;
        if (socketIo != null) {
            socketIo.start(context, stores.keyValue(), emits);
            socketIoEndpoint = new SocketIoEndpoint(socketIo);
        }
        SocketIoEndpoint sio = socketIoEndpoint;
        metrics.gauge("realtime_connections", "Open WebSocket connections", registry::total);
        metrics.gauge("realtime_users", "Distinct users connected to this node", registry::uniqueUsers);
        metrics.gauge("realtime_ready", "1 when the node accepts traffic, 0 while draining",
                () -> draining.get() ? 0 : 1);
        metrics.gauge("realtime_outbound_buffered_bytes",
                "Bytes written to connections that the kernel has not taken yet, summed over every connection",
                this::outboundBufferedBytes);
        long tick = Math.max(10, Math.min(1000,
                Math.min(config.pingIntervalMs(), Math.min(config.pingTimeoutMs(), config.authTimeoutMs())) / 4));
        sweepers.values().forEach(s -> s.start(tick));

        HealthRoutes health = new HealthRoutes(context);
        ApiRoutes api = new ApiRoutes(context);
        EventRoutes events = new EventRoutes(context, api);
        WebSocketUpgrade upgrade = new WebSocketUpgrade(context, channels);
        HttpPhase.Limit httpPhaseLimit = new HttpPhase.Limit(config.httpMaxConnections());
        metrics.gauge("realtime_http_connections", "Connections in the HTTP phase (not upgraded to WebSocket)",
                httpPhaseLimit::current);
        ServerBootstrap b = new ServerBootstrap()
                // The listener lives on an I/O loop too: with one I/O thread an accepted connection is
                // registered on the loop that accepted it (no hand-off, no wake-up of another thread);
                // a separate acceptor thread cost ~26 µs of CPU per handshake (W3, issue 12).
                .group(workers, workers)
                .channel(transport.serverChannel())
                .option(ChannelOption.SO_BACKLOG, 4096)
                .option(ChannelOption.SO_REUSEADDR, true)
                // No TCP_NODELAY child option: every Netty transport sets it on accepted sockets by default
                // (setting it again was one more setsockopt per connection).
                // Reads of up to 2 KiB (a read buffer lives only until its bytes are decoded), one allocator for
                // every connection: an idle connection keeps a small handle instead of an adaptive one.
                .childOption(ChannelOption.RCVBUF_ALLOCATOR, new io.netty.channel.FixedRecvByteBufAllocator(2048))
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK,
                        new WriteBufferWaterMark(config.writeBufferLowBytes(), config.writeBufferHighBytes()))
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        channels.add(ch);
                        ChannelPipeline p = ch.pipeline();
                        if (ssl != null) {
                            p.addLast("tls", ssl.newHandler(ch.alloc()));
                        }
                        HttpPhase phase = new HttpPhase(httpPhaseLimit, config.httpHeaderTimeoutMs(), metrics);
                        p.addLast(HttpPhase.BYTES_HANDLER, phase.bytes());
                        p.addLast(WebSocketUpgrade.HTTP_IDLE_HANDLER,
                                new ReadTimeoutHandler(config.httpIdleTimeoutMs(), TimeUnit.MILLISECONDS));
                        p.addLast(WebSocketUpgrade.HTTP_CODEC_HANDLER, new HttpServerCodec(4096, 8192, 8192));
                        p.addLast(HttpPhase.HEADS_HANDLER, phase.heads());
                        p.addLast(HttpStatusCounter.NAME, new HttpStatusCounter(metrics.httpRequests, config.wsPath(),
                                socketIoPaths()));
                        p.addLast("http-keepalive", new HttpServerKeepAliveHandler());
                        p.addLast(HttpBodyGate.NAME, new HttpBodyGate(context.apiKey(), config.wsPath(), metrics,
                                socketIoPaths()));
                        p.addLast(WebSocketUpgrade.HTTP_AGGREGATOR_HANDLER, new BoundedBodyAggregator(config.httpMaxBodyBytes()));
                        p.addLast("http-router", new HttpRouter(context, health, api, events, upgrade, sio));
                    }
                });
        serverChannel = b.bind(config.host(), config.port()).sync().channel();
    }

    /**
     * What every connection holds in its outbound buffer: WebSockets summed by their loops' sweepers,
     * the rest (HTTP phase, Socket.IO) with a volatile read per channel. Any thread.
     */
    private double outboundBufferedBytes() {
        long sum = 0;
        for (ConnectionSweeper s : context.sweepers().values()) {
            sum += s.outboundBytes();
        }
        for (Channel ch : channels) {
            io.netty.channel.ChannelOutboundBuffer out = ch.unsafe().outboundBuffer();
            if (out != null) {
                sum += out.totalPendingWriteBytes();
            }
        }
        return sum;
    }

    /** Socket.IO's path (with or without its trailing slash), whose polling POSTs carry bodies. */
    private java.util.function.Predicate<String> socketIoPaths() {
        String p = config.socketIoPath();
        if (p == null) {
            return path -> false;
        }
        String bare = p.endsWith("/") ? p.substring(0, p.length() - 1) : p;
        return path -> path.equals(p) || path.equals(bare);
    }

    /** The route table, refused when a routed Redis pattern could match this cluster's bus channels. */
    private RouteTable loadRoutes() {
        RouteTable routes = RouteTable.fromConfig(config.routesFile(), config.maxRecordBytes());
        List<String> overlapping = config.clustered() ? routes.redisPatternsOverlapping(config.redisKeyPrefix()) : List.of();
        if (!overlapping.isEmpty()) {
            throw new RouteTableException(routes.origin(), List.of("Redis channel patterns " + overlapping
                    + " could match the cluster bus channels ('" + config.redisKeyPrefix() + "...', REDIS_KEY_PREFIX)"));
        }
        return routes;
    }

    private SslContext sslContext() {
        if (!config.tlsEnabled()) {
            return null;
        }
        try {
            SslContext context = SslContextBuilder.forServer(new File(config.tlsCert()), new File(config.tlsKey())).build();
            TlsSelfCheck.verify(context);
            return context;
        } catch (SSLException | IllegalArgumentException e) {
            throw new IllegalStateException("TLS_CERT/TLS_KEY cannot be loaded: " + e.getMessage(), e);
        }
    }

    /**
     * Graceful shutdown: report not-ready, wait {@code SHUTDOWN_DELAY_MS} (load balancers notice),
     * close every WebSocket with 1001 (new upgrades get 503), wait up to {@code SHUTDOWN_GRACE_MS} for
     * them to go, stop accepting, then stop the threads. Idempotent.
     */
    public void shutdown() {
        if (!stopped.compareAndSet(false, true) || context == null) {
            return;
        }
        draining.set(true);
        log.info("draining: not ready, closing connections");
        sleep(config.shutdownDelayMs());
        // The listener stays open while connections drain: /health/ready answers 503 and new WebSocket
        // upgrades are refused with 503 (so a load balancer or a client sees "draining", not a refused
        // connection), then it closes.
        context.sweepers().values().forEach(s -> s.loop().execute(() -> s.closeAll(CloseCodes.GOING_AWAY, "server shutting down")));
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(config.shutdownGraceMs());
        while (context.connections().total() > 0 && System.nanoTime() < deadline) {
            sleep(20);
        }
        serverChannel.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
        channels.close().awaitUninterruptibly(5, TimeUnit.SECONDS); // HTTP-phase (and Socket.IO) channels
        abortWebSockets(); // WebSockets still open after the grace (they left the group at the upgrade)
        context.sweepers().values().forEach(ConnectionSweeper::stop);
        closeServices();
        workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
        log.info("stopped");
    }

    /** Drops every WebSocket still open, on each loop, and waits (up to 5 s) until their sessions are released. */
    private void abortWebSockets() {
        for (ConnectionSweeper s : context.sweepers().values()) {
            s.loop().submit(s::abortAll).awaitUninterruptibly(5, TimeUnit.SECONDS);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (context.connections().total() > 0 && System.nanoTime() < deadline) {
            sleep(20);
        }
    }

    /**
     * Consumers first, then what delivers, the history, the stores, the shards, the bus. Each step
     * is attempted whatever the previous one did: a failing service must not keep the rest running.
     */
    private void closeServices() {
        if (game != null) {
            quietly("game", game::close);
        }
        if (services != null) {
            quietly("services", services::close);
        }
        if (features != null) {
            quietly("room features", features::close);
        }
        if (socketIo != null) {
            quietly("socket.io", socketIo::close);
        }
        if (journal != null) {
            quietly("history", journal::close);
        }
        if (stores != null) {
            quietly("stores", stores::close);
        }
        if (rooms != null) {
            quietly("rooms", rooms::shutdown);
        }
        if (backends.bus() != null) {
            quietly("bus", backends.bus()::close);
        }
    }

    /** Undoes a start that failed part-way: whatever was created is stopped; nothing is assumed to exist. */
    private void abortStart() {
        stopped.set(true);
        if (context != null) {
            context.sweepers().values().forEach(ConnectionSweeper::stop);
        }
        closeServices();
        if (workers != null) {
            workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
        }
    }

    private static void quietly(String what, Runnable step) {
        try {
            step.run();
        } catch (RuntimeException e) {
            log.warn("shutdown: closing {} failed: {}", what, e.toString());
        }
    }

    private static void sleep(long ms) {
        if (ms <= 0) {
            return;
        }
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
