package dev.realtime.loadtest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.realtime.config.GatewayConfig;
import dev.realtime.server.GatewayServer;
import io.netty.buffer.Unpooled;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The harness against a real in-process server: small, fast runs whose accounting must add up. */
class LoadTestHarnessTest {
    private static final String SECRET = "harness-test-secret-0123456789";
    private static final String API_KEY = "harness-test-api-key";
    private static GatewayServer server;

    @BeforeAll
    static void start() throws InterruptedException {
        server = new GatewayServer(GatewayConfig.fromEnv(Map.of("PORT", "0", "HOST", "127.0.0.1", "SHUTDOWN_DELAY_MS", "0", "JWT_SECRET", SECRET,
                "IO_THREADS", "1", "ROOM_SHARDS", "2", "RATE_LIMIT_MAX_MESSAGES", "100000",
                "RATE_LIMIT_MAX_CONNECTIONS", "0", "INTERNAL_API_KEY", API_KEY))).start();
    }

    @AfterAll
    static void stop() {
        server.shutdown();
    }

    private String url() {
        return "ws://127.0.0.1:" + server.port() + "/ws";
    }

    @Test
    void fanoutAccountsForEveryDelivery() throws Exception {
        Map<String, Object> r = LoadTest.run(Options.parse(new String[] {"fanout", "--url", url(), "--secret", SECRET,
                "--connections", "40", "--rooms", "4", "--publishers", "2", "--rate", "200", "--duration", "2",
                "--warmup", "1", "--threads", "1"}));
        long expected = (long) r.get("expectedDeliveries");
        assertTrue((long) r.get("sent") >= 350, r.toString());
        // 4 rooms of 10, plus publisher 0 in room 2 and publisher 1 in room 3: 11 members there.
        assertTrue(expected >= (long) r.get("sent") * 10, r.toString());
        assertEquals(expected, (long) r.get("delivered"), r.toString());
        assertEquals(0L, r.get("lost"));
        assertEquals(0L, r.get("duplicates"));
        @SuppressWarnings("unchecked")
        Map<String, Object> latency = (Map<String, Object>) r.get("latencyMs");
        assertTrue((long) latency.get("count") > 0);
    }

    /** Notifications posted over HTTP, each to one user's device: every one arrives once, with its latency. */
    @Test
    void notificationsOverHttpAccountForEveryDelivery() throws Exception {
        Map<String, Object> r = LoadTest.run(Options.parse(new String[] {"notify", "--url", url(), "--secret", SECRET,
                "--api-key", API_KEY, "--connections", "20", "--rate", "200", "--duration", "2", "--warmup", "1",
                "--threads", "1"}));
        assertTrue((long) r.get("sent") >= 350, r.toString());
        assertEquals(r.get("sent"), r.get("expectedDeliveries"), r.toString());
        assertEquals(r.get("expectedDeliveries"), r.get("delivered"), r.toString());
        assertEquals(0L, r.get("lost"));
        assertEquals(0L, r.get("duplicates"));
        assertEquals(Map.of(), r.get("errors"));
        @SuppressWarnings("unchecked")
        Map<String, Object> latency = (Map<String, Object>) r.get("latencyMs");
        assertTrue((long) latency.get("count") > 0);
        assertEquals(java.util.List.of(), LoadTest.failures(r));
    }

    /** A wrong API key is a failed run, named: every post answered 401. */
    @Test
    void notificationsWithAWrongKeyFailTheRun() throws Exception {
        Map<String, Object> r = LoadTest.run(Options.parse(new String[] {"notify", "--url", url(), "--secret", SECRET,
                "--api-key", "wrong", "--connections", "5", "--rate", "20", "--duration", "1", "--warmup", "0",
                "--threads", "1"}));
        assertTrue(LoadTest.failures(r).stream().anyMatch(f -> f.contains("notify_http_401")), r.toString());
    }

