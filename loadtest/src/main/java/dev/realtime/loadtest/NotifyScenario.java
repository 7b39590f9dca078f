package dev.realtime.loadtest;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Notifications end to end: {@code --connections} users (one connection each, user {@code load-<i>})
 * receive {@code --rate} notifications/s in total, user after user, open loop, sent by another
 * service's way in: {@code --via http} posts each to {@code POST /api/realtime/internal/notify}
 * ({@code --api-key}; the nodes in turn), {@code --via kafka} produces {@code {"userIds":[..],
 * "message":{..}}} to {@code --topic} on {@code --kafka-brokers} (the bundled route table sends seed
 * 000's {@code SessionStartingSoon} topic to users as {@code notification:new}, kept in the inbox).
 * Each notification's payload is a probe (intended send time, user, per-user sequence), so the report
 * has deliveries/s, latency from the intended send to the device, lost and duplicates, like
 * {@code fanout}; HTTP answers other than 202 and failed produces are counted as errors. Devices ack
 * what they get ({@code notifications:read}), as seed clients do, and ignore what an earlier run left
 * unread. The clock starts once a first notification arrived.
 *
 * <p>Threading: one sender thread (open loop); HTTP answers and Kafka acks complete on the clients'
 * threads and only touch {@link Stats} counters.
 */
final class NotifyScenario {
    /** Seed 000's topic (and HTTP event source) for user notifications in the bundled route table. */
    static final String DEFAULT_TOPIC = "SessionStartingSoon";
    /** HTTP requests in flight at most; beyond, the sender waits (the wait shows as latency). */
    static final int MAX_IN_FLIGHT = 256;
    /** How long the first notification may take (a new topic: the server's consumer finds it within 30 s). */
    static final int FIRST_WAIT_SECONDS = 60;

    private NotifyScenario() {
    }

    /** One way in: sends {@code probe} to {@code user}, counting failures in {@code stats}. */
    private interface Sender extends AutoCloseable {
        /** Sends {@code probe} to user {@code load-<user>}. */
        void send(int node, int user, byte[] probe) throws InterruptedException;

        /** Why sending cannot go on (the broker is unreachable), or null. */
        default String broken() {
            return null;
        }

        @Override
        void close();
    }

    static Report run(Options o, ProtocolAdapter adapter, Stats stats, ServerProbe server) throws InterruptedException {
        int users = o.connections();
        int nodes = o.urls().size();
        AtomicLong measureFrom = new AtomicLong(Long.MAX_VALUE);
        long notBefore = System.nanoTime();
        LoadConnection.Run run = new LoadConnection.Run() {
            @Override
            public long measureFromNanos() {
                return measureFrom.get();
            }

            @Override
            public long notBeforeNanos() {
                return notBefore;
            }

            @Override
            public boolean ackNotifications() {
                return true; // as a seed client does; unacked ones would be replayed to the next run's devices
            }

            @Override
            public int publisherNode(int user) {
                return user % nodes; // "cross" = the notification entered at another node than the device's
            }
        };
        Report report = new Report().put("scenario", "notify").put("protocol", adapter.name()).put("via", o.via())
                .put("users", users).put("rate", o.rate()).put("payloadBytes", o.payloadBytes())
                .put("durationSeconds", o.durationSeconds()).put("warmupSeconds", o.warmupSeconds());
        if (o.via().equals("kafka")) {
            report.put("topic", o.topic()).put("kafkaBrokers", o.kafkaBrokers());
        }
        try (Fleet fleet = new Fleet(o, adapter, stats); Progress progress = new Progress(stats, users);
             Sender sender = o.via().equals("kafka") ? kafka(o, stats) : http(o, stats)) {
            // Home "room" i: each device checks its own notifications' sequence (duplicates).
            fleet.open(users, i -> new LoadConnection(i, i % nodes, List.of(), i, adapter, stats, run),
                    Math.max(60, users / 200));
            int ready = fleet.ready().size();
            if (ready < users) {
                return report.put("aborted", "only " + ready + " of " + users + " connections became ready")
                        .put("errors", stats.errors());
            }
            if (sender.broken() != null) {
                return report.put("aborted", sender.broken()).put("errors", stats.errors());
            }
            long[] seq = new long[users];
            // One notification first, the clock after it arrived: a topic the producer just created reaches
            // the server's consumer at its next metadata refresh (up to 30 s), not at once.
            long first = System.nanoTime();
            sender.send(0, 0, Probe.encode(first, 0, seq[0]++, o.payloadBytes()));
            stats.sent.increment();
            stats.expected.increment();
            while (stats.delivered.sum() == 0) {
                if (!stats.errors().isEmpty()) { // refused (a wrong --api-key: 401) or failed: no point waiting
                    return report.put("aborted", "the first notification failed").put("errors", stats.errors());
                }
                if (sender.broken() != null || System.nanoTime() - first > TimeUnit.SECONDS.toNanos(FIRST_WAIT_SECONDS)) {
                    return report.put("aborted", sender.broken() != null ? sender.broken()
                            : "a first notification through " + (o.via().equals("kafka") ? "topic " + o.topic() : "HTTP")
                            + " did not arrive within " + FIRST_WAIT_SECONDS + " s (is it in the server's route table,"
                            + " and KAFKA_BROKERS the same broker?)").put("errors", stats.errors());
                }
                TimeUnit.MILLISECONDS.sleep(20);
            }
            System.out.println("first notification arrived after "
                    + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - first) + " ms; starting the clock");
            double cpu0 = server.cpuSeconds();
            long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(100);
            measureFrom.set(start + TimeUnit.SECONDS.toNanos(o.warmupSeconds()));
            long end = start + TimeUnit.SECONDS.toNanos(o.durationSeconds());
            double period = 1e9 / o.rate();
            for (long i = 0; ; i++) {
                long intended = start + (long) (i * period);
                if (intended - end >= 0) {
                    break;
                }
                FanoutScenario.waitUntil(intended);
                int u = (int) (i % users);
                sender.send(u % nodes, u, Probe.encode(intended, u, seq[u]++, o.payloadBytes()));
                if (sender.broken() != null) {
                    return report.put("aborted", sender.broken()).put("sent", stats.sent.sum()).put("errors", stats.errors());
                }
                stats.sent.increment();
                stats.expected.increment();
            }
            FanoutScenario.drain(stats, 15);
            double cpu1 = server.cpuSeconds();
            long measuredNanos = end - measureFrom.get();
            long delivered = stats.delivered.sum();
            long duplicates = stats.duplicates.sum();
            long expected = stats.expected.sum();
            report.put("sent", stats.sent.sum()).put("expectedDeliveries", expected).put("delivered", delivered)
                    .put("lost", Math.max(0, expected - (delivered - duplicates))).put("duplicates", duplicates)
                    .put("deliveriesPerSec", Report.round(stats.measuredDelivered.sum() / (measuredNanos / 1e9), 0))
                    .put("latencyMs", Report.percentilesMs(stats.latencyTotal()));
            if (cpu0 >= 0 && cpu1 >= cpu0) {
                report.put("serverCpuSeconds", Report.round(cpu1 - cpu0, 2));
            }
            return report.put("errors", stats.errors());
        }
    }

    /**
     * {@code POST /api/realtime/internal/notify}, asynchronously, at most {@link #MAX_IN_FLIGHT} at once
     * and one per user (two posts in flight for one user may be handled in either order, which the
     * per-user sequence check would count as a loss; the wait shows as latency).
     */
    private static Sender http(Options o, Stats stats) {
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        Semaphore inFlight = new Semaphore(MAX_IN_FLIGHT);
        URI[] endpoints = new URI[o.urls().size()];
        for (int n = 0; n < endpoints.length; n++) {
            URI url = o.urls().get(n);
            String scheme = "wss".equals(url.getScheme()) ? "https" : "http";
            endpoints[n] = URI.create(scheme + "://" + url.getHost() + ":" + url.getPort() + "/api/realtime/internal/notify");
        }
        // The sender thread's own: the last post per user, so the next one waits for it.
        java.util.concurrent.CompletableFuture<?>[] lastByUser = new java.util.concurrent.CompletableFuture<?>[o.connections()];
        return new Sender() {
            @Override
            public void send(int node, int user, byte[] probe) throws InterruptedException {
                byte[] body = ("{\"userIds\":[\"load-" + user + "\"],\"payload\":" + new String(probe, StandardCharsets.US_ASCII) + "}")
                        .getBytes(StandardCharsets.US_ASCII);
                java.util.concurrent.CompletableFuture<?> previous = lastByUser[user];
                if (previous != null) {
                    try {
                        previous.get(15, TimeUnit.SECONDS);
                    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                        // counted where it completes
                    }
                }
                HttpRequest req = HttpRequest.newBuilder(endpoints[node]).header("internal-api-key", o.apiKey())
                        .header("Content-Type", "application/json").timeout(Duration.ofSeconds(10))
                        .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
                inFlight.acquire();
                lastByUser[user] = client.sendAsync(req, HttpResponse.BodyHandlers.discarding()).whenComplete((res, e) -> {
                    inFlight.release();
                    if (e != null) {
                        stats.error("notify_" + e.getClass().getSimpleName());
                    } else if (res.statusCode() != 202) {
                        stats.error("notify_http_" + res.statusCode());
                    }
                });
            }

            @Override
            public void close() {
                try {
                    if (!inFlight.tryAcquire(MAX_IN_FLIGHT, 15, TimeUnit.SECONDS)) {
                        stats.error("notify_unanswered");
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        };
    }

    /** {@code {"userIds":[user],"message":probe}} to {@code --topic}, keyed by user (order per user). */
    private static Sender kafka(Options o, Stats stats) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, o.kafkaBrokers());
        p.put(ProducerConfig.ACKS_CONFIG, "1");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "1");
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "10000"); // no broker: errors, not a hang
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "15000");
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
        KafkaProducer<String, byte[]> producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
        String[] broken = {null};
        try {
            producer.partitionsFor(o.topic()); // reachable, and the topic exists (or is created): before the clock starts
        } catch (RuntimeException e) {
            broken[0] = "cannot produce to " + o.topic() + " on " + o.kafkaBrokers() + ": " + ServerProbe.oneLine(e);
        }
        return new Sender() {
            @Override
            public String broken() {
                return broken[0];
            }

            @Override
            public void send(int node, int user, byte[] probe) {
                String id = "load-" + user;
                byte[] value = ("{\"userIds\":[\"" + id + "\"],\"message\":" + new String(probe, StandardCharsets.US_ASCII) + "}")
                        .getBytes(StandardCharsets.US_ASCII);
                try {
                    producer.send(new ProducerRecord<>(o.topic(), id, value), (meta, e) -> {
                        if (e != null) {
                            stats.error("produce_" + e.getClass().getSimpleName());
                        }
                    });
                } catch (RuntimeException e) { // metadata not available within max.block.ms: the broker went away
                    stats.error("produce_" + e.getClass().getSimpleName());
                    broken[0] = "producing to " + o.topic() + " failed: " + ServerProbe.oneLine(e);
                }
            }

            @Override
            public void close() {
                producer.close(Duration.ofSeconds(15));
            }
        };
    }
}
