package dev.realtime.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GatewayConfigTest {

    @Test
    void defaultsMatchTheSpec() {
        GatewayConfig c = GatewayConfig.fromEnv(Map.of("JWT_SECRET", "0123456789abcdef0123"));
        assertEquals(8080, c.port());
        assertEquals("/ws", c.wsPath());
        assertEquals(25_000, c.pingIntervalMs());
        assertEquals(20_000, c.pingTimeoutMs());
        assertEquals(1024 * 1024, c.maxMessageBytes());
        assertEquals(100, c.rateLimitMaxMessages());
        assertEquals(1000, c.rateLimitWindowMs());
        assertEquals(5, c.maxConnectionsPerUser());
        assertEquals(0, c.maxConnectionsPerIp());
        assertEquals(100_000, c.maxConnections());
        assertEquals(0, c.maxRoomMembers());
        assertFalse(c.allowAnonymous());
        assertFalse(c.devMode());
        assertFalse(c.internalApiEnabled(), "no key configured means internal APIs refuse everything");
        assertEquals(GatewayConfig.SlowConsumerPolicy.DROP, c.slowConsumerPolicy());
    }

    @Test
    void devModeGeneratesSecrets() {
        GatewayConfig c = GatewayConfig.fromEnv(Map.of());
        assertTrue(c.devMode());
        assertNotNull(c.jwtSecret());
        assertTrue(c.jwtSecret().length() >= 32);
        assertTrue(c.internalApiEnabled());
        assertFalse(c.toString().contains(c.jwtSecret()), "toString never prints secrets");
        assertFalse(c.toString().contains(c.internalApiKey()));
    }

    @Test
    void everyProblemIsReportedAtOnce() {
        ConfigException e = assertThrows(ConfigException.class, () -> GatewayConfig.fromEnv(Map.of(
                "PORT", "http", "WS_PING_INTERVAL", "0", "ALLOW_ANONYMOUS", "maybe", "SLOW_CONSUMER_POLICY", "explode",
                "JWT_SECRET", "short", "WS_WRITE_BUFFER_LOW", "900000", "WS_WRITE_BUFFER_HIGH", "800000",
                "TLS_CERT", "/tmp/cert.pem")));
        List<String> p = e.problems();
        assertEquals(7, p.size(), p.toString());
        assertTrue(p.contains("PORT='http' is not an integer"));
        assertTrue(p.stream().anyMatch(s -> s.startsWith("WS_PING_INTERVAL='0' must be between")));
        assertTrue(p.contains("ALLOW_ANONYMOUS='maybe' must be true or false"));
        assertTrue(p.stream().anyMatch(s -> s.startsWith("SLOW_CONSUMER_POLICY='explode' must be one of [drop, disconnect]")));
        assertTrue(p.stream().anyMatch(s -> s.startsWith("JWT_SECRET must be at least 16")));
        assertTrue(p.stream().anyMatch(s -> s.startsWith("WS_WRITE_BUFFER_LOW")));
        assertTrue(p.contains("TLS_CERT and TLS_KEY must be set together"));
        assertFalse(e.getMessage().contains("short"), "secret values are not echoed");
    }

    @Test
    void aBadRedisUrlIsRefusedWithoutItsPassword() {
        for (String url : new String[] {"redis://:TopSecretPw@127.0.0.1:abc", "http://user:TopSecretPw@127.0.0.1:6379",
                "redis://:TopSecretPw@127.0.0.1:99999", "redis://127.0.0.1:6379,tcp://:TopSecretPw@h:1"}) {
            ConfigException e = assertThrows(ConfigException.class,
                    () -> GatewayConfig.fromEnv(Map.of("JWT_SECRET", "0123456789abcdef0123", "REDIS_URL", url)), url);
            assertTrue(e.getMessage().contains("REDIS_URL"), e.getMessage());
            assertFalse(e.getMessage().contains("TopSecretPw"), e.getMessage());
            assertTrue(e.getMessage().contains("***@"), e.getMessage());
        }
    }

    @Test
    void addressesOriginsNodeIdAndPathMustNameSomethingReal() {
        ConfigException e = assertThrows(ConfigException.class, () -> GatewayConfig.fromEnv(Map.of(
                "JWT_SECRET", "0123456789abcdef0123", "TRUSTED_PROXIES", "10.0.0.1,localhost,10.0.0.0/33,bogus",
                "WS_ALLOWED_ORIGINS", "https://ok.example,notaurl,https://x.example/path", "NODE_ID", "a b",
                "WS_PATH", "/health/ready")));
        List<String> p = e.problems();
        assertEquals(7, p.size(), p.toString());
        for (String bad : new String[] {"'localhost'", "'10.0.0.0/33'", "'bogus'", "'notaurl'", "'https://x.example/path'",
                "NODE_ID='a b'", "WS_PATH='/health/ready'"}) {
            assertTrue(p.stream().anyMatch(s -> s.contains(bad)), bad + " in " + p);
        }
        ConfigException kafka = assertThrows(ConfigException.class, () -> GatewayConfig.fromEnv(Map.of(
                "JWT_SECRET", "0123456789abcdef0123", "KAFKA_BROKERS", "notahostport,kafka:9092,PLAINTEXT://k:9092,k:0")));
        assertEquals(3, kafka.problems().size(), kafka.problems().toString());
        assertTrue(kafka.problems().get(0).contains("'notahostport'"), kafka.problems().toString());
        GatewayConfig ok = GatewayConfig.fromEnv(Map.of("JWT_SECRET", "0123456789abcdef0123",
                "TRUSTED_PROXIES", "10.0.0.1, 10.0.0.0/8, ::1, fd00::/8", "WS_ALLOWED_ORIGINS", "*,http://localhost:3000,null"));
        assertEquals(4, ok.trustedProxies().size());
    }

    @Test
    void quizSettings() {
        GameConfig g = GatewayConfig.fromEnv(Map.of("JWT_SECRET", "0123456789abcdef0123")).game();
        assertEquals(new GameConfig(5_000, 120_000, 30_000, 600_000, null, 5), g);
        GameConfig set = GatewayConfig.fromEnv(Map.of("JWT_SECRET", "0123456789abcdef0123", "MATCHMAKING_INTERVAL_MS",
                "1000", "MATCH_TIMEOUT_MS", "60000", "MATCH_RECONNECT_GRACE_MS", "5000", "MATCH_STATE_TTL_MS", "2000",
                "QUESTIONS_FILE", "/etc/quiz.json", "QUIZ_QUESTIONS_PER_MATCH", "10")).game();
        assertEquals(new GameConfig(1_000, 60_000, 5_000, 2_000, "/etc/quiz.json", 10), set);
        ConfigException e = assertThrows(ConfigException.class, () -> GatewayConfig.fromEnv(Map.of(
                "JWT_SECRET", "0123456789abcdef0123", "QUIZ_QUESTIONS_PER_MATCH", "0", "MATCH_TIMEOUT_MS", "soon")));
        assertEquals(2, e.problems().size(), e.getMessage());
        assertTrue(e.getMessage().contains("QUIZ_QUESTIONS_PER_MATCH='0' must be between 1 and 50"), e.getMessage());
        assertTrue(e.getMessage().contains("MATCH_TIMEOUT_MS='soon' is not an integer"), e.getMessage());
    }

    @Test
    void listsAndOverrides() {
        GatewayConfig c = GatewayConfig.fromEnv(Map.of("JWT_SECRET", "0123456789abcdef0123",
                "WS_ALLOWED_ORIGINS", " https://a.example , https://b.example ,", "PUBLIC_ROOMS", "lobby,public:*",
                "RATE_LIMIT_WINDOW_MS", "60000", "SLOW_CONSUMER_POLICY", "DISCONNECT"));
        assertEquals(List.of("https://a.example", "https://b.example"), c.allowedOrigins());
        assertEquals(List.of("lobby", "public:*"), c.publicRooms());
        assertEquals(60_000, c.rateLimitWindowMs());
        assertEquals(GatewayConfig.SlowConsumerPolicy.DISCONNECT, c.slowConsumerPolicy());
    }

    @Test
    void seedVariableNamesAreReadWhenOursAreUnset() {
        GatewayConfig c = GatewayConfig.fromEnv(Map.of("JWT_SECRET", "0123456789abcdef0123", "REALTIME_PORT", "3009",
                "CORS_ORIGIN", "*", "KAFKA_BROKER", "kafka:29092", "KAFKA_GROUP_ID", "websocket-consumers",
                "RATE_LIMIT_WINDOW", "60000", "HEARTBEAT_INTERVAL", "30000"));
        assertEquals(3009, c.port());
        assertEquals(java.util.List.of("*"), c.allowedOrigins());
        assertEquals("kafka:29092", c.kafkaBrokers());
        assertEquals("websocket-consumers", c.kafkaConsumerGroup());
        assertEquals(60000, c.rateLimitWindowMs());
        assertEquals(30000, c.pingIntervalMs());
        GatewayConfig ours = GatewayConfig.fromEnv(Map.of("JWT_SECRET", "0123456789abcdef0123", "PORT", "8081",
                "REALTIME_PORT", "3009"));
        assertEquals(8081, ours.port(), "our name wins");
        GatewayConfig seed002 = GatewayConfig.fromEnv(Map.of("JWT_SECRET", "0123456789abcdef0123", "WS_PATH", "/socket.io"));
        assertEquals("/ws", seed002.wsPath(), "seed 002's WS_PATH meant its Socket.IO path, which ours serves already");
        assertEquals("/socket.io/", seed002.socketIoPath());
        ConfigException bad = assertThrows(ConfigException.class, () -> GatewayConfig.fromEnv(Map.of(
                "JWT_SECRET", "0123456789abcdef0123", "RATE_LIMIT_WINDOW", "abc")));
        assertEquals(List.of("RATE_LIMIT_WINDOW (read as RATE_LIMIT_WINDOW_MS)='abc' is not an integer"), bad.problems(),
                "a bad value is reported under the name it was given as");
    }
}