    /** No broker where --kafka-brokers points: the run stops before the clock with the reason, bounded in time. */
    @Test
    void notificationsViaAnUnreachableKafkaAbortWithTheReason() throws Exception {
        long t0 = System.nanoTime();
        Map<String, Object> r = LoadTest.run(Options.parse(new String[] {"notify", "--url", url(), "--secret", SECRET,
                "--via", "kafka", "--kafka-brokers", "127.0.0.1:1", "--connections", "5", "--rate", "20",
                "--duration", "1", "--warmup", "0", "--threads", "1"}));
        assertTrue(String.valueOf(r.get("aborted")).startsWith("cannot produce to SessionStartingSoon on 127.0.0.1:1"),
                r.toString());
        assertTrue(System.nanoTime() - t0 < java.util.concurrent.TimeUnit.SECONDS.toNanos(30), "bounded");
    }

    @Test
    void notifyOptionsAreChecked() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Options.parse(new String[] {"notify", "--url", url(),
                "--secret", SECRET})).getMessage().contains("--api-key is required for notify --via http"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Options.parse(new String[] {"notify", "--url", url(),
                "--secret", SECRET, "--via", "kafka"})).getMessage().contains("--kafka-brokers host:port"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Options.parse(new String[] {"notify", "--url", url(),
                "--secret", SECRET, "--via", "smtp"})).getMessage().contains("--via must be http or kafka"));
    }

    @Test
    void videoRoomWithChatAndChurnAccountsForEveryChatDelivery() throws Exception {
        Map<String, Object> r = LoadTest.run(Options.parse(new String[] {"video", "--url", url(), "--secret", SECRET,
                "--connections", "30", "--rate", "20", "--churn", "10", "--duration", "2", "--warmup", "1",
                "--threads", "1"}));
        assertEquals(20, r.get("chatters"), r.toString());
        assertEquals(10, r.get("churnConnections"), r.toString());
        assertTrue((long) r.get("sent") >= 35, r.toString());
        assertEquals((long) r.get("sent") * 30, (long) r.get("expectedDeliveries"), "every viewer gets every message");
        assertEquals(r.get("expectedDeliveries"), r.get("delivered"), r.toString());
        assertEquals(0L, r.get("lost"));
        assertEquals(0L, r.get("duplicates"));
        assertTrue((long) r.get("countEventsReceived") > 0, "viewer counts reach the viewers: " + r);
        assertTrue((double) r.get("viewerCountCpuSeconds") >= 0, r.toString());
        assertEquals(Map.of(), r.get("errors"));
    }

    @Test
    void binaryCodecFanout() throws Exception {
        Map<String, Object> r = LoadTest.run(Options.parse(new String[] {"fanout", "--url", url(), "--secret", SECRET,
                "--connections", "10", "--rate", "100", "--duration", "1", "--warmup", "0", "--codec", "binary"}));
        assertEquals(r.get("expectedDeliveries"), r.get("delivered"));
        assertEquals(0L, r.get("lost"));
    }

    @Test
    void socketIoProtocolFanoutOnTheGatewaysEndpoint() throws Exception {
        Map<String, Object> r = LoadTest.run(Options.parse(new String[] {"fanout", "--url",
                "ws://127.0.0.1:" + server.port() + "/socket.io/", "--secret", SECRET, "--protocol", "socketio",
                "--connections", "20", "--rooms", "2", "--rate", "100", "--duration", "2", "--warmup", "0",
                "--threads", "1"}));
        assertEquals("socketio", r.get("protocol"));
        assertTrue((long) r.get("sent") >= 150, r.toString());
        assertEquals(r.get("expectedDeliveries"), r.get("delivered"), r.toString());
        assertEquals(0L, r.get("lost"));
        assertEquals(0L, r.get("duplicates"));
    }

    @Test
    void connectStormAndWrongSecret() throws Exception {
        Map<String, Object> ok = LoadTest.run(Options.parse(new String[] {"connect", "--url", url(), "--secret", SECRET,
                "--connections", "100"}));
        assertEquals(100L, ok.get("connected"));
        assertTrue((double) ok.get("connectsPerSec") > 0);
        assertEquals(100, ok.get("warmupConnections"), "the default 3 s of warm-up, capped at the storm's size");
        assertEquals(Map.of(), ok.get("warmupErrors"));
        Map<String, Object> bad = LoadTest.run(Options.parse(new String[] {"connect", "--url", url(), "--secret",
                "not-the-server-secret", "--connections", "5"}));
        assertEquals(0L, bad.get("connected"));
        assertEquals(Map.of("http_401", 5L), bad.get("errors"));
    }

    @Test
    @SuppressWarnings("unchecked")
    void quizPlayersPlayWholeMatches() throws Exception {
        Map<String, Object> r = LoadTest.run(Options.parse(new String[] {"quiz", "--url", url(), "--secret", SECRET,
                "--connections", "10", "--duration", "2", "--warmup", "1", "--threads", "1"}));
        assertEquals(Map.of(), r.get("errors"), r.toString());
        assertTrue((long) r.get("matchesCompleted") >= 5, "every player played at least once: " + r);
        assertTrue((double) r.get("matchesPerSec") > 0, r.toString());
        assertEquals(0, r.get("stillPlayingAtEnd"), r.toString());
        Map<String, Object> found = (Map<String, Object>) r.get("matchFoundAfterSecondJoinMs");
        Map<String, Object> state = (Map<String, Object>) r.get("stateUpdateAfterSubmitMs");
        assertTrue((long) found.get("count") > 0 && (long) state.get("count") > 0, r.toString());
        assertThrows(IllegalArgumentException.class, () -> Options.parse(new String[] {"quiz", "--secret", "s",
                "--connections", "1"}));
        assertThrows(IllegalArgumentException.class, () -> Options.parse(new String[] {"quiz", "--secret", "s",
                "--think-ms", "-1"}));
    }

    @Test
    void idleReadsServerMemory() throws Exception {
        Map<String, Object> r = LoadTest.run(Options.parse(new String[] {"idle", "--url", url(), "--secret", SECRET,
                "--connections", "50", "--duration", "1"}));
        assertEquals(50L, r.get("connected"));
        @SuppressWarnings("unchecked")
        Map<String, Object> per = (Map<String, Object>) r.get("bytesPerConnection");
        assertTrue(per.containsKey("process_resident_memory_bytes"), r.toString());
    }

    @Test
    void impossibleOptionsAreRefusedUpFront() {
        assertTrue(msg("fanout").contains("--secret is required"));
        assertTrue(msg("explode", "--secret", "s").contains("unknown scenario"));
        assertTrue(msg("fanout", "--secret", "s", "--connections", "10", "--rooms", "20").contains("--rooms must be"));
        assertTrue(msg("fanout", "--secret", "s", "--rate", "-1").contains("--rate"));
        assertTrue(msg("fanout", "--secret", "s", "--codec", "xml").contains("--codec"));
        assertTrue(msg("fanout", "--secret", "s", "--protocol", "mqtt").contains("--protocol must be native or socketio"));
        assertTrue(msg("connect", "--secret", "s", "--connections", "100000000").contains("file descriptors"));
        assertTrue(msg("connect", "--secret", "s", "--bogus", "1").contains("unknown option --bogus"));
        assertTrue(msg("connect", "--secret", "s", "--connections", "ten").contains("not a valid value"));
    }

    @Test
    void connectWarmupIsSecondsWorthOfHandshakesAtTheStormsRate() {
        String[] base = {"connect", "--secret", "s", "--connections", "19000"};
        assertEquals(6_000, ConnectScenario.warmupConnections(Options.parse(concat(base, "--ramp", "2000"))));
        assertEquals(6_000, ConnectScenario.warmupConnections(Options.parse(base)), "a storm counts as 2,000/s");
        assertEquals(200, ConnectScenario.warmupConnections(Options.parse(concat(base, "--ramp", "10"))), "at least 200");
        assertEquals(0, ConnectScenario.warmupConnections(Options.parse(concat(base, "--warmup", "0"))));
        assertEquals(19_000, ConnectScenario.warmupConnections(Options.parse(concat(base, "--warmup", "60"))),
                "never more than the storm");
    }

    private static String[] concat(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    @Test
    void urlListsAreValidatedEntryByEntry() {
        Options one = Options.parse(new String[] {"fanout", "--secret", "s", "--url", "ws://127.0.0.1:9000/ws"});
        assertEquals(java.util.List.of(one.url()), one.urls());
        assertEquals("ws://127.0.0.1:9000/ws", one.url().toString());
        Options two = Options.parse(new String[] {"fanout", "--secret", "s", "--url",
            "ws://127.0.0.1:9000/ws, ws://127.0.0.1:9001/ws", "--server-pid", "11,12"});
        assertEquals(2, two.urls().size());
        assertEquals("ws://127.0.0.1:9001/ws", two.urls().get(1).toString());
        assertEquals(two.urls().get(0), two.url());
        assertEquals(java.util.List.of(11L, 12L), two.serverPids());

        assertTrue(msg("fanout", "--secret", "s", "--url", "http://h:1/ws").contains("--url 'http://h:1/ws' must be ws://"));
        assertTrue(msg("fanout", "--secret", "s", "--url", "ws://h:1/ws,http://h:2/ws")
                .contains("--url entry 2 of 2 'http://h:2/ws' must be ws:// or wss://"));
        assertTrue(msg("fanout", "--secret", "s", "--url", "ws://h:1/ws,").contains("--url entry 2 of 2 is empty"));
        assertTrue(msg("fanout", "--secret", "s", "--url", "ws://h:1/ws,ws://h:1/ws").contains("listed twice"));
        assertTrue(msg("fanout", "--secret", "s", "--url", "ws://h:1/ws,ws:// bad").contains("not a valid URI"));
        assertTrue(msg("fanout", "--secret", "s", "--url", "ws:///ws").contains("has no host"));
        assertTrue(msg("fanout", "--secret", "s", "--url", "ws://h:1/ws,ws://h:2/ws", "--server-pid", "5")
                .contains("one pid per node"));
    }

    @Test
    void roomsAreSpreadOverNodes() {
        // One room: plain round-robin, publisher (connection 0) on node 0.
        for (int k = 0; k < 10; k++) {
            assertEquals(k % 2, FanoutScenario.nodeOf(k, 1, 2));
        }
        // 1,000 rooms x 10 members on 2 nodes: every room has 5 members on each node (k % 2 alone
        // would put all of a room's members on one node), and the nodes hold 5,000 each.
        int[] perNode = new int[2];
        int[][] perRoom = new int[1000][2];
        for (int k = 0; k < 10_000; k++) {
            int n = FanoutScenario.nodeOf(k, 1000, 2);
            perNode[n]++;
            perRoom[k % 1000][n]++;
        }
        assertEquals(5000, perNode[0]);
        for (int[] room : perRoom) {
            assertEquals(5, room[0]);
            assertEquals(5, room[1]);
        }
        // One node: always node 0 (single-URL behaviour unchanged).
        assertEquals(0, FanoutScenario.nodeOf(12345, 7, 1));
    }

    private static String msg(String... args) {
        return assertThrows(IllegalArgumentException.class, () -> Options.parse(args)).getMessage();
    }

    @Test
    void probePayloadRoundTrip() {
        byte[] data = Probe.encode(123456789012L, 42, 7, 200);
        assertEquals(200, data.length);
        Probe p = Probe.create();
        assertTrue(p.parse(Unpooled.wrappedBuffer(data)));
        assertEquals(123456789012L, p.t);
        assertEquals(42, p.r);
        assertEquals(7, p.s);
        assertTrue(!p.parse(Unpooled.wrappedBuffer("{\"other\":1}".getBytes())));
        String chat = "{\"id\":\"x\",\"videoId\":\"v\",\"userId\":\"u\",\"message\":\""
                + Probe.chatText(98765L, 3, 11, 40) + "\",\"timestamp\":1}";
        assertTrue(p.parseChat(Unpooled.wrappedBuffer(chat.getBytes())));
        assertEquals(98765L, p.t);
        assertEquals(3, p.r);
        assertEquals(11, p.s);
        assertTrue(!p.parseChat(Unpooled.wrappedBuffer("{\"message\":\"hello\"}".getBytes())));
    }
}
