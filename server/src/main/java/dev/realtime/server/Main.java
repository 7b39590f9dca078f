package dev.realtime.server;

import dev.realtime.auth.DevTokens;
import dev.realtime.cluster.RedisModeProbe;
import dev.realtime.config.ConfigException;
import dev.realtime.config.GatewayConfig;
import dev.realtime.game.QuestionBankException;
import dev.realtime.ingest.RouteTableException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * Starts one node from environment variables. Exit code 2 on invalid configuration. SIGTERM (and
 * Ctrl-C) trigger the graceful shutdown in {@link GatewayServer#shutdown()}.
 */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) throws InterruptedException {
        GatewayConfig config;
        try {
            config = configFrom(System.getenv());
        } catch (ConfigException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        GatewayServer server = new GatewayServer(config);
        try {
            server.start();
        } catch (RouteTableException | QuestionBankException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        } catch (IllegalStateException | IllegalArgumentException | java.io.UncheckedIOException e) {
            // A setting that validates alone but does not work: TLS files, keys, HOST, word lists.
            System.err.println("Invalid configuration:\n  - " + startupProblem(e, config));
            System.exit(2);
            return;
        } catch (Exception e) { // e.g. java.net.BindException: the port is taken
            System.err.println("Cannot start: " + startupProblem(e, config));
            System.exit(1);
            return;
        }
        if (config.devMode()) {
            System.out.println(devBanner(config, server.port()));
        } else if (!config.internalApiEnabled()) {
            System.err.println("WARNING: INTERNAL_API_KEY is not set: every internal HTTP API answers 401.");
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.shutdown();
            stopped.countDown();
        }, "shutdown"));
        stopped.await();
    }

    /** Why the node could not start, naming the setting where one is to blame. */
    static String startupProblem(Throwable e, GatewayConfig config) {
        if (e instanceof java.nio.channels.UnresolvedAddressException) {
            return "HOST='" + config.host() + "' cannot be resolved to an address to listen on";
        }
        if (e instanceof java.net.BindException) {
            return "cannot listen on HOST='" + config.host() + "' PORT=" + config.port() + " (" + e.getMessage()
                    + "): is another process using the port, or is the address not this machine's?";
        }
        String message = e.getMessage();
        return message == null || message.isBlank() ? e.toString() : message;
    }

    /**
     * The node's configuration from {@code env}; with one Redis address and no {@code REDIS_MODE},
     * built a second time in cluster mode when that address is a Redis Cluster node.
     */
    static GatewayConfig configFrom(Map<String, String> env) {
        GatewayConfig config = GatewayConfig.fromEnv(env);
        Map<String, String> resolved = RedisModeProbe.resolve(env, config, System.err::println);
        return resolved == env ? config : GatewayConfig.fromEnv(resolved);
    }

    /**
     * Dev mode only (no {@code JWT_SECRET}, no {@code JWT_PUBLIC_KEY}): the token printed here is
     * signed with a secret generated for this process and dies with it. The API key is printed only
     * when it was generated too; a configured {@code INTERNAL_API_KEY} is never printed.
     */
    static String devBanner(GatewayConfig config, int port) {
        if (!config.devMode()) {
            throw new IllegalStateException("the dev banner is for dev mode only");
        }
        String token = DevTokens.sign(config.jwtSecret(), "dev-user", "admin", Duration.ofHours(24));
        String host = "0.0.0.0".equals(config.host()) ? "localhost" : config.host();
        String key = config.internalApiKeyGenerated() ? config.internalApiKey()
                : "(the configured INTERNAL_API_KEY, not shown)";
        return """

                ============================================================================
                 WARNING: DEV MODE. JWT_SECRET is not set, so a random secret was generated.
                 Tokens die with this process. Set JWT_SECRET (and INTERNAL_API_KEY) in production.
                ============================================================================
                 WebSocket : ws://%s:%d%s
                 Dev token (user dev-user, role admin, valid 24h):
                   %s
                 Internal API key (header internal-api-key):
                   %s
                 Try: websocat 'ws://%s:%d%s?token=<dev token>'
                ============================================================================
                """.formatted(host, port, config.wsPath(), token, key, host, port, config.wsPath());
    }
}
