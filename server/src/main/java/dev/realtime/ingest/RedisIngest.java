package dev.realtime.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import dev.realtime.cluster.PubSubWatchdog;
import dev.realtime.metrics.GatewayMetrics;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.BinaryJedisPubSub;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisException;

/**
 * Reads the Redis channels the route table names ({@code PSUBSCRIBE} on its patterns, e.g. seed
 * 002's {@code booking:*}) and hands each message to {@link EventIngest}. Redis delivers a message
 * once per matching pattern; only the most specific pattern's copy is routed. A malformed or
 * oversized message is counted ({@code realtime_ingest_rejected_total{source="redis"}}) and
 * dropped; the subscriber goes on. Redis unreachable: reconnect with backoff.
 *
 * <p>On Redis Cluster plain pub/sub is broadcast to every node over the cluster bus, so one
 * {@code PSUBSCRIBE} connection to any node sees a {@code PUBLISH} made on any node: the subscriber
 * keeps one connection, learns the cluster's nodes ({@code CLUSTER SLOTS}) when it connects, and after
 * a failure (the node died, a failover) reconnects to the next node in turn, seeds first.
 *
 * <p>Threading: one thread owns the pub/sub connection and runs the handler; a watchdog thread
 * pings it (Jedis allows {@code ping} from another thread while subscribed) and drops it when
 * pongs stop; {@link #healthy()} and {@link #close()} are safe from any thread.
 */
