package dev.realtime.ingest;

import static dev.realtime.ingest.RouteTableRoutingTest.NOW;
import static dev.realtime.ingest.RouteTableRoutingTest.json;
import static dev.realtime.ingest.RouteTableRoutingTest.summary;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.realtime.config.GatewayConfig.SlowConsumerPolicy;
import dev.realtime.room.DeliveryMode;
import dev.realtime.room.PrefixPolicies;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The bundled default reproduces every seed: a realistic record for each topic/channel the seed
 * services consumed (field names from the seed READMEs) gives the events and targets they emitted.
 */
class DefaultRoutesSeedTest {
    static final RouteTable DEFAULT = RouteTable.bundledDefault();
    static final String ISO_NOW = "2024-01-01T00:00:00.123Z";

    static RouteResult kafka(String topic, String record) {
        return ok(DEFAULT.route(SourceKind.KAFKA, topic, json(record), NOW));
    }

    static RouteResult redis(String channel, String record) {
        String owner = null;
        for (String p : DEFAULT.redisPatterns()) {
            if (DEFAULT.ownsRedisMessage(p, channel)) {
                assertTrue(owner == null, "exactly one pattern owns " + channel);
                owner = p;
            }
        }
        assertTrue(owner != null, "some pattern owns " + channel);
        RouteResult viaPattern = DEFAULT.routeRedis(owner, channel, json(record), NOW);
        RouteResult viaChannel = DEFAULT.route(SourceKind.REDIS, channel, json(record), NOW);
        assertEquals(viaChannel, viaPattern);
        return ok(viaPattern);
    }

    static RouteResult http(String source, String record) {
        return ok(DEFAULT.route(SourceKind.HTTP, source, json(record), NOW));
    }

    static RouteResult ok(RouteResult r) {
        assertTrue(r.matched());
        assertEquals(0, r.skipped(), r.reasons().toString());
        return r;
    }

    @Test
    void subscribesToEverySeedSource() {
        assertEquals(List.of("SessionStartingSoon", "ConceptMastered", "order.created", "order.updated", "order.cancelled",
                "inventory.updated", "product.created", "product.updated", "survey.responses", "survey.analytics",
                "surveyor.locations", "system.notifications", "video.view", "video.like", "video.dislike", "video.comment",
                "channel.notifications"), List.copyOf(DEFAULT.kafkaTopics()));
        assertEquals(List.of("booking:*", "payment:*", "ticket:*", "user:*", "user:*:*", "system:*"), DEFAULT.redisPatterns());
        Set<String> http = new java.util.HashSet<>(DEFAULT.kafkaTopics()); // every topic, fed over HTTP without Kafka
        http.addAll(Set.of("order", "inventory", "admin-alert", "survey-response", "survey-analytics", "location",
                "notification"));
        assertEquals(http, DEFAULT.httpSources());
        // Seed 000's finished matches go to Kafka; nothing a client sends is forwarded by default.
        assertEquals(List.of("seed000-match-completed: event [match:completed] -> kafka match.completed (key {matchId})"),
                DEFAULT.forwardRules().stream().map(Object::toString).toList());
        assertEquals(List.of(), DEFAULT.forwardsForEmit("match:completed"), "clients cannot emit into that topic");
        assertEquals(RouteTable.DEFAULT_MAX_RECORD_BYTES, DEFAULT.maxRecordBytes());
        assertEquals("default-routes.json", DEFAULT.origin());
        assertTrue(DEFAULT.policies().has("video:*"), "the raw section is kept");
        // The seeds' rooms: video audiences keep nothing and never lose a viewer for being slow; score
        // boards keep the newest value per event; everything else keeps a full stream.
        PrefixPolicies policies = DEFAULT.roomPolicies();
        assertEquals(DeliveryMode.VOLATILE, policies.delivery("video:123"));
        assertEquals(SlowConsumerPolicy.DROP, policies.slowConsumer("video:123"));
        assertTrue(!policies.presenceEvents("video:123") && !policies.clientPublish("video:123"),
                "the entry repeats the built-in video:* settings it replaces");
        assertEquals(DeliveryMode.LATEST, policies.delivery("score:match-1"));
        assertEquals(DeliveryMode.LATEST, policies.delivery("leaderboard:weekly"));
        for (String room : List.of("chat:123", "survey:s1", "project:p1", "admin", "event:e1", "match:m1", "channel:c1",
                "lobby")) {
            assertEquals(DeliveryMode.STREAM, policies.delivery(room), room);
            assertEquals(null, policies.slowConsumer(room), room + ": the node's SLOW_CONSUMER_POLICY");
        }
        assertTrue(!policies.clientPublish("chat:123"), "the built-in chat:* policy stays");
        assertTrue(RouteTable.bundledDefaultText().contains("\"version\": 1"));
    }

