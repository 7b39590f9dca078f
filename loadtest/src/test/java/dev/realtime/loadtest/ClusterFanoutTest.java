package dev.realtime.loadtest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.realtime.config.GatewayConfig;
import dev.realtime.server.GatewayServer;
import java.net.URI;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The harness against two real gateway nodes joined by a real redis-server: every room has members
 * on both nodes, so half the deliveries cross the bus, and every message must still arrive exactly
 * once at every member. The quiz scenario runs over the same two nodes.
 */
class ClusterFanoutTest {
    private static final String SECRET = "cluster-harness-secret-0123456789";
    private static RedisProcess redis;
    private static final List<GatewayServer> nodes = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        redis = RedisProcess.start();
        for (String id : List.of("a", "b")) {
            Map<String, String> env = new HashMap<>(Map.of("PORT", "0", "HOST", "127.0.0.1", "SHUTDOWN_DELAY_MS", "0", "JWT_SECRET", SECRET,
                    "IO_THREADS", "1", "ROOM_SHARDS", "2", "RATE_LIMIT_MAX_MESSAGES", "100000",
                    "RATE_LIMIT_MAX_CONNECTIONS", "0", "SHUTDOWN_GRACE_MS", "500",
                    // the servers' delivery counters must hold the harness's messages only
                    "PRESENCE_EVENTS_MAX_MEMBERS", "0"));
            env.put("NODE_ID", id);
            env.put("REDIS_URL", redis.url());
            nodes.add(new GatewayServer(GatewayConfig.fromEnv(env)).start());
        }
    }

    @AfterAll
    static void stop() throws InterruptedException {
        nodes.forEach(GatewayServer::shutdown);
        if (redis != null) {
            redis.close();
        }
    }

    private static String urls() {
        return "ws://127.0.0.1:" + nodes.get(0).port() + "/ws,ws://127.0.0.1:" + nodes.get(1).port() + "/ws";
    }

    private static Map<String, Double> metrics(int node) {
        return new ServerProbe(List.of(URI.create("ws://127.0.0.1:" + nodes.get(node).port() + "/ws")), List.of())
                .metrics();
    }

    private static double delta(Map<String, Double> before, Map<String, Double> after, String name) {
        return after.getOrDefault(name, 0.0) - before.getOrDefault(name, 0.0);
    }

    @Test
    @SuppressWarnings("unchecked")
    void everyMessageCrossesTheBusExactlyOnce() throws Exception {
        long self = ProcessHandle.current().pid();
        Map<String, Double> a0 = metrics(0);
        Map<String, Double> b0 = metrics(1);
        Map<String, Object> r = LoadTest.run(Options.parse(new String[] {"fanout", "--url", urls(), "--secret", SECRET,
                "--connections", "40", "--rooms", "4", "--publishers", "2", "--rate", "200", "--duration", "2",
                "--warmup", "1", "--threads", "1", "--server-pid", self + "," + self,
                "--redis-pid", Long.toString(redis.pid())}));
        Map<String, Double> a1 = metrics(0);
        Map<String, Double> b1 = metrics(1);
        assertEquals(List.of(20, 20), r.get("connectionsPerNode"), r.toString());
        // The nodes agree: both wrote deliveries, both took events off the bus, and between them
        // they wrote exactly what the harness received.
        String deliveries = "realtime_deliveries_total";
        String busIn = "realtime_bus_receives_total";
        assertTrue(delta(a0, a1, deliveries) > 0 && delta(b0, b1, deliveries) > 0, a1 + "\n" + b1);
        assertTrue(delta(a0, a1, busIn) > 0 && delta(b0, b1, busIn) > 0, a1 + "\n" + b1);
        assertEquals((double) (long) r.get("delivered"), delta(a0, a1, deliveries) + delta(b0, b1, deliveries),
                r.toString());
        long expected = (long) r.get("expectedDeliveries");
        assertTrue((long) r.get("sent") >= 350, r.toString());
        assertTrue(expected >= (long) r.get("sent") * 10, r.toString());
        assertEquals(expected, (long) r.get("delivered"), r.toString());
        assertEquals(0L, r.get("lost"), r.toString());
        assertEquals(0L, r.get("duplicates"), r.toString());
        Map<String, Object> same = (Map<String, Object>) r.get("latencyMsSameNode");
        Map<String, Object> cross = (Map<String, Object>) r.get("latencyMsCrossNode");
        Map<String, Object> all = (Map<String, Object>) r.get("latencyMs");
        // Members are dealt alternately over the nodes, so about half of the timed deliveries crossed.
        assertTrue((long) cross.get("count") > 0 && (long) same.get("count") > 0, r.toString());
        assertEquals((long) all.get("count"), (long) same.get("count") + (long) cross.get("count"));
        assertTrue(Math.abs((long) cross.get("count") - (long) same.get("count")) < (long) all.get("count") / 4,
                r.toString());
        assertEquals(2, ((List<?>) r.get("serverCpuSecondsByNode")).size(), r.toString());
        assertTrue(r.containsKey("redisCpuSeconds"), r.toString());
    }

    @Test
    @SuppressWarnings("unchecked")
    void killPidIsKilledMidRunAndEachRoomsFirstCrossNodeDeliveryAfterItIsReported() throws Exception {
        Process victim = new ProcessBuilder("sleep", "600").start();
        try {
            long self = ProcessHandle.current().pid();
            Map<String, Object> r = LoadTest.run(Options.parse(new String[] {"fanout", "--url", urls(), "--secret", SECRET,
                    "--connections", "20", "--rooms", "4", "--publishers", "2", "--rate", "200", "--duration", "3",
                    "--warmup", "1", "--threads", "1", "--redis-pid", redis.pid() + "," + self,
                    "--kill-pid", Long.toString(victim.pid()), "--kill-after", "1.5"}));
            assertTrue(victim.waitFor(10, java.util.concurrent.TimeUnit.SECONDS), "the process was killed");
            Map<String, Object> f = (Map<String, Object>) r.get("failover");
            assertEquals(victim.pid(), (long) f.get("killedPid"), r.toString());
            assertTrue(Math.abs((double) f.get("killedAtSecond") - 1.5) < 0.5, r.toString());
            assertEquals(4, f.get("roomsMeasured"), r.toString());
            assertEquals(0, f.get("roomsWithoutCrossNodeDeliveryAfterKill"), r.toString());
            assertTrue((long) f.get("firstCrossNodeDeliveryAfterKillMsMax") < 2_000, "nothing stopped: " + r);
            assertEquals(2, ((List<?>) r.get("redisCpuSecondsByPid")).size(), r.toString());
            assertEquals(0L, r.get("lost"), r.toString());
        } finally {
            victim.destroyForcibly();
        }
    }

    /** The quiz scenario over both nodes: players paired across the bus play whole matches, nothing is left hanging. */
    @Test
    @SuppressWarnings("unchecked")
    void quizPlayersOnTwoNodesPlayWholeMatches() throws Exception {
        Map<String, Object> r = LoadTest.run(Options.parse(new String[] {"quiz", "--url", urls(), "--secret", SECRET,
                "--connections", "20", "--duration", "2", "--warmup", "0", "--threads", "1"}));
        assertEquals(Map.of(), r.get("errors"), r.toString());
        assertTrue((long) r.get("matchesCompleted") >= 10, r.toString());
        assertEquals(0, r.get("stillPlayingAtEnd"), r.toString());
        assertTrue((long) ((Map<String, Object>) r.get("matchFoundAfterSecondJoinMs")).get("count") >= 20, r.toString());
        assertTrue((long) ((Map<String, Object>) r.get("stateUpdateAfterSubmitMs")).get("count") >= 100, r.toString());
    }
}
