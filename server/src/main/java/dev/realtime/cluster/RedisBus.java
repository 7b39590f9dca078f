package dev.realtime.cluster;

import dev.realtime.metrics.GatewayMetrics;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.BinaryJedisPubSub;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.exceptions.JedisException;

/**
 * {@link Bus} over Redis pub/sub: one channel per room ({@code <prefix>room:<name>}, prefix
 * {@code REDIS_KEY_PREFIX}, default {@code rt:}), subscribed only while the room has local members,
 * plus this node's own channel ({@code <prefix>node:<id>}) so the subscriber connection always has
 * something to listen to. Clusters with different prefixes can share one Redis.
 *
 * <p>Threads: a subscriber thread owns the pub/sub connection (blocking reads, reconnect with
 * backoff, resubscribe everything after a reconnect; the control thread pings it and drops it when
 * pongs stop, so a half-open connection cannot silence the bus); a publisher thread owns the publishing
 * connection and drains a bounded queue, pipelining everything waiting. Subscription changes from
 * shards are queued to the subscriber thread's command loop so only one thread writes to the
 * pub/sub connection. While Redis is unreachable publishes are dropped and counted.
 */
public final class RedisBus implements Bus {
    private static final Logger log = LoggerFactory.getLogger(RedisBus.class);
    /** The default channel prefix ({@code REDIS_KEY_PREFIX}). */
    public static final String DEFAULT_PREFIX = "rt:";
    private final String roomPrefix;
    private static final int QUEUE_LIMIT = 100_000;
    private static final int MAX_BATCH = 512;