    @Nested
    class Seed000Quiz {
        @Test
        void sessionStartingSoonNotifiesEveryListedUser() {
            RouteResult r = kafka("SessionStartingSoon", """
                    {"userIds": ["user123", "user456"],
                     "message": {"type": "session_reminder", "title": "Session Starting Soon",
                                 "body": "Your tutoring session starts in 5 minutes", "sessionId": "session-789",
                                 "startTime": "2025-10-15T10:00:00Z"}}""");
            assertEquals(List.of("notification:new -> user:user123", "notification:new -> user:user456"), summary(r));
            for (Delivery d : r.deliveries()) {
                assertTrue(d.inbox(), "kept for offline users");
                assertEquals(new Target.User(d.room().substring(5)), d.target());
                assertEquals("session_reminder", d.data().get("type").asText());
                assertEquals("session-789", d.data().get("sessionId").asText());
                assertFalse(d.data().has("userIds"), "the payload is the message, not the recipient list");
            }
        }

        @Test
        void conceptMasteredNotifiesTheUser() {
            RouteResult r = kafka("ConceptMastered", """
                    {"userIds": ["user123"],
                     "message": {"type": "achievement", "title": "Concept Mastered!",
                                 "body": "You've mastered Quadratic Equations", "conceptId": "concept-456",
                                 "conceptName": "Quadratic Equations", "masteryLevel": 100, "badgeEarned": "algebra-master"}}""");
            assertEquals(List.of("notification:new -> user:user123"), summary(r));
            assertEquals(json("""
                    {"type": "achievement", "title": "Concept Mastered!", "body": "You've mastered Quadratic Equations",
                     "conceptId": "concept-456", "conceptName": "Quadratic Equations", "masteryLevel": 100,
                     "badgeEarned": "algebra-master"}"""), r.deliveries().get(0).data());
        }
    }

    @Nested
    class Seed001Ecommerce {
        static final String ORDER = """
                {"orderId": "order-456", "buyerId": "user-123", "status": "shipped", "previousStatus": "processing",
                 "updatedAt": "2024-01-01T00:00:00.000Z"}""";

        @Test
        void orderEventsGoToTheBuyerWithAdminCopies() {
            assertEquals(List.of("order:created -> user:user-123", "admin:order:created -> admin"),
                    summary(kafka("order.created", ORDER)));
            RouteResult updated = kafka("order.updated", ORDER);
            assertEquals(List.of("order:updated -> user:user-123", "admin:order:updated -> admin"), summary(updated));
            assertEquals(json(ORDER), updated.deliveries().get(0).data(), "the record as produced");
            assertEquals(json(ORDER), updated.deliveries().get(1).data());
            assertTrue(updated.deliveries().get(1).target().carriesRoom());
            assertFalse(updated.deliveries().get(0).inbox());
            assertEquals(List.of("order:cancelled -> user:user-123", "admin:order:cancelled -> admin"),
                    summary(kafka("order.cancelled", ORDER)));
        }

        @Test
        void orderBroadcastEndpointUsesUserId() {
            RouteResult r = http("order", """
                    {"userId": "user-123", "orderId": "order-456", "status": "shipped", "previousStatus": "processing"}""");
            assertEquals(List.of("order:updated -> user:user-123", "admin:order:updated -> admin"), summary(r));
        }

