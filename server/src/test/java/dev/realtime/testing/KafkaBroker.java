package dev.realtime.testing;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import kafka.server.BrokerServer;
import kafka.server.ControllerServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;

/**
 * A real single-node Kafka cluster (KRaft, combined broker + controller) running in the test JVM,
 * from {@code org.apache.kafka:kafka-test-common-runtime}. Ready in a few seconds.
 *
 * <p><b>Restart.</b> {@link #stop()} shuts the node down the way a Kafka process stops: the broker
 * first (controlled shutdown, logs flushed, its client listener closed), then the controller
 * (metadata quorum, controller listener closed); nothing answers on {@link #bootstrapServers()}
 * until {@link #startAgain()}. {@link #startAgain()} starts the same {@code ControllerServer} and
 * {@code BrokerServer} objects again on the same log and metadata directories (topics, records
 * and committed group offsets survive) and waits until the broker is registered, unfenced and has
 * caught up with the metadata. The ports stay the same: the test kit binds every listener through
 * its {@code PreboundSocketFactoryManager}, which re-binds the port a listener used before when
 * that listener is opened again, so clients configured with the original bootstrap address
 * (including ones created before the restart) reconnect by themselves. {@link #restart()} is the
 * two in a row. A full-node restart takes well under a second here; restarting only the broker
 * half would also keep the port but takes ~10 s before the controller unfences it again, and
 * would leave the controller listener up, which is not what a real outage looks like.
 *
 * <p>Not thread-safe: drive stop/start from the test thread.
 */
public final class KafkaBroker implements AutoCloseable {
    private final KafkaClusterTestKit cluster;
    private final String bootstrap;
    private final KafkaProducer<String, String> producer;
    private boolean stopped;

    private KafkaBroker(KafkaClusterTestKit cluster) {
        this.cluster = cluster;
        // Computed once: the test kit derives it from the running broker's bound port, which is
        // unavailable while the node is stopped; the port does not change across restarts.
        this.bootstrap = cluster.bootstrapServers();
        this.producer = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap, "acks", "all"),
                new StringSerializer(), new StringSerializer());
    }

    public static KafkaBroker start() {
        try {
            KafkaClusterTestKit cluster = new KafkaClusterTestKit.Builder(new TestKitNodes.Builder()
                    .setCombined(true).setNumBrokerNodes(1).setNumControllerNodes(1).build())
                    .setConfigProp("offsets.topic.replication.factor", "1")
                    .setConfigProp("offsets.topic.num.partitions", "1")
                    .setConfigProp("group.initial.rebalance.delay.ms", "0")
                    .setConfigProp("transaction.state.log.replication.factor", "1")
                    .setConfigProp("auto.create.topics.enable", "true")
                    .build();
            cluster.format();
            cluster.startup();
            cluster.waitForReadyBrokers();
            return new KafkaBroker(cluster);
        } catch (Exception e) {
            throw new IllegalStateException("cannot start the in-process Kafka broker", e);
        }
    }

    /** The client address; the same for the whole life of this fixture, restarts included. */
    public String bootstrapServers() {
        return bootstrap;
    }

    /**
     * Stops the node (broker, then controller), as a Kafka process stop would; returns once both are
     * down and the ports closed. Records already acknowledged are kept on disk.
     */
    public void stop() {
        if (stopped) {
            return;
        }
        stopped = true;
        for (BrokerServer b : cluster.brokers().values()) {
            b.shutdown();
        }
        for (ControllerServer c : cluster.controllers().values()) {
            c.shutdown();
        }
    }

    /**
     * Starts the node stopped by {@link #stop()} again on the same ports and data, and waits until
     * the broker serves clients.
     */
    public void startAgain() {
        if (!stopped) {
            return;
        }
        try {
            for (ControllerServer c : cluster.controllers().values()) {
                c.startup();
            }
            for (BrokerServer b : cluster.brokers().values()) {
                b.startup();
            }
            cluster.waitForReadyBrokers();
            stopped = false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("the Kafka node did not come back", e.getCause());
        }
    }

    /** {@link #stop()} then {@link #startAgain()}: a short full outage, same address afterwards. */
    public void restart() {
        stop();
        startAgain();
    }

    /** Produces one record and waits for the broker's acknowledgement. */
    public void send(String topic, String key, String value) {
        try {
            producer.send(new ProducerRecord<>(topic, key, value)).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }

    /** Creates a one-partition topic with the given topic-level configs (e.g. {@code max.message.bytes}). */
    public void createTopic(String topic, Map<String, String> configs) {
        try (Admin admin = cluster.admin()) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1).configs(configs))).all().get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }

    /** Changes one topic-level config of an existing topic. */
    public void setTopicConfig(String topic, String name, String value) {
        try (Admin admin = cluster.admin()) {
            ConfigResource r = new ConfigResource(ConfigResource.Type.TOPIC, topic);
            admin.incrementalAlterConfigs(Map.of(r, Set.of(new AlterConfigOp(new ConfigEntry(name, value),
                    AlterConfigOp.OpType.SET)))).all().get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }

    /** The offset {@code group} committed for partition 0 of {@code topic}, if any. */
    public OptionalLong committedOffset(String group, String topic) {
        try (Admin admin = cluster.admin()) {
            OffsetAndMetadata o = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get()
                    .get(new TopicPartition(topic, 0));
            return o == null ? OptionalLong.empty() : OptionalLong.of(o.offset());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }

    /** Reads {@code topic} from the beginning until {@code count} records arrived or 20 s passed. */
    public List<ConsumerRecord<byte[], byte[]>> read(String topic, int count) {
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(Map.of("bootstrap.servers", bootstrapServers(),
                "group.id", "test-reader-" + System.nanoTime(), "auto.offset.reset", "earliest"),
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            c.subscribe(List.of(topic));
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (out.size() < count && System.nanoTime() < deadline) {
                c.poll(Duration.ofMillis(200)).forEach(out::add);
            }
        }
        return out;
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(2));
        try {
            cluster.close();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
