package dev.realtime.client;

import static dev.realtime.client.TestSupport.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How server close codes end up in state changes and whether the client retries. */
class CloseCodesTest {

    @Test
    void tooLargeMessageClosesWith1009() throws Exception {
        try (FakeServer server = new FakeServer(conn -> {
            conn.send(FakeServer.Conn.connected("u1"));
            conn.send("{\"op\":\"event\",\"event\":\"big\",\"data\":\"" + "x".repeat(4000) + "\"}");
        })) {
            StateRecorder states = new StateRecorder();
            try (RealtimeClient client = RealtimeClient.builder().uri(server.uri()).maxMessageBytes(1024)
                    .reconnectPolicy(ReconnectPolicy.none()).build()) {
                client.onStateChange(states);
                await(client.connect());
                StateChange closed = states.await(ConnectionState.CLOSED);
                assertEquals(1009, closed.closeCode());
                assertEquals("disconnected", closed.error().code());
            }
        }
    }

    @Test
    void close4429BacksOffAtLeastTheMaximumDelay() throws Exception {
        try (FakeServer server = new FakeServer(conn -> {
            conn.send(FakeServer.Conn.connected("u1"));
            conn.close(4429, "rate limit exceeded");
        })) {
            StateRecorder states = new StateRecorder();
            try (RealtimeClient client = RealtimeClient.builder().uri(server.uri())
                    .reconnectPolicy(ReconnectPolicy.forever(Duration.ofMillis(10), Duration.ofMillis(300))).build()) {
                client.onStateChange(states);
                await(client.connect());
                StateChange retry = states.await(ConnectionState.RECONNECTING);
                assertEquals(4429, retry.closeCode());
                assertEquals("rate limit exceeded", retry.closeReason());
                assertTrue(retry.retryDelayMs() >= 300, "delay " + retry.retryDelayMs());
            }
        }
    }

    @Test
    void close4401WithAFixedTokenIsNotRetried() throws Exception {
        try (FakeServer server = new FakeServer(conn -> {
            conn.send(FakeServer.Conn.connected("u1"));
            conn.send("{\"op\":\"error\",\"error\":{\"code\":\"unauthorized\",\"message\":\"token expired\"}}");
            conn.close(4401, "token expired");
        })) {
            StateRecorder states = new StateRecorder();
            List<RealtimeException> errors = new java.util.concurrent.CopyOnWriteArrayList<>();
            try (RealtimeClient client = RealtimeClient.builder().uri(server.uri()).token("t")
                    .reconnectPolicy(ReconnectPolicy.forever(Duration.ofMillis(10), Duration.ofMillis(20))).build()) {
                client.onStateChange(states);
                client.onError(errors::add);
                await(client.connect());
                StateChange closed = states.await(ConnectionState.CLOSED);
                assertEquals(4401, closed.closeCode());
                assertEquals("unauthorized", closed.error().code());
                assertEquals(List.of(ConnectionState.CONNECTING, ConnectionState.CONNECTED, ConnectionState.CLOSED),
                        states.states());
                assertEquals("unauthorized", errors.get(0).code(), "the server's error message reached the listener");
                assertEquals(1, server.accepted());
            }
        }
    }
}
