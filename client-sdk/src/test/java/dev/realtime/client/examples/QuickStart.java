package dev.realtime.client.examples;

import com.fasterxml.jackson.databind.JsonNode;
import dev.realtime.client.ConnectedInfo;
import dev.realtime.client.RealtimeClient;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * The quick start: connect, join a room, publish to it (and receive it back), ask for its rooms.
 *
 * <p>Run (from the repository root, with a node running): {@code RT_TOKEN=<jwt> mvn -q -pl client-sdk -am
 * -DskipTests test-compile exec:java -Dexample=QuickStart -Dexec.args=ws://localhost:8080/ws}.
 */
public final class QuickStart {

    /** The data of a {@code chat:message} event. */
    public record ChatMessage(String from, String text) {
    }

    private QuickStart() {
    }

    public static void main(String[] args) throws Exception {
        String uri = args.length > 0 ? args[0] : "ws://localhost:8080/ws";
        String jwt = args.length > 1 ? args[1] : Objects.requireNonNull(System.getenv("RT_TOKEN"), "set RT_TOKEN to a JWT");
        try (RealtimeClient client = RealtimeClient.builder()
                .uri(uri)
                .token(jwt)
                .build()) {
            client.on("chat:message", ChatMessage.class, m -> System.out.println(m.from() + ": " + m.text()));
            ConnectedInfo me = client.connect().get(10, TimeUnit.SECONDS); // sid, userId, anonymous, rooms
            client.join("game-lobby-1").get(5, TimeUnit.SECONDS);
            client.publish("game-lobby-1", "chat:message", new ChatMessage(me.userId(), "hi")).get(5, TimeUnit.SECONDS);
            JsonNode rooms = client.emit("get_rooms", null).get(5, TimeUnit.SECONDS);
            System.out.println("my rooms: " + rooms.get("rooms"));
        }
    }
}