public final class RedisIngest implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RedisIngest.class);

    private final boolean cluster;
    /** Nodes to try, in turn (the subscriber thread only). */
    private final java.util.LinkedHashSet<HostAndPort> candidates = new java.util.LinkedHashSet<>();
    private int next;
    private final String password;
    private final EventIngest ingest;
    private final GatewayMetrics metrics;
    private final List<String> patterns;
    private final Thread thread;
    private final Listener listener = new Listener();
    private volatile boolean running = true;
    private volatile boolean healthy;
    /** The connection the thread is using, so close() can break a blocked subscribe. */
    private volatile Jedis current;
    static final long PING_EVERY_MS = 5_000;
    private final PubSubWatchdog watchdog;
    private final ScheduledExecutorService pinger;

    public RedisIngest(HostAndPort address, String password, EventIngest ingest, GatewayMetrics metrics, String nodeId) {
        this(List.of(address), false, password, ingest, metrics, nodeId, PING_EVERY_MS);
    }

    /**
     * @param seeds   the nodes to try (one server, or Redis Cluster seed nodes)
     * @param cluster whether {@code seeds} are Redis Cluster nodes (the others are learned on connect)
     */
    public RedisIngest(List<HostAndPort> seeds, boolean cluster, String password, EventIngest ingest,
                       GatewayMetrics metrics, String nodeId) {
        this(seeds, cluster, password, ingest, metrics, nodeId, PING_EVERY_MS);
    }

    RedisIngest(HostAndPort address, String password, EventIngest ingest, GatewayMetrics metrics, String nodeId,
                long pingEveryMs) {
        this(List.of(address), false, password, ingest, metrics, nodeId, pingEveryMs);
    }

    /** @param pingEveryMs how often the watchdog pings (tests use a short one) */
    RedisIngest(List<HostAndPort> seeds, boolean cluster, String password, EventIngest ingest, GatewayMetrics metrics,
                String nodeId, long pingEveryMs) {
        this.watchdog = new PubSubWatchdog("redis ingest subscription", pingEveryMs);
        this.cluster = cluster;
        this.candidates.addAll(seeds);
        this.password = password;
        this.ingest = ingest;
        this.metrics = metrics;
        this.patterns = ingest.table().redisPatterns();
        this.thread = new Thread(this::run, "redis-ingest-" + nodeId);
        this.thread.setDaemon(true);
        this.pinger = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "redis-ingest-ping-" + nodeId);
            t.setDaemon(true);
            return t;
        });
    }

    /** Starts subscribing; does nothing when the table routes no Redis channel. */
    public RedisIngest start() {
        if (!patterns.isEmpty()) {
            thread.start();
            pinger.scheduleWithFixedDelay(this::checkAlive, watchdog.everyMs(), watchdog.everyMs(), TimeUnit.MILLISECONDS);
        }
        return this;
    }

    /** On the watchdog thread: pings the subscription, drops it when it went silent. */
    private void checkAlive() {
        if (!watchdog.check(current, listener, healthy)) { // healthy: subscribed on that very connection
            healthy = false;
        }
    }

    /** Whether the subscription is up (true when there is nothing to subscribe). */
    public boolean healthy() {
        return patterns.isEmpty() || healthy;
    }

    private void run() {
        long backoff = 100;
        byte[][] raw = patterns.stream().map(p -> p.getBytes(StandardCharsets.UTF_8)).toArray(byte[][]::new);
        while (running) {
            HostAndPort address = nextCandidate();
            // 5 s for connect and for AUTH/PING; the subscription itself reads without a timeout (the watchdog covers it).
            try (Jedis jedis = new Jedis(address.getHost(), address.getPort(), 5000, 5000)) {
                current = jedis;
                if (!running) {
                    break; // close() ran while we were connecting
                }
                if (password != null) {
                    jedis.auth(password);
                }
                jedis.ping();
                if (cluster) {
                    learnNodes(jedis, address);
                }
                backoff = 100;
                jedis.psubscribe(listener, raw); // blocks until punsubscribed or broken
            } catch (JedisException e) {
                if (running) {
                    metrics.busErrors.labels("ingest_subscriber").inc();
                    log.warn("redis ingest connection lost ({}); retrying in {} ms", e.getMessage(), backoff);
                }
            } finally {
                healthy = false;
                current = null;
            }
            if (running) {
                sleep(backoff);
                backoff = Math.min(backoff * 2, 5_000);
            }
        }
    }

    /** The next node to try: the candidates in turn (seeds first, then the nodes learned). */
    private HostAndPort nextCandidate() {
        List<HostAndPort> all = new java.util.ArrayList<>(candidates);
        return all.get(next++ % all.size());
    }

    /** Cluster mode: remembers every node of the cluster, so the subscription survives its seeds. */
    private void learnNodes(Jedis jedis, HostAndPort via) {
        try {
            for (Object range : jedis.clusterSlots()) {
                List<?> r = (List<?>) range;
                for (int i = 2; i < r.size(); i++) {
                    List<?> n = (List<?>) r.get(i);
                    String host = new String((byte[]) n.get(0), StandardCharsets.UTF_8);
                    candidates.add(new HostAndPort(host.isEmpty() ? via.getHost() : host, (int) (long) (Long) n.get(1)));
                }
            }
        } catch (JedisException e) {
            log.debug("could not read the cluster's nodes from {}: {}", via, e.toString());
        }
    }

    private final class Listener extends BinaryJedisPubSub {
        @Override
        public void onPong(byte[] pattern) {
            watchdog.pong();
        }

        @Override
        public void onPSubscribe(byte[] pattern, int subscribedChannels) {
            if (subscribedChannels == patterns.size()) {
                healthy = true;
                log.info("routing redis channels {}", patterns);
            }
        }

        @Override
        public void onPMessage(byte[] pattern, byte[] channel, byte[] message) {
            String p = new String(pattern, StandardCharsets.UTF_8);
            String c = new String(channel, StandardCharsets.UTF_8);
            if (!ingest.table().ownsRedisMessage(p, c)) {
                return; // a more specific pattern's copy of the same message is routed instead
            }
            try {
                JsonNode record = ingest.table().parseRecord(message);
                ingest.ingestRedis(p, c, record, message);
            } catch (RecordException e) {
                metrics.ingestRejected.labels("redis", e.reason().label()).inc();
                log.debug("dropping redis message on {}: {}", c, e.getMessage());
            } catch (RuntimeException e) {
                metrics.ingestRejected.labels("redis", "handler_error").inc();
                log.warn("redis message on {} failed: {}", c, e.toString());
            }
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        running = false;
        pinger.shutdownNow(); // no ping may race the unsubscribe below
        try {
            pinger.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            if (listener.isSubscribed()) {
                listener.punsubscribe();
            }
        } catch (RuntimeException e) {
            // connection already gone
        }
        try {
            thread.join(2_000);
            if (thread.isAlive()) {
                // Connecting, in a backoff, or subscribed just after our punsubscribe: break it.
                Jedis jedis = current;
                if (jedis != null) {
                    try {
                        jedis.disconnect();
                    } catch (RuntimeException e) {
                        // already broken
                    }
                }
                thread.interrupt();
                thread.join(5_000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
