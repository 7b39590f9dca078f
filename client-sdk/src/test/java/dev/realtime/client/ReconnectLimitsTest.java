package dev.realtime.client;

import static dev.realtime.client.TestSupport.await;
import static dev.realtime.client.TestSupport.failure;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Reconnects against a server's limits: rejoins paced under its message rate limit, growing
 * delays (and giving up) when every connection dies at once, and a refused TCP connect reported as
 * {@code connect_failed}.
 */
class ReconnectLimitsTest {

    @Test
    void everyRoomIsRejoinedEvenWhenTheServerRateLimitsTheRejoins() throws Exception {
        // The server the client comes back to takes 20 messages a second: the 30 rejoins cannot all
        // go in its first window. (The first server has the default limit, for the test's own joins.)
        Map<String, String> limits = Map.of("RATE_LIMIT_MAX_MESSAGES", "20", "RATE_LIMIT_WINDOW_MS", "1000");
        GatewayFixture first = GatewayFixture.start(0, Map.of(), emits -> { });
        GatewayFixture second = null;
        BlockingQueue<RejoinResult> rejoins = new LinkedBlockingQueue<>();
        BlockingQueue<JsonNode> events = new LinkedBlockingQueue<>();
        StateRecorder states = new StateRecorder();
        try (RealtimeClient client = first.client("many").requestTimeout(Duration.ofSeconds(30)).build()) {
            client.onRejoin(rejoins::add);
            client.onStateChange(states);
            client.on("tick", JsonNode.class, events::add);
            await(client.connect());
            List<String> rooms = new ArrayList<>();
            for (int i = 0; i < 30; i++) {
                rooms.add("room-" + i);
                await(client.join("room-" + i));
            }
            int port = first.port();
            first.close();
            states.await(ConnectionState.RECONNECTING);
            second = GatewayFixture.start(port, limits, emits -> { });
            List<String> ok = new ArrayList<>();
            for (int i = 0; i < 30; i++) {
                RejoinResult r = rejoins.poll(20, TimeUnit.SECONDS);
                assertTrue(r != null && r.ok(), "rejoin " + i + ": " + r);
                ok.add(r.room());
            }
            assertEquals(30, ok.size());
            assertTrue(ok.containsAll(rooms), ok.toString());
            states.await(ConnectionState.CONNECTED);
            for (String room : rooms) {
                second.broadcastRoom(room, "tick", "{\"room\":\"" + room + "\"}");
            }
            for (int i = 0; i < 30; i++) {
                assertTrue(events.poll(10, TimeUnit.SECONDS) != null, "an event from every room, got " + i);
            }
        } finally {
            if (second != null) {
                second.close();
            }
            first.close();
        }
    }

    @Test
    void aConnectionThatDiesAtOnceBacksOffAndGivesUp() throws Exception {
        try (GatewayFixture gateway = GatewayFixture.start()) {
            // An unread notification larger than the client accepts: every connection's replay kills it (1009).
            gateway.notify("poisoned", "{\"blob\":\"" + "x".repeat(5_000) + "\"}");
            StateRecorder states = new StateRecorder();
            List<StateChange> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
            RealtimeClient client = gateway.client("poisoned").maxMessageBytes(1024)
                    .reconnectPolicy(ReconnectPolicy.exponential(Duration.ofMillis(50), Duration.ofMillis(400), 3)).build();
            client.onStateChange(states);
            client.onStateChange(seen::add);
            client.connect();
            StateChange closed = states.await(c -> c.state() == ConnectionState.CLOSED, 15_000);
            assertEquals(3, closed.attempt(), "gave up after maxAttempts retries: " + seen);
            long retries = seen.stream().filter(c -> c.state() == ConnectionState.RECONNECTING).count();
            assertEquals(3, retries, seen.toString());
            List<Long> delays = seen.stream().filter(c -> c.state() == ConnectionState.RECONNECTING)
                    .map(StateChange::retryDelayMs).toList();
            assertTrue(delays.get(2) >= 100, "the delays grow: " + delays);
            client.close();
        }
    }

    @Test
    void aRefusedTcpConnectIsConnectFailed() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort(); // closed again: nothing listens there
        }
        try (RealtimeClient client = RealtimeClient.builder().uri("ws://127.0.0.1:" + port + "/ws").token("t")
                .reconnectPolicy(ReconnectPolicy.none()).build()) {
            assertEquals(RealtimeException.CONNECT_FAILED, failure(client.connect()).code());
        }
    }
}
