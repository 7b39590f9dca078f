package dev.realtime.ingest.kafka;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.realtime.metrics.GatewayMetrics;
import dev.realtime.testing.KafkaBroker;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The consumer loop against a real in-process Kafka broker: hand-off, dead letters, health, and a
 * broker restart. Every topic is used by one test only (one partition each, auto-created).
 */
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
            await(() -> metrics.kafkaDeadLettered.labels("malformed").get() == 1.0, "malformed counted once");
            await(() -> metrics.kafkaDeadLettered.labels("too_large").get() == 1.0, "too_large counted once");
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

    /**
     * The reasons the first test does not reach (handler exception, tombstone, the size boundary),
     * and that a dead letter is the original record: same key and value, origin headers pointing at
     * the record's own partition and offset.
     */
    @Test
    void everyRefusalReasonIsDeadLetteredAsTheOriginalRecordWithItsOrigin() throws Exception {
        BlockingQueue<String> handed = new LinkedBlockingQueue<>();
        GatewayMetrics metrics = new GatewayMetrics();
        KafkaIngest.RecordHandler handler = (topic, key, value) -> {
            String v = new String(value, StandardCharsets.UTF_8);
            if (v.equals("boom")) {
                throw new IllegalArgumentException("handler bug");
            }
            handed.add(v);
            return null;
        };
        String exactlyMax = "{\"p\":\"" + "q".repeat(1024 - 8) + "\"}";
        assertEquals(1024, exactlyMax.length());
        kafka.send("reasons", "a", "boom");
        kafka.send("reasons", "b", null);
        kafka.send("reasons", "b0", ""); // a zero-byte value is empty too, not malformed
        kafka.send("reasons", "c", "z".repeat(1025));
        kafka.send("reasons", "d", exactlyMax);
        kafka.send("reasons", "e", "{\"last\":true}");
        try (KafkaIngest in = ingest("reasons", "reasons.dlq", handler, metrics)) {
            assertEquals(exactlyMax, handed.poll(30, TimeUnit.SECONDS), "a record of exactly maxRecordBytes is fine");
            assertEquals("{\"last\":true}", handed.poll(30, TimeUnit.SECONDS));
            List<ConsumerRecord<byte[], byte[]>> source = kafka.read("reasons", 6);
            List<ConsumerRecord<byte[], byte[]>> dead = kafka.read("reasons.dlq", 4);
            assertEquals(4, dead.size());
            List<String> reasons = List.of("handler_error", "empty", "empty", "too_large");
            for (int i = 0; i < 4; i++) {
                ConsumerRecord<byte[], byte[]> d = dead.get(i);
                ConsumerRecord<byte[], byte[]> s = source.get(i);
                assertEquals(reasons.get(i), header(d, "rt-error"));
                assertArrayEquals(s.key(), d.key());
                if (reasons.get(i).equals("too_large")) { // cut to INGEST_MAX_RECORD_BYTES, the original size in a header
                    assertArrayEquals(java.util.Arrays.copyOf(s.value(), 1024), d.value());
                    assertEquals("1025", header(d, "rt-truncated"));
                } else {
                    assertArrayEquals(s.value(), d.value());
                    assertNull(d.headers().lastHeader("rt-truncated"));
                }
                assertEquals("reasons", header(d, "rt-source-topic"));
                assertEquals(Integer.toString(s.partition()), header(d, "rt-source-partition"));
                assertEquals(Long.toString(s.offset()), header(d, "rt-source-offset"));
                String reason = reasons.get(i);
                double times = reasons.stream().filter(reason::equals).count();
                await(() -> metrics.kafkaDeadLettered.labels(reason).get() == times, reason + " counted once per record");
            }
            assertNull(dead.get(1).value(), "a tombstone stays a tombstone");
            assertTrue(handed.isEmpty(), "refused records never reach the handler: " + handed);
        }
    }

    /**
     * A dead letter the DLQ topic refuses (its max.message.bytes is smaller than the record) is not
     * committed past at once: it is retried, cut to {@link KafkaIngest#TRUNCATED_BYTES} with its
     * original size in {@code rt-truncated}, which the topic takes; then the offset moves on
     * (issue 11, item 8: before, the batch replayed forever).
     */
    @Test
    void aDeadLetterTooBigForTheDlqIsRetriedTruncated() throws Exception {
        kafka.createTopic("strict.dlq", Map.of("max.message.bytes", "800"));
        GatewayMetrics metrics = new GatewayMetrics();
        Set<String> handed = ConcurrentHashMap.newKeySet();
        // Random hex: the DLQ producer compresses (lz4), and a repetitive value would fit anyway.
        StringBuilder noise = new StringBuilder("not json ");
        java.util.Random random = new java.util.Random(8);
        while (noise.length() < 1000) {
            noise.append(Integer.toHexString(random.nextInt(16)));
        }
        String bad = noise.toString();
        kafka.send("strict", "bad", bad);
        kafka.send("strict", "good", "{\"after\":1}");
        try (KafkaIngest in = ingest("strict", "strict.dlq", malformedUnlessJson(handed), metrics)) {
            List<ConsumerRecord<byte[], byte[]>> dead = kafka.read("strict.dlq", 1);
            assertEquals(1, dead.size(), "the truncated dead letter reached the DLQ");
            assertEquals(bad.substring(0, KafkaIngest.TRUNCATED_BYTES), new String(dead.get(0).value(), StandardCharsets.UTF_8));
            assertEquals(Integer.toString(bad.length()), header(dead.get(0), "rt-truncated"));
            assertEquals("malformed", header(dead.get(0), "rt-error"));
            assertEquals("0", header(dead.get(0), "rt-source-offset"));
            await(() -> kafka.committedOffset("g-strict", "strict").orElse(0) == 2, "then the offset moves on");
            await(() -> handed.contains("{\"after\":1}"), "the record after it is handed off");
            assertTrue(metrics.kafkaErrors.labels("producer").get() >= 1, "the first, whole attempt failed");
            await(() -> metrics.kafkaDeadLettered.labels("malformed").get() == 1.0, "counted once, when Kafka took it");
        }
    }

    /**
     * A dead letter that can never be sent (the DLQ topic name is invalid, so every send fails) is
     * given up after the configured attempts: counted, logged, and committed past, so it cannot make
     * the consumer replay its batch (and re-deliver the records around it) forever.
     */
    @Test
    void aDeadLetterThatCanNeverBeSentIsCountedAndSkippedAfterItsAttempts() throws Exception {
        GatewayMetrics metrics = new GatewayMetrics();
        Set<String> handed = ConcurrentHashMap.newKeySet();
        java.util.concurrent.atomic.AtomicInteger goodSeen = new java.util.concurrent.atomic.AtomicInteger();
        kafka.send("nodlq", "bad", "not json");
        kafka.send("nodlq", "good", "{\"after\":2}");
        KafkaIngest.RecordHandler handler = (topic, key, value) -> {
            String v = new String(value, StandardCharsets.UTF_8);
            if (v.startsWith("{")) {
                goodSeen.incrementAndGet();
            }
            return malformedUnlessJson(handed).handle(topic, key, value);
        };
        KafkaSettings s = new KafkaSettings(kafka.bootstrapServers(), "g-nodlq", "no such topic!", "earliest", 1024,
                Duration.ofMillis(500), 3);
        try (KafkaIngest in = new KafkaIngest(s, List.of("nodlq"), handler, metrics).start()) {
            await(() -> kafka.committedOffset("g-nodlq", "nodlq").orElse(0) == 2, "committed past the record");
            assertEquals(1.0, metrics.kafkaDeadLetterFailed.labels("malformed").get(), "counted once");
            assertEquals(3.0, metrics.kafkaErrors.labels("producer").get(), "three attempts");
            assertEquals(0.0, metrics.kafkaDeadLettered.labels("malformed").get());
            assertTrue(handed.contains("{\"after\":2}"));
            assertTrue(goodSeen.get() <= 3, "the record after it is re-delivered at most once per attempt: " + goodSeen);
            assertTrue(in.healthy());
        }
    }

    /**
     * A record bigger than the DLQ producer's max.request.size (here 1.5 MB, let into its own topic
     * by a raised max.message.bytes) is dead-lettered with its value cut to INGEST_MAX_RECORD_BYTES
     * instead of failing forever.
     */
    @Test
    void aRecordOverTheProducerRequestSizeIsDeadLetteredCut() throws Exception {
        kafka.createTopic("huge", Map.of("max.message.bytes", "4000000"));
        byte[] huge = new byte[1_500_000];
        java.util.Arrays.fill(huge, (byte) 'h');
        try (org.apache.kafka.clients.producer.KafkaProducer<byte[], byte[]> p = new org.apache.kafka.clients.producer.KafkaProducer<>(
                Map.of("bootstrap.servers", kafka.bootstrapServers(), "max.request.size", 4_000_000),
                new org.apache.kafka.common.serialization.ByteArraySerializer(),
                new org.apache.kafka.common.serialization.ByteArraySerializer())) {
            p.send(new org.apache.kafka.clients.producer.ProducerRecord<>("huge", huge)).get();
            p.send(new org.apache.kafka.clients.producer.ProducerRecord<>("huge", "{\"n\":1}".getBytes(StandardCharsets.UTF_8))).get();
        }
        GatewayMetrics metrics = new GatewayMetrics();
        Set<String> handed = ConcurrentHashMap.newKeySet();
        try (KafkaIngest in = ingest("huge", "huge.dlq", malformedUnlessJson(handed), metrics)) {
            List<ConsumerRecord<byte[], byte[]>> dead = kafka.read("huge.dlq", 1);
            assertEquals(1, dead.size());
            assertEquals(1024, dead.get(0).value().length, "cut to INGEST_MAX_RECORD_BYTES");
            assertEquals("1500000", header(dead.get(0), "rt-truncated"));
            assertEquals("too_large", header(dead.get(0), "rt-error"));
            await(() -> handed.contains("{\"n\":1}"), "the next record is handed off");
            await(() -> kafka.committedOffset("g-huge", "huge").orElse(0) == 2, "committed past both");
        }
    }

    private static KafkaIngest.RecordHandler malformedUnlessJson(Set<String> handed) {
        return (topic, key, value) -> {
            String v = new String(value, StandardCharsets.UTF_8);
            if (!v.startsWith("{")) {
                return "malformed";
            }
            handed.add(v);
            return null;
        };
    }

    /**
     * The whole node restarts (broker and controller) while a batch is half handed off and not yet
     * committed; more records come after. Every record reaches the handler at least once, health
     * drops during the outage and comes back.
     */
    @Test
    void aBrokerRestartMidStreamLosesNothing() throws Exception {
        int before = 30;
        int after = 30;
        Set<String> seen = ConcurrentHashMap.newKeySet();
        CountDownLatch inTheMiddle = new CountDownLatch(1);
        CountDownLatch brokerDown = new CountDownLatch(1);
        String middle = rec(before / 2);
        KafkaIngest.RecordHandler handler = (topic, key, value) -> {
            String v = new String(value, StandardCharsets.UTF_8);
            if (v.equals(middle) && inTheMiddle.getCount() > 0) {
                inTheMiddle.countDown();
                try {
                    // holds the batch, uncommitted, until the broker is gone
                    brokerDown.await(20, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            seen.add(v);
            return null;
        };
        for (int i = 0; i < before; i++) {
            kafka.send("restart", "k" + i, rec(i));
        }
        long t0 = System.nanoTime();
        try (KafkaIngest in = ingest("restart", "restart.dlq", handler, new GatewayMetrics())) {
            assertTrue(inTheMiddle.await(30, TimeUnit.SECONDS), "the ingest reached the middle of the stream");
            assertTrue(in.healthy());
            long stopAt = System.nanoTime();
            kafka.stop();
            brokerDown.countDown();
            await(() -> !in.healthy(), "healthy() turns false while Kafka is down");
            long down = System.nanoTime();
            kafka.startAgain();
            long up = System.nanoTime();
            for (int i = before; i < before + after; i++) {
                kafka.send("restart", "k" + i, rec(i));
            }
            await(() -> seen.size() == before + after,
                    () -> "all records handed off; missing " + missing(seen, before + after));
            await(in::healthy, "healthy() true again after the restart");
            System.out.printf("restart test: outage seen by healthy() %d ms after stop, node back in %d ms,"
                    + " total %d ms%n", (down - stopAt) / 1_000_000, (up - down) / 1_000_000,
                    (System.nanoTime() - t0) / 1_000_000);
        } finally {
            brokerDown.countDown();
            kafka.startAgain(); // no-op unless an assertion left the shared broker down
        }
    }

    private static String rec(int i) {
        return "{\"i\":" + i + "}";
    }

    private static Set<Integer> missing(Set<String> seen, int total) {
        Set<Integer> out = new TreeSet<>();
        for (int i = 0; i < total; i++) {
            if (!seen.contains(rec(i))) {
                out.add(i);
            }
        }
        return out;
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        await(condition, () -> what);
    }

    /** Polls {@code condition} every 50 ms for up to 20 s. */
    private static void await(BooleanSupplier condition, java.util.function.Supplier<String> what)
            throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                fail("timed out: " + what.get());
            }
            java.util.concurrent.locks.LockSupport.parkNanos(50_000_000L);
        }
    }

    private static String header(ConsumerRecord<byte[], byte[]> r, String name) {
        return new String(r.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
    }
}
