package dev.realtime.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.realtime.testing.Http;
import dev.realtime.testing.HttpResult;
import dev.realtime.testing.TestNode;
import dev.realtime.testing.WsClient;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Graceful shutdown: not ready, close 1001, drain, exit. In-process and as a real process with SIGTERM. */
class ShutdownE2ETest {

    @Test
    void drainReportsNotReadyThenClosesClientsWith1001() {
        TestNode node = TestNode.start(Map.of("SHUTDOWN_DELAY_MS", "1500"));
        WsClient a = node.connect("a");
        WsClient b = node.connect("b");
        CompletableFuture<Void> stopping = CompletableFuture.runAsync(node::close);
        HttpResult ready = null;
        for (int i = 0; i < 200; i++) {
            ready = node.get("/health/ready");
            if (ready.status() == 503) {
                break;
            }
            Thread.onSpinWait();
        }
        assertEquals(503, ready.status(), "ready must fail while draining");
        assertEquals("draining", ready.json().get("status").asText());
        assertEquals(1001, a.awaitClose());
        assertEquals(1001, b.awaitClose());
        stopping.join();
    }

    @Test
    void devModeProcessPrintsWorkingCredentialsAndStopsOnSigterm() throws Exception {
        ProcessBuilder pb = new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"),
                "-cp", System.getProperty("java.class.path"), "dev.realtime.server.Main");
        pb.environment().remove("JWT_SECRET");
        pb.environment().remove("INTERNAL_API_KEY");
        pb.environment().put("PORT", "0");
        pb.environment().put("HOST", "127.0.0.1");
        pb.redirectErrorStream(true);
        Process p = pb.start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            String token = null;
            String apiKey = null;
            int port = -1;
            Pattern listening = Pattern.compile("listening on [0-9.]+:(\\d+)");
            String line;
            String previous = "";
            while ((line = out.readLine()) != null && (token == null || apiKey == null || port < 0)) {
                Matcher m = listening.matcher(line);
                if (m.find()) {
                    port = Integer.parseInt(m.group(1));
                }
                if (previous.contains("Dev token")) {
                    token = line.trim();
                }
                if (previous.contains("Internal API key")) {
                    apiKey = line.trim();
                }
                previous = line;
            }
            assertTrue(port > 0 && token != null && apiKey != null, "banner printed");
            Thread drain = new Thread(() -> out.lines().forEach(l -> { }));
            drain.setDaemon(true);
            drain.start();

            WsClient c = WsClient.connect(URI.create("ws://127.0.0.1:" + port + "/ws"),
                    Map.of("Authorization", "Bearer " + token), null);
            assertEquals("dev-user", c.expectOp("connected").get("userId").asText());
            HttpResult notify = Http.send(URI.create("http://127.0.0.1:" + port + "/api/realtime/internal/notify"), "POST",
                    "{\"userIds\":[\"dev-user\"],\"payload\":{\"hello\":1}}", Map.of("internal-api-key", apiKey));
            assertEquals(202, notify.status());
            c.expectEvent("notification:new");

            p.destroy(); // SIGTERM
            assertEquals(1001, c.awaitClose());
            assertTrue(p.waitFor(15, TimeUnit.SECONDS), "process exits after draining");
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void invalidConfigurationExitsWithClearMessage() throws Exception {
        ProcessBuilder pb = new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"),
                "-cp", System.getProperty("java.class.path"), "dev.realtime.server.Main");
        pb.environment().put("PORT", "not-a-port");
        pb.environment().put("WS_PING_INTERVAL", "-5");
        pb.redirectErrorStream(true);
        Process p = pb.start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(15, TimeUnit.SECONDS));
        assertEquals(2, p.exitValue());
        assertTrue(output.contains("PORT='not-a-port' is not an integer"), output);
        assertTrue(output.contains("WS_PING_INTERVAL='-5' must be between"), output);
    }
}
