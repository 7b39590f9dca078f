package dev.realtime.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.realtime.testing.HttpResult;
import dev.realtime.testing.KafkaBroker;
import dev.realtime.testing.RedisServer;
import dev.realtime.testing.TestNode;
import dev.realtime.testing.WsClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;

/**
 * Route-table ingestion end to end: a real Kafka broker (in-process KRaft), a real Redis server and
 * two gateway nodes over loopback. Records on the seeds' topics and channels, and HTTP events, reach
 * the right users and rooms on whichever node holds them; bad records are dead-lettered or counted;
 * chosen emits and lifecycle events are forwarded to Kafka.
 */
class IngestE2ETest {
    private static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(com.fasterxml.jackson.core.JsonParser.Feature.ALLOW_COMMENTS);
    static final String DLQ = "test.dlq";
    static final String UNACKED = "test.unacked";

    private static KafkaBroker kafka;
    private static RedisServer redis;
    private static TestNode a;
    private static TestNode b;
    private final List<WsClient> clients = new ArrayList<>();

    @BeforeAll
    static void start(@TempDir Path dir) throws Exception {
        kafka = KafkaBroker.start();
        redis = RedisServer.start();
        RouteTable bundled = RouteTable.bundledDefault();
        Set<String> topics = new HashSet<>(bundled.kafkaTopics());
        topics.addAll(List.of(DLQ, UNACKED, "test.emits", "test.rooms", "match.completed"));
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            admin.createTopics(topics.stream().map(t -> new NewTopic(t, 1, (short) 1)).toList()).all()
                    .get(30, TimeUnit.SECONDS);
        }
        // The bundled routes (and their forward rule for finished matches) plus two forward rules.
        ObjectNode routes = (ObjectNode) MAPPER.readTree(RouteTable.bundledDefaultText());
        ArrayNode forward = (ArrayNode) routes.get("forward");
        forward.addObject().put("id", "reports").put("emit", "chat:report").put("topic", "test.emits").put("key", "user");
        forward.addObject().put("id", "chats").put("emit", "chat:message").put("topic", "test.emits").put("key", "user");
        forward.addObject().put("id", "rooms").put("topic", "test.rooms").put("key", "room").putArray("lifecycle")
                .add("join").add("leave");
        Path file = dir.resolve("routes.json");
        Files.writeString(file, MAPPER.writeValueAsString(routes));
        for (String id : new String[] {"node-a", "node-b"}) {
            TestNode n = TestNode.start(Map.of("NODE_ID", id, "REDIS_URL", redis.url(),
                    "KAFKA_BROKERS", kafka.bootstrapServers(), "KAFKA_OFFSET_RESET", "earliest",
                    "KAFKA_CONSUMER_GROUP", "ingest-e2e", "KAFKA_DLQ_TOPIC", DLQ, "ROUTES_FILE", file.toString(),
                    "NOTIFY_ACK_TOPIC", UNACKED, "NOTIFY_ACK_TIMEOUT_MS", "1500",
                    "INGEST_MAX_RECORD_BYTES", "65536"));
            if (a == null) {
                a = n;
            } else {
                b = n;
            }
        }
        awaitReady(a);
        awaitReady(b);
    }

    @AfterAll
    static void stop() {
        for (AutoCloseable c : new AutoCloseable[] {a, b, kafka, redis}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception e) {
                // keep closing the rest
            }
        }
    }

    @AfterEach
    void closeClients() {
        clients.forEach(WsClient::close);
    }

    private static void awaitReady(TestNode n) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            if (n.get("/health/ready").status() == 200) {
                return;
            }
            java.util.concurrent.locks.LockSupport.parkNanos(5_000_000);
        }
        throw new AssertionError("node never ready: " + n.get("/health/ready").body());
    }

    private WsClient connect(TestNode node, String user, String role, String... rooms) {
        WsClient c = WsClient.connect(node.ws(), Map.of("Authorization", "Bearer " + TestNode.token(user, role)), null);
        c.expectOp("connected");
        clients.add(c);
        for (String room : rooms) {
            assertTrue(c.join(room).path("ok").asBoolean(), "join " + room);
        }
        return c;
    }

    /** Waits until every listed room has a subscriber on the bus from {@code nodes} nodes. */
    private static void awaitSubscribed(long nodes, String... rooms) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        try (Jedis j = new Jedis("127.0.0.1", redis.port())) {
            for (String room : rooms) {
                while (j.pubsubNumSub("rt:room:" + room).get("rt:room:" + room) < nodes) {
                    if (System.nanoTime() > deadline) {
                        throw new AssertionError(room + " never subscribed by " + nodes + " nodes");
                    }
                    java.util.concurrent.locks.LockSupport.parkNanos(5_000_000);
                }
            }
        }
    }

    private static JsonNode data(WsClient c, String event) {
        return c.expectEvent(event).get("data");
    }

    @Test
    void everySeedTopicReachesTheRightUsersAndRooms() {
        WsClient buyer = connect(a, "buyer-1", null);
        WsClient admin = connect(b, "admin-1", "admin", "admin");
        WsClient fan = connect(b, "fan-1", null, "survey:s1", "project:p1", "video:v1");
        WsClient everyone = connect(a, "anyone-1", null);
        awaitSubscribed(1, "user:buyer-1", "admin", "survey:s1", "project:p1", "video:v1");

        // seed 000
        kafka.send("SessionStartingSoon", "k", "{\"userIds\":[\"buyer-1\"],\"message\":{\"title\":\"Soon\",\"sessionId\":\"s-9\"}}");
        JsonNode soon = buyer.expectEvent("notification:new");
        assertEquals("Soon", soon.get("data").get("title").asText());
        assertFalse(soon.has("room"), "user events carry no room");
        assertFalse(soon.get("data").get("notificationId").asText().isEmpty());
        kafka.send("ConceptMastered", "k", "{\"userIds\":[\"buyer-1\"],\"message\":{\"title\":\"Mastered\"}}");
        assertEquals("Mastered", data(buyer, "notification:new").get("title").asText());

        // seed 001
        kafka.send("order.created", "o1", "{\"orderId\":\"o1\",\"buyerId\":\"buyer-1\",\"total\":12}");
        assertEquals("o1", data(buyer, "order:created").get("orderId").asText());
        JsonNode adminCopy = admin.expectEvent("admin:order:created");
        assertEquals("admin", adminCopy.get("room").asText());
        assertEquals(12, adminCopy.get("data").get("total").asInt());
        kafka.send("order.updated", "o1", "{\"orderId\":\"o1\",\"userId\":\"buyer-1\",\"status\":\"paid\"}");
        assertEquals("paid", data(buyer, "order:updated").get("status").asText());
        assertEquals("paid", data(admin, "admin:order:updated").get("status").asText());
        kafka.send("order.cancelled", "o1", "{\"orderId\":\"o1\",\"buyerId\":\"buyer-1\"}");
        assertEquals("o1", data(buyer, "order:cancelled").get("orderId").asText());
        assertEquals("o1", data(admin, "admin:order:cancelled").get("orderId").asText());
        kafka.send("inventory.updated", "p", "{\"productId\":\"p-1\",\"stock\":3}");
        assertEquals(3, data(everyone, "inventory:updated").get("stock").asInt());
        assertEquals(3, data(admin, "admin:inventory:updated").get("stock").asInt());
        kafka.send("product.created", "p", "{\"productId\":\"p-2\"}");
        assertEquals("p-2", data(everyone, "product:created").get("productId").asText());
        kafka.send("product.updated", "p", "{\"productId\":\"p-2\",\"price\":5}");
        assertEquals(5, data(fan, "product:updated").get("price").asInt());

        // seed 003
        kafka.send("survey.responses", "s1", "{\"surveyId\":\"s1\",\"answer\":42,\"metadata\":{\"projectId\":\"p1\"}}");
        JsonNode r1 = fan.expectEvent("response.new");
        JsonNode r2 = fan.expectEvent("response.new");
        assertEquals(Set.of("survey:s1", "project:p1"), Set.of(r1.get("room").asText(), r2.get("room").asText()));
        assertEquals(42, r1.get("data").get("answer").asInt());
        assertFalse(r1.get("data").get("timestamp").asText().isEmpty());
        kafka.send("survey.analytics", "s1", "{\"surveyId\":\"s1\",\"type\":\"summary\",\"count\":7}");
        JsonNode analytics = data(fan, "analytics.update");
        assertEquals("summary", analytics.get("updateType").asText());
        assertEquals(7, analytics.get("count").asInt());
        kafka.send("surveyor.locations", "s1", "{\"surveyId\":\"s1\",\"surveyorId\":\"v-1\",\"lat\":1.5}");
        assertEquals(1.5, data(fan, "surveyor.location").get("lat").asDouble());
        kafka.send("system.notifications", "n", "{\"userId\":\"buyer-1\",\"type\":\"alert\",\"title\":\"Hi\"}");
        JsonNode sys = data(buyer, "notification");
        assertEquals("alert", sys.get("notificationType").asText());
        assertFalse(sys.get("notificationId").asText().isEmpty());

        // seed 004
        kafka.send("video.view", "v1", "{\"videoId\":\"v1\"}");
        JsonNode view = fan.expectEvent("video:view");
        assertEquals("video:v1", view.get("room").asText());
        assertTrue(view.get("data").get("timestamp").isNumber());
        kafka.send("video.like", "v1", "{\"videoId\":\"v1\"}");
        assertEquals("video.like", data(fan, "video:like").get("type").asText());
        kafka.send("video.dislike", "v1", "{\"videoId\":\"v1\"}");
        assertEquals("video.dislike", data(fan, "video:like").get("type").asText());
        kafka.send("video.comment", "v1", "{\"videoId\":\"v1\",\"commentId\":\"c-1\"}");
        assertEquals("c-1", data(fan, "video:comment").get("commentId").asText());
        kafka.send("channel.notifications", "ch", "{\"channelId\":\"ch-1\",\"userIds\":[\"buyer-1\"],\"title\":\"New video\"}");
        JsonNode channel = data(buyer, "notification");
        assertEquals("New video", channel.get("title").asText());
        assertFalse(channel.has("userIds"), "the recipient list is not echoed");

        // Users and rooms not addressed got nothing routed to someone else.
        fan.expectNone(m -> m.path("event").asText().startsWith("order:"), Duration.ofMillis(200));
        everyone.expectNone(m -> m.path("event").asText().startsWith("admin:"), Duration.ofMillis(100));
    }

    @Test
    void viewersWhoJoinedWithVideoJoinGetTheVideoTopicsOnEveryNode() {
        WsClient here = connect(a, "viewer-a", null);
        WsClient there = connect(b, "viewer-b", null);
        for (WsClient c : List.of(here, there)) {
            JsonNode joined = c.emit("video:join", "{\"videoId\":\"v7\"}");
            assertEquals("video:v7", joined.get("data").get("room").asText(), joined.toString());
        }
        awaitSubscribed(2, "video:v7");
        kafka.send("video.view", "v7", "{\"videoId\":\"v7\"}");
        kafka.send("video.like", "v7", "{\"videoId\":\"v7\"}");
        kafka.send("video.comment", "v7", "{\"videoId\":\"v7\",\"commentId\":\"c-7\"}");
        for (WsClient c : List.of(here, there)) {
            assertEquals("video:v7", c.expectEvent("video:view").get("room").asText());
            assertEquals("video.like", data(c, "video:like").get("type").asText());
            assertEquals("c-7", data(c, "video:comment").get("commentId").asText());
            c.expectEvent("video:viewers", "count", "2"); // the live count, cluster-wide
        }
    }

    @Test
    void malformedRecordsAreDeadLetteredAndTheNextGoodOneIsDelivered() {
        WsClient buyer = connect(b, "buyer-2", null);
        awaitSubscribed(1, "user:buyer-2");
        kafka.send("order.created", "bad", "{not json");
        kafka.send("order.created", "ok", "{\"orderId\":\"o-after\",\"buyerId\":\"buyer-2\"}");
        assertEquals("o-after", data(buyer, "order:created").get("orderId").asText());
        List<ConsumerRecord<byte[], byte[]>> dead = kafka.read(DLQ, 1);
        assertTrue(dead.stream().anyMatch(r -> new String(r.value(), StandardCharsets.UTF_8).equals("{not json")
                && "malformed".equals(header(r, "rt-error")) && "order.created".equals(header(r, "rt-source-topic"))),
                "dead letters: " + dead.size());
        assertTrue(metric(a, "realtime_kafka_dlq_total{reason=\"malformed\"}")
                + metric(b, "realtime_kafka_dlq_total{reason=\"malformed\"}") >= 1);
    }

    @Test
    void templateWithAMissingFieldIsSkippedAndCountedWhileOthersProceed() {
        WsClient buyer = connect(a, "buyer-3", null);
        WsClient admin = connect(a, "admin-3", "admin", "admin");
        awaitSubscribed(1, "user:buyer-3", "admin");
        double before = metric(a, "realtime_ingest_skipped_total{source=\"kafka\"}")
                + metric(b, "realtime_ingest_skipped_total{source=\"kafka\"}");
        // No buyerId/userId: the user delivery is skipped, the admin copy still goes out.
        kafka.send("order.created", "x", "{\"orderId\":\"o-nobody\"}");
        assertEquals("o-nobody", data(admin, "admin:order:created").get("orderId").asText());
        buyer.expectNone(m -> "order:created".equals(m.path("event").asText()), Duration.ofMillis(200));
        assertTrue(metric(a, "realtime_ingest_skipped_total{source=\"kafka\"}")
                + metric(b, "realtime_ingest_skipped_total{source=\"kafka\"}") > before);
    }

    @Test
    void seed002RedisChannelsAreRoutedAndBadMessagesCounted() {
        WsClient user = connect(a, "guest-7", null);
        WsClient eventFan = connect(b, "fan-7", null, "event:e-1");
        awaitSubscribed(1, "user:guest-7", "event:e-1");
        awaitRedisIngest();
        try (Jedis j = new Jedis("127.0.0.1", redis.port())) {
            j.publish("booking:confirmed", "{\"userId\":\"guest-7\",\"bookingId\":\"bk-1\"}");
            JsonNode booking = user.expectEvent("booking:confirmed");
            assertEquals("bk-1", booking.get("data").get("bookingId").asText());
            assertTrue(booking.get("data").get("timestamp").isNumber());
            j.publish("payment:failed", "{\"userId\":\"guest-7\",\"amount\":10}");
            assertEquals(10, data(user, "payment:failed").get("amount").asInt());
            j.publish("ticket:sold", "{\"eventId\":\"e-1\",\"seat\":\"A1\"}");
            assertEquals("event:e-1", eventFan.expectEvent("ticket:sold").get("room").asText());
            // user:{userId}:{event} is routed once (by the most specific pattern), with the event part.
            j.publish("user:guest-7:level_up", "{\"level\":3}");
            assertEquals(3, data(user, "level_up").get("level").asInt());
            user.expectNone(m -> "user:guest-7:level_up".equals(m.path("event").asText()), Duration.ofMillis(100));
            double before = metric(a, "realtime_ingest_rejected_total{source=\"redis\",reason=\"malformed\"}");
            j.publish("booking:created", "<<not json>>");
            j.publish("booking:created", "{\"userId\":\"guest-7\",\"bookingId\":\"bk-2\"}");
            assertEquals("bk-2", data(user, "booking:created").get("bookingId").asText());
            // Both nodes read the channel: each counts the bad message and delivers its own users' events.
            assertTrue(metric(a, "realtime_ingest_rejected_total{source=\"redis\",reason=\"malformed\"}") > before);
            user.expectNone(m -> "booking:created".equals(m.path("event").asText()), Duration.ofMillis(200));
        }
    }

    /** Both nodes report their Redis ingest subscription up (one of the /health/ready checks). */
    private static void awaitRedisIngest() {
        for (TestNode n : List.of(a, b)) {
            assertEquals("up", n.get("/health/ready").json().get("checks").get("redis-ingest").asText());
        }
    }

    @Test
    void seed004ChannelSubscribersGetChannelNotifications() {
        WsClient viewer = connect(a, "viewer-9", null);
        JsonNode sub = viewer.request("emit", "\"event\":\"notifications:subscribe\",\"data\":{\"channelId\":\"ch-9\"}");
        assertTrue(sub.get("ok").asBoolean(), sub.toString());
        assertEquals("channel:ch-9", sub.get("data").get("room").asText());
        awaitSubscribed(1, "channel:ch-9");
        kafka.send("channel.notifications", "ch-9", "{\"channelId\":\"ch-9\",\"title\":\"Live now\"}");
        JsonNode n = viewer.expectEvent("notification");
        assertEquals("channel:ch-9", n.get("room").asText());
        assertEquals("Live now", n.get("data").get("title").asText());

        JsonNode unsub = viewer.request("emit", "\"event\":\"notifications:unsubscribe\",\"data\":{\"channelId\":\"ch-9\"}");
        assertTrue(unsub.get("ok").asBoolean(), unsub.toString());
        kafka.send("channel.notifications", "ch-9", "{\"channelId\":\"ch-9\",\"title\":\"Again\"}");
        viewer.expectNone(m -> "notification".equals(m.path("event").asText()), Duration.ofMillis(300));

        assertEquals("invalid_message", viewer.request("emit", "\"event\":\"notifications:subscribe\",\"data\":{}")
                .get("error").get("code").asText());
        assertEquals("invalid_room", viewer.request("emit",
                "\"event\":\"notifications:subscribe\",\"data\":{\"channelId\":\"has space\"}").get("error").get("code").asText());
        assertEquals("not_in_room", viewer.request("emit",
                "\"event\":\"notifications:unsubscribe\",\"data\":{\"channelId\":\"ch-9\"}").get("error").get("code").asText());
    }

    @Test
    void clientsCannotPublishTheEventsRoutesDeliver() {
        WsClient viewer = connect(a, "faker-1", null, "lobby-fake", "video:v-fake");
        JsonNode fake = viewer.publish("lobby-fake", "video:comment", "{\"videoId\":\"v-fake\",\"commentId\":\"spam\"}");
        assertEquals("forbidden", fake.get("error").get("code").asText());
        assertTrue(viewer.publish("lobby-fake", "chat:message", "{\"text\":\"fine\"}").get("ok").asBoolean());
        // Video rooms take no client publishes at all (room policy): an audience is not a chat room.
        assertEquals("forbidden", viewer.publish("video:v-fake", "chat:message", "{\"text\":\"hi all\"}")
                .get("error").get("code").asText());
    }

    @Test
    void aKafkaBrokerRestartLosesNoRecordEndToEnd() throws Exception {
        WsClient buyer = connect(b, "buyer-restart", null);
        awaitSubscribed(1, "user:buyer-restart");
        for (int i = 0; i < 5; i++) {
            kafka.send("order.updated", "r", "{\"orderId\":\"before-" + i + "\",\"buyerId\":\"buyer-restart\"}");
        }
        kafka.restart();
        for (int i = 0; i < 5; i++) {
            kafka.send("order.updated", "r", "{\"orderId\":\"after-" + i + "\",\"buyerId\":\"buyer-restart\"}");
        }
        java.util.Set<String> seen = new java.util.HashSet<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (seen.size() < 10) {
            assertTrue(System.nanoTime() < deadline, "only got " + seen);
            try {
                seen.add(buyer.expectEvent("order:updated").get("data").get("orderId").asText()); // duplicates allowed
            } catch (AssertionError stillWaiting) {
                // expectEvent waits 10 s at a time; the consumer may take longer to come back
            }
        }
        awaitReady(a);
        awaitReady(b);
    }

    @Test
    void httpEventsFeedTheSameTable() {
        WsClient fan = connect(b, "fan-8", null, "survey:s8");
        awaitSubscribed(1, "survey:s8");
        HttpResult ok = a.post("/api/events/survey-response", "{\"surveyId\":\"s8\",\"answer\":\"yes\"}");
        assertEquals(202, ok.status(), ok.body());
        assertEquals("queued", ok.json().get("status").asText());
        assertEquals(1, ok.json().get("deliveries").asInt());
        assertEquals("yes", data(fan, "response.new").get("answer").asText());

        HttpResult skipped = a.post("/api/events/survey-response", "{\"answer\":\"no survey\"}");
        assertEquals(202, skipped.status());
        assertEquals(0, skipped.json().get("deliveries").asInt());
        assertEquals(1, skipped.json().get("skipped").asInt());

        assertEquals(404, a.post("/api/events/no-such-source", "{}").status());
        HttpResult bad = a.post("/api/events/survey-response", "{oops");
        assertEquals(400, bad.status());
        assertEquals(400, bad.json().get("statusCode").asInt());
        String big = "{\"surveyId\":\"s8\",\"pad\":\"" + "x".repeat(100_000) + "\"}";
        HttpResult tooLarge = a.post("/api/events/survey-response", big);
        assertEquals(413, tooLarge.status());
        assertEquals(413, tooLarge.json().get("statusCode").asInt());
        HttpResult noKey = dev.realtime.testing.Http.send(a.http("/api/events/survey-response"), "POST",
                "{\"surveyId\":\"s8\"}", Map.of("Content-Type", "application/json"));
        assertEquals(401, noKey.status());
        fan.expectNone(m -> "response.new".equals(m.path("event").asText()), Duration.ofMillis(200));

        // Seed 003's own routes for the same two sources.
        HttpResult alias = a.post("/api/broadcast/survey-response",
                "{\"surveyId\":\"s8\",\"responseId\":\"r-9\",\"response\":{\"q1\":\"yes\"}}");
        assertEquals(202, alias.status(), alias.body());
        assertEquals("r-9", data(fan, "response.new").get("responseId").asText());
        HttpResult location = a.post("/api/broadcast/location", "{\"surveyorId\":\"sv-1\",\"surveyId\":\"s8\","
                + "\"location\":{\"coordinates\":{\"latitude\":25.2,\"longitude\":55.27}}}");
        assertEquals(202, location.status(), location.body());
        assertEquals("sv-1", data(fan, "surveyor.location").get("surveyorId").asText());
        assertEquals(401, dev.realtime.testing.Http.send(a.http("/api/broadcast/location"), "POST", "{}",
                Map.of("Content-Type", "application/json")).status(), "the API key, as on every internal route");
    }

    @Test
    void offlineUserGetsTheInboxOnConnectInOrderAndAcksReachOtherDevices() {
        double stored = metric(a, "realtime_notifications_total{outcome=\"stored\"}");
        for (int i = 1; i <= 3; i++) {
            assertEquals(202, a.post("/api/realtime/internal/notify",
                    "{\"userIds\":[\"away-1\"],\"payload\":{\"title\":\"n" + i + "\"}}").status());
        }
        // Stored asynchronously (202 means queued): wait until node A stored all three.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (metric(a, "realtime_notifications_total{outcome=\"stored\"}") < stored + 3) {
            assertTrue(System.nanoTime() < deadline, "notifications never stored");
            java.util.concurrent.locks.LockSupport.parkNanos(5_000_000);
        }
        WsClient phone = connect(b, "away-1", null);
        List<JsonNode> got = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            got.add(phone.expectEvent("notification:new").get("data"));
        }
        assertEquals(List.of("n1", "n2", "n3"), got.stream().map(d -> d.get("title").asText()).toList());
        List<Long> ids = got.stream().map(d -> Long.parseLong(d.get("notificationId").asText())).toList();
        assertTrue(ids.get(0) < ids.get(1) && ids.get(1) < ids.get(2), "ids increase: " + ids);

        WsClient laptop = connect(a, "away-1", null);
        for (int i = 0; i < 3; i++) {
            laptop.expectEvent("notification:new");
        }
        awaitSubscribed(2, "user:away-1");
        JsonNode ack = phone.request("emit", "\"event\":\"notifications:read\",\"data\":{\"notificationId\":\""
                + ids.get(0) + "\"}");
        assertTrue(ack.get("ok").asBoolean(), ack.toString());
        assertTrue(ack.get("data").get("read").asBoolean());
        assertEquals(String.valueOf(ids.get(0)), data(laptop, "notification:read").get("notificationId").asText());
        JsonNode again = laptop.request("emit", "\"event\":\"notifications:read\",\"data\":{\"notificationId\":\""
                + ids.get(0) + "\"}");
        assertFalse(again.get("data").get("read").asBoolean(), "a second ack finds nothing");
        JsonNode bad = laptop.request("emit", "\"event\":\"notifications:read\",\"data\":{}");
        assertEquals("invalid_message", bad.get("error").get("code").asText());

        WsClient tablet = connect(b, "away-1", null);
        assertEquals("n2", data(tablet, "notification:new").get("title").asText());
        assertEquals("n3", data(tablet, "notification:new").get("title").asText());
        tablet.expectNone(m -> "notification:new".equals(m.path("event").asText()), Duration.ofMillis(200));
    }

    @Test
    void notificationsNobodyAckedAreForwardedToKafkaOnce() {
        assertEquals(202, b.post("/api/realtime/internal/notify",
                "{\"userIds\":[\"never-acks\"],\"payload\":{\"title\":\"push me\"}}").status());
        List<JsonNode> mine = readMatching(UNACKED, j -> "never-acks".equals(j.path("userId").asText()));
        assertEquals(1, mine.size(), "forwarded once across both nodes");
        assertEquals("notification.unacked", mine.get(0).get("type").asText());
        assertEquals("push me", mine.get(0).get("data").get("title").asText());
        assertEquals("notification:new", mine.get(0).get("event").asText());
    }

    @Test
    void chosenEmitsAndJoinsAreForwardedToKafkaKeyedAsConfigured() {
        WsClient reporter = connect(a, "reporter-1", null);
        JsonNode reply = reporter.request("emit", "\"event\":\"chat:report\",\"data\":{\"messageId\":\"m-1\"}");
        assertTrue(reply.get("ok").asBoolean(), "a forwarded emit without a handler is accepted: " + reply);
        // A handled emit goes to Kafka only once its handler accepted it.
        JsonNode refused = reporter.request("emit", "\"event\":\"chat:message\",\"data\":{\"videoId\":\"v-fwd\",\"message\":\"refused\"}");
        assertEquals("not_in_room", refused.get("error").get("code").asText(), refused.toString());
        assertTrue(reporter.request("emit", "\"event\":\"chat:join\",\"data\":{\"videoId\":\"v-fwd\"}").get("ok").asBoolean());
        JsonNode accepted = reporter.request("emit", "\"event\":\"chat:message\",\"data\":{\"videoId\":\"v-fwd\",\"message\":\"accepted\"}");
        assertTrue(accepted.get("ok").asBoolean(), accepted.toString());
        reporter.join("lobby-fwd");
        reporter.request("leave", "\"room\":\"lobby-fwd\"");

        JsonNode emit = kafka.read("test.emits", 1).stream().map(IngestE2ETest::json)
                .filter(j -> "reporter-1".equals(j.path("userId").asText())).findFirst().orElseThrow();
        assertEquals("chat:report", emit.get("event").asText());
        assertEquals("m-1", emit.get("data").get("messageId").asText());
        assertEquals("node-a", emit.get("nodeId").asText());
        List<JsonNode> chats = kafka.read("test.emits", 2).stream().map(IngestE2ETest::json)
                .filter(j -> "chat:message".equals(j.path("event").asText())).collect(Collectors.toList());
        assertEquals(1, chats.size(), "the report, then the accepted message only: " + chats);
        assertEquals("accepted", chats.get(0).get("data").get("message").asText());

        List<ConsumerRecord<byte[], byte[]>> rooms = kafka.read("test.rooms", 2);
        List<String> kinds = rooms.stream().filter(r -> "lobby-fwd".equals(key(r)))
                .map(r -> json(r).get("kind").asText()).collect(Collectors.toList());
        assertEquals(List.of("join", "leave"), kinds);
        JsonNode unknown = reporter.request("emit", "\"event\":\"chat:unrouted\",\"data\":{}");
        assertEquals("unknown_event", unknown.get("error").get("code").asText());
    }

    /** Seed 000: a finished match's result goes to Kafka once (by the node that completed it), keyed by match. */
    @Test
    void finishedMatchesAreForwardedToKafkaOnceKeyedByMatch() {
        WsClient p1 = connect(a, "kafka-player-1", null);
        WsClient p2 = connect(b, "kafka-player-2", null);
        for (WsClient p : List.of(p1, p2)) {
            JsonNode r = p.request("emit", "\"event\":\"matchmaking:join\",\"data\":{\"gameType\":\"1v1_rapid_quiz\"}");
            assertTrue(r.get("ok").asBoolean(), r.toString());
        }
        String matchId = data(p1, "match:found").get("matchId").asText();
        int questions = data(p2, "match:found").get("questions").size();
        for (int i = 0; i < questions; i++) {
            for (WsClient p : List.of(p1, p2)) {
                JsonNode r = p.request("emit", "\"event\":\"match:submitAnswer\",\"data\":{\"answer\":\"?\",\"timer\":100}");
                assertTrue(r.get("ok").asBoolean(), r.toString());
            }
        }
        assertEquals(matchId, data(p2, "match:completed").get("matchId").asText());
        List<JsonNode> all = readMatching("match.completed", j -> matchId.equals(j.path("data").path("matchId").asText()));
        assertEquals(1, all.size(), "forwarded once across both nodes: " + all);
        JsonNode record = all.get(0);
        assertEquals("event", record.get("type").asText());
        assertEquals("match:completed", record.get("event").asText());
        assertEquals("finished", record.get("data").get("reason").asText());
        assertEquals(true, record.get("data").get("isDraw").asBoolean(), "both answered the same");
        assertEquals(List.of(matchId), kafka.read("match.completed", 1).stream().map(IngestE2ETest::key).toList(),
                "the record key is the match id");
    }

    @Test
    void clusterStatsCountEveryNode() {
        connect(a, "stats-a", null);
        connect(b, "stats-b", null);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        JsonNode stats;
        do {
            stats = a.getWithKey("/api/stats?scope=cluster").json();
        } while (stats.get("uniqueUsers").asInt() < 2 && System.nanoTime() < deadline);
        assertEquals("cluster", stats.get("scope").asText());
        assertEquals(2, stats.get("nodeCount").asInt());
        assertTrue(stats.get("totalConnections").asInt() >= 2);
        assertEquals("node-a", stats.get("node").asText());
        assertEquals("node-b", b.getWithKey("/api/stats").json().get("node").asText());
    }

    /**
     * Every record of {@code topic} matching {@code p}: reads from the start until one matches, then
     * one more second so a duplicate would be seen.
     */
    private static List<JsonNode> readMatching(String topic, java.util.function.Predicate<JsonNode> p) {
        List<JsonNode> out = new ArrayList<>();
        try (var c = new org.apache.kafka.clients.consumer.KafkaConsumer<byte[], byte[]>(Map.of(
                "bootstrap.servers", kafka.bootstrapServers(), "group.id", "reader-" + System.nanoTime(),
                "auto.offset.reset", "earliest"), new org.apache.kafka.common.serialization.ByteArrayDeserializer(),
                new org.apache.kafka.common.serialization.ByteArrayDeserializer())) {
            c.subscribe(List.of(topic));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                    JsonNode j = json(r);
                    if (p.test(j)) {
                        out.add(j);
                        deadline = Math.min(deadline, System.nanoTime() + TimeUnit.SECONDS.toNanos(1));
                    }
                }
            }
        }
        return out;
    }

    private static JsonNode json(ConsumerRecord<byte[], byte[]> r) {
        try {
            return MAPPER.readTree(r.value());
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    private static String key(ConsumerRecord<byte[], byte[]> r) {
        return r.key() == null ? null : new String(r.key(), StandardCharsets.UTF_8);
    }

    private static String header(ConsumerRecord<byte[], byte[]> r, String name) {
        var h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    /** One sample of the node's /metrics (0 when absent). */
    static double metric(TestNode n, String sample) {
        for (String line : n.get("/metrics").body().split("\n")) {
            line = line.replace(",}", "}"); // simpleclient writes name{a="b",} value
            if (line.startsWith(sample + " ")) {
                return Double.parseDouble(line.substring(sample.length() + 1).trim());
            }
        }
        return 0;
    }
}
