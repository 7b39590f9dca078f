package dev.realtime.socketio;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.realtime.emit.EmitRegistry;
import dev.realtime.protocol.ServerMessage;
import dev.realtime.server.Json;
import dev.realtime.testing.RedisServer;
import dev.realtime.testing.TestNode;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The real socket.io-client 4.8 (Node.js) against the {@code /socket.io/} endpoint: each seed's
 * client example, default transports (polling, then the upgrade) and websocket-only, acks, binary,
 * auth failures, a room shared with a native client, recovery, and two nodes over a real Redis.
 * The scenarios are in {@code src/test/node/scenarios.js}; each prints what it checked.
 */
class SocketIoClientE2ETest {
    private static TestNode node;

    @BeforeAll
    static void start() {
        node = TestNode.start(Map.of("RATE_LIMIT_MAX_MESSAGES", "1000"));
        registerTestHandlers(node.server().emits());
    }

    @AfterAll
    static void stop() {
        node.close();
    }

    /**
     * Stand-ins for features other streams register (matchmaking, chat...): any emit name reaches
     * the handler of that name, whose answer comes back as the ack and whose events as events.
     */
    static void registerTestHandlers(EmitRegistry emits) {
        emits.register("sio-test:echo", ctx -> {
            try {
                ctx.reply(Json.payload(Json.obj("user", ctx.principal().userId(),
                        "echo", ctx.data() == null ? null : Json.MAPPER.readTree(ctx.data().bytes()))));
            } catch (java.io.IOException e) {
                ctx.fail(dev.realtime.protocol.ErrorCode.INVALID_MESSAGE, "not JSON");
            }
        });
        emits.register("sio-test:push", ctx -> ctx.send(new ServerMessage.Event(null, "sio-test:pushed", ctx.data(), null, null)));
    }

    private static String run(String scenario) {
        return NodeScenarios.run(scenario, Map.of("SIO_URL", "http://127.0.0.1:" + node.port(),
                "JWT_SECRET", TestNode.SECRET, "API_KEY", TestNode.API_KEY));
    }

    @Test
    void seed000QuizClient() {
        assertTrue(run("seed000").contains("PASS"));
    }

    @Test
    void seed001OrdersClient() {
        assertTrue(run("seed001").contains("PASS"));
    }

    @Test
    void seed002BookingClientOverLongPolling() {
        assertTrue(run("seed002").contains("PASS"));
    }

    @Test
    void seed003SurveyClient() {
        assertTrue(run("seed003").contains("PASS"));
    }

    @Test
    void seed004VideoClientChannelNotifications() {
        assertTrue(run("seed004").contains("PASS"));
    }

    @Test
    void defaultTransportsUpgradeWithoutLosingEvents() {
        assertTrue(run("upgrade").contains("PASS"));
    }

    @Test
    void acksAndBinaryAttachments() {
        assertTrue(run("acksAndBinary").contains("PASS"));
    }

    @Test
    void authFailuresAreConnectErrors() {
        assertTrue(run("authFailures").contains("PASS"));
    }

    @Test
    void socketIoAndNativeClientsShareARoom() {
        assertTrue(run("mixed").contains("PASS"));
    }

    @Test
    void connectionStateRecovery() {
        assertTrue(run("recovery").contains("PASS"));
        assertTrue(run("recoveryUnknownPosition").contains("PASS"));
    }

    @Test
    void twoNodesOverRedis() {
        try (RedisServer redis = RedisServer.start();
             TestNode a = TestNode.start(Map.of("REDIS_URL", redis.url(), "NODE_ID", "sio-a"));
             TestNode b = TestNode.start(Map.of("REDIS_URL", redis.url(), "NODE_ID", "sio-b"))) {
            String out = NodeScenarios.run("twoNodes", Map.of("SIO_URL", "http://127.0.0.1:" + a.port(),
                    "SIO_URL_B", "http://127.0.0.1:" + b.port(), "JWT_SECRET", TestNode.SECRET, "API_KEY", TestNode.API_KEY));
            assertTrue(out.contains("PASS"));
        }
    }
}