        @Test
        void anOrderWithoutBuyerStillReachesAdminsAndIsCounted() {
            RouteResult r = DEFAULT.route(SourceKind.KAFKA, "order.created", json("{\"orderId\":\"o1\"}"), NOW);
            assertEquals(List.of("admin:order:created -> admin"), summary(r));
            assertEquals(1, r.skipped());
        }

        @Test
        void inventoryAndProductEvents() {
            String stock = """
                    {"productId": "prod-789", "stock": 5, "previousStock": 10, "sku": "SKU-001",
                     "productName": "Premium Headphones"}""";
            assertEquals(List.of("inventory:updated -> global", "admin:inventory:updated -> admin"),
                    summary(kafka("inventory.updated", stock)));
            assertEquals(List.of("inventory:updated -> global", "admin:inventory:updated -> admin"),
                    summary(http("inventory", stock)));
            String product = "{\"productId\":\"prod-789\",\"name\":\"Premium Headphones\",\"price\":199}";
            assertEquals(List.of("product:created -> global"), summary(kafka("product.created", product)));
            assertEquals(List.of("product:updated -> global"), summary(kafka("product.updated", product)));
        }

        @Test
        void userNotificationAndAdminAlert() {
            RouteResult n = http("notification", "{\"userId\":\"user-123\",\"message\":\"Test notification\",\"title\":\"Test\"}");
            assertEquals(List.of("notification -> user:user-123"), summary(n));
            assertTrue(n.deliveries().get(0).inbox());
            assertEquals(json("{\"type\":\"notification\",\"userId\":\"user-123\",\"message\":\"Test notification\","
                    + "\"title\":\"Test\",\"timestamp\":\"" + ISO_NOW + "\"}"), n.deliveries().get(0).data());
            RouteResult alert = http("admin-alert", "{\"level\":\"warning\",\"message\":\"Kafka lag above 10k\"}");
            assertEquals(List.of("admin:alert -> admin"), summary(alert));
            assertEquals(ISO_NOW, alert.deliveries().get(0).data().get("timestamp").asText());
        }
    }

    @Nested
    class Seed002Booking {
        @Test
        void bookingAndPaymentChannelsGoToTheUserOnly() {
            for (String action : List.of("created", "confirmed", "cancelled", "updated")) {
                RouteResult r = redis("booking:" + action, """
                        {"bookingId": "bk-1", "eventId": "ev-7", "userId": "u-42", "seats": ["A1", "A2"]}""");
                assertEquals(List.of("booking:" + action + " -> user:u-42"), summary(r));
                JsonNode data = r.deliveries().get(0).data();
                assertEquals(NOW, data.get("timestamp").asLong(), "the seed adds Date.now()");
                assertEquals("bk-1", data.get("bookingId").asText());
            }
            for (String action : List.of("processed", "failed", "refunded")) {
                RouteResult r = redis("payment:" + action, "{\"paymentId\":\"pay-1\",\"bookingId\":\"bk-1\",\"userId\":\"u-42\","
                        + "\"amount\":120.5}");
                assertEquals(List.of("payment:" + action + " -> user:u-42"), summary(r));
            }
        }

        @Test
        void aBookingWithoutUserIsNotBroadcastButCounted() {
            RouteResult r = DEFAULT.route(SourceKind.REDIS, "booking:created", json("{\"bookingId\":\"bk-1\"}"), NOW);
            assertEquals(List.of(), r.deliveries(), "booking details are private: never to everyone as the seed did");
            assertEquals(1, r.skipped());
        }

        @Test
        void ticketAvailabilityGoesToTheEventRoomOrEveryone() {
            for (String action : List.of("available", "sold", "reserved", "released")) {
                RouteResult r = redis("ticket:" + action, "{\"ticketId\":\"t-1\",\"eventId\":\"ev-7\",\"available\":41}");
                assertEquals(List.of("ticket:" + action + " -> event:ev-7"), summary(r));
                assertTrue(r.deliveries().get(0).target().carriesRoom());
            }
            assertEquals(List.of("ticket:sold -> global"), summary(redis("ticket:sold", "{\"ticketId\":\"t-1\"}")));
        }

