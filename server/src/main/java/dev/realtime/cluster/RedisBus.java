package dev.realtime.cluster;

import dev.realtime.metrics.GatewayMetrics;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisMovedDataException;

/**
 * {@link Bus} over Redis pub/sub: one channel per room ({@code <prefix>room:<name>}, prefix
 * {@code REDIS_KEY_PREFIX}, default {@code rt:}), subscribed only while the room has local members,
 * plus this node's own channel ({@code <prefix>node:<id>}). Clusters with different prefixes can
 * share one Redis.
 *
 * <p>Two deployments, one design: on a single Redis server ({@link #standalone}) every channel is on
 * that server ({@code SUBSCRIBE}/{@code PUBLISH}); on Redis Cluster ({@link #cluster}) each channel
 * lives on the primary serving its slot ({@code SSUBSCRIBE}/{@code SPUBLISH}, sharded pub/sub), so a
 * room's messages touch one shard. The bus learns the slot map ({@link BusTopology}: every second, and
 * at once after a failure, a {@code MOVED} or an unasked unsubscribe) and moves subscriptions when a
 * slot migrates or a replica takes over.
 *
 * <p>Nothing accepted is lost over a short outage: the {@link BusPublisher} keeps what Redis has not
 * taken (up to {@code BUS_OUTAGE_BUFFER_BYTES}) and replays it in order once the channel's node
 * answers, waiting until the receivers are subscribed again; every message carries this bus's run id
 * and a sequence number ({@link BusFrame}), and receivers drop the copies a replay produces
 * ({@link SeqFilter}). A node that loses only its own subscription (its publisher and the others'
 * fine) misses what others publish meanwhile; its clients recover those with {@code since}.
 *
 * <p>Threads: {@code bus-redis-ctl} (the control thread: topology, placement of subscriptions, pings;
 * the only writer of subscription commands), one {@link PubSubLink} thread per node subscribed to
 * ({@code bus-redis-sub...}, which also runs the handler), and {@code bus-redis-pub}. State owned by
 * the control thread is marked; the rest is concurrent.
 */
public final class RedisBus implements Bus {
    private static final Logger log = LoggerFactory.getLogger(RedisBus.class);
    /** The default channel prefix ({@code REDIS_KEY_PREFIX}). */
    public static final String DEFAULT_PREFIX = "rt:";
    /** The default {@code BUS_OUTAGE_BUFFER_BYTES}. */
    public static final long DEFAULT_BUFFER_BYTES = 64L << 20;
    static final long PING_EVERY_MS = 5_000;
    static final long REFRESH_EVERY_MS = 1_000;
    static final long TICK_MS = 100;
    static final long DRAIN_MS = 5_000;