    private final HostAndPort address;
    private final String password;
    private final String nodeChannel;
    private final GatewayMetrics metrics;
    private final Set<String> rooms = ConcurrentHashMap.newKeySet();
    /** Subscriptions asked for and not yet confirmed by Redis, completed by the subscriber thread. */
    private final Map<String, CompletableFuture<Void>> confirmations = new ConcurrentHashMap<>();
    private final LinkedBlockingQueue<byte[][]> outbound = new LinkedBlockingQueue<>(QUEUE_LIMIT);
    private final PubSub pubSub = new PubSub();
    private final ScheduledExecutorService control = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "bus-redis-ctl");
        t.setDaemon(true);
        return t;
    });
    static final long PING_EVERY_MS = 5_000;
    private final PubSubWatchdog watchdog;
    /** The subscriber thread's connection, so the watchdog can drop a silent one. */
    private volatile Jedis subscriberConnection;
    private volatile Handler handler;
    private volatile boolean running = true;
    private volatile boolean subscriberUp;
    private volatile boolean publisherUp;
    private Thread subscriber;
    private Thread publisher;

    public RedisBus(HostAndPort address, String password, String nodeId, GatewayMetrics metrics) {
        this(address, password, DEFAULT_PREFIX, nodeId, metrics, PING_EVERY_MS);
    }

    /** @param prefix channel prefix, {@code REDIS_KEY_PREFIX} */
    public RedisBus(HostAndPort address, String password, String prefix, String nodeId, GatewayMetrics metrics) {
        this(address, password, prefix, nodeId, metrics, PING_EVERY_MS);
    }

    /** @param pingEveryMs how often the subscriber connection is pinged (tests use a short one) */
    RedisBus(HostAndPort address, String password, String prefix, String nodeId, GatewayMetrics metrics,
             long pingEveryMs) {
        this.roomPrefix = prefix + "room:";
        this.watchdog = new PubSubWatchdog("redis bus subscriber", pingEveryMs);
        this.address = address;
        this.password = password;
        this.nodeChannel = prefix + "node:" + nodeId;
        this.metrics = metrics;
    }

    String channel(String room) {
        return roomPrefix + room;
    }

    @Override
    public void start(Handler handler) {
        this.handler = handler;
        subscriber = new Thread(this::subscribeLoop, "bus-redis-sub");
        publisher = new Thread(this::publishLoop, "bus-redis-pub");
        subscriber.setDaemon(true);
        publisher.setDaemon(true);
        subscriber.start();
        publisher.start();
        control.scheduleWithFixedDelay(this::checkAlive, watchdog.everyMs(), watchdog.everyMs(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void subscribe(String room) {
        if (rooms.add(room)) {
            confirmations.putIfAbsent(room, new CompletableFuture<>());
            onControl(() -> send(true, room));
        }
    }

    @Override
    public CompletableFuture<Void> subscribed(String room) {
        CompletableFuture<Void> pending = confirmations.get(room);
        return pending != null ? pending : CompletableFuture.completedFuture(null);
    }

    /** Redis confirmed the subscription of {@code room}'s channel (subscriber thread). */
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
            onControl(() -> send(false, room));
        }
    }

    /** Queues a subscription change; after close() there is nothing left to change. */
    private void onControl(Runnable task) {
        try {
            control.execute(task);
        } catch (java.util.concurrent.RejectedExecutionException closed) {
            // closed: the subscription is going away anyway
        }
    }

    /** On the control thread: the only writer of subscription commands. */
    private void send(boolean subscribe, String room) {
        if (!subscriberUp || rooms.contains(room) != subscribe) {
            return; // not connected (the reconnect resubscribes), or already reversed
        }
        try {
            if (subscribe) {
                pubSub.subscribe(bytes(channel(room)));
            } else {
                pubSub.unsubscribe(bytes(channel(room)));
            }
        } catch (RuntimeException e) {
            log.debug("(un)subscribe {} deferred to reconnect: {}", room, e.toString());
        }
    }

    /** On the control thread, once connected: subscribe whatever was added while connecting. */
    private void resync() {
        if (!subscriberUp) {
            return;
        }
        try {
            List<byte[]> all = new ArrayList<>();
            rooms.forEach(r -> all.add(bytes(channel(r))));
            if (!all.isEmpty()) {
                pubSub.subscribe(all.toArray(byte[][]::new));
            }
        } catch (RuntimeException e) {
            log.debug("resync deferred to reconnect: {}", e.toString());
        }
    }

    @Override
    public void publish(String room, byte[] envelope) {
        if (!outbound.offer(new byte[][] {bytes(channel(room)), envelope})) {
            metrics.busErrors.labels("queue_full").inc();
        }
    }

    @Override
    public boolean healthy() {
        return subscriberUp && publisherUp;
    }

    @Override
    public String name() {
        return "redis";
    }

    /** On the control thread, the only writer to the pub/sub connection. */
    private void checkAlive() {
        if (!watchdog.check(subscriberConnection, pubSub, subscriberUp)) {
            subscriberUp = false;
        }
    }

    private Jedis connect() {
        // 5 s to connect and per reply (a publisher waiting on a silent server reconnects); subscriptions
        // read without a timeout and are watched by the PubSubWatchdog.
        Jedis jedis = new Jedis(address.getHost(), address.getPort(), 5000, 5000);
        if (password != null) {
            jedis.auth(password);
        }
        jedis.ping();
        return jedis;
    }

    private void subscribeLoop() {
        long backoff = 100;
        while (running) {
            try (Jedis jedis = connect()) {
                backoff = 100;
                subscriberConnection = jedis;
                if (!running) {
                    break; // close() ran while we were connecting
                }
                // Rooms are (re)subscribed by resync() once this subscription is confirmed.
                jedis.subscribe(pubSub, bytes(nodeChannel)); // blocks until unsubscribed or broken
            } catch (JedisException e) {
                if (running) {
                    metrics.busErrors.labels("subscriber").inc();
                    log.warn("redis subscriber connection lost ({}); retrying in {} ms", e.getMessage(), backoff);
                }
            } finally {
                subscriberUp = false;
                subscriberConnection = null;
            }
            backoff = sleepBackoff(backoff);
        }
    }

    private void publishLoop() {
        long backoff = 100;
        List<byte[][]> batch = new ArrayList<>(MAX_BATCH);
        while (running) {
            try (Jedis jedis = connect()) {
                publisherUp = true;
                backoff = 100;
                while (running) {
                    byte[][] first = outbound.poll(200, TimeUnit.MILLISECONDS);
                    if (first == null) {
                        continue;
                    }
                    batch.add(first);
                    outbound.drainTo(batch, MAX_BATCH - 1);
                    Pipeline p = jedis.pipelined();
                    for (byte[][] m : batch) {
                        p.publish(m[0], m[1]);
                    }
                    p.sync();
                    metrics.busPublishes.inc(batch.size());
                    batch.clear();
                }
            } catch (JedisException e) {
                if (running) {
                    metrics.busErrors.labels("publisher").inc();
                    metrics.busDropped.inc(batch.size());
                    batch.clear();
                    log.warn("redis publisher connection lost ({}); retrying in {} ms", e.getMessage(), backoff);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } finally {
                publisherUp = false;
            }
            // Messages queued while Redis is down would arrive stale: drop them (at most once).
            int stale = outbound.size();
            outbound.clear();
            metrics.busDropped.inc(stale);
            backoff = sleepBackoff(backoff);
        }
    }

    private long sleepBackoff(long backoff) {
        if (!running) {
            return backoff;
        }
        try {
            TimeUnit.MILLISECONDS.sleep(backoff);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
        return Math.min(backoff * 2, 5000);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        running = false;
        control.shutdownNow(); // no ping or (un)subscribe may race the unsubscribe below
        try {
            control.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            if (subscriberUp) {
                pubSub.unsubscribe();
            }
        } catch (RuntimeException ignored) {
            // connection already gone
        }
        if (publisher != null) {
            publisher.interrupt();
        }
        join(subscriber);
        if (subscriber != null && subscriber.isAlive()) {
            Jedis c = subscriberConnection; // e.g. half-open: the unsubscribe never got an answer
            if (c != null) {
                try {
                    c.disconnect();
                } catch (RuntimeException ignored) {
                    // already broken
                }
            }
            join(subscriber);
        }
        join(publisher);
    }

    private static void join(Thread t) {
        if (t == null) {
            return;
        }
        try {
            t.join(3000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Receives on the subscriber thread and hands messages to the handler. */
    private final class PubSub extends BinaryJedisPubSub {
        @Override
        public void onPong(byte[] pattern) {
            watchdog.pong();
        }

        @Override
        public void onSubscribe(byte[] channel, int subscribedChannels) {
            String name = new String(channel, StandardCharsets.UTF_8);
            if (name.startsWith(roomPrefix)) {
                confirmed(name.substring(roomPrefix.length()));
            }
            if (!subscriberUp) {
                subscriberUp = true;
                log.info("redis bus connected to {}", address);
                try {
                    control.execute(RedisBus.this::resync);
                } catch (java.util.concurrent.RejectedExecutionException closing) {
                    // close() is under way: nothing to resubscribe
                }
            }
        }

        @Override
        public void onMessage(byte[] channel, byte[] message) {
            String name = new String(channel, StandardCharsets.UTF_8);
            if (!name.startsWith(roomPrefix)) {
                return; // node channel: reserved for node-addressed requests
            }
            metrics.busReceives.inc();
            try {
                handler.onMessage(name.substring(roomPrefix.length()), message);
            } catch (RuntimeException e) {
                metrics.busErrors.labels("handler").inc();
                log.warn("bus message for {} failed: {}", name, e.toString());
            }
        }
    }
}
