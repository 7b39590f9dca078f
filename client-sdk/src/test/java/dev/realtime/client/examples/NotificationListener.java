package dev.realtime.client.examples;

import dev.realtime.client.ConnectionState;
import dev.realtime.client.RealtimeClient;
import dev.realtime.client.RealtimeException;
import dev.realtime.client.ReconnectPolicy;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A long-running listener for a user's notifications: it gets a fresh token from a file every time it
 * (re)connects or the server warns that the token expires, reconnects forever, and logs its state.
 *
 * <p>Run (from the repository root): {@code RT_TOKEN_FILE=/run/secrets/rt-token mvn -q -pl client-sdk -am
 * -DskipTests test-compile exec:java -Dexample=NotificationListener -Dexec.args=ws://localhost:8080/ws}.
 * Another process (a sidecar, a cron job) keeps the file up to date.
 */
public final class NotificationListener {

    /**
     * The {@code notification:new} payload; other fields are ignored. {@code notificationId} is added by
     * the server's inbox (null when the notification was not stored, so there is nothing to ack).
     */
    public record Notification(String notificationId, String type, String title, String message, Long timestamp) {
    }

    private NotificationListener() {
    }

    public static void main(String[] args) throws InterruptedException {
        String uri = args.length > 0 ? args[0] : "ws://localhost:8080/ws";
        Path tokenFile = Path.of(System.getenv().getOrDefault("RT_TOKEN_FILE", "token.jwt"));
        ExecutorService ui = Executors.newSingleThreadExecutor(); // showing a notification may be slow

        RealtimeClient client = RealtimeClient.builder()
                .uri(uri)
                .tokenSupplier(() -> readToken(tokenFile)) // runs on the token executor, may block
                .reconnectPolicy(ReconnectPolicy.forever(Duration.ofSeconds(1), Duration.ofMinutes(1)))
                .build();

        client.onStateChange(change -> {
            if (change.state() == ConnectionState.RECONNECTING) {
                System.out.printf("connection lost (close %d %s), retry %d in %d ms%n", change.closeCode(),
                        change.closeReason(), change.attempt(), change.retryDelayMs());
            } else if (change.state() == ConnectionState.CLOSED && change.error() != null) {
                System.out.println("stopped: " + change.error().code() + " " + change.error().getMessage());
            } else {
                System.out.println("state: " + change.state());
            }
        });
        // Delivery is at least once (live, and replayed on every connect until acked): skip repeats.
        Set<String> seen = Collections.newSetFromMap(new LinkedHashMap<String, Boolean>() {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
                return size() > 1_000;
            }
        });
        client.on("notification:new", Notification.class, n -> ui.execute(() -> {
            if (n.notificationId() != null && !seen.add(n.notificationId())) {
                return; // already shown
            }
            System.out.println("[" + n.type() + "] " + n.title() + ": " + n.message());
            if (n.notificationId() == null) {
                return; // delivered live only: nothing to acknowledge
            }
            // Acknowledge: the inbox stops replaying it and the user's other devices get notification:read.
            client.emit("notifications:read", Map.of("notificationId", n.notificationId()))
                    .exceptionally(error -> {
                        RealtimeException e = RealtimeException.unwrap(error);
                        System.err.println("ack failed: " + (e != null ? e.code() : error));
                        return null;
                    });
        }));
        client.onError(e -> System.err.println("server error: " + e.code() + " " + e.getMessage()));

        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            client.close();
            ui.shutdown();
            stopped.countDown();
        }));
        // With a forever policy this completes once connected, however long the server is away;
        // it only fails if the client gives up (e.g. forbidden) or is closed.
        client.connect().whenComplete((info, error) -> {
            if (error != null) {
                System.err.println("could not connect: " + error.getMessage());
            } else {
                System.out.println("listening for notifications of " + info.userId());
            }
        });
        stopped.await();
    }

    private static String readToken(Path file) {
        try {
            return Files.readString(file).strip();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the token file " + file, e);
        }
    }
}
