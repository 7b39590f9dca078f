package dev.realtime.ingest.kafka;

import dev.realtime.metrics.GatewayMetrics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Consumes the routed Kafka topics on one thread and hands each record to a {@link RecordHandler}
 * (which turns it into room/user deliveries), at least once: offsets are committed only after
 * every record of a poll was handed off and every dead-lettered one acknowledged by Kafka. A record
 * the handler refuses, or one too large, goes to the dead-letter topic with the reason and its
 * origin in headers, is counted, and never stops the consumer. A dead letter Kafka refuses is
 * retried (cut to {@link #TRUNCATED_BYTES}) with a backoff, and after
 * {@code KAFKA_DLQ_MAX_ATTEMPTS} failures counted and skipped, so a record the dead-letter topic
 * can never take (too large for it, a missing or invalid topic) cannot replay the stream forever. Kafka unreachable: the consumer
 * keeps retrying with backoff, the node keeps serving, {@link #healthy()} says false.
 *
 * <p>Threading: the Kafka clients are owned by the consumer thread; {@link #healthy()} and
 * {@link #close()} are safe from any thread.
 */
public final class KafkaIngest implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(KafkaIngest.class);
    /**
     * Bound on one offset commit attempt. Without it commitSync waits default.api.timeout.ms (60 s)
     * when the cluster goes away mid-batch, and healthy() keeps saying true all that time.
     */
    private static final Duration COMMIT_TIMEOUT = Duration.ofSeconds(5);

    /** Turns one record into deliveries. Runs on the consumer thread; must not block for long. */
    @FunctionalInterface
    public interface RecordHandler {
        /** Returns {@code null} when handed off, or the reason to dead-letter it. */
        String handle(String topic, byte[] key, byte[] value);
    }

    private final KafkaSettings settings;
    private final List<String> topics;
    private final RecordHandler handler;
    private final GatewayMetrics metrics;
    private final Thread thread;
    /** Failed dead-letter attempts of records still being retried, by topic/partition/offset (consumer thread). */
    private final java.util.Map<String, Integer> attempts = new java.util.HashMap<>();
    /** What a retried dead letter's value (and a long key) is cut to: enough to tell what it was. */
    static final int TRUNCATED_BYTES = 512;
    private volatile boolean running = true;
    private volatile boolean healthy;
    private volatile KafkaConsumer<byte[], byte[]> consumer;

    public KafkaIngest(KafkaSettings settings, Collection<String> topics, RecordHandler handler, GatewayMetrics metrics) {
        this.settings = settings;
        this.topics = List.copyOf(topics);
        this.handler = handler;
        this.metrics = metrics;
        this.thread = new Thread(this::run, "kafka-ingest");
        this.thread.setDaemon(true);
    }

    public KafkaIngest start() {
        thread.start();
        return this;
    }

    /** Whether the last check reached the Kafka cluster. */
    public boolean healthy() {
        return healthy;
    }

    private void run() {
        long backoff = 200;
        while (running) {
            try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(consumerProps(), new ByteArrayDeserializer(),
                    new ByteArrayDeserializer());
                 KafkaProducer<byte[], byte[]> dlq = new KafkaProducer<>(producerProps(), new ByteArraySerializer(),
                         new ByteArraySerializer())) {
                consumer = c;
                c.subscribe(topics);
                long nextCheck = 0;
                while (running) {
                    if (System.nanoTime() - nextCheck >= 0) {
                        check(c);
                        nextCheck = System.nanoTime() + settings.healthCheckEvery().toNanos();
                    }
                    ConsumerRecords<byte[], byte[]> records = c.poll(Duration.ofMillis(500));
                    if (records.isEmpty()) {
                        continue;
                    }
                    List<DeadLetter> dead = new ArrayList<>();
                    for (ConsumerRecord<byte[], byte[]> r : records) {
                        DeadLetter d = process(r, dlq);
                        if (d != null) {
                            dead.add(d);
                        }
                    }
                    dlq.flush(); // returns once every callback of this batch has run
                    boolean retrying = settle(c, dead);
                    commit(c); // up to the first dead letter still to retry in each partition, else the whole batch
                    updateLag(c, records);
                    if (retrying) {
                        sleep(backoff); // the records from the failed dead letter on come again with the next poll
                        backoff = Math.min(backoff * 2, 5_000);
                    } else {
                        backoff = 200;
                    }
                }
            } catch (WakeupException e) {
                // close() asked us to stop
            } catch (KafkaException | IllegalStateException e) {
                healthy = false;
                if (running) {
                    metrics.kafkaErrors.labels("consumer").inc();
                    log.warn("kafka consumer failed ({}); retrying in {} ms", causes(e), backoff);
                    sleep(backoff);
                    backoff = Math.min(backoff * 2, 10_000);
                }
            } finally {
                consumer = null;
            }
        }
    }

    /** A record refused by the handler, its dead letter in flight. */
    private static final class DeadLetter {
        final ConsumerRecord<byte[], byte[]> record;
        final String reason;
        volatile Exception failure;

        DeadLetter(ConsumerRecord<byte[], byte[]> record, String reason) {
            this.record = record;
            this.reason = reason;
        }
    }

    /** Hands one record off, or sends its dead letter and returns it (checked after the flush). */
    private DeadLetter process(ConsumerRecord<byte[], byte[]> r, KafkaProducer<byte[], byte[]> dlq) {
        metrics.kafkaConsumed.labels(r.topic()).inc();
        byte[] value = r.value();
        String reason;
        if (value == null || value.length == 0) { // a tombstone or a zero-byte value: both empty
            reason = "empty";
        } else if (value.length > settings.maxRecordBytes()) {
            reason = "too_large";
        } else {
            try {
                reason = handler.handle(r.topic(), r.key(), value);
            } catch (RuntimeException e) {
                log.warn("record {}-{}@{} failed: {}", r.topic(), r.partition(), r.offset(), e.toString());
                reason = "handler_error";
            }
        }
        if (reason == null) {
            return null;
        }
        DeadLetter d = new DeadLetter(r, reason);
        int attempt = attempts.getOrDefault(key(r), 0) + 1;
        try {
            dlq.send(deadLetter(r, reason, attempt), (meta, error) -> {
                if (error != null) {
                    d.failure = error;
                }
            });
        } catch (KafkaException | IllegalStateException e) {
            d.failure = e; // refused before it was even queued (e.g. serialisation, a closed producer)
        }
        return d;
    }

    /**
     * The dead letter of {@code r}: the original key and value with the reason and origin in
     * headers. A value over {@code INGEST_MAX_RECORD_BYTES} (a {@code too_large} record), and any
     * value on a retry after a failed send, is cut ({@link #TRUNCATED_BYTES} on a retry), with
     * {@code rt-truncated} giving the original size: a dead letter Kafka can take beats one it never will.
     */
    private ProducerRecord<byte[], byte[]> deadLetter(ConsumerRecord<byte[], byte[]> r, String reason, int attempt) {
        int cap = attempt > 1 ? TRUNCATED_BYTES : settings.maxRecordBytes();
        byte[] value = r.value();
        byte[] key = r.key();
        boolean cut = value != null && value.length > cap;
        byte[] sent = cut ? java.util.Arrays.copyOf(value, cap) : value;
        byte[] sentKey = attempt > 1 && key != null && key.length > TRUNCATED_BYTES ? java.util.Arrays.copyOf(key, TRUNCATED_BYTES) : key;
        ProducerRecord<byte[], byte[]> dead = new ProducerRecord<>(settings.deadLetterTopic(), sentKey, sent);
        dead.headers().add("rt-error", reason.getBytes(StandardCharsets.UTF_8))
                .add("rt-source-topic", r.topic().getBytes(StandardCharsets.UTF_8))
                .add("rt-source-partition", Integer.toString(r.partition()).getBytes(StandardCharsets.UTF_8))
                .add("rt-source-offset", Long.toString(r.offset()).getBytes(StandardCharsets.UTF_8));
        if (cut) {
            dead.headers().add("rt-truncated", Integer.toString(value.length).getBytes(StandardCharsets.UTF_8));
        }
        return dead;
    }

    /**
     * After the flush: counts the dead letters Kafka took; for each partition, the first one it did
     * not take is retried ({@code seek} back to it, so the commit stops before it and the next poll
     * brings it and what follows again) until it has failed {@code KAFKA_DLQ_MAX_ATTEMPTS} times;
     * then it is given up: counted in {@code realtime_kafka_dlq_failed_total}, logged with its
     * origin, and committed past, so one record Kafka will never take cannot replay the stream
     * forever. Returns whether anything is being retried.
     */
    private boolean settle(KafkaConsumer<byte[], byte[]> c, List<DeadLetter> dead) {
        java.util.Set<TopicPartition> rewound = new java.util.HashSet<>();
        for (DeadLetter d : dead) {
            ConsumerRecord<byte[], byte[]> r = d.record;
            TopicPartition tp = new TopicPartition(r.topic(), r.partition());
            if (rewound.contains(tp)) {
                continue; // comes again after the rewind: its dead letter (if sent) is a duplicate, as at least once allows
            }
            String key = key(r);
            if (d.failure == null) {
                attempts.remove(key);
                metrics.kafkaDeadLettered.labels(d.reason).inc(); // counted once Kafka has it, not per attempt
                continue;
            }
            metrics.kafkaErrors.labels("producer").inc();
            int failed = attempts.merge(key, 1, Integer::sum);
            if (failed >= settings.deadLetterMaxAttempts()) {
                attempts.remove(key);
                metrics.kafkaDeadLetterFailed.labels(d.reason).inc();
                log.warn("record {}-{}@{} ({}) could not be dead-lettered to {} after {} attempts ({}); skipped",
                        r.topic(), r.partition(), r.offset(), d.reason, settings.deadLetterTopic(), failed,
                        d.failure.toString());
                continue;
            }
            log.debug("dead letter for {}-{}@{} failed (attempt {}): {}", r.topic(), r.partition(), r.offset(), failed,
                    d.failure.toString());
            c.seek(tp, r.offset());
            rewound.add(tp);
        }
        if (attempts.size() > 10_000) {
            attempts.clear(); // records of partitions this member lost: their new owner counts afresh
        }
        return !rewound.isEmpty();
    }

    private static String key(ConsumerRecord<?, ?> r) {
        return r.topic() + "/" + r.partition() + "/" + r.offset();
    }

    /**
     * Commits the batch just handed off, retrying while the cluster is unreachable (health says
     * false meanwhile). Retrying in place rather than failing over to a new consumer matters: this
     * member's group session survives a short outage, while a new consumer created during the
     * outage cannot leave the group for the old one, and would wait for the old member's session
     * to expire (45 s) before getting the partitions back.
     */
    private void commit(KafkaConsumer<byte[], byte[]> c) {
        while (true) {
            try {
                c.commitSync(COMMIT_TIMEOUT);
                return;
            } catch (TimeoutException e) {
                if (healthy) {
                    log.warn("kafka unreachable: offset commit timed out; retrying");
                }
                healthy = false;
                metrics.kafkaErrors.labels("consumer").inc();
                if (!running) {
                    throw e;
                }
            }
        }
    }

    /** A cheap metadata round trip: tells whether the cluster answers. */
    private void check(KafkaConsumer<byte[], byte[]> c) {
        try {
            c.listTopics(Duration.ofSeconds(2));
            if (!healthy) {
                log.info("kafka reachable at {}", settings.brokers());
            }
            healthy = true;
        } catch (KafkaException e) {
            if (healthy) {
                log.warn("kafka unreachable: {}", e.toString());
            }
            healthy = false;
        }
    }

    private void updateLag(KafkaConsumer<byte[], byte[]> c, ConsumerRecords<byte[], byte[]> records) {
        for (TopicPartition tp : records.partitions()) {
            c.currentLag(tp).ifPresent(lag ->
                    metrics.kafkaLag.labels(tp.topic(), Integer.toString(tp.partition())).set(lag));
        }
    }

    private Map<String, Object> consumerProps() {
        return Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, settings.brokers(),
                ConsumerConfig.GROUP_ID_CONFIG, settings.group(),
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, settings.offsetReset(),
                ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 500,
                ConsumerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 5000,
                // A routed topic that does not exist yet is picked up within 30 s of its creation
                // (default 5 min): the route table may name topics other services create later.
                ConsumerConfig.METADATA_MAX_AGE_CONFIG, 30_000,
                ConsumerConfig.CLIENT_ID_CONFIG, "realtime-ingest");
    }

    private Map<String, Object> producerProps() {
        return Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, settings.brokers(),
                ProducerConfig.ACKS_CONFIG, "all",
                // Sized for the largest dead letter this node sends (values are cut to
                // INGEST_MAX_RECORD_BYTES, plus key and headers), and compressed.
                ProducerConfig.MAX_REQUEST_SIZE_CONFIG, settings.maxRecordBytes() + 64 * 1024,
                ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4",
                ProducerConfig.MAX_BLOCK_MS_CONFIG, 5000,
                // A dead letter in flight when the broker dies fails within 15 s (not the 120 s
                // default), so flush() cannot hold the consumer thread and its health check for long.
                ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 5000,
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 15_000,
                ProducerConfig.CLIENT_ID_CONFIG, "realtime-dlq");
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
        KafkaConsumer<byte[], byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
        try {
            thread.join(2_000);
            if (thread.isAlive()) {
                // Sleeping in a reconnect backoff (up to 10 s) or blocked outside poll: interrupt it.
                thread.interrupt();
                thread.join(8_000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** {@code e} and its causes in one line: "Failed to construct kafka consumer" alone does not say why. */
    static String causes(Throwable e) {
        StringBuilder sb = new StringBuilder(e.toString());
        java.util.Set<Throwable> seen = new java.util.HashSet<>();
        for (Throwable c = e.getCause(); c != null && seen.add(c); c = c.getCause()) {
            sb.append(" <- ").append(c);
        }
        return sb.toString();
    }
}
