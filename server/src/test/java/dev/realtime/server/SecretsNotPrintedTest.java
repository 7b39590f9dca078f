package dev.realtime.server;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.realtime.config.GatewayConfig;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A configured secret is never printed: with {@code JWT_SECRET} set there is no banner at all, and in
 * dev mode only the secrets generated for the process are shown. Checked on the real {@code Main} in a
 * child JVM, as an operator would start it.
 */
class SecretsNotPrintedTest {
    private static final String KEY = "configured-api-key-that-must-stay-secret";

    @Test
    void withJwtSecretSetNothingPrintsTheApiKey() throws Exception {
        String out = startAndCapture(Map.of("JWT_SECRET", "configured-jwt-secret-0123456789", "INTERNAL_API_KEY", KEY));
        assertFalse(out.contains(KEY), out);
        assertFalse(out.contains("configured-jwt-secret"), out);
        assertFalse(out.contains("DEV MODE"), out);
    }

    @Test
    void devModeShowsItsOwnTokenButNotAConfiguredKey() throws Exception {
        String out = startAndCapture(Map.of("INTERNAL_API_KEY", KEY));
        assertTrue(out.contains("DEV MODE"), out);
        assertFalse(out.contains(KEY), out);
        assertTrue(out.contains("not shown"), out);
    }

    @Test
    void aGeneratedKeyIsShownInDevModeOnly() {
        GatewayConfig dev = GatewayConfig.fromEnv(Map.of());
        assertTrue(Main.devBanner(dev, 8080).contains(dev.internalApiKey()));
        GatewayConfig prod = GatewayConfig.fromEnv(Map.of("JWT_SECRET", "configured-jwt-secret-0123456789",
                "INTERNAL_API_KEY", KEY));
        assertThrows(IllegalStateException.class, () -> Main.devBanner(prod, 8080));
    }

    /** Runs Main on a free port until it listens, then stops it; returns stdout and stderr. */
    private static String startAndCapture(Map<String, String> env) throws Exception {
        String java = System.getProperty("java.home") + File.separator + "bin" + File.separator + "java";
        ProcessBuilder pb = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), Main.class.getName())
                .redirectErrorStream(true);
        pb.environment().keySet().removeIf(k -> k.startsWith("JWT_") || k.equals("INTERNAL_API_KEY")
                || k.startsWith("REDIS") || k.startsWith("KAFKA"));
        pb.environment().putAll(env);
        pb.environment().put("PORT", "0");
        pb.environment().put("HOST", "127.0.0.1");
        Process p = pb.start();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (InputStream in = p.getInputStream()) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            byte[] buf = new byte[4096];
            // The banner (dev mode) is printed right after the "listening on" log line: wait for the
            // line, then a moment for what follows it.
            long stopAt = Long.MAX_VALUE;
            while (System.nanoTime() < Math.min(deadline, stopAt) && p.isAlive()) {
                if (in.available() > 0) {
                    out.write(buf, 0, in.read(buf));
                    if (stopAt == Long.MAX_VALUE && out.toString(StandardCharsets.UTF_8).contains("listening on")) {
                        stopAt = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1500);
                    }
                } else {
                    Thread.sleep(20);
                }
            }
            assertTrue(out.toString(StandardCharsets.UTF_8).contains("listening on"), out.toString(StandardCharsets.UTF_8));
        } finally {
            p.destroy();
            if (!p.waitFor(15, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}
