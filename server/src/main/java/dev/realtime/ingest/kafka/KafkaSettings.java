package dev.realtime.ingest.kafka;

import java.time.Duration;

/**
 * How the node talks to Kafka. Immutable.
 *
 * @param brokers {@code KAFKA_BROKERS}, comma-separated host:port
 * @param group {@code KAFKA_CONSUMER_GROUP} (default {@code realtime-service-group})
 * @param deadLetterTopic where malformed or unroutable records go ({@code KAFKA_DLQ_TOPIC})
 * @param offsetReset {@code latest} (default: a new group starts at the end) or {@code earliest}
 * @param maxRecordBytes larger records are refused (dead-lettered) without parsing
 * @param healthCheckEvery how often the consumer thread checks that the cluster answers
 * @param deadLetterMaxAttempts failed sends of one dead letter before the record is skipped and
 *                              counted ({@code KAFKA_DLQ_MAX_ATTEMPTS})
 */
public record KafkaSettings(String brokers, String group, String deadLetterTopic, String offsetReset,
                            int maxRecordBytes, Duration healthCheckEvery, int deadLetterMaxAttempts) {
    /** The default number of dead-letter attempts. */
    public static final int DEFAULT_DLQ_MAX_ATTEMPTS = 5;

    /** With {@link #DEFAULT_DLQ_MAX_ATTEMPTS}. */
    public KafkaSettings(String brokers, String group, String deadLetterTopic, String offsetReset, int maxRecordBytes,
                         Duration healthCheckEvery) {
        this(brokers, group, deadLetterTopic, offsetReset, maxRecordBytes, healthCheckEvery, DEFAULT_DLQ_MAX_ATTEMPTS);
    }
}
