package dev.realtime.ingest.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.realtime.metrics.GatewayMetrics;
import dev.realtime.testing.KafkaBroker;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The consumer loop against a real in-process Kafka broker: hand-off, dead letters, health. */
class KafkaIngestTest {
    private static KafkaBroker kafka;

    @BeforeAll
    static void start() {
        kafka = KafkaBroker.start();
    }

    @AfterAll
    static void stop() {
        kafka.close();
    }

    private KafkaIngest ingest(String topic, String dlq, KafkaIngest.RecordHandler handler, GatewayMetrics metrics) {
        KafkaSettings s = new KafkaSettings(kafka.bootstrapServers(), "g-" + topic, dlq, "earliest", 1024,
                Duration.ofMillis(500));
        return new KafkaIngest(s, List.of(topic), handler, metrics).start();
    }

    @Test
    void goodRecordsAreHandedOffAndBadOnesDeadLetteredWithoutStopping() throws Exception {
        BlockingQueue<String> handed = new LinkedBlockingQueue<>();
        GatewayMetrics metrics = new GatewayMetrics();
        KafkaIngest.RecordHandler handler = (topic, key, value) -> {
            String v = new String(value, StandardCharsets.UTF_8);
            if (!v.startsWith("{")) {
                return "malformed";
            }
            handed.add(v);
            return null;
        };
        kafka.send("orders", "k1", "{\"n\":1}");
        kafka.send("orders", "k2", "not json");
        kafka.send("orders", "k3", "x".repeat(2000));
        kafka.send("orders", "k4", "{\"n\":2}");
        try (KafkaIngest in = ingest("orders", "orders.dlq", handler, metrics)) {
            assertEquals("{\"n\":1}", handed.poll(30, TimeUnit.SECONDS));
            assertEquals("{\"n\":2}", handed.poll(30, TimeUnit.SECONDS), "the bad records did not stop the consumer");
            List<ConsumerRecord<byte[], byte[]>> dead = kafka.read("orders.dlq", 2);
            assertEquals(2, dead.size());
            assertEquals("malformed", header(dead.get(0), "rt-error"));
            assertEquals("orders", header(dead.get(0), "rt-source-topic"));
            assertEquals("too_large", header(dead.get(1), "rt-error"));
            assertEquals(1.0, metrics.kafkaDeadLettered.labels("malformed").get());
            assertTrue(in.healthy());
        }
    }

    @Test
    void committedOffsetsAreNotRedeliveredToTheSameGroup() throws Exception {
        BlockingQueue<String> first = new LinkedBlockingQueue<>();
        kafka.send("once", null, "{\"a\":1}");
        try (KafkaIngest in = ingest("once", "once.dlq", (t, k, v) -> {
            first.add(new String(v, StandardCharsets.UTF_8));
            return null;
        }, new GatewayMetrics())) {
            assertEquals("{\"a\":1}", first.poll(30, TimeUnit.SECONDS));
        }
        BlockingQueue<String> second = new LinkedBlockingQueue<>();
        kafka.send("once", null, "{\"a\":2}");
        try (KafkaIngest in = ingest("once", "once.dlq", (t, k, v) -> {
            second.add(new String(v, StandardCharsets.UTF_8));
            return null;
        }, new GatewayMetrics())) {
            assertEquals("{\"a\":2}", second.poll(30, TimeUnit.SECONDS), "resumes after the committed offset");
        }
    }

    private static String header(ConsumerRecord<byte[], byte[]> r, String name) {
        return new String(r.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
    }
}