        @Test
        void userChannels() {
            for (String action : List.of("online", "offline", "status_change")) {
                RouteResult r = redis("user:" + action, "{\"userId\":\"u-42\",\"status\":\"away\"}");
                assertEquals(List.of("user:" + action + " -> user:u-42"), summary(r));
            }
            RouteResult perUser = redis("user:u-42:notification:new", "{\"title\":\"Your booking is confirmed\"}");
            assertEquals(List.of("notification:new -> user:u-42"), summary(perUser));
            assertEquals("Your booking is confirmed", perUser.deliveries().get(0).data().get("title").asText());
        }

        @Test
        void systemChannelsGoToEveryoneOrTheNamedUser() {
            for (String action : List.of("maintenance", "announcement", "error")) {
                RouteResult r = redis("system:" + action, "{\"message\":\"Down for maintenance at 02:00 UTC\"}");
                assertEquals(List.of("system:" + action + " -> global"), summary(r));
                assertFalse(r.deliveries().get(0).target().carriesRoom());
            }
            assertEquals(List.of("system:error -> user:u-42"),
                    summary(redis("system:error", "{\"userId\":\"u-42\",\"message\":\"payment provider unavailable\"}")));
        }

        @Test
        void otherChannelsAreNotRouted() {
            assertFalse(DEFAULT.route(SourceKind.REDIS, "rt:room:lobby", json("{}")).matched());
            assertFalse(DEFAULT.route(SourceKind.REDIS, "event:ev-7:update", json("{}")).matched());
        }
    }

    @Nested
    class Seed003Surveys {
        static final String RESPONSE = """
                {"surveyId": "survey123", "responseId": "response456", "response": {"question1": "answer1"},
                 "metadata": {"projectId": "project789", "timestamp": "2024-01-01T00:00:00.000Z"}}""";

        @Test
        void responsesGoToTheSurveyAndProjectRooms() {
            RouteResult r = kafka("survey.responses", RESPONSE);
            assertEquals(List.of("response.new -> survey:survey123", "response.new -> project:project789"), summary(r));
            JsonNode data = r.deliveries().get(0).data();
            assertEquals("""
                    {"type":"response.new","surveyId":"survey123","responseId":"response456",\
                    "response":{"question1":"answer1"},"metadata":{"projectId":"project789",\
                    "timestamp":"2024-01-01T00:00:00.000Z"},"timestamp":"2024-01-01T00:00:00.123Z"}""", data.toString());
            assertEquals(r, http("survey-response", RESPONSE), "the seed's HTTP endpoint routes the same way");
        }

        @Test
        void aResponseWithoutProjectGoesToTheSurveyOnly() {
            RouteResult r = kafka("survey.responses",
                    "{\"surveyId\":\"test123\",\"responseId\":\"resp456\",\"response\":{\"question1\":\"answer1\"},\"metadata\":{}}");
            assertEquals(List.of("response.new -> survey:test123"), summary(r));
        }

        @Test
        void analyticsKeepTheirUpdateType() {
            RouteResult r = kafka("survey.analytics", """
                    {"surveyId": "survey123", "projectId": "project789", "analytics": {"responses": 10}, "type": "realtime"}""");
            assertEquals(List.of("analytics.update -> survey:survey123", "analytics.update -> project:project789"), summary(r));
            assertEquals("""
                    {"type":"analytics.update","surveyId":"survey123","projectId":"project789","analytics":{"responses":10},\
                    "updateType":"realtime","timestamp":"2024-01-01T00:00:00.123Z"}""", r.deliveries().get(0).data().toString());
        }

