package dev.realtime.client;

import static dev.realtime.client.TestSupport.await;
import static dev.realtime.client.TestSupport.failure;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.realtime.protocol.ErrorCode;
import dev.realtime.protocol.Payload;
import dev.realtime.protocol.ServerMessage;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The client against a real in-process gateway: connect, auth, rooms, replies, errors, timeouts, codecs. */
class RealtimeClientTest {
    private static GatewayFixture gateway;

    /** The payload of the test's chat events. */
    record Chat(String from, String text) {
    }

    /** The reply of the {@code echo} emit handler when sent a {@link Chat}. */
    record Echo(String from, String text) {
    }

    @BeforeAll
    static void startGateway() {
        gateway = GatewayFixture.start(0, Map.of(), emits -> emits
                .register("echo", ctx -> ctx.reply(ctx.data()))
                .register("never", ctx -> { })
                .register("slow_down", ctx -> ctx.fail(ErrorCode.RATE_LIMITED, "slow down")));
    }

    @AfterAll
    static void stopGateway() {
        gateway.close();
    }

    @Test
    void connectReportsTheConnectedFields() throws Exception {
        StateRecorder states = new StateRecorder();
        try (RealtimeClient client = gateway.client("alice").build()) {
            assertEquals(ConnectionState.CLOSED, client.state());
            client.onStateChange(states);
            ConnectedInfo info = await(client.connect());
            assertNotNull(info.sid());
            assertEquals("alice", info.userId());
            assertFalse(info.anonymous());
            assertEquals(List.of("user:alice", "global"), info.rooms());
            assertTrue(info.serverTime() > 0);
            assertTrue(info.pingIntervalMs() > 0);
            assertEquals(ConnectionState.CONNECTED, client.state());
            assertEquals(info, client.connectedInfo());
            assertEquals(info, await(client.connect()), "connect() while connected returns the current info");
            JsonNode rooms = await(client.emit("get_rooms", null));
            assertEquals(2, rooms.get("rooms").size());
            assertTrue(await(client.ping()).toNanos() > 0);
            assertEquals(List.of(ConnectionState.CONNECTING, ConnectionState.CONNECTED), states.states());
        }
        StateChange closed = states.await(ConnectionState.CLOSED);
        assertEquals(1000, closed.closeCode());
        assertNull(closed.error());
    }

    @Test
    void badFixedTokenFailsUnauthorizedAndDoesNotRetry() throws Exception {
        StateRecorder states = new StateRecorder();
        try (RealtimeClient client = gateway.client("x").token("not-a-valid-jwt").build()) {
            client.onStateChange(states);
            RealtimeException e = failure(client.connect());
            assertEquals("unauthorized", e.code());
            assertEquals(ErrorCode.UNAUTHORIZED, e.errorCode());
            assertFalse(e.getMessage().contains("not-a-valid-jwt"), "the token never appears in messages");
            assertEquals(ConnectionState.CLOSED, client.state());
            assertEquals(List.of(ConnectionState.CONNECTING, ConnectionState.CLOSED), states.states(),
                    "a refused fixed token is not retried even with a forever policy");
            assertEquals("not_connected", failure(client.join("lobby")).code());
        }
    }

