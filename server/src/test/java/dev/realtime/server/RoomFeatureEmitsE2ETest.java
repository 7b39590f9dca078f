package dev.realtime.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import com.fasterxml.jackson.databind.JsonNode;
import dev.realtime.testing.TestNode;
import dev.realtime.testing.WsClient;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Every room-feature emit answers garbage with a specific error (never unknown_event), and the connection lives on. */
class RoomFeatureEmitsE2ETest {
    static final List<String> NAMES = List.of("typing", "video:join", "video:leave", "video:progress", "chat:join",
            "chat:leave", "chat:message", "chat:typing", "subscribe:admin", "unsubscribe:admin", "request:stats",
            "subscribe:orders", "presence");

    @Test
    void garbageGetsASpecificCode() {
        try (TestNode node = TestNode.start();
             WsClient c = node.connect("u1");
             WsClient bystander = node.connect("u2")) {
            bystander.join("lobby");
            for (String name : NAMES) {
                for (String data : new String[] {"\"x\"", "[1,2]", "{\"videoId\":{},\"room\":7,\"isTyping\":1}"}) {
                    JsonNode r = c.emit(name, data);
                    String code = r.path("error").path("code").asText();
                    assertNotEquals("unknown_event", code, name + " " + r);
                    // subscribe:orders takes any object without a foreign userId
                    boolean mayPass = name.equals("subscribe:orders") && data.startsWith("{");
                    assertFalse(r.path("ok").asBoolean() && !mayPass, name + " " + data + " " + r);
                }
            }
            c.send("{\"op\":\"ping\",\"id\":99}");
            assertEquals(99, c.expectOp("pong").path("id").asInt(), "still connected");
            assertEquals("reply", bystander.publish("lobby", "hello", "{}").path("op").asText());
        }
    }
}
