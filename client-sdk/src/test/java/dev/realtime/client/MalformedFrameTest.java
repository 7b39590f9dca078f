package dev.realtime.client;

import static dev.realtime.client.TestSupport.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A fake server sends a garbage frame, then a valid {@code connected}, then an event: the client
 * counts the malformed frame and keeps going.
 */
class MalformedFrameTest {

    /** The fake event's payload. */
    record Counter(int n) {
    }

    @Test
    void malformedFramesAreCountedAndSkipped() throws Exception {
        try (FakeServer server = new FakeServer(conn -> {
            conn.send("{this is not json");
            conn.send(FakeServer.Conn.connected("u1"));
            conn.send("{\"op\":\"event\",\"event\":\"hello\",\"data\":{\"n\":7}}");
        })) {
            try (RealtimeClient client = RealtimeClient.builder().uri(server.uri()).token("t")
                    .connectTimeout(Duration.ofSeconds(5)).reconnectPolicy(ReconnectPolicy.none()).build()) {
                CompletableFuture<Integer> hello = new CompletableFuture<>();
                client.on("hello", Counter.class, c -> hello.complete(c.n()));
                ConnectedInfo info = await(client.connect());
                assertEquals("u1", info.userId());
                assertEquals(7, hello.get(5, TimeUnit.SECONDS));
                assertEquals(1, client.malformedFrames());
                assertEquals(ConnectionState.CONNECTED, client.state());
            }
        }
    }

    @Test
    void aBatchWithAnUnknownOpIsOneMalformedFrame() throws Exception {
        try (FakeServer server = new FakeServer(conn -> {
            conn.send(FakeServer.Conn.connected("u1"));
            conn.send("[{\"op\":\"event\",\"event\":\"hello\",\"data\":{\"n\":1}},{\"op\":\"nope\"}]");
            conn.send("[{\"op\":\"event\",\"event\":\"hello\",\"data\":{\"n\":2}},{\"op\":\"pong\"}]");
        })) {
            try (RealtimeClient client = RealtimeClient.builder().uri(server.uri())
                    .reconnectPolicy(ReconnectPolicy.none()).build()) {
                CompletableFuture<Integer> hello = new CompletableFuture<>();
                client.on("hello", Counter.class, c -> hello.complete(c.n()));
                await(client.connect());
                assertEquals(2, hello.get(5, TimeUnit.SECONDS), "the bad batch is skipped as a whole");
                assertEquals(1, client.malformedFrames());
            }
        }
    }
}