        @Test
        void surveyorLocations() {
            String loc = """
                    {"surveyorId": "surveyor123", "surveyId": "survey456", "projectId": "project789",
                     "location": {"coordinates": {"latitude": 25.2048, "longitude": 55.2708}, "accuracy": 10},
                     "metadata": {}}""";
            RouteResult r = kafka("surveyor.locations", loc);
            assertEquals(List.of("surveyor.location -> survey:survey456", "surveyor.location -> project:project789"),
                    summary(r));
            JsonNode data = r.deliveries().get(0).data();
            assertEquals("surveyor.location", data.get("type").asText());
            assertEquals(10, data.get("location").get("accuracy").asInt());
            assertEquals(ISO_NOW, data.get("timestamp").asText());
            assertEquals(r, http("location", loc));
        }

        @Test
        void systemNotificationsToTheUserOrEveryone() {
            RouteResult user = kafka("system.notifications", """
                    {"userId": "user123", "type": "info", "title": "Notification Title", "message": "Your survey has been approved",
                     "priority": "normal", "metadata": {}}""");
            assertEquals(List.of("notification -> user:user123"), summary(user));
            assertTrue(user.deliveries().get(0).inbox());
            assertEquals("""
                    {"type":"notification","userId":"user123","notificationType":"info","title":"Notification Title",\
                    "message":"Your survey has been approved","priority":"normal","metadata":{},\
                    "timestamp":"2024-01-01T00:00:00.123Z"}""", user.deliveries().get(0).data().toString());
            RouteResult global = kafka("system.notifications", """
                    {"type": "warning", "title": "Maintenance", "message": "Read-only mode tonight", "priority": "high"}""");
            assertEquals(List.of("notification -> global"), summary(global));
            assertFalse(global.deliveries().get(0).inbox(), "the inbox is per user; global broadcasts are live only");
        }
    }

    @Nested
    class Seed004Video {
        @Test
        void viewsLikesAndCommentsGoToTheVideoRoom() {
            RouteResult view = kafka("video.view", "{\"videoId\":\"123\"}");
            assertEquals(List.of("video:view -> video:123"), summary(view));
            assertEquals(json("{\"videoId\":\"123\",\"timestamp\":" + NOW + "}"), view.deliveries().get(0).data());

            RouteResult like = kafka("video.like", "{\"videoId\":\"123\",\"userId\":\"789\"}");
            assertEquals(List.of("video:like -> video:123"), summary(like));
            assertEquals("{\"type\":\"video.like\",\"videoId\":\"123\",\"userId\":\"789\",\"timestamp\":" + NOW + "}",
                    like.deliveries().get(0).data().toString());
            RouteResult dislike = kafka("video.dislike", "{\"videoId\":\"123\"}");
            assertEquals(List.of("video:like -> video:123"), summary(dislike));
            assertEquals("video.dislike", dislike.deliveries().get(0).data().get("type").asText());

            RouteResult comment = kafka("video.comment", "{\"videoId\":\"123\",\"commentId\":\"456\",\"timestamp\":1234567890}");
            assertEquals(List.of("video:comment -> video:123"), summary(comment));
            assertEquals(1234567890L, comment.deliveries().get(0).data().get("timestamp").asLong(), "producer time kept");
        }

        @Test
        void channelNotificationsGoToListedUsersOrTheChannelRoom() {
            RouteResult listed = kafka("channel.notifications", """
                    {"id": "123", "channelId": "456", "type": "new_video", "title": "New video from Channel",
                     "message": "Check out the latest video!", "userIds": ["u1", "u2"]}""");
            assertEquals(List.of("notification -> user:u1", "notification -> user:u2"), summary(listed));
            JsonNode data = listed.deliveries().get(0).data();
            assertFalse(data.has("userIds"), "recipients do not see each other");
            assertEquals("new_video", data.get("type").asText());
            assertEquals(NOW, data.get("timestamp").asLong());
            assertTrue(listed.deliveries().get(0).inbox());

            RouteResult live = kafka("channel.notifications", """
                    {"id": "124", "channelId": "456", "type": "new_video", "title": "New video from Channel",
                     "message": "Check out the latest video!"}""");
            assertEquals(List.of("notification -> channel:456"), summary(live));
            assertFalse(live.deliveries().get(0).inbox());
        }
    }
}
