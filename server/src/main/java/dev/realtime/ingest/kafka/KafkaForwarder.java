package dev.realtime.ingest.kafka;

import dev.realtime.metrics.GatewayMetrics;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Produces records to Kafka for the forward rules (client emits, lifecycle events) and the
 * unacked-notification fallback. {@link #send} never blocks its caller (event loops call it): records
 * queue for one producer thread, because {@code KafkaProducer.send} itself can block for
 * {@code max.block.ms} while the cluster is unreachable. A full queue drops the record and counts it.
 * Records with the same key go to the same partition, so order holds per user or room.
 *
 * <p>Threading: the producer is created and used only on the forwarder thread.
 */
public final class KafkaForwarder implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(KafkaForwarder.class);
    static final int QUEUE = 10_000;

    private final String brokers;
    private final GatewayMetrics metrics;
    private final ThreadPoolExecutor thread;
    /** Created and used on the forwarder thread; closed by {@link #close()} after that thread ended. */
    private volatile KafkaProducer<byte[], byte[]> producer;

    public KafkaForwarder(String brokers, String nodeId, GatewayMetrics metrics) {
        this.brokers = brokers;
        this.metrics = metrics;
        this.thread = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(QUEUE), r -> {
            Thread t = new Thread(r, "kafka-forward-" + nodeId);
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Queues one record.
     *
     * @param kind {@code emit}, {@code lifecycle} or {@code unacked} (the metric label)
     * @param key  the record key, or null
     * @return false when the queue was full and the record was dropped
     */
    public boolean send(String kind, String topic, String key, byte[] value) {
        return send(kind, topic, key, value, error -> { });
    }

    /**
     * Queues one record and tells {@code done} how it went: null once Kafka has it, else the error
     * (on a Kafka client thread: hand work off). Not called when the queue was full (false).
     */
    public boolean send(String kind, String topic, String key, byte[] value, java.util.function.Consumer<Exception> done) {
        try {
            thread.execute(() -> produce(kind, topic, key, value, done));
            return true;
        } catch (java.util.concurrent.RejectedExecutionException e) {
            metrics.kafkaErrors.labels("forward_queue_full").inc();
            return false;
        }
    }

    private void produce(String kind, String topic, String key, byte[] value, java.util.function.Consumer<Exception> done) {
        try {
            if (producer == null) {
                producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, brokers,
                        ProducerConfig.ACKS_CONFIG, "all",
                        ProducerConfig.LINGER_MS_CONFIG, 5,
                        ProducerConfig.MAX_BLOCK_MS_CONFIG, 5000,
                        ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 120_000,
                        ProducerConfig.CLIENT_ID_CONFIG, "realtime-forward"),
                        new ByteArraySerializer(), new ByteArraySerializer());
            }
            byte[] k = key == null ? null : key.getBytes(StandardCharsets.UTF_8);
            producer.send(new ProducerRecord<>(topic, k, value), (meta, error) -> {
                if (error == null) {
                    metrics.kafkaForwarded.labels(kind).inc();
                } else {
                    metrics.kafkaErrors.labels("producer").inc();
                    log.warn("forwarding to {} failed: {}", topic, error.toString());
                }
                done.accept(error);
            });
        } catch (KafkaException | IllegalStateException e) {
            metrics.kafkaErrors.labels("producer").inc();
            log.warn("forwarding to {} failed: {}", topic, e.toString());
            done.accept(e);
        }
    }

    /**
     * Sends what is queued (waiting up to 10 s), then closes the producer on its own thread. With
     * Kafka away and the queue full, what is still queued is dropped and the producer closed anyway.
     */
    @Override
    public void close() {
        thread.shutdown();
        try {
            if (!thread.awaitTermination(10, TimeUnit.SECONDS)) {
                int dropped = thread.shutdownNow().size();
                metrics.kafkaErrors.labels("forward_dropped_at_shutdown").inc(dropped);
                thread.awaitTermination(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        // The forwarder thread has ended: nothing else touches the producer now.
        if (producer != null) {
            try {
                producer.close(java.time.Duration.ofSeconds(3));
            } catch (RuntimeException e) {
                log.debug("closing the forward producer: {}", e.toString());
            }
        }
    }
}
