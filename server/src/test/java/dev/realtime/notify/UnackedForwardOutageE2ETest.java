package dev.realtime.notify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.realtime.server.Json;
import dev.realtime.testing.KafkaBroker;
import dev.realtime.testing.TestNode;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/**
 * A notification nobody acked comes due while Kafka is down: the claim is given back and it is
 * forwarded once Kafka is back (it used to be counted as forwarded and lost).
 */
class UnackedForwardOutageE2ETest {
    private static final String TOPIC = "outage.unacked";

    @Test
    void aNotificationDueDuringAKafkaOutageIsForwardedWhenKafkaReturns() throws Exception {
        try (KafkaBroker kafka = KafkaBroker.start();
             TestNode node = TestNode.start(Map.of("KAFKA_BROKERS", kafka.bootstrapServers(),
                     "NOTIFY_ACK_TOPIC", TOPIC, "NOTIFY_ACK_TIMEOUT_MS", "500"))) {
            kafka.stop();
            assertEquals(202, node.post("/api/realtime/internal/notify",
                    "{\"userIds\":[\"offline-user\"],\"payload\":{\"title\":\"during the outage\"}}").status());
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (node.metric("realtime_notifications_total{outcome=\"forward_failed\"}") < 1) {
                assertTrue(System.nanoTime() < deadline, "the failed forward was never reported");
                java.util.concurrent.locks.LockSupport.parkNanos(50_000_000);
            }
            assertEquals(0.0, node.metric("realtime_notifications_total{outcome=\"forwarded\"}"), "not counted as forwarded");
            kafka.startAgain();
            List<ConsumerRecord<byte[], byte[]>> records = kafka.read(TOPIC, 1);
            assertTrue(!records.isEmpty(), "forwarded once Kafka answered again");
            JsonNode record = json(records.get(0));
            assertEquals("offline-user", record.get("userId").asText());
            assertEquals("during the outage", record.get("data").get("title").asText());
            while (node.metric("realtime_notifications_total{outcome=\"forwarded\"}") < 1) {
                assertTrue(System.nanoTime() < deadline, "the forward was never counted");
                java.util.concurrent.locks.LockSupport.parkNanos(50_000_000);
            }
        }
    }

    private static JsonNode json(ConsumerRecord<byte[], byte[]> r) throws IOException {
        return Json.MAPPER.readTree(r.value());
    }
}
