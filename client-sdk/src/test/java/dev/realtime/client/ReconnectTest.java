package dev.realtime.client;

import static dev.realtime.client.TestSupport.await;
import static dev.realtime.client.TestSupport.failure;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.realtime.protocol.CloseCodes;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The server goes away (close 1001) and a new one comes up on the same port: the client reconnects
 * by itself with a fresh token, rejoins its rooms, and receives what is published there.
 */
class ReconnectTest {

    @Test
    void reconnectsToANewServerOnTheSamePortAndRejoinsRooms() throws Exception {
        java.util.concurrent.CountDownLatch neverReceived = new java.util.concurrent.CountDownLatch(1);
        GatewayFixture first = GatewayFixture.start(0, Map.of(), emits -> emits.register("never", ctx -> neverReceived.countDown()));
        int port = first.port();
        GatewayFixture second = null;
        AtomicInteger tokenCalls = new AtomicInteger();
        StateRecorder states = new StateRecorder();
        BlockingQueue<RejoinResult> rejoins = new LinkedBlockingQueue<>();
        BlockingQueue<JsonNode> scores = new LinkedBlockingQueue<>();
        try (RealtimeClient client = first.client("alice")
                .tokenSupplier(() -> {
                    tokenCalls.incrementAndGet();
                    return GatewayFixture.token("alice");
                })
                .requestTimeout(Duration.ofSeconds(30))
                .build()) {
            client.onStateChange(states);
            client.onRejoin(rejoins::add);
            client.on("score", JsonNode.class, scores::add);
            ConnectedInfo firstInfo = await(client.connect());
            await(client.join("game-1"));
            await(client.join("game-2"));
            await(client.leave("game-2"));
            first.broadcastRoom("game-1", "score", "{\"n\":1}");
            assertEquals(1, scores.poll(5, TimeUnit.SECONDS).get("n").asInt());
            assertEquals(1, tokenCalls.get());

            CompletableFuture<JsonNode> pendingAtShutdown = client.emit("never", null);
            // The request is on the server (and will never be answered) before the server goes away.
            assertTrue(neverReceived.await(5, TimeUnit.SECONDS));
            first.close();
            StateChange lost = states.await(ConnectionState.RECONNECTING);
            assertEquals(CloseCodes.GOING_AWAY, lost.closeCode());
            assertEquals(1, lost.attempt());
            assertEquals("disconnected", lost.error().code());
            assertEquals("disconnected", failure(pendingAtShutdown).code(), "a pending request ends when the connection does");
            assertEquals("not_connected", failure(client.join("game-3")).code(), "requests are not queued while away");

            second = GatewayFixture.start(port, Map.of(), emits -> { });
            StateChange back = states.await(ConnectionState.CONNECTED);
            assertTrue(back.attempt() >= 1, "it took at least one retry");
            assertTrue(tokenCalls.get() >= 2, "the supplier is asked again for every attempt");

            RejoinResult rejoin = rejoins.poll(5, TimeUnit.SECONDS);
            assertEquals("game-1", rejoin.room());
            assertTrue(rejoin.ok());
            assertEquals(1, rejoin.since().offset(), "the last position seen in game-1 is sent back");
            assertEquals(Boolean.FALSE, rejoin.recovered(), "a new server process has a new history epoch");
            assertNull(rejoins.poll(), "only the application's current rooms are rejoined");

            ConnectedInfo secondInfo = client.connectedInfo();
            assertNotEquals(firstInfo.sid(), secondInfo.sid());
            JsonNode rooms = await(client.emit("get_rooms", null)).get("rooms");
            assertEquals(3, rooms.size(), rooms.toString());

            second.broadcastRoom("game-1", "score", "{\"n\":2}");
            assertEquals(2, scores.poll(5, TimeUnit.SECONDS).get("n").asInt());
        } finally {
            if (second != null) {
                second.close();
            }
            first.close();
        }
    }

    @Test
    void closeStopsReconnecting() throws Exception {
        GatewayFixture gateway = GatewayFixture.start();
        StateRecorder states = new StateRecorder();
        RealtimeClient client = gateway.client("bob").build();
        client.onStateChange(states);
        await(client.connect());
        gateway.close();
        states.await(ConnectionState.RECONNECTING);
        await(client.closeAsync());
        StateChange closed = states.await(ConnectionState.CLOSED);
        assertEquals(CloseCodes.NORMAL, closed.closeCode());
        assertEquals(ConnectionState.CLOSED, client.state());
        assertEquals("closed", failure(client.connect()).code());
    }
}