    private final String roomPrefix;
    private final String nodeChannel;
    private final BusTopology topology;
    private final JedisClientConfig linkConfig;
    private final BusPublisher publisher;
    private final SeqFilter seen = new SeqFilter();
    private final GatewayMetrics metrics;
    private final long pingEveryMs;
    private final long run = new SecureRandom().nextLong();
    private final Set<String> rooms = ConcurrentHashMap.newKeySet();
    /** Subscriptions asked for and not yet confirmed by Redis, completed by the link threads. */
    private final Map<String, CompletableFuture<Void>> confirmations = new ConcurrentHashMap<>();
    private final ScheduledExecutorService control = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "bus-redis-ctl");
        t.setDaemon(true);
        return t;
    });
    private final Events events = new Events();
    /** Node -> link up, for the health readers (written by the control thread). */
    private final Map<HostAndPort, Boolean> linkUp = new ConcurrentHashMap<>();
    private volatile Handler handler;
    private volatile boolean linksUp;
    /** Whether the subscriber has reached Redis at all since start (before that, joins wait as usual). */
    private volatile boolean everUp;
    /** Whether any primary's subscriber link is up now (false in a whole outage). */
    private volatile boolean anyLinkUp;
    private volatile boolean closed;
    // Control thread only.
    private final ChannelPlacement placement;
    private boolean reconcileWanted = true;
    private long lastRefreshNanos;
    private long lastPingNanos = System.nanoTime();

    public RedisBus(HostAndPort address, String password, String nodeId, GatewayMetrics metrics) {
        this(address, password, DEFAULT_PREFIX, nodeId, metrics);
    }

    /** @param prefix channel prefix, {@code REDIS_KEY_PREFIX} */
    public RedisBus(HostAndPort address, String password, String prefix, String nodeId, GatewayMetrics metrics) {
        this(address, password, prefix, nodeId, metrics, PING_EVERY_MS);
    }

    /** @param pingEveryMs how often the subscriber connections are pinged (tests use a short one) */
    RedisBus(HostAndPort address, String password, String prefix, String nodeId, GatewayMetrics metrics,
             long pingEveryMs) {
        this(BusTopology.standalone(address), password, prefix, nodeId, metrics, pingEveryMs, DEFAULT_BUFFER_BYTES);
    }

    private RedisBus(BusTopology topology, String password, String prefix, String nodeId, GatewayMetrics metrics,
                     long pingEveryMs, long bufferBytes) {
        this.roomPrefix = prefix + "room:";
        this.nodeChannel = prefix + "node:" + nodeId;
        this.topology = topology;
        this.metrics = metrics;
        this.pingEveryMs = pingEveryMs;
        this.linkConfig = clientConfig(password, 5_000);
        this.publisher = new BusPublisher(topology, linkConfig, metrics, bufferBytes, "bus-redis-pub", run);
        this.placement = new ChannelPlacement(topology, linkConfig, events);
    }

    /** A bus over one Redis server (or a primary with replicas behind one address). */
    public static RedisBus standalone(HostAndPort address, String password, String prefix, String nodeId,
                                      GatewayMetrics metrics, long bufferBytes) {
        return new RedisBus(BusTopology.standalone(address), password, prefix, nodeId, metrics, PING_EVERY_MS, bufferBytes);
    }

    /** A bus over Redis Cluster reached through {@code seeds} (sharded pub/sub). */
    public static RedisBus cluster(List<HostAndPort> seeds, String password, String prefix, String nodeId,
                                   GatewayMetrics metrics, long bufferBytes) {
        BusTopology topology = BusTopology.cluster(seeds, clientConfig(password, 2_000), metrics.redis.failovers::inc);
        return new RedisBus(topology, password, prefix, nodeId, metrics, PING_EVERY_MS, bufferBytes);
    }

    static RedisBus cluster(List<HostAndPort> seeds, String prefix, String nodeId, GatewayMetrics metrics,
                            long pingEveryMs, long bufferBytes) {
        BusTopology topology = BusTopology.cluster(seeds, clientConfig(null, 2_000), metrics.redis.failovers::inc);
        return new RedisBus(topology, null, prefix, nodeId, metrics, pingEveryMs, bufferBytes);
    }

    private static JedisClientConfig clientConfig(String password, int timeoutMs) {
        DefaultJedisClientConfig.Builder b = DefaultJedisClientConfig.builder()
                .connectionTimeoutMillis(timeoutMs).socketTimeoutMillis(timeoutMs).clientName("realtime-bus");
        if (password != null) {
            b.password(password);
        }
        return b.build();
    }

    String channel(String room) {
        return roomPrefix + room;
    }

    @Override
    public void start(Handler handler) {
        this.handler = handler;
        registerGauges();
        publisher.start();
        control.scheduleWithFixedDelay(this::tick, 0, TICK_MS, TimeUnit.MILLISECONDS);
    }

    private void registerGauges() {
        try {
            metrics.gauge("realtime_bus_buffer_bytes", "Bytes the bus holds for Redis (queued, waiting out an outage, replaying)",
                    publisher::heldBytes);
            metrics.gauge("realtime_redis_cluster_state", "1 while the Redis cluster state is ok (always 1 on one server)",
                    () -> "ok".equals(clusterState()) ? 1 : 0);
            metrics.gauge("realtime_redis_primaries", "Redis primaries serving slots", () -> topology.snapshot().primaries().size());
            metrics.gauge("realtime_redis_primaries_reachable", "Redis primaries this node's bus reaches",
                    this::reachablePrimaries);
        } catch (IllegalArgumentException alreadyRegistered) {
            // a second bus on the same metrics (tests)
        }
    }

    @Override
    public void subscribe(String room) {
        if (rooms.add(room)) {
            confirmations.putIfAbsent(room, new CompletableFuture<>());
            onControl(() -> {
                if (!placement.place(channel(room))) {
                    reconcileWanted = true; // placed once the topology is known
                }
            });
        }
    }

    @Override
    public CompletableFuture<Void> subscribed(String room) {
        CompletableFuture<Void> pending = confirmations.get(room);
        if (pending == null || everUp && !anyLinkUp) {
            // In an outage (Redis reached before, no link up now) nothing from other nodes can arrive:
            // a join (every connect's user room) need not wait 2 s for a confirmation that cannot
            // come. At start-up, or with only some primaries down, it waits as usual.
            return CompletableFuture.completedFuture(null);
        }
        return pending;
    }

    private void confirmed(String room) {
        CompletableFuture<Void> pending = confirmations.remove(room);
        if (pending != null) {
            pending.complete(null);
        }
    }

    @Override
    public void unsubscribe(String room) {
        if (rooms.remove(room)) {
            confirmed(room); // nobody waits for a room this node left
            seen.forget(room);
            onControl(() -> {
                if (!rooms.contains(room)) { // not subscribed again meanwhile
                    placement.unplace(channel(room));
                }
            });
        }
    }

    @Override
    public void publish(String room, byte[] envelope) {
        publisher.offer(channel(room), envelope); // framed with (run, seq) on the publisher thread
    }

    @Override
    public boolean healthy() {
        return linksUp && publisher.up() && (!topology.sharded() || "ok".equals(topology.snapshot().state()));
    }

    @Override
    public String name() {
        return "redis";
    }

    /** {@code ok}, {@code fail}, {@code unknown} (nothing answered yet) or {@code unreachable}; {@code ok} on one server. */
    public String clusterState() {
        return topology.sharded() ? topology.snapshot().state() : (linksUp ? "ok" : "unreachable");
    }

    /** Primaries whose subscriber link is up and that the publisher reaches. */
    public int reachablePrimaries() {
        int n = 0;
        Set<HostAndPort> failing = publisher.failingNodes();
        for (HostAndPort p : topology.snapshot().primaries()) {
            // Per primary: one dead primary is one down, whether the subscriber, the publisher or both noticed.
            if (linkUp.getOrDefault(p, false) && !failing.contains(p)) {
                n++;
            }
        }
        return n;
    }

    /** What {@code /health/ready} shows about Redis. */
    public Map<String, Object> details() {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("mode", topology.sharded() ? "cluster" : "standalone");
        d.put("cluster_state", clusterState());
        d.put("primaries", topology.snapshot().primaries().size());
        d.put("reachable_primaries", reachablePrimaries());
        d.put("buffered_bytes", publisher.heldBytes());
        return d;
    }

    /** Every node the topology knows, then the seeds (for other Redis clients, e.g. the channel ingest). */
    public List<HostAndPort> knownNodes() {
        return topology.knownNodes();
    }

    private void onControl(Runnable task) {
        try {
            control.execute(task);
        } catch (RejectedExecutionException closing) {
            // closed: nothing left to change
        }
    }

    /** Control thread, every {@link #TICK_MS}: topology, placement, pings, health. */
    private void tick() {
        try {
            long now = System.nanoTime();
            if (topology.sharded() && (topology.refreshWanted() || !linksUp
                    || now - lastRefreshNanos >= TimeUnit.MILLISECONDS.toNanos(REFRESH_EVERY_MS))) {
                lastRefreshNanos = now;
                topology.refresh(this::moved);
            }
            if (reconcileWanted) {
                reconcile();
            }
            if (now - lastPingNanos >= TimeUnit.MILLISECONDS.toNanos(pingEveryMs)) {
                lastPingNanos = now;
                metrics.busErrors.labels("subscriber").inc(placement.ping(pingEveryMs));
            }
            updateHealth();
        } catch (RuntimeException e) {
            log.warn("redis bus control tick failed", e);
        }
    }

    private void updateHealth() {
        Set<HostAndPort> primaries = topology.snapshot().primaries();
        for (HostAndPort p : primaries) {
            linkUp.put(p, placement.up(p));
        }
        linkUp.keySet().retainAll(primaries);
        linksUp = placement.allUp(primaries);
        boolean any = false;
        for (HostAndPort p : primaries) {
            any |= placement.up(p);
        }
        anyLinkUp = any;
        everUp |= linksUp;
    }

    /** Topology listener (control thread, inside refresh): move what the new map puts elsewhere. */
    private void moved(BusTopology.Snapshot before, BusTopology.Snapshot after) {
        // A slot that had no known owner before (the first map) did not move.
        publisher.moved(slot -> before.owner(slot) != null && !Objects.equals(before.owner(slot), after.owner(slot)));
        reconcile();
    }

    /** Control thread: every wanted channel subscribed on the node that serves it. */
    private void reconcile() {
        reconcileWanted = false;
        List<String> wanted = new ArrayList<>(rooms.size() + 1);
        wanted.add(nodeChannel);
        for (String room : rooms) {
            wanted.add(channel(room));
        }
        placement.reconcile(wanted);
    }

    private boolean wanted(String channel) {
        return channel.equals(nodeChannel) || channel.startsWith(roomPrefix) && rooms.contains(channel.substring(roomPrefix.length()));
    }

    /** What the links report; runs on their threads and hands control work to the control thread. */
    private final class Events implements PubSubLink.Events {
        /** Per link: whether a warning was logged for its current outage (link threads). */
        private final Map<PubSubLink, Boolean> warned = new ConcurrentHashMap<>();

        @Override
        public void connected(PubSubLink link) {
            if (warned.remove(link) != null) {
                log.info("redis bus subscriber reconnected to {}", link.node());
            } else {
                log.info("redis bus connected to {}", link.node());
            }
            onControl(() -> {
                placement.connected(link);
                updateHealth();
            });
        }

        @Override
        public void disconnected(PubSubLink link, String why) {
            topology.requestRefresh();
            if (warned.putIfAbsent(link, true) == null) {
                metrics.busErrors.labels("subscriber").inc();
                log.warn("redis bus subscriber lost {} ({}); reconnecting", link.node(), why);
            }
        }

        @Override
        public void subscribed(PubSubLink link, byte[] channel) {
            String name = new String(channel, StandardCharsets.UTF_8);
            if (name.startsWith(roomPrefix)) {
                confirmed(name.substring(roomPrefix.length()));
            }
            onControl(() -> placement.confirmed(link, name));
        }

        @Override
        public void unsubscribed(PubSubLink link, byte[] channel) {
            String name = new String(channel, StandardCharsets.UTF_8);
            onControl(() -> {
                if (placement.ended(link, name, wanted(name))) {
                    // Not asked for: the slot left this node (migrated, or the node was demoted).
                    topology.requestRefresh();
                    reconcileWanted = true;
                }
            });
        }

        @Override
        public void message(PubSubLink link, byte[] channel, byte[] frame) {
            String name = new String(channel, StandardCharsets.UTF_8);
            if (!name.startsWith(roomPrefix)) {
                return; // node channel: reserved for node-addressed requests
            }
            String room = name.substring(roomPrefix.length());
            if (!rooms.contains(room)) {
                return; // left meanwhile (its copy-filter state is gone too)
            }
            metrics.busReceives.inc();
            byte[] payload = frame;
            if (BusFrame.framed(frame)) {
                if (!seen.accept(room, BusFrame.run(frame), BusFrame.seq(frame))) {
                    metrics.redis.busDuplicates.inc();
                    return;
                }
                payload = BusFrame.payload(frame);
            }
            try {
                handler.onMessage(room, payload);
            } catch (RuntimeException e) {
                metrics.busErrors.labels("handler").inc();
                log.warn("bus message for {} failed: {}", name, e.toString());
            }
        }

        @Override
        public void refused(PubSubLink link, JedisDataException error) {
            if (error instanceof JedisMovedDataException moved) {
                metrics.redis.redirections.labels("moved").inc();
                topology.moved(moved.getSlot(), moved.getTargetNode());
                onControl(() -> {
                    placement.refusedBy(link, moved.getSlot());
                    reconcileWanted = true;
                });
            } else {
                log.debug("redis bus subscriber on {} refused: {}", link.node(), error.getMessage());
                topology.requestRefresh();
                onControl(() -> {
                    placement.refusedBy(link, -1);
                    reconcileWanted = true;
                });
            }
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Sends what is queued (up to {@link #DRAIN_MS}; what is left is counted in
     * {@code realtime_bus_shutdown_dropped_total}), then stops the subscriptions.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        publisher.close(DRAIN_MS);
        control.shutdownNow();
        try {
            control.awaitTermination(3, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        placement.closeAll();
        topology.close();
        linksUp = false;
    }
}
