package dev.realtime.client;

import static dev.realtime.client.TestSupport.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.realtime.auth.DevTokens;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** A refreshed token that no longer grants a room: the server sends room:left and the client stops rejoining it. */
class RevokedRoomTest {

    @Test
    void aRoomTheRefreshedTokenNoLongerGrantsIsNotRejoined() throws Exception {
        // Warn at once: the token (1 h) is inside the 2 h warning window, so the client refreshes right away.
        Map<String, String> env = Map.of("AUTH_EXPIRY_WARNING_MS", "7200000");
        GatewayFixture first = GatewayFixture.start(0, env, e -> { });
        int port = first.port();
        GatewayFixture second = null;
        CountDownLatch joinedAsAdmin = new CountDownLatch(1);
        AtomicInteger calls = new AtomicInteger();
        BlockingQueue<JsonNode> left = new LinkedBlockingQueue<>();
        BlockingQueue<RejoinResult> rejoins = new LinkedBlockingQueue<>();
        StateRecorder states = new StateRecorder();
        try (RealtimeClient client = first.client("ops").tokenSupplier(() -> {
            if (calls.incrementAndGet() == 1) {
                return DevTokens.sign(GatewayFixture.SECRET, "ops", "admin", Duration.ofHours(1));
            }
            try {
                joinedAsAdmin.await(10, TimeUnit.SECONDS); // refresh only once the admin room is joined
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return DevTokens.sign(GatewayFixture.SECRET, "ops", "user", Duration.ofHours(1));
        }).build()) {
            client.on("room:left", JsonNode.class, left::add);
            client.onRejoin(rejoins::add);
            client.onStateChange(states);
            await(client.connect());
            await(client.join("admin"));
            await(client.join("lobby"));
            joinedAsAdmin.countDown();
            JsonNode notice = left.poll(10, TimeUnit.SECONDS);
            assertEquals("admin", notice.get("room").asText());
            assertEquals("revoked", notice.get("reason").asText());

            first.close();
            states.await(ConnectionState.RECONNECTING);
            second = GatewayFixture.start(port, env, e -> { });
            states.await(ConnectionState.CONNECTED);
            RejoinResult rejoin = rejoins.poll(5, TimeUnit.SECONDS);
            assertEquals("lobby", rejoin.room());
            assertTrue(rejoin.ok());
            assertNull(rejoins.poll(500, TimeUnit.MILLISECONDS), "the revoked admin room is not rejoined");
        } finally {
            if (second != null) {
                second.close();
            }
            first.close();
        }
    }
}