    @Test
    void badTokensFromASupplierAreRetriedWithinThePolicy() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        StateRecorder states = new StateRecorder();
        try (RealtimeClient client = gateway.client("x")
                .tokenSupplier(() -> "bad-token-" + calls.incrementAndGet())
                .reconnectPolicy(ReconnectPolicy.exponential(Duration.ofMillis(10), Duration.ofMillis(40), 2))
                .build()) {
            client.onStateChange(states);
            assertEquals("unauthorized", failure(client.connect()).code());
            assertEquals(3, calls.get(), "the first attempt and two retries, each with a fresh token");
            assertEquals(List.of(ConnectionState.CONNECTING, ConnectionState.RECONNECTING,
                    ConnectionState.RECONNECTING, ConnectionState.CLOSED), states.states());
            assertEquals(2, states.snapshot().get(3).attempt());
        }
    }

    @Test
    void twoClientsJoinPublishAndReceiveTypedEvents() throws Exception {
        try (RealtimeClient alice = gateway.client("alice").build();
             RealtimeClient bob = gateway.client("bob").build()) {
            CompletableFuture<Chat> first = new CompletableFuture<>();
            CompletableFuture<ServerMessage.Event> second = new CompletableFuture<>();
            AtomicInteger typedCalls = new AtomicInteger();
            Subscription typed = bob.on("chat:message", Chat.class, chat -> {
                typedCalls.incrementAndGet();
                first.complete(chat);
            });
            bob.onRaw("chat:message", e -> {
                if (e.data().jsonText().contains("again")) {
                    second.complete(e);
                }
            });
            await(alice.connect());
            await(bob.connect());
            assertEquals("lobby", await(alice.join("lobby")).get("room").asText());
            await(bob.join("lobby"));

            JsonNode position = await(alice.publish("lobby", "chat:message", new Chat("alice", "hi")));
            assertEquals(1, position.get("offset").asLong(), "a publish reply tells where the event landed: " + position);
            assertTrue(position.get("epoch").isTextual(), position.toString());
            assertEquals(new Chat("alice", "hi"), first.get(5, TimeUnit.SECONDS));

            typed.unsubscribe();
            typed.unsubscribe(); // idempotent
            await(alice.publish("lobby", "chat:message", Map.of("from", "alice", "text", "again")));
            ServerMessage.Event raw = second.get(5, TimeUnit.SECONDS);
            assertEquals("lobby", raw.room());
            assertEquals(new Chat("alice", "again"), bob.decode(raw.data(), Chat.class));
            await(bob.ping()); // the event's dispatch has finished on bob's loop
            assertEquals(1, typedCalls.get(), "the unsubscribed handler saw only the first message");
        }
    }

    @Test
    void replyDataAndServerErrorCodes() throws Exception {
        try (RealtimeClient client = gateway.client("carol").build()) {
            await(client.connect());
            assertEquals("not_in_room", failure(client.publish("nowhere", "chat:message", "x")).code());
            assertEquals("forbidden", failure(client.join("user:someoneelse")).code());
            assertEquals("unknown_event", failure(client.emit("no_such_handler", null)).code());
            assertEquals("invalid_room", failure(client.join("has space")).code());
            RealtimeException limited = failure(client.emit("slow_down", null));
            assertEquals("rate_limited", limited.code());
            assertEquals("slow down", limited.getMessage());

            Echo echo = await(client.emit("echo", new Chat("carol", "ping"), Echo.class));
            assertEquals(new Echo("carol", "ping"), echo);
            JsonNode tree = await(client.emit("echo", List.of(1, 2, 3)));
            assertEquals(3, tree.size());
            assertNull(await(client.emit("echo", null, Echo.class)), "no data maps to null");
            assertTrue(await(client.emit("echo", null)).isNull());
            assertEquals("decode_failed", failure(client.emit("echo", "just a string", Echo.class)).code());
            assertEquals("invalid_data", failure(client.emit("echo", new Object())).code());
            assertEquals("forbidden", failure(client.leave("user:carol")).code(), "nobody leaves their own room");
            assertEquals("not_in_room", failure(client.leave("never-joined")).code());
        }
    }

    @Test
    void requestWithoutAnswerTimesOut() throws Exception {
        try (RealtimeClient client = gateway.client("dave").requestTimeout(Duration.ofSeconds(1)).build()) {
            await(client.connect());
            RealtimeException e = failure(client.emit("never", Map.of("a", 1)));
            assertEquals("timeout", e.code());
            assertTrue(await(client.ping()).toNanos() > 0, "the connection is still usable");
        }
    }

    @Test
    void requestsFailFastWhenNotConnectedAndAfterClose() throws Exception {
        RealtimeClient client = gateway.client("erin").build();
        assertEquals("not_connected", failure(client.emit("echo", null)).code());
        await(client.connect());
        await(client.closeAsync());
        assertEquals(ConnectionState.CLOSED, client.state());
        assertEquals("closed", failure(client.join("lobby")).code());
        assertEquals("closed", failure(client.connect()).code());
    }

    @Test
    void userEventsWithoutRoomReachTypedHandlers() throws Exception {
        try (RealtimeClient client = gateway.client("frank").build()) {
            CompletableFuture<ServerMessage.Event> raw = new CompletableFuture<>();
            CompletableFuture<JsonNode> typed = new CompletableFuture<>();
            client.onAnyEvent(raw::complete);
            client.on("notification:new", JsonNode.class, typed::complete);
            await(client.connect());
            gateway.broadcastUser("frank", "notification:new", "{\"id\":\"n1\",\"title\":\"hello\"}");
            assertEquals("n1", typed.get(5, TimeUnit.SECONDS).get("id").asText());
            assertNull(raw.get(5, TimeUnit.SECONDS).room());
        }
    }

    @Test
    void binaryCodecCarriesJsonAndRawBytes() throws Exception {
        byte[] blob = {0, 1, 2, (byte) 0xff};
        var group = new io.netty.channel.MultiThreadIoEventLoopGroup(1, io.netty.channel.nio.NioIoHandler.newFactory());
        try (RealtimeClient bin = gateway.client("gina").codec(CodecType.BINARY).eventLoopGroup(group).build();
             RealtimeClient json = gateway.client("hank").build()) {
            CompletableFuture<byte[]> binGot = new CompletableFuture<>();
            CompletableFuture<ServerMessage.Event> jsonGot = new CompletableFuture<>();
            bin.on("blob", byte[].class, binGot::complete);
            json.onRaw("blob", jsonGot::complete);
            await(bin.connect());
            await(json.connect());
            await(bin.join("mixed"));
            await(json.join("mixed"));

            Echo echo = await(bin.emit("echo", new Chat("gina", "over binary"), Echo.class));
            assertEquals(new Echo("gina", "over binary"), echo);
            JsonNode bytesBack = await(bin.emit("echo", blob));
            assertTrue(bytesBack.isBinary());
            assertArrayEquals(blob, bytesBack.binaryValue());

            await(bin.publish("mixed", "blob", blob));
            assertArrayEquals(blob, binGot.get(5, TimeUnit.SECONDS));
            ServerMessage.Event seenByJson = jsonGot.get(5, TimeUnit.SECONDS);
            assertEquals(Payload.Kind.BINARY, seenByJson.data().kind(), "the JSON client gets the same bytes");
            assertArrayEquals(blob, json.decode(seenByJson.data(), byte[].class));
        } finally {
            assertFalse(group.isShuttingDown(), "a shared group is left running");
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    @Test
    void handlerFailuresDoNotStopDelivery() throws Exception {
        try (RealtimeClient client = gateway.client("ivan").build()) {
            CountDownLatch delivered = new CountDownLatch(1);
            CompletableFuture<RealtimeException> decodeError = new CompletableFuture<>();
            client.onRaw("tick", e -> {
                throw new IllegalStateException("boom");
            });
            client.on("tick", Chat.class, c -> { }); // data is a number: does not map to Chat
            client.on("tick", Integer.class, n -> delivered.countDown());
            client.onError(decodeError::complete);
            await(client.connect());
            await(client.join("ticks"));
            gateway.broadcastRoom("ticks", "tick", "42");
            assertTrue(delivered.await(5, TimeUnit.SECONDS));
            assertEquals("decode_failed", decodeError.get(5, TimeUnit.SECONDS).code());
        }
    }
}
